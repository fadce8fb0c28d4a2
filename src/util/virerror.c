/*
 * virerror.c: error reporting for virt-viommu
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virerror.h"

#include <stdio.h>

VIR_ENUM_IMPL(virErrorCode,
              VIR_ERROR_LAST,
              "internal",
              "system",
              "xml-parse",
              "xml-invalid",
              "unsupported",
              "conflict",
              "placement",
              "exhausted",
              "host-device",
              "host-iommu",
              "host-sysfs",
              "group-not-viable",
              "plan-record",
              "no-plan",
              "no-domain",
              "operation-invalid",
              "operation-failed",
              "libvirt",
              "library",
              "busy",
);

struct _virErrorItem {
    virErrorCode code;
    char *message;
};


static void
virErrorItemFree(virErrorItem *item)
{
    g_free(item->message);
    g_free(item);
}


virErrorCode
virErrorItemCode(const virErrorItem *item)
{
    return item->code;
}


const char *
virErrorItemMessage(const virErrorItem *item)
{
    return item->message;
}


static GPrivate virErrorList = G_PRIVATE_INIT((GDestroyNotify) g_ptr_array_unref);
static GPrivate virWarningList = G_PRIVATE_INIT((GDestroyNotify) g_ptr_array_unref);


static GPtrArray *
virMessageListGet(GPrivate *key)
{
    GPtrArray *list = g_private_get(key);

    if (!list) {
        list = g_ptr_array_new_with_free_func((GDestroyNotify) virErrorItemFree);
        g_private_set(key, list);
    }
    return list;
}


static void
virMessageListAppend(GPrivate *key, virErrorCode code, char *message)
{
    virErrorItem *item = g_new0(virErrorItem, 1);

    item->code = code;
    item->message = message;
    g_ptr_array_add(virMessageListGet(key), item);
}


static char *
virMessageListFormat(GPrivate *key, unsigned int flags)
{
    GPtrArray *list = virMessageListGet(key);
    GString *buf = g_string_new(NULL);
    size_t i;

    for (i = 0; i < list->len; i++) {
        virErrorItem *item = g_ptr_array_index(list, i);

        if (flags & VIR_ERROR_FORMAT_CODES)
            g_string_append_printf(buf, "%s: ", virErrorCodeTypeToString(item->code));
        g_string_append(buf, item->message);
        g_string_append_c(buf, '\n');
    }
    return g_string_free(buf, FALSE);
}


static void
virMessageListDispatch(GPrivate *key, const char *prefix, const char *level)
{
    GPtrArray *list = virMessageListGet(key);
    size_t i;

    for (i = 0; i < list->len; i++) {
        virErrorItem *item = g_ptr_array_index(list, i);

        fprintf(stderr, "%s: %s: %s\n", prefix, level, item->message);
    }
    g_ptr_array_set_size(list, 0);
}


void
virReportError(virErrorCode code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    virMessageListAppend(&virErrorList, code, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}


void
virReportSystemError(int errnum, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);

    virMessageListAppend(&virErrorList, VIR_ERROR_SYSTEM,
                         g_strdup_printf("%s: %s", msg, g_strerror(errnum)));
}


const char *
virErrorGetLast(void)
{
    GPtrArray *list = virMessageListGet(&virErrorList);

    if (list->len == 0)
        return "unknown error";
    return virErrorItemMessage(g_ptr_array_index(list, list->len - 1));
}


virErrorCode
virErrorGetLastCode(void)
{
    GPtrArray *list = virMessageListGet(&virErrorList);

    if (list->len == 0)
        return VIR_ERROR_LAST;
    return virErrorItemCode(g_ptr_array_index(list, list->len - 1));
}


char *
virErrorTakeLast(void)
{
    GPtrArray *list = virMessageListGet(&virErrorList);
    virErrorItem *item;
    char *msg;

    if (list->len == 0)
        return NULL;
    item = g_ptr_array_steal_index(list, list->len - 1);
    msg = g_steal_pointer(&item->message);
    virErrorItemFree(item);
    return msg;
}


const GPtrArray *
virErrorGetAll(void)
{
    return virMessageListGet(&virErrorList);
}


size_t
virErrorCount(void)
{
    return virMessageListGet(&virErrorList)->len;
}


char *
virErrorsFormat(unsigned int flags)
{
    return virMessageListFormat(&virErrorList, flags);
}


void
virErrorReset(void)
{
    g_ptr_array_set_size(virMessageListGet(&virErrorList), 0);
}


void
virErrorDispatch(const char *prefix)
{
    virMessageListDispatch(&virErrorList, prefix, "error");
}


void
virReportWarning(virErrorCode code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    virMessageListAppend(&virWarningList, code, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}


const GPtrArray *
virWarningGetAll(void)
{
    return virMessageListGet(&virWarningList);
}


void
virWarningReset(void)
{
    g_ptr_array_set_size(virMessageListGet(&virWarningList), 0);
}


char *
virWarningsFormat(unsigned int flags)
{
    return virMessageListFormat(&virWarningList, flags);
}


void
virWarningDispatch(const char *prefix)
{
    virMessageListDispatch(&virWarningList, prefix, "warning");
}
