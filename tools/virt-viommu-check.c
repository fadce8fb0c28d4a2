/*
 * virt-viommu-check.c: the result of 'check', for a domain read from a
 *                      file (virt-viommu) or from libvirt (its module)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virt-viommu-check.h"

#include "qemu_viommu_check.h"
#include "qemu_viommu_ready.h"
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


/* check --ready: the reasons the domain would not start here. */
static int
virtVIOMMUCheckPrintReady(const virtVIOMMULibvirtArgs *args,
                          const char *name,
                          virSysIOMMUHost *host,
                          xmlDocPtr doc)
{
    g_autoptr(GPtrArray) problems = NULL;
    g_autoptr(GString) text = g_string_new(NULL);
    int bad;
    size_t i;

    if ((bad = qemuVIOMMUReadyCheck(host, doc, &problems)) < 0)
        return virtVIOMMUFail();

    if (args->json) {
        g_autoptr(virJSONBuilder) b = virJSONBuilderNew();
        g_autofree char *out = NULL;

        virJSONBeginObject(b, NULL);
        virJSONAddString(b, "domain", name);
        virJSONAddBool(b, "ready", bad == 0);
        virJSONBeginArray(b, "problems");
        for (i = 0; i < problems->len; i++) {
            qemuVIOMMUReadyProblem *prob = g_ptr_array_index(problems, i);

            virJSONBeginObject(b, NULL);
            virJSONAddString(b, "reason", qemuVIOMMUReadyReasonTypeToString(prob->reason));
            virJSONAddString(b, "message", prob->message);
            virJSONEndObject(b);
        }
        virJSONEndArray(b);
        virJSONEndObject(b);
        out = virJSONFormat(b);
        g_string_append(text, out);
    } else {
        for (i = 0; i < problems->len; i++) {
            qemuVIOMMUReadyProblem *prob = g_ptr_array_index(problems, i);

            g_string_append_printf(text, "%-16s %s\n",
                                   qemuVIOMMUReadyReasonTypeToString(prob->reason),
                                   prob->message);
        }
        if (bad == 0)
            g_string_append_printf(text, "nothing on this host keeps '%s' from starting, as far as virt-viommu can see\n",
                                   name);
        else
            g_string_append_printf(text, "%d reason%s why '%s' would not start on this host\n",
                                   bad, bad == 1 ? "" : "s", name);
    }
    if (virtVIOMMUWriteOutput(NULL, text->str, text->len) < 0)
        return virtVIOMMUFail();
    return bad == 0 ? VIRT_VIOMMU_EXIT_OK : VIRT_VIOMMU_EXIT_ERROR;
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
    unsigned int options = 0;
    unsigned int gpumem = 0;
    size_t i;

    if (!(host = virSysIOMMUHostOpen(virtVIOMMUSysfsRoot(args->sysfsRoot))))
        return virtVIOMMUFail();
    if (args->ready)
        return virtVIOMMUCheckPrintReady(args, name, host, doc);
    if ((bad = qemuVIOMMUCheckDomain(host, doc, &results)) < 0)
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
            else if (res->status == QEMU_VIOMMU_CHECK_OPTIONS)
                options++;
            else if (res->status == QEMU_VIOMMU_CHECK_GPUMEM)
                gpumem++;
        }
        if (bad == 0)
            g_string_append_printf(text, "%u assigned devices sit behind the vIOMMUs of their physical IOMMUs\n",
                                   results->len);
        else if ((unsigned int) bad > window + options + gpumem)
            g_string_append_printf(text, "%u of %u assigned devices no longer match the host\n",
                                   bad - window - options - gpumem,
                                   results->len - window - options - gpumem);
        if (options)
            g_string_append_printf(text, "%u vIOMMU option%s QEMU would refuse with these devices\n",
                                   options, options == 1 ? "" : "s");
        if (window)
            g_string_append(text, "the 64-bit MMIO window no longer holds the assigned devices\n");
        if (gpumem)
            g_string_append_printf(text, "%u assigned devices have other guest NUMA nodes than their memory needs\n",
                                   gpumem);
    }
    if (virtVIOMMUWriteOutput(NULL, text->str, text->len) < 0)
        return virtVIOMMUFail();
    return bad == 0 ? VIRT_VIOMMU_EXIT_OK : VIRT_VIOMMU_EXIT_ERROR;
}
