/*
 * virt-viommu-check.c: the result of 'check', for a domain read from a
 *                      file (virt-viommu) or from libvirt (its module)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virt-viommu-libvirt.h"

#include "qemu_viommu_check.h"
#include "virerror.h"
#include "virjson.h"
#include "virsysiommu.h"


static void
virtVIOMMUCheckJSONPlace(virJSONBuilder *b,
                         const char *key,
                         const char *iommu,
                         int group,
                         int node)
{
    virJSONBeginObject(b, key);
    virJSONAddString(b, "iommu", iommu);
    virJSONAddIntOrNull(b, "iommu_group", group);
    virJSONAddIntOrNull(b, "numa_node", node);
    virJSONEndObject(b);
}


static char *
virtVIOMMUCheckFormatJSON(const char *name, GPtrArray *results, int bad)
{
    g_autoptr(virJSONBuilder) b = virJSONBuilderNew();
    size_t i;

    virJSONBeginObject(b, NULL);
    virJSONAddString(b, "domain", name);
    virJSONAddBool(b, "ok", bad == 0);
    virJSONBeginArray(b, "devices");
    for (i = 0; i < results->len; i++) {
        qemuVIOMMUCheckResult *res = g_ptr_array_index(results, i);

        virJSONBeginObject(b, NULL);
        virJSONAddString(b, "source", res->source);
        virJSONAddString(b, "status", qemuVIOMMUCheckStatusTypeToString(res->status));
        virtVIOMMUCheckJSONPlace(b, "planned", res->planIOMMU, res->planGroup, res->planNode);
        virtVIOMMUCheckJSONPlace(b, "host", res->hostIOMMU, res->hostGroup, res->hostNode);
        virJSONAddString(b, "message", res->message);
        virJSONEndObject(b);
    }
    virJSONEndArray(b);
    virJSONEndObject(b);

    return virJSONFormat(b);
}


int
virtVIOMMUCheckPrint(const virtVIOMMULibvirtArgs *args,
                     const char *name,
                     xmlDocPtr doc)
{
    g_autoptr(virSysIOMMUHost) host = NULL;
    g_autoptr(GPtrArray) results = NULL;
    g_autoptr(GString) text = g_string_new(NULL);
    int bad;
    unsigned int window = 0;
    size_t i;

    if (!(host = virSysIOMMUHostOpen(virtVIOMMUSysfsRoot(args->sysfsRoot))) ||
        (bad = qemuVIOMMUCheckDomain(host, doc, &results)) < 0)
        return virtVIOMMUFail();

    if (args->json) {
        g_autofree char *out = virtVIOMMUCheckFormatJSON(name, results, bad);

        g_string_append(text, out);
    } else {
        for (i = 0; i < results->len; i++) {
            qemuVIOMMUCheckResult *res = g_ptr_array_index(results, i);

            g_string_append_printf(text, "%-13s %s\n",
                                   qemuVIOMMUCheckStatusTypeToString(res->status),
                                   res->message);
        }
        for (i = 0; i < results->len; i++) {
            qemuVIOMMUCheckResult *res = g_ptr_array_index(results, i);

            if (res->status == QEMU_VIOMMU_CHECK_WINDOW)
                window++;
        }
        if (bad == 0)
            g_string_append_printf(text, "%u assigned devices sit behind the vIOMMUs of their physical IOMMUs\n",
                                   results->len);
        else if ((unsigned int) bad > window)
            g_string_append_printf(text, "%u of %u assigned devices no longer match the host\n",
                                   bad - window, results->len - window);
        if (window)
            g_string_append(text, "the 64-bit MMIO window no longer holds the assigned devices\n");
    }
    if (virtVIOMMUWriteOutput(NULL, text->str, text->len) < 0)
        return virtVIOMMUFail();
    return bad == 0 ? VIRT_VIOMMU_EXIT_OK : VIRT_VIOMMU_EXIT_ERROR;
}
