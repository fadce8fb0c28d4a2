/*
 * virsysgpumem.c: devices whose memory a guest sees as NUMA nodes
 *                 (ACPI generic initiators), and the BARs VFIO really
 *                 gives a guest
 *
 * What it rests on (read in the sources, not measured on a Grace host):
 *  - drivers/vfio/pci/nvgrace-gpu/main.c reads the GPU memory's base
 *    and size from the firmware (_DSD "nvidia,gpu-mem-base-pa",
 *    "nvidia,gpu-mem-size") and reports, for VFIO regions 4 (usable
 *    memory) and 2 (the 1 GiB non-cached part on Grace Hopper), sizes
 *    rounded up to a power of two; its config space emulation makes
 *    those BARs 64-bit prefetchable.  sysfs 'resource' shows the
 *    physical BARs only.
 *  - The proximity domains of that memory are the firmware's
 *    "nvidia,gpu-mem-pxm-start" / "-count" (8 on GH200/GB200); the
 *    kernel exports no _DSD property to sysfs, but their SRAT entries
 *    make the host's CPU-less NUMA nodes.  NVIDIA's guest driver looks
 *    for its nodes first in SRAT Generic Initiator entries naming the
 *    device (what QEMU's acpi-generic-initiator writes), then in _DSD.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virsysgpumem.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "virerror.h"
#include "viriommucaps.h"
#include "virpcibar.h"
#include "virpciaddr.h"

VIR_ENUM_IMPL(virSysGPUMemSource, VIR_SYS_GPUMEM_SOURCE_LAST,
              "none", "host-gi", "host-numa", "table");

/* linux/vfio.h, kept here as libvirt's util code does */
#define VIR_VFIO_TYPE ';'
#define VIR_VFIO_BASE 100
#define VIR_VFIO_DEVICE_GET_REGION_INFO _IO(VIR_VFIO_TYPE, VIR_VFIO_BASE + 8)
#define VIR_VFIO_PCI_CONFIG_REGION_INDEX 7

struct virVFIORegionInfo {
    uint32_t argsz;
    uint32_t flags;
    uint32_t index;
    uint32_t capOffset;
    uint64_t size;
    uint64_t offset;
};

/* The ID table of drivers/vfio/pci/nvgrace-gpu/main.c (Linux 6.18). */
static const struct {
    unsigned int vendor;
    unsigned int device;
    const char *name;
} virSysGPUMemTable[] = {
    { 0x10de, 0x2342, "GH200 120GB" },
    { 0x10de, 0x2345, "GH200 480GB" },
    { 0x10de, 0x2348, "GH200" },
    { 0x10de, 0x2941, "GB200" },
    { 0x10de, 0x31c2, "GB300" },
};


void
virSysGPUMemFree(virSysGPUMem *mem)
{
    if (!mem)
        return;
    g_free(mem->why);
    g_free(mem);
}


bool
virSysGPUMemKnownDevice(unsigned int vendor, unsigned int device)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(virSysGPUMemTable); i++) {
        if (virSysGPUMemTable[i].vendor == vendor &&
            virSysGPUMemTable[i].device == device)
            return true;
    }
    return false;
}


/* Parse a node list ("0-1,4", the kernel's "%*pbl") into @set. */
static int
virSysGPUMemParseNodeList(const char *text, bool *set)
{
    g_auto(GStrv) parts = g_strsplit(text, ",", 0);
    size_t i;

    for (i = 0; parts[i]; i++) {
        guint64 lo;
        guint64 hi;
        char *dash = strchr(parts[i], '-');

        if (!*parts[i])
            continue;
        if (dash)
            *dash = '\0';
        if (!g_ascii_string_to_unsigned(parts[i], 10, 0, VIR_SYS_NODE_MAX - 1, &lo, NULL))
            return -1;
        hi = lo;
        if (dash &&
            !g_ascii_string_to_unsigned(dash + 1, 10, lo, VIR_SYS_NODE_MAX - 1, &hi, NULL))
            return -1;
        for (; lo <= hi; lo++)
            set[lo] = true;
    }
    return 0;
}


/* Read the node state @name of sys/devices/system/node into @set; 0
 * when the file is absent (nothing set), -1 reported. */
static int
virSysGPUMemReadNodes(virSysfsDir *dir, const char *name, bool *set)
{
    g_autofree char *text = NULL;
    int rc;

    if ((rc = virSysfsDirRead(dir, name, &text)) <= 0)
        return rc;
    if (virSysGPUMemParseNodeList(g_strstrip(text), set) < 0) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("'%1$s/%2$s' is not a node list ('%3$s'); the host's sysfs is damaged"),
                       virSysfsDirGetPath(dir), name, text);
        return -1;
    }
    return 1;
}


/* The host's GPU-memory devices: bound to the variant driver or in its
 * ID table, whatever driver they have now. */
static int
virSysGPUMemCountDevices(virSysIOMMUHost *host, unsigned int *count)
{
    g_autoptr(GPtrArray) names = NULL;
    size_t i;

    *count = 0;
    if (virSysfsRootListDir(virSysIOMMUHostGetSysfs(host), "sys/bus/pci/devices", &names) < 0)
        return -1;
    for (i = 0; names && i < names->len; i++) {
        virPCIDeviceAddress addr;
        virSysIOMMUDevice *dev = NULL;
        int rc;

        if (virPCIDeviceAddressParse(g_ptr_array_index(names, i), &addr) < 0)
            continue;
        if ((rc = virSysIOMMUHostGetDevice(host, &addr, &dev)) < 0)
            return -1;
        if (rc == 0)
            continue;
        if (!dev->detailed && virSysIOMMUHostGetDeviceDetails(host, dev) < 0)
            return -1;
        if (g_strcmp0(dev->driver, VIR_SYS_GPUMEM_DRIVER) == 0 ||
            virSysGPUMemKnownDevice(dev->vendor, dev->device))
            (*count)++;
    }
    return 0;
}


/* The count from the host's NUMA nodes, or 0 when they do not show it
 * (states absent, or CPU-less nodes not shared evenly). */
static int
virSysGPUMemFromNodes(virSysIOMMUHost *host,
                      virSysIOMMUDevice *dev,
                      virSysGPUMem *mem)
{
    g_autoptr(virSysfsDir) dir = NULL;
    g_autofree bool *possible = g_new0(bool, VIR_SYS_NODE_MAX);
    g_autofree bool *cpu = g_new0(bool, VIR_SYS_NODE_MAX);
    g_autofree bool *gi = g_new0(bool, VIR_SYS_NODE_MAX);
    bool onNode = dev->numaNode >= 0 && dev->numaNode < VIR_SYS_NODE_MAX;
    unsigned int cpuless = 0;
    unsigned int ndevs;
    int rc;
    size_t i;

    /* the node states say nothing of a device on no node and not on
     * the variant driver: read them for the others only */
    if (!onNode && !mem->variant)
        return 0;
    if ((rc = virSysfsRootOpenDir(virSysIOMMUHostGetSysfs(host),
                                  "sys/devices/system/node", &dir)) <= 0)
        return rc;
    if (virSysGPUMemReadNodes(dir, "has_generic_initiator", gi) < 0)
        return -1;

    if (onNode && gi[dev->numaNode]) {
        mem->nodes = 1;
        mem->source = VIR_SYS_GPUMEM_SOURCE_HOST_GI;
        mem->why = g_strdup_printf("its host node %d is a generic-initiator node (has_generic_initiator)",
                                   dev->numaNode);
        return 0;
    }
    if (!mem->variant)
        return 0;
    if ((rc = virSysGPUMemReadNodes(dir, "possible", possible)) < 0 ||
        (rc > 0 && (rc = virSysGPUMemReadNodes(dir, "has_cpu", cpu)) < 0))
        return -1;
    if (rc == 0)
        return 0;

    for (i = 0; i < VIR_SYS_NODE_MAX; i++) {
        if (possible[i] && !cpu[i])
            cpuless++;
    }
    if (virSysGPUMemCountDevices(host, &ndevs) < 0)
        return -1;
    if (cpuless == 0 || ndevs == 0 || cpuless % ndevs != 0)
        return 0;
    mem->nodes = cpuless / ndevs;
    mem->source = VIR_SYS_GPUMEM_SOURCE_HOST_NUMA;
    mem->why = g_strdup_printf("%u CPU-less host nodes shared by %u GPU-memory devices",
                               cpuless, ndevs);
    return 0;
}


virSysGPUMem *
virSysIOMMUHostGetGPUMem(virSysIOMMUHost *host, virSysIOMMUDevice *dev)
{
    g_autoptr(virSysGPUMem) mem = NULL;

    if (dev->gpumem)
        return dev->gpumem;
    if (!dev->detailed && virSysIOMMUHostGetDeviceDetails(host, dev) < 0)
        return NULL;

    mem = g_new0(virSysGPUMem, 1);
    mem->variant = g_strcmp0(dev->driver, VIR_SYS_GPUMEM_DRIVER) == 0;
    if (virSysGPUMemFromNodes(host, dev, mem) < 0)
        return NULL;
    if (mem->variant && mem->nodes == 0) {
        mem->nodes = VIR_SYS_GPUMEM_TABLE_NODES;
        mem->source = VIR_SYS_GPUMEM_SOURCE_TABLE;
        mem->why = g_strdup_printf("%s %04x:%04x: %u per GPU (the host's nodes do not show it)",
                                   virSysGPUMemKnownDevice(dev->vendor, dev->device) ?
                                   "the nvgrace-gpu table has" : "not in the nvgrace-gpu table, assumed",
                                   dev->vendor, dev->device, VIR_SYS_GPUMEM_TABLE_NODES);
    }
    dev->gpumem = g_steal_pointer(&mem);
    dev->gpumemFree = (GDestroyNotify) virSysGPUMemFree;
    return dev->gpumem;
}


/* ---- VFIO regions ---------------------------------------------------- */

static void
virSysGPUMemAddBar(GArray *bars, unsigned int index,
                   unsigned long long size, unsigned int bits)
{
    virPCIBar bar = { 0 };

    bar.index = index;
    bar.size = size;
    bar.io = bits & 0x1;
    bar.mem64 = !bar.io && (bits & 0x6) == 0x4;
    bar.prefetch = !bar.io && (bits & 0x8);
    g_array_append_val(bars, bar);
}


/* Through the device's VFIO cdev: bind it to a fresh iommufd (which
 * VFIO asks before any other ioctl), then each BAR's region. */
static int
virSysGPUMemReadLive(const char *iommuDev, const char *cdev,
                     GArray *bars, char *err, size_t errlen)
{
    int iommufd = -1;
    int devfd = -1;
    uint32_t devID;
    int ret = -1;
    unsigned int i;
    uint64_t cfgOffset = 0;
    struct virVFIORegionInfo cfg = { .argsz = sizeof(cfg),
                                     .index = VIR_VFIO_PCI_CONFIG_REGION_INDEX };

    if (virIOMMUCapsBindIOMMUFD(iommuDev, cdev, &iommufd, &devfd, &devID,
                                err, errlen) < 0)
        goto cleanup;
    if (ioctl(devfd, VIR_VFIO_DEVICE_GET_REGION_INFO, &cfg) < 0) {
        snprintf(err, errlen, "'%s': VFIO_DEVICE_GET_REGION_INFO of the config region failed: %s",
                 cdev, g_strerror(errno));
        goto cleanup;
    }
    cfgOffset = cfg.offset;
    for (i = 0; i < VIR_PCI_BAR_COUNT; i++) {
        struct virVFIORegionInfo info = { .argsz = sizeof(info), .index = i };
        uint32_t reg = 0;

        if (ioctl(devfd, VIR_VFIO_DEVICE_GET_REGION_INFO, &info) < 0) {
            snprintf(err, errlen, "'%s': VFIO_DEVICE_GET_REGION_INFO %u failed: %s",
                     cdev, i, g_strerror(errno));
            goto cleanup;
        }
        if (info.size == 0)
            continue;
        /* the BAR register as the guest reads it: its type bits */
        if (pread(devfd, &reg, sizeof(reg), cfgOffset + 0x10 + 4 * i) != sizeof(reg)) {
            snprintf(err, errlen, "'%s': cannot read BAR %u from the config region: %s",
                     cdev, i, g_strerror(errno));
            goto cleanup;
        }
        virSysGPUMemAddBar(bars, i, info.size, GUINT32_FROM_LE(reg) & 0xf);
        if ((GUINT32_FROM_LE(reg) & 0x7) == 0x4)
            i++;                /* the upper half of a 64-bit BAR */
    }
    ret = 0;

 cleanup:
    if (devfd >= 0)
        close(devfd);
    if (iommufd >= 0)
        close(iommufd);
    return ret;
}


static int
virSysGPUMemRegionsLive(virSysIOMMUHost *host, virSysIOMMUDevice *dev)
{
    const char *root = virSysIOMMUHostGetRoot(host);
    g_autofree char *vfioDir = g_strdup_printf("sys/bus/pci/devices/%s/vfio-dev", dev->bdf);
    g_autofree char *iommuDev = g_build_filename(root, "dev", "iommu", NULL);
    g_autofree char *cdev = NULL;
    g_autoptr(GPtrArray) names = NULL;
    g_autoptr(GArray) bars = g_array_new(FALSE, TRUE, sizeof(virPCIBar));
    char err[512] = "";

    if (virSysfsRootListDir(virSysIOMMUHostGetSysfs(host), vfioDir, &names) <= 0 ||
        names->len == 0) {
        dev->vfioReason = g_strdup_printf("%s has no VFIO cdev (no '/%s': not bound to a VFIO driver, or a kernel without CONFIG_VFIO_DEVICE_CDEV)",
                                          dev->bdf, vfioDir);
        return 0;
    }
    cdev = g_build_filename(root, "dev", "vfio", "devices",
                            (const char *) g_ptr_array_index(names, 0), NULL);
    if (virSysGPUMemReadLive(iommuDev, cdev, bars, err, sizeof(err)) < 0) {
        dev->vfioReason = g_strdup(err);
        return 0;
    }
    dev->vfioBars = g_steal_pointer(&bars);
    return 0;
}


static JsonObject *
virSysGPUMemFixtureRecord(JsonParser *parser, const char *file, const char *bdf)
{
    JsonNode *root = json_parser_get_root(parser);
    JsonObject *obj;
    JsonArray *list;
    guint i;

    if (!root || !JSON_NODE_HOLDS_OBJECT(root) ||
        g_strcmp0(json_object_get_string_member_with_default(json_node_get_object(root), "format", ""),
                  "virt-viommu-vfio-regions") != 0 ||
        !json_object_has_member(json_node_get_object(root), "devices") ||
        !JSON_NODE_HOLDS_ARRAY(json_object_get_member(json_node_get_object(root), "devices"))) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("'%1$s' is not a VFIO region record (format 'virt-viommu-vfio-regions' with a 'devices' list); fix or remove the file"),
                       file);
        return NULL;
    }
    list = json_object_get_array_member(json_node_get_object(root), "devices");
    for (i = 0; i < json_array_get_length(list); i++) {
        JsonNode *n = json_array_get_element(list, i);

        if (!JSON_NODE_HOLDS_OBJECT(n))
            continue;
        obj = json_node_get_object(n);
        if (g_strcmp0(json_object_get_string_member_with_default(obj, "bdf", ""), bdf) == 0)
            return obj;
    }
    return NULL;
}


static int
virSysGPUMemRegionsFixture(virSysIOMMUHost *host, virSysIOMMUDevice *dev)
{
    g_autofree char *file = g_build_filename(virSysIOMMUHostGetRoot(host),
                                             VIR_SYS_VFIO_REGIONS_FILE, NULL);
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) gerr = NULL;
    g_autoptr(GArray) bars = g_array_new(FALSE, TRUE, sizeof(virPCIBar));
    JsonObject *rec;
    JsonArray *regions;
    guint i;

    if (!g_file_test(file, G_FILE_TEST_EXISTS)) {
        dev->vfioReason = g_strdup_printf("the fixture has no %s (scan --save writes it on the live host)",
                                          VIR_SYS_VFIO_REGIONS_FILE);
        return 0;
    }
    if (!json_parser_load_from_file(parser, file, &gerr)) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("cannot read '%1$s': %2$s; fix or remove the file"),
                       file, gerr->message);
        return -1;
    }
    if (!(rec = virSysGPUMemFixtureRecord(parser, file, dev->bdf))) {
        if (virErrorGetLastCode() != VIR_ERROR_LAST)
            return -1;
        dev->vfioReason = g_strdup_printf("the fixture's %s does not list it",
                                          VIR_SYS_VFIO_REGIONS_FILE);
        return 0;
    }
    if (!json_object_has_member(rec, "regions") ||
        !JSON_NODE_HOLDS_ARRAY(json_object_get_member(rec, "regions"))) {
        dev->vfioReason = g_strdup(json_object_get_string_member_with_default(rec, "reason",
                                                                              "not recorded"));
        return 0;
    }
    regions = json_object_get_array_member(rec, "regions");
    for (i = 0; i < json_array_get_length(regions); i++) {
        JsonNode *n = json_array_get_element(regions, i);
        JsonObject *r = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
        gint64 index = r ? json_object_get_int_member_with_default(r, "index", -1) : -1;
        const char *size = r ? json_object_get_string_member_with_default(r, "size", NULL) : NULL;
        const char *bits = r ? json_object_get_string_member_with_default(r, "bar", NULL) : NULL;
        guint64 sz;
        guint64 b;

        if (index < 0 || index >= VIR_PCI_BAR_COUNT || !size || !bits ||
            !g_str_has_prefix(size, "0x") || !g_str_has_prefix(bits, "0x") ||
            !g_ascii_string_to_unsigned(size + 2, 16, 1, G_MAXUINT64, &sz, NULL) ||
            !g_ascii_string_to_unsigned(bits + 2, 16, 0, 0xf, &b, NULL)) {
            virReportError(VIR_ERROR_HOST_SYSFS, _("'%1$s': region %2$u of '%3$s' is malformed (index 0-5, size and bar as hex strings); fix it or capture it again with 'scan --save'"),
                           file, i, dev->bdf);
            return -1;
        }
        virSysGPUMemAddBar(bars, index, sz, b);
    }
    dev->vfioBars = g_steal_pointer(&bars);
    return 0;
}


int
virSysIOMMUHostGetDeviceRegions(virSysIOMMUHost *host, virSysIOMMUDevice *dev)
{
    if (dev->vfioRead)
        return 0;
    if (g_strcmp0(virSysIOMMUHostGetRoot(host), "/") == 0) {
        if (virSysGPUMemRegionsLive(host, dev) < 0)
            return -1;
    } else if (virSysGPUMemRegionsFixture(host, dev) < 0) {
        return -1;
    }
    dev->vfioRead = true;
    return 0;
}


const GArray *
virSysIOMMUDeviceGuestBars(const virSysIOMMUDevice *dev)
{
    return dev->vfioBars ? dev->vfioBars : dev->bars;
}


int
virSysIOMMUHostReadDeviceGPUMem(virSysIOMMUHost *host, virSysIOMMUDevice *dev)
{
    if (!virSysIOMMUHostGetGPUMem(host, dev))
        return -1;
    if (virSysIOMMUDeviceIsVFIO(dev) &&
        virSysIOMMUHostGetDeviceRegions(host, dev) < 0)
        return -1;
    return 0;
}


int
virSysIOMMUHostReadGPUMem(virSysIOMMUHost *host)
{
    g_autoptr(GPtrArray) devices = virSysIOMMUHostGetDevices(host);
    size_t i;

    for (i = 0; i < devices->len; i++) {
        if (virSysIOMMUHostReadDeviceGPUMem(host, g_ptr_array_index(devices, i)) < 0)
            return -1;
    }
    return 0;
}


static void
virSysGPUMemSaveDevice(virJSONBuilder *b, virSysIOMMUDevice *dev)
{
    size_t j;

    virJSONBeginObject(b, NULL);
    virJSONAddString(b, "bdf", dev->bdf);
    virJSONAddString(b, "driver", dev->driver);
    if (!dev->vfioBars) {
        virJSONAddString(b, "reason", dev->vfioReason);
        virJSONEndObject(b);
        return;
    }
    virJSONBeginArray(b, "regions");
    for (j = 0; j < dev->vfioBars->len; j++) {
        const virPCIBar *bar = &g_array_index(dev->vfioBars, virPCIBar, j);
        g_autofree char *size = g_strdup_printf("0x%llx", bar->size);
        g_autofree char *bits = g_strdup_printf("0x%x",
                                                bar->io ? 0x1 :
                                                (bar->mem64 ? 0x4 : 0) | (bar->prefetch ? 0x8 : 0));

        virJSONBeginObject(b, NULL);
        virJSONAddInt(b, "index", bar->index);
        virJSONAddString(b, "size", size);
        virJSONAddString(b, "bar", bits);
        virJSONEndObject(b);
    }
    virJSONEndArray(b);
    virJSONEndObject(b);
}


int
virSysIOMMUHostSaveRegions(virSysIOMMUHost *host, const char *dir)
{
    g_autoptr(GPtrArray) devices = virSysIOMMUHostGetDevices(host);
    g_autoptr(virJSONBuilder) b = virJSONBuilderNew();
    g_autofree char *file = g_build_filename(dir, VIR_SYS_VFIO_REGIONS_FILE, NULL);
    size_t i;

    virJSONRecordBegin(b, "virt-viommu-vfio-regions", 1, "devices");
    for (i = 0; i < devices->len; i++) {
        virSysIOMMUDevice *dev = g_ptr_array_index(devices, i);

        if (!virSysIOMMUDeviceIsVFIO(dev))
            continue;
        if (virSysIOMMUHostGetDeviceRegions(host, dev) < 0)
            return -1;
        /* a record that was itself copied says nothing new */
        virSysGPUMemSaveDevice(b, dev);
    }
    return virJSONRecordWrite(b, file);
}


/* The text of @str, or NULL when it is empty; frees @str.  (The
 * length is read before the string goes: the order in which a call's
 * arguments are evaluated is unspecified.) */
static char *
virSysGPUMemStringOrNull(GString *str)
{
    bool empty = str->len == 0;

    return g_string_free(str, empty);
}


/* "BAR2 1G BAR4 128G", the VFIO BARs larger than sysfs shows */
static char *
virSysGPUMemFormatBars(const virSysIOMMUDevice *dev)
{
    g_autoptr(GString) out = g_string_new(NULL);
    size_t i;

    for (i = 0; dev->vfioBars && i < dev->vfioBars->len; i++) {
        const virPCIBar *bar = &g_array_index(dev->vfioBars, virPCIBar, i);
        g_autofree char *size = virPCIBarFormatSize(bar->size);

        g_string_append_printf(out, "%sBAR%u %s%s", out->len ? " " : "",
                               bar->index, size,
                               bar->io ? " io" :
                               virPCIBarIsMem64Prefetch(bar) ? " pref64" : "");
    }
    return virSysGPUMemStringOrNull(g_steal_pointer(&out));
}


char *
virSysGPUMemFormat(const virSysIOMMUDevice *dev)
{
    g_autoptr(GString) out = g_string_new(NULL);
    g_autofree char *bars = virSysGPUMemFormatBars(dev);

    if (dev->gpumem && dev->gpumem->nodes > 0)
        g_string_append_printf(out, "initiator-nodes=%u (%s: %s)",
                               dev->gpumem->nodes,
                               virSysGPUMemSourceTypeToString(dev->gpumem->source),
                               dev->gpumem->why);
    if (bars)
        g_string_append_printf(out, "%svfio: %s", out->len ? "; " : "", bars);
    return virSysGPUMemStringOrNull(g_steal_pointer(&out));
}


void
virSysGPUMemFormatJSON(virJSONBuilder *b, const virSysIOMMUDevice *dev)
{
    if (dev->gpumem && (dev->gpumem->nodes > 0 || dev->gpumem->variant)) {
        virJSONBeginObject(b, "initiator_nodes");
        virJSONAddBool(b, "variant_driver", dev->gpumem->variant);
        virJSONAddInt(b, "nodes", dev->gpumem->nodes);
        virJSONAddString(b, "source", virSysGPUMemSourceTypeToString(dev->gpumem->source));
        virJSONAddString(b, "why", dev->gpumem->why);
        virJSONEndObject(b);
    }
    /* no "io" member: scan --json has written these without it */
    if (dev->vfioBars)
        virPCIBarFormatJSON(b, "vfio_bars", dev->vfioBars, false);
}
