/*
 * qemu_viommu_check.c: does a planned domain still match its host?
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_check.h"

#include <string.h>

#include "qemu_viommu_caps.h"
#include "qemu_viommu_conf.h"
#include "qemu_viommu_gpumem.h"
#include "qemu_viommu_meta.h"
#include "qemu_viommu_vtd.h"
#include "qemu_viommu_smmucompat.h"
#include "qemu_viommu_window.h"
#include "qemu_viommu_xml.h"
#include "virpcibar.h"
#include "virerror.h"
#include "virsysgpumem.h"

VIR_ENUM_IMPL(qemuVIOMMUCheckStatus,
              QEMU_VIOMMU_CHECK_LAST,
              "ok",
              "gone",
              "no-iommu",
              "iommu-changed",
              "group-changed",
              "node-changed",
              "unrecorded",
              "options",
              "error",
              "window",
              "smmu-refused",
              "initiator-nodes",
              "bar-refused",
);


static void
qemuVIOMMUCheckResultFree(qemuVIOMMUCheckResult *res)
{
    g_free(res->source);
    g_free(res->planIOMMU);
    g_free(res->hostIOMMU);
    g_free(res->message);
    g_free(res);
}


/* A result for @source (taken) with @status, of no known group or node. */
static qemuVIOMMUCheckResult *
qemuVIOMMUCheckResultNew(char *source, qemuVIOMMUCheckStatus status)
{
    qemuVIOMMUCheckResult *res = g_new0(qemuVIOMMUCheckResult, 1);

    res->source = source;
    res->status = status;
    res->planGroup = res->planNode = res->hostGroup = res->hostNode = -1;
    return res;
}


/* Look the device up now: its IOMMU, group and node.  Returns the host
 * PCI device when the source is one (not an mdev) and is found. */
static virSysIOMMUDevice *
qemuVIOMMUCheckLookup(virSysIOMMUHost *host,
                      qemuVIOMMUCheckResult *res)
{
    virPCIDeviceAddress addr;
    virSysIOMMUDevice *dev = NULL;
    bool pci = true;
    int rc;

    res->hostGroup = res->hostNode = -1;

    if (virPCIDeviceAddressParse(res->source, &addr) < 0) {
        pci = false;
        if ((rc = virSysIOMMUHostGetMdevParent(host, res->source, &addr)) <= 0) {
            res->status = rc < 0 ? QEMU_VIOMMU_CHECK_ERROR : QEMU_VIOMMU_CHECK_GONE;
            if (rc < 0)
                res->message = virErrorTakeLast();
            return NULL;
        }
    }

    if ((rc = virSysIOMMUHostGetDevice(host, &addr, &dev)) <= 0) {
        res->status = rc < 0 ? QEMU_VIOMMU_CHECK_ERROR : QEMU_VIOMMU_CHECK_GONE;
        if (rc < 0)
            res->message = virErrorTakeLast();
        return NULL;
    }
    res->hostIOMMU = g_strdup(dev->iommu);
    res->hostGroup = dev->group;
    res->hostNode = dev->numaNode;
    return pci ? dev : NULL;
}


static void
qemuVIOMMUCheckJudge(qemuVIOMMUCheckResult *res)
{
    if (res->status != QEMU_VIOMMU_CHECK_OK) {
        if (!res->message && res->status == QEMU_VIOMMU_CHECK_GONE)
            res->message = g_strdup_printf(_("host device %1$s is gone; remove its <hostdev> or plug it back in"),
                                           res->source);
        return;
    }

    if (!res->hostIOMMU) {
        res->status = QEMU_VIOMMU_CHECK_NO_IOMMU;
        res->message = g_strdup_printf(_("host device %1$s is behind no IOMMU now (planned behind %2$s); enable the host IOMMU again"),
                                       res->source, res->planIOMMU);
    } else if (g_strcmp0(res->hostIOMMU, res->planIOMMU) != 0) {
        res->status = QEMU_VIOMMU_CHECK_IOMMU;
        res->message = g_strdup_printf(_("host device %1$s is behind IOMMU %2$s now, but the plan put it behind the vIOMMU of %3$s; plan the domain again (remove its guest <address>)"),
                                       res->source, res->hostIOMMU, res->planIOMMU);
    } else if (res->planGroup != res->hostGroup) {
        res->status = QEMU_VIOMMU_CHECK_GROUP;
        res->message = g_strdup_printf(_("host device %1$s is in IOMMU group %2$d now, planned in group %3$d; check that its group's other devices are still bound to vfio-pci"),
                                       res->source, res->hostGroup, res->planGroup);
    } else if (res->planNode != res->hostNode) {
        res->status = QEMU_VIOMMU_CHECK_NODE;
        res->message = g_strdup_printf(_("host device %1$s is on NUMA node %2$d now, planned on node %3$d; its pcie-expander-bus may be on the wrong guest NUMA cell, plan the domain again"),
                                       res->source, res->hostNode, res->planNode);
    } else {
        res->message = g_strdup_printf(_("host device %1$s is behind %2$s, group %3$d, node %4$d, as planned"),
                                       res->source, res->hostIOMMU, res->hostGroup, res->hostNode);
    }
}


/* A device as planned, host PCI device @dev, whose BARs QEMU's vfio-pci
 * cannot give the guest (the rule plan applies,
 * qemuVIOMMUWindowCheckBars()): a BAR of PCI Enhanced Allocation, seen
 * on this host. */
static void
qemuVIOMMUCheckBars(virSysIOMMUHost *host,
                    virSysIOMMUDevice *dev,
                    qemuVIOMMUCheckResult *res)
{
    qemuVIOMMUCheckStatus status = QEMU_VIOMMU_CHECK_BAR;

    if (res->status != QEMU_VIOMMU_CHECK_OK || !dev)
        return;
    if (virSysIOMMUHostGetDeviceBars(host, dev) < 0)
        status = QEMU_VIOMMU_CHECK_ERROR;
    else if (qemuVIOMMUWindowCheckBars(res->source, dev->bars) == 0)
        return;
    res->status = status;
    g_free(res->message);
    res->message = virErrorTakeLast();
}


/* Each of @problems as a result about physical SMMU @iommu in @list;
 * with @refresh, saying that a new plan takes the host's options. */
static void
qemuVIOMMUCheckAddProblems(GPtrArray *list,
                           GPtrArray *problems,
                           qemuVIOMMUCheckStatus status,
                           const char *iommu,
                           bool refresh)
{
    size_t i;

    for (i = 0; i < problems->len; i++) {
        qemuVIOMMUCheckResult *res = qemuVIOMMUCheckResultNew(g_strdup(iommu), status);
        const char *msg = g_ptr_array_index(problems, i);

        res->planIOMMU = g_strdup(iommu);
        res->hostIOMMU = g_strdup(iommu);
        if (refresh)
            res->message = g_strdup_printf(_("%1$s; or plan again with --refresh-options"), msg);
        else
            res->message = g_strdup(msg);
        g_ptr_array_add(list, res);
    }
}


/* One recorded vSMMU: its options as QEMU takes them, its SMMU as QEMU
 * takes it, its options against its SMMU's capabilities.  Returns how
 * many problems, or -1 when the host cannot be read. */
static int
qemuVIOMMUCheckBus(virSysIOMMUHost *host,
                   qemuVIOMMUIOMMU *viommu,
                   qemuVIOMMUMetaBus *bus,
                   GPtrArray *devs,
                   GPtrArray *list)
{
    g_autoptr(GPtrArray) own = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) above = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *who = g_strdup_printf(_("the vSMMU of pcie-expander-bus %1$u"),
                                           bus->controller);
    virSysIOMMU *iommu = NULL;
    virSysIOMMUCaps *caps;

    qemuVIOMMUSMMUCompatOptions(&viommu->options, who, own);
    qemuVIOMMUCheckAddProblems(list, own, QEMU_VIOMMU_CHECK_OPTIONS, bus->iommu, false);
    if (virSysIOMMUHostGetIOMMU(host, bus->iommu, &iommu) <= 0) {
        virErrorReset();
        return own->len;
    }
    if (!(caps = virSysIOMMUHostGetCaps(host, iommu, devs)))
        return -1;
    if (qemuVIOMMUOptionsIsOn(&viommu->options, QEMU_VIOMMU_OPTION_ACCEL))
        qemuVIOMMUSMMUCompatHost(bus->iommu, caps, true, refused);
    qemuVIOMMUCheckAddProblems(list, refused, QEMU_VIOMMU_CHECK_SMMU, bus->iommu, false);
    /* an option QEMU takes from no host is not held against this one */
    if (own->len == 0)
        qemuVIOMMUCapsCheck(&viommu->options, who, bus->iommu, caps, above);
    qemuVIOMMUCheckAddProblems(list, above, QEMU_VIOMMU_CHECK_OPTIONS, bus->iommu, true);
    return own->len + refused->len + above->len;
}


/* Each recorded vSMMU, with its SMMU's capabilities read through the
 * domain's own devices.  Returns how many problems, or -1 when the host
 * cannot be read. */
static int
qemuVIOMMUCheckOptions(virSysIOMMUHost *host,
                       qemuVIOMMUDomain *def,
                       qemuVIOMMUMeta *meta,
                       GPtrArray *list)
{
    g_autoptr(GPtrArray) devs = g_ptr_array_new();
    int bad = 0;
    int rc;
    size_t i;

    for (i = 0; i < def->hostdevs->len; i++) {
        qemuVIOMMUHostdev *hd = g_ptr_array_index(def->hostdevs, i);
        virSysIOMMUDevice *dev = NULL;

        if (!hd->isMdev && virSysIOMMUHostGetDevice(host, &hd->source, &dev) > 0)
            g_ptr_array_add(devs, dev);
    }
    virErrorReset();

    for (i = 0; i < meta->buses->len; i++) {
        qemuVIOMMUMetaBus *bus = g_ptr_array_index(meta->buses, i);
        qemuVIOMMUIOMMU *viommu = qemuVIOMMUDomainFindIOMMUForBus(def, bus->controller);

        if (!viommu || viommu->model != QEMU_VIOMMU_MODEL_SMMUV3)
            continue;
        if ((rc = qemuVIOMMUCheckBus(host, viommu, bus, devs, list)) < 0)
            return -1;
        bad += rc;
    }
    return bad;
}


/* q35: an intel vIOMMU without the caching mode that QEMU needs for
 * the domain's assigned devices (qemu_viommu_vtd.c), as a domain
 * planned before virt-viommu wrote it has.  Returns how many. */
static int
qemuVIOMMUCheckCachingMode(qemuVIOMMUDomain *def, GPtrArray *list)
{
    int bad = 0;
    size_t i;

    for (i = 0; i < def->iommus->len; i++) {
        qemuVIOMMUIOMMU *iommu = g_ptr_array_index(def->iommus, i);
        qemuVIOMMUVTDCaching state = qemuVIOMMUVTDCachingMode(def, iommu);
        g_autofree char *path = NULL;
        qemuVIOMMUCheckResult *res;

        if (state == QEMU_VIOMMU_VTD_CACHING_FINE)
            continue;
        path = qemuVIOMMUXMLNodePath(iommu->node);
        res = qemuVIOMMUCheckResultNew(g_strdup(path), QEMU_VIOMMU_CHECK_OPTIONS);
        res->message = qemuVIOMMUVTDCachingMessage(def, path, state);
        g_ptr_array_add(list, res);
        bad++;
    }
    return bad;
}


/* Does @hd sit on a recorded port of the pxb that serves @iommu, its
 * host IOMMU now: the device of an 'attach' that did not get to record
 * it? */
static bool
qemuVIOMMUCheckOnSpare(qemuVIOMMUMeta *meta,
                       qemuVIOMMUHostdev *hd,
                       const char *iommu)
{
    qemuVIOMMUMetaBus *bus;

    return iommu && hd->addr.set && (bus = qemuVIOMMUMetaFindBus(meta, iommu)) &&
        qemuVIOMMUMetaBusFindPort(bus, hd->addr.addr.bus);
}


/* Each assigned device whose memory the guest sees as NUMA nodes: does
 * its <acpi nodeset> still name as many as the host says it needs?
 * Returns the number of results added, -1 when the host cannot be
 * read (reported). */
static int
qemuVIOMMUCheckGPUMem(virSysIOMMUHost *host,
                      qemuVIOMMUDomain *def,
                      GPtrArray *list)
{
    int bad = 0;
    size_t i;

    for (i = 0; i < def->hostdevs->len; i++) {
        qemuVIOMMUHostdev *hd = g_ptr_array_index(def->hostdevs, i);
        g_autoptr(GArray) nodes = NULL;
        virSysIOMMUDevice *dev = NULL;
        const virSysGPUMem *mem;
        qemuVIOMMUCheckResult *res;
        unsigned int have;
        int rc;

        if (hd->isMdev)
            continue;
        if ((rc = virSysIOMMUHostGetDevice(host, &hd->source, &dev)) < 0)
            return -1;
        if (rc == 0)
            continue;
        if (!(mem = virSysIOMMUHostGetGPUMem(host, dev)) ||
            qemuVIOMMUGPUMemNodeset(hd, &nodes) < 0)
            return -1;
        have = nodes ? nodes->len : 0;
        if (have == mem->nodes)
            continue;
        res = qemuVIOMMUCheckResultNew(g_strdup(hd->sourceStr), QEMU_VIOMMU_CHECK_GPUMEM);
        if (have == 0)
            res->message = g_strdup_printf(_("host device %1$s needs %2$u generic-initiator guest NUMA nodes now (%3$s), but it has no <acpi nodeset>; plan the domain again to add them"),
                                           hd->sourceStr, mem->nodes, mem->why);
        else
            res->message = g_strdup_printf(_("host device %1$s needs %2$u generic-initiator guest NUMA nodes now (%3$s), but its <acpi nodeset> names %4$u; remove <acpi> and the memoryless cells it names, and plan the domain again"),
                                           hd->sourceStr, mem->nodes,
                                           mem->why ? mem->why : "none", have);
        g_ptr_array_add(list, res);
        bad++;
    }
    return bad;
}

/* One result per device of @meta that @def still assigns, judged
 * against @host; their sources into @recorded.  Returns how many are
 * not OK. */
static int
qemuVIOMMUCheckRecorded(virSysIOMMUHost *host,
                        qemuVIOMMUDomain *def,
                        qemuVIOMMUMeta *meta,
                        GHashTable *recorded,
                        GPtrArray *list)
{
    g_autoptr(GHashTable) assigned = g_hash_table_new(g_str_hash, g_str_equal);
    qemuVIOMMUMetaIter it;
    qemuVIOMMUMetaBus *bus;
    qemuVIOMMUMetaDevice *md;
    int bad = 0;
    size_t i;

    for (i = 0; i < def->hostdevs->len; i++) {
        qemuVIOMMUHostdev *hd = g_ptr_array_index(def->hostdevs, i);

        g_hash_table_add(assigned, hd->sourceStr);
    }

    qemuVIOMMUMetaIterInit(&it, meta);
    while (qemuVIOMMUMetaIterNextDevice(&it, &bus, NULL, &md)) {
        qemuVIOMMUCheckResult *res;
        virSysIOMMUDevice *dev;

        /* a record of a device no longer assigned is history */
        if (!g_hash_table_contains(assigned, md->source))
            continue;
        res = qemuVIOMMUCheckResultNew(g_strdup(md->source), QEMU_VIOMMU_CHECK_OK);
        res->planIOMMU = g_strdup(bus->iommu);
        res->planGroup = md->group;
        res->planNode = md->numaNode;
        dev = qemuVIOMMUCheckLookup(host, res);
        qemuVIOMMUCheckJudge(res);
        qemuVIOMMUCheckBars(host, dev, res);
        if (res->status != QEMU_VIOMMU_CHECK_OK)
            bad++;
        g_hash_table_add(recorded, res->source);
        g_ptr_array_add(list, res);
    }
    return bad;
}


/* One result per device of @def that @recorded lacks.  Returns how
 * many. */
static int
qemuVIOMMUCheckUnrecorded(virSysIOMMUHost *host,
                          qemuVIOMMUDomain *def,
                          qemuVIOMMUMeta *meta,
                          GHashTable *recorded,
                          GPtrArray *list)
{
    int bad = 0;
    size_t i;

    for (i = 0; i < def->hostdevs->len; i++) {
        qemuVIOMMUHostdev *hd = g_ptr_array_index(def->hostdevs, i);
        qemuVIOMMUCheckResult *res;

        if (g_hash_table_contains(recorded, hd->sourceStr))
            continue;
        res = qemuVIOMMUCheckResultNew(g_strdup(hd->sourceStr), QEMU_VIOMMU_CHECK_UNRECORDED);
        qemuVIOMMUCheckLookup(host, res);
        /* a device it cannot find is still reported as unrecorded */
        res->status = QEMU_VIOMMU_CHECK_UNRECORDED;
        if (qemuVIOMMUCheckOnSpare(meta, hd, res->hostIOMMU))
            res->message = g_strdup_printf(_("host device %1$s sits on root port pci.%2$u behind the vIOMMU of its IOMMU %3$s, but the plan record does not list it (an attach stopped before recording it); define the domain again, or attach the device again, to record it"),
                                           res->source, hd->addr.addr.bus, res->hostIOMMU);
        else
            res->message = g_strdup_printf(_("host device %1$s is assigned but not in the plan record; plan the domain again to place it behind its vIOMMU"),
                                           res->source);
        bad++;
        g_ptr_array_add(list, res);
    }
    return bad;
}


/* The one window all the devices' large BARs share: a result when it
 * is too small or cannot be worked out.  Returns 1 for a result, 0. */
static int
qemuVIOMMUCheckWindowResult(virSysIOMMUHost *host,
                            qemuVIOMMUDomain *def,
                            GPtrArray *list)
{
    unsigned long long need = 0;
    unsigned long long have = 0;
    qemuVIOMMUCheckResult *res;
    int rc;

    if ((rc = qemuVIOMMUWindowCheck(def, host, &need, &have)) == 0)
        return 0;

    res = qemuVIOMMUCheckResultNew(g_strdup("pcihole64"), QEMU_VIOMMU_CHECK_WINDOW);
    if (rc < 0) {
        res->status = QEMU_VIOMMU_CHECK_ERROR;
        res->message = virErrorTakeLast();
    } else {
        g_autofree char *needStr = virPCIBarFormatSize(need);
        g_autofree char *haveStr = virPCIBarFormatSize(have);

        res->message = g_strdup_printf(_("the guest's 64-bit MMIO window (<pcihole64>) is %1$s, but the assigned devices' 64-bit prefetchable BARs now need %2$s; plan the domain again, or set <pcihole64 unit='KiB'>%3$llu</pcihole64> on the pcie-root controller"),
                                       haveStr, needStr, need >> 10);
    }
    g_ptr_array_add(list, res);
    return 1;
}


int
qemuVIOMMUCheckDomain(virSysIOMMUHost *host,
                      xmlDocPtr doc,
                      GPtrArray **results)
{
    g_autoptr(GPtrArray) list =
        g_ptr_array_new_with_free_func((GDestroyNotify) qemuVIOMMUCheckResultFree);
    g_autoptr(qemuVIOMMUDomain) def = NULL;
    g_autoptr(qemuVIOMMUMeta) meta = NULL;
    g_autoptr(GHashTable) recorded = g_hash_table_new(g_str_hash, g_str_equal);
    int bad = 0;
    int rc;

    if (!(def = qemuVIOMMUDomainParse(doc)))
        return -1;
    if ((rc = qemuVIOMMUMetaParse(def->root, &meta)) < 0)
        return -1;
    if (rc == 0) {
        virReportError(VIR_ERROR_NO_PLAN, _("domain '%1$s' has no virt-viommu plan record in its <metadata>; plan it with 'virt-viommu plan' or 'define' first"),
                       def->name ? def->name : "");
        return -1;
    }

    bad += qemuVIOMMUCheckRecorded(host, def, meta, recorded, list);
    bad += qemuVIOMMUCheckUnrecorded(host, def, meta, recorded, list);
    bad += qemuVIOMMUCheckWindowResult(host, def, list);
    if ((rc = qemuVIOMMUCheckOptions(host, def, meta, list)) < 0)
        return -1;
    bad += rc;
    bad += qemuVIOMMUCheckCachingMode(def, list);
    if ((rc = qemuVIOMMUCheckGPUMem(host, def, list)) < 0)
        return -1;
    bad += rc;

    *results = g_steal_pointer(&list);
    return bad;
}
