/*
 * virerror.c: error reporting for virt-viommu
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virerror.h"

#include <stdio.h>

static GPrivate virErrorList = G_PRIVATE_INIT((GDestroyNotify) g_ptr_array_unref);
static GPrivate virWarningList = G_PRIVATE_INIT((GDestroyNotify) g_ptr_array_unref);


static GPtrArray *
virMessageListGet(GPrivate *key)
{
    GPtrArray *list = g_private_get(key);

    if (!list) {
        list = g_ptr_array_new_with_free_func(g_free);
        g_private_set(key, list);
    }
    return list;
}


static GPtrArray *
virErrorListGet(void)
{
    return virMessageListGet(&virErrorList);
}


static void
virErrorAppend(char *msg)
{
    g_ptr_array_add(virErrorListGet(), msg);
}


void
virReportErrorFull(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    virErrorAppend(g_strdup_vprintf(fmt, ap));
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

    virErrorAppend(g_strdup_printf("%s: %s", msg, g_strerror(errnum)));
}


const char *
virErrorGetLast(void)
{
    GPtrArray *list = virErrorListGet();

    if (list->len == 0)
        return "unknown error";
    return g_ptr_array_index(list, list->len - 1);
}


const GPtrArray *
virErrorGetAll(void)
{
    return virErrorListGet();
}


size_t
virErrorCount(void)
{
    return virErrorListGet()->len;
}


char *
virErrorsFormat(void)
{
    GPtrArray *list = virErrorListGet();
    GString *buf = g_string_new(NULL);
    size_t i;

    for (i = 0; i < list->len; i++) {
        g_string_append(buf, g_ptr_array_index(list, i));
        g_string_append_c(buf, '\n');
    }
    return g_string_free(buf, FALSE);
}


void
virErrorReset(void)
{
    g_ptr_array_set_size(virErrorListGet(), 0);
}


void
virErrorTruncate(size_t count)
{
    GPtrArray *list = virErrorListGet();

    if (count < list->len)
        g_ptr_array_set_size(list, count);
}


void
virErrorDispatch(const char *prefix)
{
    GPtrArray *list = virErrorListGet();
    size_t i;

    for (i = 0; i < list->len; i++)
        fprintf(stderr, "%s: error: %s\n", prefix,
                (const char *) g_ptr_array_index(list, i));
    virErrorReset();
}


void
virReportWarning(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_ptr_array_add(virMessageListGet(&virWarningList), g_strdup_vprintf(fmt, ap));
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


void
virWarningDispatch(const char *prefix)
{
    GPtrArray *list = virMessageListGet(&virWarningList);
    size_t i;

    for (i = 0; i < list->len; i++)
        fprintf(stderr, "%s: warning: %s\n", prefix,
                (const char *) g_ptr_array_index(list, i));
    virWarningReset();
}
