/*
 * qemu_viommu_window.c: size the guest's 64-bit PCI MMIO window so
 *                       that every assigned device's large BARs fit
 *
 * The rule, and what it rests on (QEMU 11.1, AAVMF, measured in the
 * lab with ivshmem-plain stand-ins of the planned BAR sizes):
 *
 *  - every host bridge (pcie.0 and each pxb-pcie) takes its 64-bit
 *    prefetchable window out of the machine's one high MMIO region;
 *    when they do not all fit, the firmware assigns no BAR at all on
 *    the pxbs;
 *  - each window is a power of two placed at its natural alignment, so
 *    a root port needs the next power of two of its device's 64-bit
 *    prefetchable BARs, a host bridge the next power of two of its
 *    ports' needs, and the region the next power of two of the sum;
 *  - pcie.0 keeps QEMU_VIOMMU_WINDOW_ROOT_MARGIN for emulated devices;
 *  - aarch64 'virt' places the region at an address equal to its size,
 *    so twice the size must fit the guest's physical address width.
 *
 * libvirt writes <controller model='pcie-root'><pcihole64> as
 * highmem-mmio-size on 'virt' and q35-pcihost.pci-hole64-size on q35.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_window.h"

#include <string.h>

#include "qemu_viommu_addr.h"
#include "qemu_viommu_planpriv.h"
#include "qemu_viommu_xml.h"
#include "virerror.h"
#include "virlog.h"
#include "virpcibar.h"
#include "virsysgpumem.h"

VIR_LOG_INIT("plan");


unsigned long long
qemuVIOMMUWindowDefault(qemuVIOMMUArch arch)
{
    switch (arch) {
    case QEMU_VIOMMU_ARCH_AARCH64_VIRT:
        return QEMU_VIOMMU_WINDOW_DEFAULT_VIRT;
    case QEMU_VIOMMU_ARCH_X86_Q35:
        return QEMU_VIOMMU_WINDOW_DEFAULT_Q35;
    case QEMU_VIOMMU_ARCH_LAST:
        break;
    }
    return QEMU_VIOMMU_WINDOW_DEFAULT_VIRT;
}


static qemuVIOMMUController *
qemuVIOMMUWindowRoot(const qemuVIOMMUDomain *def)
{
    qemuVIOMMUController *ctrl = qemuVIOMMUDomainFindController(def, 0);

    if (ctrl && ctrl->model == QEMU_VIOMMU_CONTROLLER_PCIE_ROOT)
        return ctrl;
    return NULL;
}


unsigned long long
qemuVIOMMUWindowUnit(const char *unit)
{
    static const struct { const char *name; unsigned long long scale; } units[] = {
        { "b", 1 }, { "bytes", 1 },
        { "k", 1ULL << 10 }, { "KiB", 1ULL << 10 }, { "KB", 1000ULL },
        { "M", 1ULL << 20 }, { "MiB", 1ULL << 20 }, { "MB", 1000000ULL },
        { "G", 1ULL << 30 }, { "GiB", 1ULL << 30 }, { "GB", 1000000000ULL },
        { "T", 1ULL << 40 }, { "TiB", 1ULL << 40 }, { "TB", 1000000000000ULL },
    };
    size_t i;

    if (!unit)
        return 1ULL << 10;
    for (i = 0; i < G_N_ELEMENTS(units); i++) {
        if (g_ascii_strcasecmp(unit, units[i].name) == 0 &&
            (strlen(unit) == 1 || strcmp(unit, units[i].name) == 0 ||
             g_ascii_strcasecmp(unit, "bytes") == 0))
            return units[i].scale;
    }
    return 0;
}


int
qemuVIOMMUWindowGet(const qemuVIOMMUDomain *def, unsigned long long *bytes)
{
    qemuVIOMMUController *root = qemuVIOMMUWindowRoot(def);
    xmlNodePtr hole = root ? qemuVIOMMUXMLChild(root->node, "pcihole64") : NULL;
    g_autofree char *unit = NULL;
    g_autofree char *text = NULL;
    g_autofree char *path = NULL;
    unsigned long long scale;
    guint64 val;

    if (!hole)
        return 0;
    unit = qemuVIOMMUXMLProp(hole, "unit");
    text = (char *) xmlNodeGetContent(hole);
    scale = qemuVIOMMUWindowUnit(unit);
    if (scale == 0 || !text ||
        !g_ascii_string_to_unsigned(g_strstrip(text), 10, 0,
                                    G_MAXUINT64 / scale, &val, NULL)) {
        path = qemuVIOMMUXMLNodePath(hole);
        virReportError(VIR_ERROR_XML_INVALID, _("%1$s: '%2$s' with unit '%3$s' is not a size; write <pcihole64 unit='KiB'>N</pcihole64>"),
                       path, text ? text : "", unit ? unit : "KiB");
        return -1;
    }
    *bytes = val * scale;
    return 1;
}


void
qemuVIOMMUWindowSet(qemuVIOMMUDomain *def, unsigned long long bytes)
{
    qemuVIOMMUController *root = qemuVIOMMUWindowRoot(def);
    xmlNodePtr ctrl;
    xmlNodePtr hole;
    xmlNodePtr cur;
    g_autofree char *kib = g_strdup_printf("%llu", bytes >> 10);

    if (root) {
        ctrl = root->node;
        /* change the value in place, in the unit libvirt writes */
        if ((hole = qemuVIOMMUXMLChild(ctrl, "pcihole64"))) {
            xmlNodeSetContent(hole, BAD_CAST kib);
            xmlSetProp(hole, BAD_CAST "unit", BAD_CAST "KiB");
            return;
        }
    } else {
        xmlNodePtr first = NULL;

        /* libvirt lists pcie-root first among the controllers */
        for (cur = def->devices->children; cur && !first; cur = cur->next) {
            if (cur->type == XML_ELEMENT_NODE &&
                xmlStrEqual(cur->name, BAD_CAST "controller"))
                first = cur;
        }
        ctrl = xmlNewDocNode(def->doc, def->devices->ns, BAD_CAST "controller", NULL);
        xmlNewProp(ctrl, BAD_CAST "type", BAD_CAST "pci");
        xmlNewProp(ctrl, BAD_CAST "index", BAD_CAST "0");
        xmlNewProp(ctrl, BAD_CAST "model", BAD_CAST "pcie-root");
        if (first)
            qemuVIOMMUXMLInsertBefore(first, ctrl);
        else
            qemuVIOMMUXMLInsert(def->devices, NULL, ctrl);
    }
    /* <pcihole64> is the first child libvirt writes in a controller */
    hole = xmlNewDocNode(def->doc, ctrl->ns, BAD_CAST "pcihole64", BAD_CAST kib);
    xmlNewProp(hole, BAD_CAST "unit", BAD_CAST "KiB");
    qemuVIOMMUXMLPrepend(ctrl, hole);
}


unsigned int
qemuVIOMMUWindowPhysBits(const qemuVIOMMUDomain *def)
{
    xmlNodePtr cpu = qemuVIOMMUXMLChild(def->root, "cpu");
    xmlNodePtr max = cpu ? qemuVIOMMUXMLChild(cpu, "maxphysaddr") : NULL;
    unsigned int bits;

    if (max && qemuVIOMMUXMLPropUInt(max, "bits", 64, "<maxphysaddr>", &bits) == 1 &&
        bits >= 32)
        return bits;
    return QEMU_VIOMMU_WINDOW_PHYS_BITS;
}


/* What the assigned devices' 64-bit prefetchable BARs need, gathered
 * device by device.  Every sum is checked: a need above
 * VIR_PCI_BAR_SIZE_MAX is an error naming the devices, not a wrap. */
typedef struct _qemuVIOMMUWindowSum qemuVIOMMUWindowSum;
struct _qemuVIOMMUWindowSum {
    GHashTable *ports;          /* port + 1 -> unsigned long long */
    GHashTable *bridgeOf;       /* port + 1 -> host bridge + 1 */
    GString *devs;              /* "SOURCE SIZE, ..." for messages */
};


static void
qemuVIOMMUWindowSumInit(qemuVIOMMUWindowSum *sum)
{
    sum->ports = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    sum->bridgeOf = g_hash_table_new(NULL, NULL);
    sum->devs = g_string_new(NULL);
}


static void
qemuVIOMMUWindowSumClear(qemuVIOMMUWindowSum *sum)
{
    g_clear_pointer(&sum->ports, g_hash_table_unref);
    g_clear_pointer(&sum->bridgeOf, g_hash_table_unref);
    if (sum->devs)
        g_string_free(g_steal_pointer(&sum->devs), TRUE);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(qemuVIOMMUWindowSum, qemuVIOMMUWindowSumClear);


static int
qemuVIOMMUWindowReportOverflow(const qemuVIOMMUWindowSum *sum)
{
    g_autofree char *maxStr = virPCIBarFormatSize(VIR_PCI_BAR_SIZE_MAX);

    virReportError(VIR_ERROR_EXHAUSTED, _("the assigned devices' 64-bit prefetchable BARs (%1$s) need a guest MMIO window larger than %2$s, the largest any guest can have; assign fewer of these devices, or check the BAR sizes in their sysfs 'resource'"),
                   sum->devs->str, maxStr);
    return -1;
}


/* Add @size to the need of key @key of @table; false on overflow. */
static bool
qemuVIOMMUWindowAdd(GHashTable *table, unsigned int key, unsigned long long size)
{
    unsigned long long *need = g_hash_table_lookup(table, GUINT_TO_POINTER(key + 1));

    if (!need) {
        need = g_new0(unsigned long long, 1);
        g_hash_table_insert(table, GUINT_TO_POINTER(key + 1), need);
    }
    return virPCIBarAdd(*need, size, need);
}


/* Count host device @source with BARs @bars on root port @port of host
 * bridge @bridge.  Returns 0, or -1 (reported) on overflow. */
static int
qemuVIOMMUWindowSumAddDevice(qemuVIOMMUWindowSum *sum,
                             const char *source,
                             const GArray *bars,
                             unsigned int port,
                             unsigned int bridge)
{
    g_autofree char *sizeStr = NULL;
    unsigned long long size;
    bool ok = virPCIBarSumMem64Prefetch(bars, &size);

    if (ok && size == 0)
        return 0;
    if (sum->devs->len)
        g_string_append(sum->devs, ", ");
    if (!ok) {
        sizeStr = virPCIBarFormatSize(VIR_PCI_BAR_SIZE_MAX);
        g_string_append_printf(sum->devs, "%s more than %s", source, sizeStr);
        return qemuVIOMMUWindowReportOverflow(sum);
    }
    sizeStr = virPCIBarFormatSize(size);
    g_string_append_printf(sum->devs, "%s %s", source, sizeStr);
    if (!qemuVIOMMUWindowAdd(sum->ports, port, size))
        return qemuVIOMMUWindowReportOverflow(sum);
    g_hash_table_insert(sum->bridgeOf, GUINT_TO_POINTER(port + 1),
                        GUINT_TO_POINTER(bridge + 1));
    return 0;
}


/* *total gets the sum of the needs of @table, each rounded up to a
 * power of two; with @into, each is also added to the need of its host
 * bridge there.  false on overflow. */
static bool
qemuVIOMMUWindowSumPow2(GHashTable *table,
                        GHashTable *into,
                        GHashTable *bridgeOf,
                        unsigned long long *total)
{
    GHashTableIter iter;
    gpointer key;
    gpointer val;

    *total = 0;
    g_hash_table_iter_init(&iter, table);
    while (g_hash_table_iter_next(&iter, &key, &val)) {
        unsigned long long need;

        if (!virPCIBarRoundUpPow2(*(unsigned long long *) val, &need) ||
            !virPCIBarAdd(*total, need, total))
            return false;
        if (into &&
            !qemuVIOMMUWindowAdd(into,
                                 GPOINTER_TO_UINT(g_hash_table_lookup(bridgeOf, key)) - 1,
                                 need))
            return false;
    }
    return true;
}


/* The window @sum needs: each root port's need rounded up to a power
 * of two, those of a host bridge summed and rounded up, pcie.0's margin
 * added, the whole rounded up, and at least @dflt.  *total gets the
 * sum of the bridges' windows.  Returns 0, or -1 (reported). */
static int
qemuVIOMMUWindowSumNeed(qemuVIOMMUWindowSum *sum,
                        unsigned long long dflt,
                        unsigned long long *total,
                        unsigned long long *need)
{
    g_autoptr(GHashTable) bridges = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    unsigned long long ports;

    if (!qemuVIOMMUWindowSumPow2(sum->ports, bridges, sum->bridgeOf, &ports) ||
        !qemuVIOMMUWindowAdd(bridges, 0, QEMU_VIOMMU_WINDOW_ROOT_MARGIN) ||
        !qemuVIOMMUWindowSumPow2(bridges, NULL, NULL, total) ||
        !virPCIBarRoundUpPow2(*total, need))
        return qemuVIOMMUWindowReportOverflow(sum);
    *need = MAX(*need, dflt);
    return 0;
}


/* The root port and host bridge (pxb index, 0 for pcie.0) @item ends
 * up on.  A device straight on a host bridge counts as its own port. */
static void
qemuVIOMMUWindowItemHome(const qemuVIOMMUPlan *p,
                         qemuVIOMMUItem *item,
                         unsigned int *port,
                         unsigned int *bridge)
{
    qemuVIOMMUController *pxb = NULL;
    const qemuVIOMMUGroup *group;
    const qemuVIOMMUSlot *slot;
    const qemuVIOMMUItem *placed;

    if (qemuVIOMMUDecisionsFindPlacement(&p->dec, item->hostdev, &group, &slot, &placed)) {
        *port = slot->port;
        *bridge = group->pxbIndex;
        return;
    }
    *port = item->hostdev->addr.addr.bus;
    qemuVIOMMUAddrSetBusHome(p->addrs, *port, &pxb);
    *bridge = pxb ? pxb->index : 0;
}


/* An assigned device whose BAR has no power-of-two size (PCI Enhanced
 * Allocation): QEMU's vfio-pci registers each BAR at the size of the
 * vfio region, which is the host's (vfio_bar_prepare(), and the
 * kernel's vfio-pci region info gives pci_resource_len()), and
 * pci_register_bar() asserts a power of two, so QEMU would abort. */
int
qemuVIOMMUWindowCheckBars(const char *source,
                          const GArray *bars)
{
    const virPCIBar *bar = virPCIBarFindNotPow2(bars);

    if (!bar)
        return 0;
    virReportError(VIR_ERROR_HOST_DEVICE, _("host device %1$s has BAR %2$u of %3$llu bytes, no power of two (PCI Enhanced Allocation); QEMU's vfio-pci gives the guest the BAR at that size and pci_register_bar() accepts only powers of two, so QEMU would abort; do not assign this device"),
                   source, bar->index, bar->size);
    return -1;
}


int
qemuVIOMMUPlanWindow(const qemuVIOMMUPlan *p, qemuVIOMMUWindowDecision *out)
{
    g_auto(qemuVIOMMUWindowSum) sum = { 0 };
    unsigned long long dflt = qemuVIOMMUWindowDefault(p->def->archKind);
    unsigned long long have = 0;
    unsigned long long need;
    unsigned long long total;
    unsigned int bits = qemuVIOMMUWindowPhysBits(p->def);
    int rc;
    size_t i;

    if ((rc = qemuVIOMMUWindowGet(p->def, &have)) < 0)
        return -1;

    qemuVIOMMUWindowSumInit(&sum);
    for (i = 0; i < p->items->len; i++) {
        qemuVIOMMUItem *item = g_ptr_array_index(p->items, i);
        unsigned int port;
        unsigned int bridge;

        if (item->hostdev->isMdev)
            continue;
        if (qemuVIOMMUWindowCheckBars(item->hostdev->sourceStr, item->dev->bars) < 0)
            return -1;
        if (g_strcmp0(item->dev->driver, VIR_SYS_GPUMEM_DRIVER) == 0 &&
            !item->dev->vfioBars)
            virReportWarning(VIR_ERROR_HOST_DEVICE, _("host device %1$s is bound to %2$s, which shows the guest its device memory as a 64-bit prefetchable BAR that the host's sysfs does not list; VFIO's sizes are not known (%3$s), so the window is sized from the BARs in sysfs only: plan on the host itself, or add that BAR's size (the device memory rounded up to a power of two) and set <pcihole64 unit='KiB'> on the pcie-root controller by hand"),
                             item->hostdev->sourceStr, item->dev->driver,
                             item->dev->vfioReason ? item->dev->vfioReason : "not read");
        qemuVIOMMUWindowItemHome(p, item, &port, &bridge);
        if (qemuVIOMMUWindowSumAddDevice(&sum, item->hostdev->sourceStr,
                                         virSysIOMMUDeviceGuestBars(item->dev),
                                         port, bridge) < 0)
            return -1;
    }
    if (g_hash_table_size(sum.ports) == 0)
        return 0;

    if (qemuVIOMMUWindowSumNeed(&sum, dflt, &total, &need) < 0)
        return -1;
    out->need = need;

    if (bits < 64 && need > (1ULL << (bits - 1))) {
        g_autofree char *needStr = virPCIBarFormatSize(need);
        g_autofree char *limitStr = virPCIBarFormatSize(1ULL << (bits - 1));

        virReportError(VIR_ERROR_EXHAUSTED, _("the assigned devices' 64-bit prefetchable BARs (%1$s) need a %2$s guest MMIO window (their bridge windows add up to %3$llu MiB), but a guest with %4$u physical address bits holds at most a %5$s one (the window starts at an address equal to its size); assign fewer devices or give the guest more address bits (<cpu><maxphysaddr bits>)"),
                       sum.devs->str, needStr, total >> 20, bits, limitStr);
        return -1;
    }

    /* a window the user made larger stays; the default needs nothing */
    if ((rc == 1 && have >= need) || (rc == 0 && need <= dflt)) {
        VIR_DEBUG("window: BARs need %llu MiB: kept, the %s of %llu MiB holds them",
                  need >> 20, rc == 1 ? "domain's <pcihole64>" : "default",
                  (rc == 1 ? have : dflt) >> 20);
        return 0;
    }
    out->set = need;
    VIR_DEBUG("window: <pcihole64> set to %llu MiB: the BARs need more than the %s of %llu MiB",
              need >> 20, rc == 1 ? "domain's <pcihole64>" : "default",
              (rc == 1 ? have : dflt) >> 20);
    return 0;
}


void
qemuVIOMMUApplyWindow(const qemuVIOMMUDecisions *dec, qemuVIOMMUDomain *def)
{
    if (dec->window.set)
        qemuVIOMMUWindowSet(def, dec->window.set);
}


int
qemuVIOMMUWindowCheck(qemuVIOMMUDomain *def,
                      virSysIOMMUHost *host,
                      unsigned long long *need,
                      unsigned long long *have)
{
    g_autoptr(qemuVIOMMUAddrSet) addrs = NULL;
    g_auto(qemuVIOMMUWindowSum) sum = { 0 };
    unsigned long long dflt = qemuVIOMMUWindowDefault(def->archKind);
    unsigned long long total;
    int rc;
    size_t i;

    if ((rc = qemuVIOMMUWindowGet(def, have)) < 0)
        return -1;
    if (rc == 0)
        *have = dflt;
    if (qemuVIOMMUAddrSetNew(def, &addrs) < 0)
        return -1;

    qemuVIOMMUWindowSumInit(&sum);
    for (i = 0; i < def->hostdevs->len; i++) {
        qemuVIOMMUHostdev *hd = g_ptr_array_index(def->hostdevs, i);
        qemuVIOMMUController *pxb = NULL;
        virSysIOMMUDevice *dev = NULL;
        unsigned int port;

        if (hd->isMdev || !hd->addr.set)
            continue;
        if ((rc = virSysIOMMUHostGetDevice(host, &hd->source, &dev)) < 0)
            return -1;
        if (rc == 0)
            continue;
        if (virSysIOMMUHostGetDeviceBars(host, dev) < 0 ||
            virSysIOMMUHostGetDeviceDetails(host, dev) < 0 ||
            virSysIOMMUHostGetDeviceRegions(host, dev) < 0)
            return -1;
        port = hd->addr.addr.bus;
        qemuVIOMMUAddrSetBusHome(addrs, port, &pxb);
        if (qemuVIOMMUWindowSumAddDevice(&sum, hd->sourceStr,
                                         virSysIOMMUDeviceGuestBars(dev), port,
                                         pxb ? pxb->index : 0) < 0)
            return -1;
    }
    if (g_hash_table_size(sum.ports) == 0)
        return 0;

    if (qemuVIOMMUWindowSumNeed(&sum, dflt, &total, need) < 0)
        return -1;
    return *need > *have ? 1 : 0;
}
