/*
 * virsysiommufmt.c: the host's IOMMUs as text, JSON and Graphviz
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virsysiommufmt.h"

#include "virjson.h"
#include "virpcibar.h"
#include "virsysgpumem.h"
#include "virsysiommucaps.h"

static void
virSysIOMMUFmtDeviceNames(virPCIIDs *ids,
                          const virSysIOMMUDevice *dev,
                          char **vendor,
                          char **device)
{
    *vendor = virPCIIDsGetVendor(ids, dev->vendor);
    *device = virPCIIDsGetDevice(ids, dev->vendor, dev->device);
}


static void
virSysIOMMUFmtTextDevice(GString *buf,
                         virPCIIDs *ids,
                         const virSysIOMMUDevice *dev)
{
    g_autofree char *vendor = NULL;
    g_autofree char *device = NULL;
    g_autofree char *gpumem = NULL;

    g_string_append_printf(buf, "    %s  [%06x] %04x:%04x  driver=%s  node=",
                           dev->bdf, dev->pciClass, dev->vendor, dev->device,
                           dev->driver ? dev->driver : "-");
    if (dev->numaNode >= 0)
        g_string_append_printf(buf, "%d", dev->numaNode);
    else
        g_string_append_c(buf, '-');
    if (dev->physfn)
        g_string_append_printf(buf, "  vf-of=%s", dev->physfn);
    if (dev->virtfns)
        g_string_append_printf(buf, "  vfs=%u", dev->virtfns->len);
    if (dev->bars && dev->bars->len > 0) {
        size_t i;

        g_string_append(buf, "  bars=");
        for (i = 0; i < dev->bars->len; i++) {
            const virPCIBar *bar = &g_array_index(dev->bars, virPCIBar, i);
            g_autofree char *size = virPCIBarFormatSize(bar->size);

            g_string_append_printf(buf, "%s%u:%s%s%s%s", i > 0 ? "," : "",
                                   bar->index, size,
                                   bar->io ? "/io" : "",
                                   bar->mem64 ? "/64" : "",
                                   bar->prefetch ? "/pref" : "");
        }
    }

    virSysIOMMUFmtDeviceNames(ids, dev, &vendor, &device);
    if (vendor || device)
        g_string_append_printf(buf, "  %s%s%s", vendor ? vendor : "",
                               vendor && device ? " " : "",
                               device ? device : "");
    g_string_append_c(buf, '\n');
    if ((gpumem = virSysGPUMemFormat(dev)))
        g_string_append_printf(buf, "      %s\n", gpumem);
}


static const char *
virSysIOMMUFmtCompatNone(const virSysIOMMU *iommu)
{
    switch (iommu->kind) {
    case VIR_SYS_IOMMU_KIND_SMMUV3:
        return "none: SMMUv3 exposes no feature registers in sysfs";
    case VIR_SYS_IOMMU_KIND_VIRTIO:
        return "none: virtio-iommu exposes no features in sysfs";
    case VIR_SYS_IOMMU_KIND_INTEL:
    case VIR_SYS_IOMMU_KIND_AMD:
    case VIR_SYS_IOMMU_KIND_OTHER:
    case VIR_SYS_IOMMU_KIND_LAST:
        break;
    }
    return "none found in sysfs";
}


char *
virSysIOMMUHostFormatText(virSysIOMMUHost *host, virPCIIDs *ids)
{
    GPtrArray *iommus = virSysIOMMUHostGetIOMMUs(host);
    GPtrArray *unmanaged = virSysIOMMUHostGetUnmanaged(host);
    GString *buf = g_string_new(NULL);
    size_t i;
    size_t j;

    for (i = 0; i < iommus->len; i++) {
        virSysIOMMU *iommu = g_ptr_array_index(iommus, i);
        int group = -2;

        g_string_append_printf(buf, "%s  %s", iommu->name,
                               virSysIOMMUKindTypeToString(iommu->kind));
        if (iommu->numaNode >= 0)
            g_string_append_printf(buf, "  node=%d", iommu->numaNode);
        if (iommu->parent)
            g_string_append_printf(buf, "  device=%s", iommu->parent);
        g_string_append_printf(buf, "  devices=%u\n", iommu->devices->len);
        g_string_append_printf(buf, "  compat: %s\n",
                               iommu->compat ? iommu->compat
                                             : virSysIOMMUFmtCompatNone(iommu));
        if (iommu->caps) {
            g_autofree char *caps = virSysIOMMUCapsFormat(iommu, iommu->caps);

            g_string_append_printf(buf, "  caps: %s\n", caps);
        }

        /* devices are in address order; list each group once, in the
         * order of its first device */
        for (j = 0; j < iommu->devices->len; j++) {
            virSysIOMMUDevice *first = g_ptr_array_index(iommu->devices, j);
            size_t k;

            if (first->group == group)
                continue;
            for (k = 0; k < j; k++) {
                virSysIOMMUDevice *other = g_ptr_array_index(iommu->devices, k);

                if (other->group == first->group)
                    break;
            }
            if (k < j)
                continue;
            group = first->group;

            if (group >= 0)
                g_string_append_printf(buf, "  group %d\n", group);
            else
                g_string_append(buf, "  no group\n");
            for (k = j; k < iommu->devices->len; k++) {
                virSysIOMMUDevice *dev = g_ptr_array_index(iommu->devices, k);

                if (dev->group == group)
                    virSysIOMMUFmtTextDevice(buf, ids, dev);
            }
        }
    }

    if (unmanaged->len > 0) {
        g_string_append(buf, "no IOMMU\n");
        for (i = 0; i < unmanaged->len; i++)
            virSysIOMMUFmtTextDevice(buf, ids, g_ptr_array_index(unmanaged, i));
    }

    if (iommus->len == 0 && unmanaged->len == 0)
        g_string_append(buf, "no PCI devices\n");

    return g_string_free(buf, FALSE);
}


static void
virSysIOMMUFmtJsonHex(virJSONBuilder *b, const char *key, int width, unsigned int val)
{
    g_autofree char *str = g_strdup_printf("0x%0*x", width, val);

    virJSONAddString(b, key, str);
}


static void
virSysIOMMUFmtJsonDevice(virJSONBuilder *b,
                         virPCIIDs *ids,
                         const virSysIOMMUDevice *dev)
{
    g_autofree char *vendor = NULL;
    g_autofree char *device = NULL;
    size_t i;

    virSysIOMMUFmtDeviceNames(ids, dev, &vendor, &device);

    virJSONBeginObject(b, NULL);
    virJSONAddString(b, "bdf", dev->bdf);
    virSysIOMMUFmtJsonHex(b, "vendor", 4, dev->vendor);
    virSysIOMMUFmtJsonHex(b, "device", 4, dev->device);
    virSysIOMMUFmtJsonHex(b, "class", 6, dev->pciClass);
    virJSONAddString(b, "vendor_name", vendor);
    virJSONAddString(b, "device_name", device);
    virJSONAddString(b, "driver", dev->driver);
    virJSONAddString(b, "iommu", dev->iommu);
    virJSONAddIntOrNull(b, "iommu_group", dev->group);
    virJSONAddIntOrNull(b, "numa_node", dev->numaNode);
    virJSONAddString(b, "physfn", dev->physfn);
    virJSONBeginArray(b, "virtfns");
    for (i = 0; dev->virtfns && i < dev->virtfns->len; i++)
        virJSONAddString(b, NULL, g_ptr_array_index(dev->virtfns, i));
    virJSONEndArray(b);
    /* only when sysfs has a 'resource': a tree saved without it
     * keeps its old output */
    if (dev->bars)
        virPCIBarFormatJSON(b, "bars", dev->bars, true);
    virSysGPUMemFormatJSON(b, dev);
    virJSONEndObject(b);
}


char *
virSysIOMMUHostFormatJSON(virSysIOMMUHost *host, virPCIIDs *ids)
{
    GPtrArray *iommus = virSysIOMMUHostGetIOMMUs(host);
    GPtrArray *unmanaged = virSysIOMMUHostGetUnmanaged(host);
    g_autoptr(virJSONBuilder) b = virJSONBuilderNew();
    size_t i;
    size_t j;

    virJSONBeginObject(b, NULL);
    virJSONAddString(b, "format", "virt-viommu-scan");
    virJSONAddInt(b, "version", 1);

    virJSONBeginArray(b, "iommus");
    for (i = 0; i < iommus->len; i++) {
        virSysIOMMU *iommu = g_ptr_array_index(iommus, i);
        g_autofree char *path = g_strdup_printf("/%s", iommu->sysfsPath);

        virJSONBeginObject(b, NULL);
        virJSONAddString(b, "name", iommu->name);
        virJSONAddString(b, "kind", virSysIOMMUKindTypeToString(iommu->kind));
        virJSONAddString(b, "sysfs_path", path);
        virJSONAddString(b, "device", iommu->parent);
        virJSONAddIntOrNull(b, "numa_node", iommu->numaNode);
        virJSONAddString(b, "compat", iommu->compat);
        if (iommu->caps)
            virSysIOMMUCapsFormatJSON(b, iommu->caps);
        virJSONBeginArray(b, "devices");
        for (j = 0; j < iommu->devices->len; j++)
            virSysIOMMUFmtJsonDevice(b, ids, g_ptr_array_index(iommu->devices, j));
        virJSONEndArray(b);
        virJSONEndObject(b);
    }
    virJSONEndArray(b);

    virJSONBeginArray(b, "devices_without_iommu");
    for (i = 0; i < unmanaged->len; i++)
        virSysIOMMUFmtJsonDevice(b, ids, g_ptr_array_index(unmanaged, i));
    virJSONEndArray(b);
    virJSONEndObject(b);

    return virJSONFormat(b);
}


/* A double-quoted DOT string. */
char *
virDotQuote(const char *str)
{
    GString *buf = g_string_new("\"");

    for (; *str; str++) {
        if (*str == '"' || *str == '\\')
            g_string_append_c(buf, '\\');
        if (*str == '\n')
            g_string_append(buf, "\\n");
        else
            g_string_append_c(buf, *str);
    }
    g_string_append_c(buf, '"');
    return g_string_free(buf, FALSE);
}


static void
virSysIOMMUFmtDotDevice(GString *buf,
                        virPCIIDs *ids,
                        const char *from,
                        const virSysIOMMUDevice *dev)
{
    g_autofree char *vendor = NULL;
    g_autofree char *device = NULL;
    g_autofree char *label = NULL;
    g_autofree char *qlabel = NULL;

    virSysIOMMUFmtDeviceNames(ids, dev, &vendor, &device);
    label = g_strdup_printf("%s\n%04x:%04x %s%s%s", dev->bdf, dev->vendor,
                            dev->device, dev->driver ? dev->driver : "no driver",
                            device ? "\n" : "", device ? device : "");
    qlabel = virDotQuote(label);
    g_string_append_printf(buf, "  \"dev %s\" [label=%s];\n", dev->bdf, qlabel);
    if (from)
        g_string_append_printf(buf, "  \"%s\" -> \"dev %s\";\n", from, dev->bdf);
}


char *
virSysIOMMUHostFormatDot(virSysIOMMUHost *host, virPCIIDs *ids)
{
    GPtrArray *iommus = virSysIOMMUHostGetIOMMUs(host);
    GPtrArray *unmanaged = virSysIOMMUHostGetUnmanaged(host);
    GString *buf = g_string_new(NULL);
    g_autoptr(GHashTable) groups = g_hash_table_new(NULL, NULL);
    size_t i;
    size_t j;

    g_string_append(buf,
                    "digraph host {\n"
                    "  rankdir=LR;\n"
                    "  node [shape=box, fontname=\"monospace\", fontsize=10];\n");

    for (i = 0; i < iommus->len; i++) {
        virSysIOMMU *iommu = g_ptr_array_index(iommus, i);
        g_autofree char *label = NULL;
        g_autofree char *qlabel = NULL;

        if (iommu->numaNode >= 0)
            label = g_strdup_printf("%s\n%s, NUMA node %d", iommu->name,
                                    virSysIOMMUKindTypeToString(iommu->kind),
                                    iommu->numaNode);
        else
            label = g_strdup_printf("%s\n%s", iommu->name,
                                    virSysIOMMUKindTypeToString(iommu->kind));
        qlabel = virDotQuote(label);
        g_string_append_printf(buf,
                               "  \"iommu %s\" [label=%s, style=filled, fillcolor=\"#d8e6f3\"];\n",
                               iommu->name, qlabel);

        for (j = 0; j < iommu->devices->len; j++) {
            virSysIOMMUDevice *dev = g_ptr_array_index(iommu->devices, j);
            g_autofree char *gnode = g_strdup_printf("group %d", dev->group);

            if (dev->group >= 0 &&
                !g_hash_table_contains(groups, GINT_TO_POINTER(dev->group + 1))) {
                g_hash_table_add(groups, GINT_TO_POINTER(dev->group + 1));
                g_string_append_printf(buf,
                                       "  \"%s\" [shape=ellipse];\n"
                                       "  \"iommu %s\" -> \"%s\";\n",
                                       gnode, iommu->name, gnode);
            }
            if (dev->group >= 0) {
                virSysIOMMUFmtDotDevice(buf, ids, gnode, dev);
            } else {
                g_autofree char *inode = g_strdup_printf("iommu %s", iommu->name);
                virSysIOMMUFmtDotDevice(buf, ids, inode, dev);
            }
        }
    }

    if (unmanaged->len > 0) {
        g_string_append(buf, "  \"no IOMMU\" [shape=plaintext];\n");
        for (i = 0; i < unmanaged->len; i++)
            virSysIOMMUFmtDotDevice(buf, ids, "no IOMMU",
                                    g_ptr_array_index(unmanaged, i));
    }

    g_string_append(buf, "}\n");
    return g_string_free(buf, FALSE);
}


