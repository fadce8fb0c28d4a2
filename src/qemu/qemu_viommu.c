/*
 * qemu_viommu.c: plan the guest PCI topology so each assigned device sits
 *                behind the vIOMMU of its physical IOMMU: the plan's
 *                life cycle and the checks of what the domain has
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu.h"

#include <string.h>

#include "qemu_viommu_explain.h"
#include "qemu_viommu_model.h"
#include "qemu_viommu_vtd.h"
#include "qemu_viommu_planpriv.h"
#include "qemu_viommu_xml.h"
#include "virerror.h"
#include "virlog.h"

VIR_LOG_INIT("plan");


void
qemuVIOMMUPlanFree(qemuVIOMMUPlan *p)
{
    if (!p)
        return;
    qemuVIOMMUAddrSetFree(p->addrs);
    qemuVIOMMUMetaFree(p->live);
    g_ptr_array_unref(p->items);
    qemuVIOMMUClaimsFree(p->claims);
    qemuVIOMMUDecisionsClear(&p->dec);
    qemuVIOMMUHostFactsFree(p->ownFacts);
    qemuVIOMMUDomainFree(p->ownDef);
    g_free(p);
}


qemuVIOMMUPlan *
qemuVIOMMUPlanNew(const qemuVIOMMUDomain *def,
                  const qemuVIOMMUHostFacts *facts,
                  const qemuVIOMMUPlanOptions *opts)
{
    g_autoptr(qemuVIOMMUPlan) p = g_new0(qemuVIOMMUPlan, 1);

    p->def = def;
    p->facts = facts;
    p->opts = opts;
    p->items = g_ptr_array_new_with_free_func(g_free);
    p->claims = qemuVIOMMUClaimsNew();
    qemuVIOMMUDecisionsInit(&p->dec);
    if (qemuVIOMMUMetaParse(def->root, &p->dec.recordBase) < 0)
        return NULL;
    return g_steal_pointer(&p);
}


/* Is @iommu, on an aarch64 guest, one the planner can work with? */
static int
qemuVIOMMUPlanCheckIOMMU(const qemuVIOMMUPlan *p, size_t i, const char *path)
{
    const qemuVIOMMUDomain *def = p->def;
    qemuVIOMMUIOMMU *iommu = g_ptr_array_index(def->iommus, i);
    qemuVIOMMUController *bus;
    size_t j;

    if (qemuVIOMMUIOMMUCheckMachine(def, iommu, path) < 0)
        return -1;
    if (iommu->pciBus < 0)
        return 0;

    bus = iommu->pciBus > 0 ? qemuVIOMMUDomainFindController(def, iommu->pciBus) : NULL;
    if (iommu->pciBus > 0 &&
        (!bus || bus->model != QEMU_VIOMMU_CONTROLLER_PCIE_EXPANDER_BUS)) {
        virReportError(VIR_ERROR_XML_INVALID, _("%1$s: pciBus='%2$d' is not a pcie-expander-bus of the domain; an arm-smmuv3 sits on pcie.0 (pciBus='0') or on a pcie-expander-bus"),
                       path, iommu->pciBus);
        return -1;
    }
    for (j = 0; j < i; j++) {
        qemuVIOMMUIOMMU *other = g_ptr_array_index(def->iommus, j);

        if (other->pciBus == iommu->pciBus) {
            virReportError(VIR_ERROR_CONFLICT, _("%1$s: a second vIOMMU on bus %2$d; each bus takes one, remove one of them"),
                           path, iommu->pciBus);
            return -1;
        }
    }
    return 0;
}


/* Find the template <iommu>: the one without pciBus (on q35, the one). */
static int
qemuVIOMMUPlanFindTemplate(const qemuVIOMMUPlan *p, qemuVIOMMUIOMMU **tmpl)
{
    const qemuVIOMMUDomain *def = p->def;
    size_t i;

    *tmpl = NULL;
    for (i = 0; i < def->iommus->len; i++) {
        qemuVIOMMUIOMMU *iommu = g_ptr_array_index(def->iommus, i);
        g_autofree char *path = qemuVIOMMUXMLNodePath(iommu->node);

        if (def->archKind == QEMU_VIOMMU_ARCH_X86_Q35) {
            if (qemuVIOMMUIOMMUCheckMachine(def, iommu, path) < 0)
                return -1;
            if (*tmpl) {
                virReportError(VIR_ERROR_CONFLICT, _("%1$s: a q35 guest has one vIOMMU for all its buses; remove the second <iommu>"),
                               path);
                return -1;
            }
            *tmpl = iommu;
            continue;
        }

        if (qemuVIOMMUPlanCheckIOMMU(p, i, path) < 0)
            return -1;
        if (iommu->pciBus >= 0)
            continue;
        if (*tmpl) {
            virReportError(VIR_ERROR_CONFLICT, _("%1$s: conflicting templates: a second <iommu model='smmuv3'> without pciBus; keep one template whose options every vIOMMU gets"),
                           path);
            return -1;
        }
        *tmpl = iommu;
    }
    return 0;
}


/* The vIOMMU whose options new vIOMMUs copy when there is no template:
 * one of an earlier plan first, else one written by hand. */
static qemuVIOMMUIOMMU *
qemuVIOMMUPlanOptionsSource(const qemuVIOMMUPlan *p)
{
    qemuVIOMMUIOMMU *own = NULL;
    size_t i;

    for (i = 0; i < p->def->iommus->len; i++) {
        qemuVIOMMUIOMMU *iommu = g_ptr_array_index(p->def->iommus, i);

        if (iommu->pciBus < 0)
            continue;
        if (qemuVIOMMUMetaFindBusByController(p->dec.recordBase, iommu->pciBus))
            return iommu;
        if (!own)
            own = iommu;
    }
    return own;
}


/*
 * q35: QEMU takes no assigned device behind an intel vIOMMU without
 * caching mode (qemu_viommu_vtd.c).  The plan writes caching_mode='on'
 * where the domain leaves it out, as it brings a vSMMU's options up to
 * date, and in the <iommu> it adds; a caching_mode='off' that the
 * domain says is refused (qemuVIOMMUPlanCheckCachingMode()).
 */
static bool
qemuVIOMMUPlanNeedsCachingMode(const qemuVIOMMUPlan *p, const qemuVIOMMUIOMMU *tmpl)
{
    if (p->def->archKind != QEMU_VIOMMU_ARCH_X86_Q35 || p->def->hostdevs->len == 0)
        return false;
    return !tmpl || qemuVIOMMUVTDCachingMode(p->def, tmpl) == QEMU_VIOMMU_VTD_CACHING_ABSENT;
}


/*
 * Phase 'options': the vIOMMU model and options the plan follows.  The
 * record keeps what was asked for (the template's options); the
 * vSMMUs themselves hold that made explicit for their own SMMU, so
 * they are the source only of a domain planned by hand.
 */
static int
qemuVIOMMUPlanChooseOptions(const qemuVIOMMUPlan *p, qemuVIOMMUChoice *out)
{
    const qemuVIOMMUDomain *def = p->def;
    const qemuVIOMMUMeta *record = p->dec.recordBase;
    qemuVIOMMUIOMMU *src;

    if (qemuVIOMMUPlanFindTemplate(p, &out->tmpl) < 0)
        return -1;

    if (out->tmpl) {
        out->model = out->tmpl->model;
        out->options = out->tmpl->options;
        out->from = "template";
    } else if (record && record->hasOptions) {
        out->model = record->model;
        out->options = record->options;
        out->from = "record";
    } else if ((src = qemuVIOMMUPlanOptionsSource(p))) {
        out->model = src->model;
        out->options = src->options;
        out->from = "domain's vIOMMU";
    } else if (def->archKind == QEMU_VIOMMU_ARCH_X86_Q35) {
        out->model = QEMU_VIOMMU_MODEL_INTEL;
        qemuVIOMMUOptionsSet(&out->options, QEMU_VIOMMU_OPTION_CACHING_MODE, 1);
        out->from = "default";
    } else {
        out->model = QEMU_VIOMMU_MODEL_SMMUV3;
        qemuVIOMMUOptionsSet(&out->options, QEMU_VIOMMU_OPTION_ACCEL, 1);
        out->from = "default";
    }
    if (qemuVIOMMUPlanNeedsCachingMode(p, out->tmpl)) {
        out->cachingAdded = !qemuVIOMMUOptionsIsOn(&out->options,
                                                   QEMU_VIOMMU_OPTION_CACHING_MODE);
        qemuVIOMMUOptionsSet(&out->options, QEMU_VIOMMU_OPTION_CACHING_MODE, 1);
    }
    VIR_DEBUG("vIOMMU model %s and options from the %s",
              qemuVIOMMUModelTypeToString(out->model), out->from);

    if (qemuVIOMMUOptionsIsOn(&out->options, QEMU_VIOMMU_OPTION_ACCEL) &&
        def->iommufd && !def->iommufdEnabled) {
        g_autofree char *path = qemuVIOMMUXMLNodePath(def->iommufd);

        virReportError(VIR_ERROR_UNSUPPORTED, _("%1$s: vIOMMUs with accel='on' need iommufd, but it is disabled; set <iommufd enabled='yes'/> or accel='off'"),
                       path);
        return -1;
    }
    return 0;
}


/* q35: a caching_mode='off' that the template says is refused, since
 * QEMU takes no assigned device behind it. */
static int
qemuVIOMMUPlanCheckCachingMode(const qemuVIOMMUPlan *p)
{
    const qemuVIOMMUIOMMU *tmpl = p->dec.viommu.tmpl;
    g_autofree char *path = NULL;
    g_autofree char *msg = NULL;

    if (p->def->archKind != QEMU_VIOMMU_ARCH_X86_Q35 || p->def->hostdevs->len == 0 ||
        !tmpl || qemuVIOMMUVTDCachingMode(p->def, tmpl) != QEMU_VIOMMU_VTD_CACHING_OFF)
        return 0;
    path = qemuVIOMMUXMLNodePath(tmpl->node);
    msg = qemuVIOMMUVTDCachingMessage(p->def, path, QEMU_VIOMMU_VTD_CACHING_OFF);
    virReportError(VIR_ERROR_UNSUPPORTED, "%s", msg);
    return -1;
}


/* Report what the host lacks for @hd.  Returns 0 when it has it all. */
static int
qemuVIOMMUPlanCheckFacts(qemuVIOMMUPlan *p,
                         qemuVIOMMUHostdev *hd,
                         const qemuVIOMMUHostdevFacts *hf)
{
    const char *path = qemuVIOMMUHostdevPath(hd);

    switch (hf->state) {
    case QEMU_VIOMMU_HOSTDEV_FOUND:
        break;
    case QEMU_VIOMMU_HOSTDEV_NO_MDEV:
        virReportError(VIR_ERROR_HOST_DEVICE, _("%1$s: mediated device %2$s does not exist on the host (no sys/bus/mdev/devices/%3$s); create it first"),
                       path, hd->mdevUUID, hd->mdevUUID);
        return -1;
    case QEMU_VIOMMU_HOSTDEV_NO_DEVICE:
        virReportError(VIR_ERROR_HOST_DEVICE, _("%1$s: host PCI device %2$s does not exist on this host (no sys/bus/pci/devices/%3$s); check the <source> address with 'virsh nodedev-list --cap pci'"),
                       path, hd->sourceStr, hd->sourceStr);
        return -1;
    case QEMU_VIOMMU_HOSTDEV_NO_IOMMU:
        virReportError(VIR_ERROR_HOST_IOMMU, _("%1$s: host PCI device %2$s has no IOMMU (no 'iommu' link in sysfs); enable the host IOMMU or do not assign this device"),
                       path, hf->dev->bdf);
        return -1;
    case QEMU_VIOMMU_HOSTDEV_IOMMU_UNLISTED:
        virReportError(VIR_ERROR_HOST_IOMMU, _("%1$s: host PCI device %2$s is behind IOMMU '%3$s', which the host does not list in sys/class/iommu"),
                       path, hf->dev->bdf, hf->dev->iommu);
        return -1;
    case QEMU_VIOMMU_HOSTDEV_LAST:
        break;
    }

    if (p->def->archKind == QEMU_VIOMMU_ARCH_AARCH64_VIRT && qemuVIOMMUDecisionsAccel(&p->dec) &&
        hf->iommu->kind != VIR_SYS_IOMMU_KIND_SMMUV3) {
        virReportError(VIR_ERROR_HOST_IOMMU, _("%1$s: host PCI device %2$s is behind %3$s IOMMU '%4$s'; an accelerated arm-smmuv3 needs a physical SMMUv3 (use accel='off')"),
                       path, hf->dev->bdf,
                       virSysIOMMUKindTypeToString(hf->iommu->kind), hf->iommu->name);
        return -1;
    }
    return 0;
}


/* Pair each hostdev with its host device and physical IOMMU. */
static void
qemuVIOMMUPlanResolve(qemuVIOMMUPlan *p)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    size_t i;

    for (i = 0; i < p->def->hostdevs->len; i++) {
        qemuVIOMMUHostdev *hd = g_ptr_array_index(p->def->hostdevs, i);
        const qemuVIOMMUHostdevFacts *hf = qemuVIOMMUHostFactsGet(p->facts, i);
        qemuVIOMMUHostdev *first;
        qemuVIOMMUItem *item;

        if ((first = g_hash_table_lookup(seen, hd->sourceStr))) {
            virReportError(VIR_ERROR_CONFLICT, _("%1$s: host device %2$s is given twice (also in %3$s); assign each host device once"),
                           qemuVIOMMUHostdevPath(hd), hd->sourceStr,
                           qemuVIOMMUHostdevPath(first));
            p->failed = true;
            continue;
        }
        g_hash_table_insert(seen, hd->sourceStr, hd);

        if (qemuVIOMMUPlanCheckFacts(p, hd, hf) < 0) {
            p->failed = true;
            continue;
        }
        item = g_new0(qemuVIOMMUItem, 1);
        item->hostdev = hd;
        item->dev = hf->dev;
        item->iommu = hf->iommu;
        g_ptr_array_add(p->items, item);
    }
}


/* Warn about the endpoints of @item's IOMMU group that the domain
 * leaves with a host driver: VFIO hands a guest whole groups, so the
 * domain would not start. */
static void
qemuVIOMMUPlanCheckGroup(qemuVIOMMUPlan *p,
                         qemuVIOMMUItem *item,
                         GHashTable *assigned)
{
    GPtrArray *members = qemuVIOMMUHostFactsGroup(p->facts, item->dev->group);
    size_t j;

    for (j = 0; members && j < members->len; j++) {
        virSysIOMMUDevice *other = g_ptr_array_index(members, j);

        if (g_hash_table_contains(assigned, other->bdf))
            continue;
        /* bridges may stay with the host */
        if ((other->pciClass >> 8) == 0x0604)
            continue;
        if (virSysIOMMUDeviceIsVFIO(other) || g_strcmp0(other->driver, "pci-stub") == 0)
            continue;
        virReportWarning(VIR_ERROR_GROUP_NOT_VIABLE, _("host device %1$s shares IOMMU group %2$d with %3$s (driver %4$s), which the domain does not assign; bind %5$s to vfio-pci or assign it too, or the domain will not start"),
                         item->dev->bdf, item->dev->group, other->bdf,
                         other->driver ? other->driver : "none", other->bdf);
    }
}


static void
qemuVIOMMUPlanCheckGroups(qemuVIOMMUPlan *p)
{
    g_autoptr(GHashTable) assigned = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) done = g_hash_table_new(NULL, NULL);
    size_t i;

    for (i = 0; i < p->items->len; i++) {
        qemuVIOMMUItem *item = g_ptr_array_index(p->items, i);

        g_hash_table_add(assigned, item->dev->bdf);
    }

    for (i = 0; i < p->items->len; i++) {
        qemuVIOMMUItem *item = g_ptr_array_index(p->items, i);

        if (item->hostdev->isMdev || item->dev->group < 0 ||
            g_hash_table_contains(done, GINT_TO_POINTER(item->dev->group + 1)))
            continue;
        g_hash_table_add(done, GINT_TO_POINTER(item->dev->group + 1));
        qemuVIOMMUPlanCheckGroup(p, item, assigned);
    }
}


/* Can the devices of @iommu sit below pxb @key (0: root bus)?  Returns
 * 0 and records it when they can; else -1, reported unless @quiet. */
static int
qemuVIOMMUPlanClaim(qemuVIOMMUPlan *p,
                    qemuVIOMMUHostdev *hd,
                    const char *iommu,
                    unsigned int key,
                    bool quiet)
{
    const char *owner = qemuVIOMMUClaimsOwner(p->claims, key);
    unsigned int claim;

    if (owner && strcmp(owner, iommu) != 0) {
        if (!quiet)
            virReportError(VIR_ERROR_PLACEMENT, _("%1$s: host device %2$s (IOMMU %3$s) is placed behind the vIOMMU of bus %4$u, which serves IOMMU %5$s; devices of different physical IOMMUs need separate vIOMMUs, remove its <address> or plan with --move to let virt-viommu place it"),
                           qemuVIOMMUHostdevPath(hd), hd->sourceStr, iommu, key, owner);
        return -1;
    }
    if (qemuVIOMMUClaimsBusOf(p->claims, iommu, &claim) && claim != key) {
        if (!quiet)
            virReportError(VIR_ERROR_PLACEMENT, _("%1$s: host device %2$s (IOMMU %3$s) is placed on bus %4$u but other devices of that IOMMU are below bus %5$u; one physical IOMMU's devices share one vIOMMU, remove its <address> or plan with --move to let virt-viommu place it"),
                           qemuVIOMMUHostdevPath(hd), hd->sourceStr, iommu, key, claim);
        return -1;
    }

    qemuVIOMMUClaimsSet(p->claims, iommu, key);
    return 0;
}


qemuVIOMMUController *
qemuVIOMMUMetaPortController(const qemuVIOMMUDomain *def,
                             qemuVIOMMUMetaBus *bus,
                             qemuVIOMMUMetaPort *port)
{
    qemuVIOMMUController *ctrl = qemuVIOMMUDomainFindController(def, port->controller);

    if (!ctrl || ctrl->model != QEMU_VIOMMU_CONTROLLER_PCIE_ROOT_PORT ||
        !ctrl->addr.set || ctrl->addr.addr.bus != bus->controller)
        return NULL;
    return ctrl;
}


/* Take the record's word for which IOMMU each planned pxb serves, and
 * forget what the user has removed since. */
static int
qemuVIOMMUPlanLoadMeta(qemuVIOMMUPlan *p)
{
    qemuVIOMMUMetaIter it;
    qemuVIOMMUMetaBus *bus;
    qemuVIOMMUMetaPort *port;
    qemuVIOMMUMetaDevice *dev;

    if (qemuVIOMMUMetaParse(p->def->root, &p->live) < 0)
        return -1;

    qemuVIOMMUMetaIterInit(&it, p->live);
    while (qemuVIOMMUMetaIterNext(&it, &bus, &port, &dev)) {
        qemuVIOMMUController *pxb;

        if (dev)
            continue;
        if (port) {
            if (!qemuVIOMMUMetaPortController(p->def, bus, port))
                qemuVIOMMUMetaIterRemove(&it);
            continue;
        }

        /* a pxb that is gone, or whose vIOMMU is, serves nobody now */
        pxb = qemuVIOMMUDomainFindController(p->def, bus->controller);
        if (!pxb || pxb->model != QEMU_VIOMMU_CONTROLLER_PCIE_EXPANDER_BUS ||
            (p->def->archKind == QEMU_VIOMMU_ARCH_AARCH64_VIRT &&
             !qemuVIOMMUDomainFindIOMMUForBus(p->def, bus->controller))) {
            VIR_DEBUG("%s: record of pxb %u dropped: the pxb or its vIOMMU is gone",
                      bus->iommu, bus->controller);
            qemuVIOMMUMetaIterRemove(&it);
            continue;
        }
        qemuVIOMMUClaimsSet(p->claims, bus->iommu, bus->controller);
    }
    return 0;
}


/*
 * Check one hostdev of a q35 guest that already has a guest address on
 * the hierarchy of pcie.0 (@pxb NULL) or of pxb @pxb.  The one vIOMMU
 * of q35 translates for every bus, but the plan still gives each
 * physical IOMMU's devices a pxb of their own (DESIGN.md section 4,
 * rule 9): a device outside them, as libvirt's own addressing leaves
 * every hostdev of a defined domain, is placed wrong just as on a
 * 'virt' guest, and so is one of a guest without <iommu>.  With --move
 * the first is placed again and the second gets the plan's <iommu>.
 */
static int
qemuVIOMMUPlanCheckPlacedQ35(qemuVIOMMUPlan *p,
                             qemuVIOMMUItem *item,
                             qemuVIOMMUController *pxb)
{
    qemuVIOMMUHostdev *hd = item->hostdev;
    const char *path = qemuVIOMMUHostdevPath(hd);

    if (!pxb) {
        if (p->opts->move) {
            item->move = true;
            return 0;
        }
        virReportError(VIR_ERROR_PLACEMENT, _("%1$s: host device %2$s is placed on the hierarchy of pcie.0, not on a pcie-expander-bus of the devices of its IOMMU %3$s; remove its <address> or plan with --move to let virt-viommu place it"),
                       path, hd->sourceStr, item->iommu->name);
        return -1;
    }

    if (qemuVIOMMUPlanClaim(p, hd, item->iommu->name, pxb->index, p->opts->move) < 0) {
        if (!p->opts->move)
            return -1;
        item->move = true;
        return 0;
    }

    if (!p->dec.viommu.tmpl && !p->opts->move) {
        virReportError(VIR_ERROR_PLACEMENT, _("%1$s: host device %2$s is placed behind no vIOMMU: the q35 guest has no <iommu>; add <iommu model='intel'/> or plan with --move to let virt-viommu add it"),
                       path, hd->sourceStr);
        return -1;
    }
    return 0;
}


/* Check one hostdev that already has a guest address. */
static int
qemuVIOMMUPlanCheckPlacedOne(qemuVIOMMUPlan *p, qemuVIOMMUItem *item)
{
    qemuVIOMMUHostdev *hd = item->hostdev;
    const char *path = qemuVIOMMUHostdevPath(hd);
    qemuVIOMMUController *pxb;
    unsigned int key;

    if (hd->addr.addr.domain != 0) {
        virReportError(VIR_ERROR_XML_INVALID, _("%1$s: guest address domain 0x%2$04x; libvirt's QEMU guests have PCI domain 0 only"),
                       path, hd->addr.addr.domain);
        return -1;
    }
    switch (qemuVIOMMUAddrSetBusHome(p->addrs, hd->addr.addr.bus, &pxb)) {
    case QEMU_VIOMMU_BUS_HOME_ROOT:
    case QEMU_VIOMMU_BUS_HOME_EXPANDER:
        break;
    case QEMU_VIOMMU_BUS_HOME_MISSING:
        /* for a bus that an address names and no controller provides,
         * libvirt adds a pcie-root-port on pcie.0 */
        if (!qemuVIOMMUDomainFindController(p->def, hd->addr.addr.bus))
            break;
        return qemuVIOMMUAddrSetReportHome(p->addrs, hd->addr.addr.bus, path);
    case QEMU_VIOMMU_BUS_HOME_LOOP:
    case QEMU_VIOMMU_BUS_HOME_LAST:
        return qemuVIOMMUAddrSetReportHome(p->addrs, hd->addr.addr.bus, path);
    }
    key = pxb ? pxb->index : 0;

    if (p->def->archKind == QEMU_VIOMMU_ARCH_AARCH64_VIRT &&
        !qemuVIOMMUDomainFindIOMMUForBus(p->def, key)) {
        if (p->opts->move)
            item->move = true;
        else if (pxb)
            virReportError(VIR_ERROR_PLACEMENT, _("%1$s: host device %2$s is placed below pcie-expander-bus %3$u, which has no <iommu model='smmuv3'> with pciBus='%4$u'; remove its <address> or plan with --move to let virt-viommu place it"),
                           path, hd->sourceStr, key, key);
        else
            virReportError(VIR_ERROR_PLACEMENT, _("%1$s: host device %2$s is placed on the root bus, behind no vIOMMU; remove its <address> or plan with --move to let virt-viommu place it behind the vIOMMU of IOMMU %3$s"),
                           path, hd->sourceStr, item->iommu->name);
        return item->move ? 0 : -1;
    }
    if (p->def->archKind == QEMU_VIOMMU_ARCH_X86_Q35)
        return qemuVIOMMUPlanCheckPlacedQ35(p, item, pxb);

    if (qemuVIOMMUPlanClaim(p, hd, item->iommu->name, key, p->opts->move) < 0) {
        if (!p->opts->move)
            return -1;
        item->move = true;
    }
    return 0;
}


static void
qemuVIOMMUPlanCheckPlaced(qemuVIOMMUPlan *p)
{
    size_t i;

    for (i = 0; i < p->items->len; i++) {
        qemuVIOMMUItem *item = g_ptr_array_index(p->items, i);

        if (item->hostdev->addr.set && qemuVIOMMUPlanCheckPlacedOne(p, item) < 0)
            p->failed = true;
    }
}


/* Emulated devices must stay off the buses of accelerated vSMMUs:
 * QEMU refuses them there. */
static void
qemuVIOMMUPlanCheckEmulated(qemuVIOMMUPlan *p)
{
    size_t i;

    if (p->def->archKind != QEMU_VIOMMU_ARCH_AARCH64_VIRT || !qemuVIOMMUDecisionsAccel(&p->dec))
        return;

    for (i = 0; i < p->def->others->len; i++) {
        qemuVIOMMUOther *other = g_ptr_array_index(p->def->others, i);
        g_autofree char *path = NULL;
        qemuVIOMMUController *pxb;

        /* a bus no controller has yet gets a root port on pcie.0 from
         * libvirt: not behind a vSMMU */
        if (qemuVIOMMUAddrSetBusHome(p->addrs, other->addr.addr.bus, &pxb) !=
            QEMU_VIOMMU_BUS_HOME_EXPANDER ||
            !qemuVIOMMUDomainFindIOMMUForBus(p->def, pxb->index))
            continue;
        path = qemuVIOMMUXMLNodePath(other->node);
        virReportError(VIR_ERROR_PLACEMENT, _("%1$s: emulated device <%2$s> is placed below pcie-expander-bus %3$u, behind an accelerated vSMMU that admits only vfio-pci devices; move it to the root bus or remove its <address>"),
                       path, (const char *) other->node->name, pxb->index);
        p->failed = true;
    }
}


/*
 * The record follows the devices: a recorded port lists exactly the
 * hostdevs placed on it.  'attach' and 'detach' change a device and
 * then the record, two libvirt calls, and one that was stopped between
 * them leaves a device on a spare port that the record does not list,
 * or an entry for a device that is gone.  A device placed on a recorded
 * port of the pxb whose vIOMMU serves its IOMMU is recorded there, with
 * what the host says of it now; an entry for a device that is gone, or
 * that sits elsewhere now, is dropped.  Entries that stay keep the
 * group and node they were planned with, so that 'check' still sees a
 * change of the host.
 */
static void
qemuVIOMMUPlanReconcileMeta(qemuVIOMMUPlan *p)
{
    g_autoptr(GHashTable) where = g_hash_table_new(g_str_hash, g_str_equal);
    qemuVIOMMUMetaIter it;
    qemuVIOMMUMetaPort *port;
    qemuVIOMMUMetaDevice *dev;
    size_t i;

    if (!p->live)
        return;

    for (i = 0; i < p->items->len; i++) {
        qemuVIOMMUItem *item = g_ptr_array_index(p->items, i);
        qemuVIOMMUHostdev *hd = item->hostdev;
        qemuVIOMMUMetaBus *bus;

        if (!hd->addr.set || item->move || hd->addr.addr.domain != 0 ||
            !(bus = qemuVIOMMUMetaFindBus(p->live, item->iommu->name)) ||
            !(port = qemuVIOMMUMetaBusFindPort(bus, hd->addr.addr.bus)))
            continue;
        g_hash_table_insert(where, hd->sourceStr, port);
    }

    qemuVIOMMUMetaIterInit(&it, p->live);
    while (qemuVIOMMUMetaIterNextDevice(&it, NULL, &port, &dev)) {
        if (g_hash_table_lookup(where, dev->source) != port)
            qemuVIOMMUMetaIterRemove(&it);
    }

    for (i = 0; i < p->items->len; i++) {
        qemuVIOMMUItem *item = g_ptr_array_index(p->items, i);
        const char *source = item->hostdev->sourceStr;

        if (!(port = g_hash_table_lookup(where, source)) ||
            qemuVIOMMUMetaPortFindDevice(port, source))
            continue;
        qemuVIOMMUMetaPortAddDevice(port, source, item->dev->group, item->dev->numaNode);
    }
}


/* Phase 'check': everything the domain already has, checked before
 * anything is placed, every problem reported; the working copy of the
 * record brought to what the domain still has.  It decides nothing. */
static int
qemuVIOMMUPlanPhaseCheck(qemuVIOMMUPlan *p)
{
    if (qemuVIOMMUPlanCheckCachingMode(p) < 0)
        p->failed = true;
    if (qemuVIOMMUPlanLoadMeta(p) < 0)
        return -1;
    qemuVIOMMUPlanResolve(p);
    if (qemuVIOMMUAddrSetNew(p->def, &p->addrs) < 0)
        p->failed = true;
    qemuVIOMMUPlanCheckPlaced(p);
    qemuVIOMMUPlanCheckEmulated(p);
    if (p->failed)
        return -1;
    qemuVIOMMUPlanReconcileMeta(p);
    qemuVIOMMUPlanCheckGroups(p);
    return 0;
}


/* Phase 'group': the hostdevs to place, by physical IOMMU and slot. */
static int
qemuVIOMMUPlanPhaseGroup(qemuVIOMMUPlan *p)
{
    qemuVIOMMUPlanGroup(p, p->dec.place.groups);
    if (p->dec.place.groups->len > 0 && !p->def->devices) {
        virReportError(VIR_ERROR_XML_INVALID, "%s", _("the domain has no <devices>"));
        return -1;
    }
    return 0;
}


/* Phase 'record': the record as it still holds, with what the plan
 * places; the vIOMMUs to add, update or remove, and <iommufd>. */
static int
qemuVIOMMUPlanPhaseRecord(qemuVIOMMUPlan *p)
{
    p->dec.record = p->live ? g_steal_pointer(&p->live) : qemuVIOMMUMetaNew();
    qemuVIOMMUPlanRecord(p, p->dec.record);
    qemuVIOMMUPlanDecideIOMMUChanges(p, &p->dec.iommus);

    /* the record keeps the options of a plan that changes the domain */
    if (!qemuVIOMMUDecisionsEmpty(&p->dec)) {
        p->dec.record->hasOptions = true;
        p->dec.record->model = p->dec.viommu.model;
        p->dec.record->options = p->dec.viommu.options;
    }
    return 0;
}


int
qemuVIOMMUPlanRunPhase(qemuVIOMMUPlan *p, qemuVIOMMUPlanPhase phase)
{
    switch (phase) {
    case QEMU_VIOMMU_PLAN_PHASE_OPTIONS:
        return qemuVIOMMUPlanChooseOptions(p, &p->dec.viommu);
    case QEMU_VIOMMU_PLAN_PHASE_CHECK:
        return qemuVIOMMUPlanPhaseCheck(p);
    case QEMU_VIOMMU_PLAN_PHASE_GROUP:
        return qemuVIOMMUPlanPhaseGroup(p);
    case QEMU_VIOMMU_PLAN_PHASE_ALLOCATE:
        return qemuVIOMMUPlanAllocate(p, p->addrs, &p->dec.place);
    case QEMU_VIOMMU_PLAN_PHASE_GPUMEM:
        return qemuVIOMMUPlanGPUMem(p, &p->dec.gpumem);
    case QEMU_VIOMMU_PLAN_PHASE_WINDOW:
        return qemuVIOMMUPlanWindow(p, &p->dec.window);
    case QEMU_VIOMMU_PLAN_PHASE_CAPS:
        return qemuVIOMMUPlanDecideOptions(p, p->dec.iommuOptions);
    case QEMU_VIOMMU_PLAN_PHASE_RECORD:
        return qemuVIOMMUPlanPhaseRecord(p);
    case QEMU_VIOMMU_PLAN_PHASE_LAST:
        break;
    }
    return -1;
}


static int
qemuVIOMMUPlanRun(qemuVIOMMUPlan *p)
{
    size_t i;

    if (p->opts->sparePorts > QEMU_VIOMMU_MAX_SPARE_PORTS) {
        virReportError(VIR_ERROR_EXHAUSTED, _("%1$u spare ports asked for, but a pcie-expander-bus has %2$d slots and at least one holds a device; use at most %3$d"),
                       p->opts->sparePorts, QEMU_VIOMMU_ADDR_SLOTS, QEMU_VIOMMU_MAX_SPARE_PORTS);
        return -1;
    }

    for (i = 0; i < QEMU_VIOMMU_PLAN_PHASE_LAST; i++) {
        if (qemuVIOMMUPlanRunPhase(p, i) < 0)
            return -1;
    }
    return 0;
}


qemuVIOMMUPlan *
qemuVIOMMUPlanBuild(const qemuVIOMMUDomain *def,
                    const qemuVIOMMUHostFacts *facts,
                    const qemuVIOMMUPlanOptions *opts)
{
    g_autoptr(qemuVIOMMUPlan) p = NULL;

    if (!(p = qemuVIOMMUPlanNew(def, facts, opts)) || qemuVIOMMUPlanRun(p) < 0)
        return NULL;
    return g_steal_pointer(&p);
}


qemuVIOMMUPlan *
qemuVIOMMUPlanDocument(virSysIOMMUHost *host,
                       xmlDocPtr doc,
                       const qemuVIOMMUPlanOptions *opts)
{
    g_autoptr(qemuVIOMMUDomain) def = NULL;
    g_autoptr(qemuVIOMMUHostFacts) facts = NULL;
    g_autoptr(qemuVIOMMUPlan) p = NULL;

    if (!(def = qemuVIOMMUDomainParse(doc)) ||
        !(facts = qemuVIOMMUHostFactsCollect(host, def)))
        return NULL;

    if (!(p = qemuVIOMMUPlanNew(def, facts, opts)))
        return NULL;
    p->ownDef = g_steal_pointer(&def);
    p->ownFacts = g_steal_pointer(&facts);
    if (qemuVIOMMUPlanRun(p) < 0)
        return NULL;
    return g_steal_pointer(&p);
}


void
qemuVIOMMUPlanApply(qemuVIOMMUPlan *p)
{
    g_return_if_fail(p->ownDef);
    qemuVIOMMUDecisionsApply(&p->dec, p->ownDef);
}


char *
qemuVIOMMUPlanExplainDomain(virSysIOMMUHost *host,
                            xmlDocPtr doc,
                            const qemuVIOMMUPlanOptions *opts)
{
    g_autoptr(qemuVIOMMUPlan) p = NULL;

    if (!(p = qemuVIOMMUPlanDocument(host, doc, opts)))
        return NULL;
    return qemuVIOMMUDecisionsFormatExplain(&p->dec, p->def, p->facts, p->addrs);
}


bool
qemuVIOMMUPlanChanged(const qemuVIOMMUPlan *p)
{
    return !qemuVIOMMUDecisionsEmpty(&p->dec);
}


int
qemuVIOMMUPlanDomain(virSysIOMMUHost *host,
                     xmlDocPtr doc,
                     const qemuVIOMMUPlanOptions *opts,
                     bool *changed)
{
    g_autoptr(qemuVIOMMUPlan) plan = NULL;

    *changed = false;
    if (!(plan = qemuVIOMMUPlanDocument(host, doc, opts)))
        return -1;

    qemuVIOMMUPlanApply(plan);
    *changed = qemuVIOMMUPlanChanged(plan);
    return 0;
}


int
qemuVIOMMUPlanFindSparePort(xmlDocPtr doc,
                            const char *iommu,
                            unsigned int *port)
{
    g_autoptr(qemuVIOMMUDomain) def = NULL;
    g_autoptr(qemuVIOMMUMeta) meta = NULL;
    g_autoptr(qemuVIOMMUAddrSet) addrs = NULL;
    qemuVIOMMUMetaBus *bus;
    size_t i;

    if (!(def = qemuVIOMMUDomainParse(doc)) ||
        qemuVIOMMUMetaParse(def->root, &meta) < 0 ||
        qemuVIOMMUAddrSetNew(def, &addrs) < 0)
        return -1;
    if (!(bus = qemuVIOMMUMetaFindBus(meta, iommu)))
        return 0;

    for (i = 0; i < bus->ports->len; i++) {
        qemuVIOMMUController *ctrl = qemuVIOMMUMetaPortController(def, bus,
                                                                  g_ptr_array_index(bus->ports, i));

        if (ctrl && !qemuVIOMMUAddrSetSlotUsed(addrs, ctrl->index, 0)) {
            *port = ctrl->index;
            return 1;
        }
    }
    return 0;
}
