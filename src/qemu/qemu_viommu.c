/*
 * qemu_viommu.c: plan the guest PCI topology so each assigned device sits
 *                behind the vIOMMU of its physical IOMMU
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu.h"

#include <string.h>

#include "qemu_viommu_conf.h"
#include "qemu_viommu_meta.h"
#include "qemu_viommu_xml.h"
#include "virerror.h"

/* Slots of a PCI Express bus, and so root ports of one pxb. */
#define QEMU_VIOMMU_SLOTS 32

/* Bus-number ranges of pxbs are multiples of this many buses. */
#define QEMU_VIOMMU_BUSNR_ALIGN 4

/* One hostdev to place or to check. */
typedef struct _qemuVIOMMUItem qemuVIOMMUItem;
struct _qemuVIOMMUItem {
    qemuVIOMMUHostdev *hostdev;
    virSysIOMMUDevice *dev;     /* the host PCI device (an mdev's parent) */
    virSysIOMMU *iommu;
};

/* Items of one host slot that go onto one root port together. */
typedef struct _qemuVIOMMUSlot qemuVIOMMUSlot;
struct _qemuVIOMMUSlot {
    GPtrArray *items;           /* qemuVIOMMUItem *, by host function */
    unsigned int port;          /* root port index, once allocated */
    unsigned int pxbSlot;       /* the new root port's slot on its pxb */
    qemuVIOMMUController *reuse; /* an existing spare root port */
};

/* The devices of one physical IOMMU that need a place. */
typedef struct _qemuVIOMMUGroup qemuVIOMMUGroup;
struct _qemuVIOMMUGroup {
    virSysIOMMU *iommu;
    GPtrArray *slots;           /* qemuVIOMMUSlot * */
    qemuVIOMMUController *pxb;  /* existing pxb, or NULL for a new one */
    unsigned int pxbIndex;
    unsigned int rootSlot;      /* new pxb: its slot on the root bus */
    int busNr;                  /* new pxb */
    int cell;                   /* new pxb: guest NUMA cell, -1 */
    unsigned int newPorts;      /* existing pxb: root ports the plan adds */
    unsigned int nspare;        /* new pxb: spare ports */
    unsigned int spareFirst;    /* new pxb: index of the first spare */
    unsigned int spareSlot;     /* new pxb: slot of the first spare */
    qemuVIOMMUMetaBus *meta;
};

typedef struct _qemuVIOMMUPlanner qemuVIOMMUPlanner;
struct _qemuVIOMMUPlanner {
    virSysIOMMUHost *host;
    const qemuVIOMMUPlanOptions *opts;
    qemuVIOMMUDomain *def;
    qemuVIOMMUMeta *meta;

    /* the vIOMMU options: template, else the record, else defaults */
    qemuVIOMMUIOMMU *tmpl;
    char *model;
    GPtrArray *optNames;
    GPtrArray *optValues;
    bool accel;

    GPtrArray *items;           /* qemuVIOMMUItem *, all resolved */
    GHashTable *claims;         /* IOMMU name -> pxb index + 1 (0: root) */
    GHashTable *owners;         /* pxb index + 1 -> IOMMU name */
    GPtrArray *groups;          /* qemuVIOMMUGroup * */
    unsigned int nextIndex;
    bool failed;
    bool changed;
};


static void
qemuVIOMMUSlotFree(qemuVIOMMUSlot *slot)
{
    g_ptr_array_unref(slot->items);
    g_free(slot);
}


static void
qemuVIOMMUGroupFree(qemuVIOMMUGroup *group)
{
    g_ptr_array_unref(group->slots);
    g_free(group);
}


static void
qemuVIOMMUPlannerClearAll(qemuVIOMMUPlanner *p)
{
    qemuVIOMMUDomainFree(p->def);
    qemuVIOMMUMetaFree(p->meta);
    g_free(p->model);
    if (p->optNames)
        g_ptr_array_unref(p->optNames);
    if (p->optValues)
        g_ptr_array_unref(p->optValues);
    if (p->items)
        g_ptr_array_unref(p->items);
    if (p->claims)
        g_hash_table_unref(p->claims);
    if (p->owners)
        g_hash_table_unref(p->owners);
    if (p->groups)
        g_ptr_array_unref(p->groups);
}


static const char *
qemuVIOMMUPlannerOption(qemuVIOMMUPlanner *p, const char *name)
{
    size_t i;

    for (i = 0; i < p->optNames->len; i++) {
        if (strcmp(g_ptr_array_index(p->optNames, i), name) == 0)
            return g_ptr_array_index(p->optValues, i);
    }
    return NULL;
}


static void
qemuVIOMMUPlannerSetOptions(qemuVIOMMUPlanner *p,
                            const char *model,
                            GPtrArray *names,
                            GPtrArray *values)
{
    size_t i;

    p->model = g_strdup(model);
    for (i = 0; i < names->len; i++) {
        g_ptr_array_add(p->optNames, g_strdup(g_ptr_array_index(names, i)));
        g_ptr_array_add(p->optValues, g_strdup(g_ptr_array_index(values, i)));
    }
}


/* Find the template <iommu> and settle the options of the vIOMMUs. */
static int
qemuVIOMMUPlannerOptions(qemuVIOMMUPlanner *p)
{
    qemuVIOMMUDomain *def = p->def;
    qemuVIOMMUIOMMU *own = NULL;
    size_t i;

    p->optNames = g_ptr_array_new_with_free_func(g_free);
    p->optValues = g_ptr_array_new_with_free_func(g_free);

    for (i = 0; i < def->iommus->len; i++) {
        qemuVIOMMUIOMMU *iommu = g_ptr_array_index(def->iommus, i);
        g_autofree char *path = qemuVIOMMUXMLNodePath(iommu->node);

        if (def->archKind == QEMU_VIOMMU_ARCH_X86_Q35) {
            if (p->tmpl) {
                virReportError(VIR_ERROR_CONFLICT, _("%1$s: a q35 guest has one vIOMMU for all its buses; remove the second <iommu>"),
                               path);
                return -1;
            }
            p->tmpl = iommu;
            continue;
        }

        if (g_strcmp0(iommu->model, "smmuv3") != 0) {
            virReportError(VIR_ERROR_UNSUPPORTED, _("%1$s: <iommu model='%2$s'> on an aarch64 'virt' guest; virt-viommu plans model='smmuv3' vIOMMUs, change or remove it"),
                           path, iommu->model ? iommu->model : "");
            return -1;
        }
        if (iommu->pciBus >= 0) {
            qemuVIOMMUController *bus = qemuVIOMMUDomainFindController(def, iommu->pciBus);
            size_t j;

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
            continue;
        }
        if (p->tmpl) {
            virReportError(VIR_ERROR_CONFLICT, _("%1$s: conflicting templates: a second <iommu model='smmuv3'> without pciBus; keep one template whose options every vIOMMU gets"),
                           path);
            return -1;
        }
        p->tmpl = iommu;
    }

    /* the options: of the template; else of the vIOMMUs the domain has,
     * as they are now, those of an earlier plan first, else one written
     * by hand; else as recorded; else the defaults */
    for (i = 0; !p->tmpl && i < def->iommus->len; i++) {
        qemuVIOMMUIOMMU *iommu = g_ptr_array_index(def->iommus, i);

        if (iommu->pciBus < 0)
            continue;
        if (p->meta && qemuVIOMMUMetaFindBusByController(p->meta, iommu->pciBus)) {
            own = iommu;
            break;
        }
        if (!own)
            own = iommu;
    }

    if (p->tmpl) {
        qemuVIOMMUPlannerSetOptions(p, p->tmpl->model, p->tmpl->optNames,
                                    p->tmpl->optValues);
    } else if (own) {
        qemuVIOMMUPlannerSetOptions(p, own->model, own->optNames, own->optValues);
    } else if (p->meta && p->meta->model) {
        qemuVIOMMUPlannerSetOptions(p, p->meta->model, p->meta->optNames,
                                    p->meta->optValues);
    } else if (def->archKind == QEMU_VIOMMU_ARCH_X86_Q35) {
        p->model = g_strdup("intel");
        g_ptr_array_add(p->optNames, g_strdup("caching_mode"));
        g_ptr_array_add(p->optValues, g_strdup("on"));
    } else {
        p->model = g_strdup("smmuv3");
        g_ptr_array_add(p->optNames, g_strdup("accel"));
        g_ptr_array_add(p->optValues, g_strdup("on"));
    }

    p->accel = g_strcmp0(qemuVIOMMUPlannerOption(p, "accel"), "on") == 0;

    if (p->accel && def->iommufd && !def->iommufdEnabled) {
        g_autofree char *path = qemuVIOMMUXMLNodePath(def->iommufd);

        virReportError(VIR_ERROR_UNSUPPORTED, _("%1$s: vIOMMUs with accel='on' need iommufd, but it is disabled; set <iommufd enabled='yes'/> or accel='off'"),
                       path);
        return -1;
    }
    return 0;
}


/* Find each hostdev's host device and physical IOMMU. */
static void
qemuVIOMMUPlannerResolve(qemuVIOMMUPlanner *p)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    size_t i;

    for (i = 0; i < p->def->hostdevs->len; i++) {
        qemuVIOMMUHostdev *hd = g_ptr_array_index(p->def->hostdevs, i);
        g_autofree qemuVIOMMUItem *item = g_new0(qemuVIOMMUItem, 1);
        virPCIDeviceAddress addr = hd->source;
        qemuVIOMMUHostdev *first;
        int rc;

        item->hostdev = hd;

        if ((first = g_hash_table_lookup(seen, hd->sourceStr))) {
            virReportError(VIR_ERROR_CONFLICT, _("%1$s: host device %2$s is given twice (also in %3$s); assign each host device once"),
                           qemuVIOMMUHostdevPath(hd), hd->sourceStr,
                           qemuVIOMMUHostdevPath(first));
            p->failed = true;
            continue;
        }
        g_hash_table_insert(seen, hd->sourceStr, hd);

        if (hd->isMdev) {
            if ((rc = virSysIOMMUHostGetMdevParent(p->host, hd->mdevUUID, &addr)) < 0) {
                p->failed = true;
                continue;
            }
            if (rc == 0) {
                virReportError(VIR_ERROR_HOST_DEVICE, _("%1$s: mediated device %2$s does not exist on the host (no sys/bus/mdev/devices/%3$s); create it first"),
                               qemuVIOMMUHostdevPath(hd), hd->mdevUUID, hd->mdevUUID);
                p->failed = true;
                continue;
            }
        }

        if ((rc = virSysIOMMUHostGetDevice(p->host, &addr, &item->dev)) < 0) {
            p->failed = true;
            continue;
        }
        if (rc == 0) {
            virReportError(VIR_ERROR_HOST_DEVICE, _("%1$s: host PCI device %2$s does not exist on this host (no sys/bus/pci/devices/%3$s); check the <source> address with 'virsh nodedev-list --cap pci'"),
                           qemuVIOMMUHostdevPath(hd), hd->sourceStr, hd->sourceStr);
            p->failed = true;
            continue;
        }
        if (!item->dev->iommu) {
            virReportError(VIR_ERROR_HOST_IOMMU, _("%1$s: host PCI device %2$s has no IOMMU (no 'iommu' link in sysfs); enable the host IOMMU or do not assign this device"),
                           qemuVIOMMUHostdevPath(hd), item->dev->bdf);
            p->failed = true;
            continue;
        }
        if ((rc = virSysIOMMUHostGetIOMMU(p->host, item->dev->iommu, &item->iommu)) < 0) {
            p->failed = true;
            continue;
        }
        if (rc == 0) {
            virReportError(VIR_ERROR_HOST_IOMMU, _("%1$s: host PCI device %2$s is behind IOMMU '%3$s', which the host does not list in sys/class/iommu"),
                           qemuVIOMMUHostdevPath(hd), item->dev->bdf, item->dev->iommu);
            p->failed = true;
            continue;
        }
        if (p->def->archKind == QEMU_VIOMMU_ARCH_AARCH64_VIRT && p->accel &&
            item->iommu->kind != VIR_SYS_IOMMU_KIND_SMMUV3) {
            virReportError(VIR_ERROR_HOST_IOMMU, _("%1$s: host PCI device %2$s is behind %3$s IOMMU '%4$s'; an accelerated arm-smmuv3 needs a physical SMMUv3 (use accel='off')"),
                           qemuVIOMMUHostdevPath(hd), item->dev->bdf,
                           virSysIOMMUKindTypeToString(item->iommu->kind),
                           item->iommu->name);
            p->failed = true;
            continue;
        }

        g_ptr_array_add(p->items, g_steal_pointer(&item));
    }
}


/* VFIO hands a guest whole IOMMU groups: every endpoint of the group of
 * an assigned device must be bound to vfio-pci (or have no driver) for
 * the domain to start.  Warn about the ones the domain leaves out. */
static void
qemuVIOMMUPlannerCheckGroups(qemuVIOMMUPlanner *p)
{
    g_autoptr(GHashTable) assigned = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) done = g_hash_table_new(NULL, NULL);
    size_t i;
    size_t j;

    for (i = 0; i < p->items->len; i++) {
        qemuVIOMMUItem *item = g_ptr_array_index(p->items, i);

        g_hash_table_add(assigned, item->dev->bdf);
    }

    for (i = 0; i < p->items->len; i++) {
        qemuVIOMMUItem *item = g_ptr_array_index(p->items, i);
        g_autoptr(GPtrArray) members = NULL;

        if (item->hostdev->isMdev || item->dev->group < 0 ||
            g_hash_table_contains(done, GINT_TO_POINTER(item->dev->group + 1)))
            continue;
        g_hash_table_add(done, GINT_TO_POINTER(item->dev->group + 1));

        if (virSysIOMMUHostGetGroupDevices(p->host, item->dev->group, &members) <= 0) {
            virErrorReset();
            continue;
        }
        for (j = 0; j < members->len; j++) {
            const char *bdf = g_ptr_array_index(members, j);
            virPCIDeviceAddress addr;
            virSysIOMMUDevice *other = NULL;

            if (g_hash_table_contains(assigned, bdf) ||
                virPCIDeviceAddressParse(bdf, &addr) < 0 ||
                virSysIOMMUHostGetDevice(p->host, &addr, &other) <= 0 ||
                virSysIOMMUHostGetDeviceDetails(p->host, other) < 0) {
                virErrorReset();
                continue;
            }
            /* bridges may stay with the host */
            if ((other->pciClass >> 8) == 0x0604)
                continue;
            if (other->driver && (g_str_equal(other->driver, "vfio-pci") ||
                                  g_str_equal(other->driver, "pci-stub")))
                continue;
            virReportWarning(VIR_ERROR_GROUP_NOT_VIABLE, _("host device %1$s shares IOMMU group %2$d with %3$s (driver %4$s), which the domain does not assign; bind %5$s to vfio-pci or assign it too, or the domain will not start"),
                             item->dev->bdf, item->dev->group, other->bdf,
                             other->driver ? other->driver : "none", other->bdf);
        }
    }
}


/* Record that the devices of @iommu sit below pxb @key (0: root bus). */
static int
qemuVIOMMUPlannerClaim(qemuVIOMMUPlanner *p,
                       const char *who,
                       const char *bdf,
                       const char *iommu,
                       unsigned int key)
{
    const char *owner = g_hash_table_lookup(p->owners, GUINT_TO_POINTER(key + 1));
    gpointer claim;

    if (owner && strcmp(owner, iommu) != 0) {
        virReportError(VIR_ERROR_PLACEMENT, _("%1$s: host device %2$s (IOMMU %3$s) is placed behind the vIOMMU of bus %4$u, which serves IOMMU %5$s; devices of different physical IOMMUs need separate vIOMMUs, remove its <address> to let virt-viommu place it"),
                       who, bdf, iommu, key, owner);
        return -1;
    }
    if (g_hash_table_lookup_extended(p->claims, iommu, NULL, &claim) &&
        GPOINTER_TO_UINT(claim) != key + 1) {
        virReportError(VIR_ERROR_PLACEMENT, _("%1$s: host device %2$s (IOMMU %3$s) is placed on bus %4$u but other devices of that IOMMU are below bus %5$u; one physical IOMMU's devices share one vIOMMU, remove its <address> to let virt-viommu place it"),
                       who, bdf, iommu, key, GPOINTER_TO_UINT(claim) - 1);
        return -1;
    }

    g_hash_table_insert(p->claims, (gpointer) iommu, GUINT_TO_POINTER(key + 1));
    g_hash_table_insert(p->owners, GUINT_TO_POINTER(key + 1), (gpointer) iommu);
    return 0;
}


/* Take the record's word for which IOMMU each planned pxb serves, and
 * forget what the user has removed since. */
static void
qemuVIOMMUPlannerLoadMeta(qemuVIOMMUPlanner *p)
{
    size_t i = 0;

    if (!p->meta)
        return;

    while (i < p->meta->buses->len) {
        qemuVIOMMUMetaBus *bus = g_ptr_array_index(p->meta->buses, i);
        qemuVIOMMUController *pxb = qemuVIOMMUDomainFindController(p->def, bus->controller);
        size_t j = 0;

        /* a pxb that is gone, or whose vIOMMU is, serves nobody now */
        if (!pxb || pxb->model != QEMU_VIOMMU_CONTROLLER_PCIE_EXPANDER_BUS ||
            (p->def->archKind == QEMU_VIOMMU_ARCH_AARCH64_VIRT &&
             !qemuVIOMMUDomainFindIOMMUForBus(p->def, bus->controller))) {
            g_ptr_array_remove_index(p->meta->buses, i);
            p->changed = true;
            continue;
        }
        while (j < bus->ports->len) {
            qemuVIOMMUMetaPort *port = g_ptr_array_index(bus->ports, j);
            qemuVIOMMUController *ctrl = qemuVIOMMUDomainFindController(p->def, port->controller);

            if (!ctrl || ctrl->model != QEMU_VIOMMU_CONTROLLER_PCIE_ROOT_PORT ||
                !ctrl->addr.set || ctrl->addr.addr.bus != bus->controller) {
                g_ptr_array_remove_index(bus->ports, j);
                p->changed = true;
                continue;
            }
            j++;
        }
        g_hash_table_insert(p->claims, bus->iommu, GUINT_TO_POINTER(bus->controller + 1));
        g_hash_table_insert(p->owners, GUINT_TO_POINTER(bus->controller + 1), bus->iommu);
        i++;
    }
}


/* Check every hostdev that already has a guest address. */
static void
qemuVIOMMUPlannerCheckPlaced(qemuVIOMMUPlanner *p)
{
    size_t i;

    for (i = 0; i < p->items->len; i++) {
        qemuVIOMMUItem *item = g_ptr_array_index(p->items, i);
        qemuVIOMMUHostdev *hd = item->hostdev;
        qemuVIOMMUController *pxb;
        unsigned int key;

        if (!hd->addr.set)
            continue;

        if (hd->addr.addr.domain != 0) {
            virReportError(VIR_ERROR_XML_INVALID, _("%1$s: guest address domain 0x%2$04x; libvirt's QEMU guests have PCI domain 0 only"),
                           qemuVIOMMUHostdevPath(hd), hd->addr.addr.domain);
            p->failed = true;
            continue;
        }
        if (qemuVIOMMUDomainBusExpander(p->def, hd->addr.addr.bus, qemuVIOMMUHostdevPath(hd), &pxb) < 0) {
            p->failed = true;
            continue;
        }
        key = pxb ? pxb->index : 0;

        if (p->def->archKind == QEMU_VIOMMU_ARCH_AARCH64_VIRT &&
            !qemuVIOMMUDomainFindIOMMUForBus(p->def, key)) {
            if (pxb)
                virReportError(VIR_ERROR_PLACEMENT, _("%1$s: host device %2$s is placed below pcie-expander-bus %3$u, which has no <iommu model='smmuv3'> with pciBus='%4$u'; remove its <address> to let virt-viommu place it"),
                               qemuVIOMMUHostdevPath(hd), hd->sourceStr, key, key);
            else
                virReportError(VIR_ERROR_PLACEMENT, _("%1$s: host device %2$s is placed on the root bus, behind no vIOMMU; remove its <address> to let virt-viommu place it behind the vIOMMU of IOMMU %3$s"),
                               qemuVIOMMUHostdevPath(hd), hd->sourceStr, item->iommu->name);
            p->failed = true;
            continue;
        }
        if (!pxb && p->def->archKind == QEMU_VIOMMU_ARCH_X86_Q35)
            continue;

        if (qemuVIOMMUPlannerClaim(p, qemuVIOMMUHostdevPath(hd), hd->sourceStr,
                                   item->iommu->name, key) < 0)
            p->failed = true;
    }
}


static qemuVIOMMUGroup *
qemuVIOMMUPlannerGetGroup(qemuVIOMMUPlanner *p, virSysIOMMU *iommu)
{
    qemuVIOMMUGroup *group;
    size_t i;

    for (i = 0; i < p->groups->len; i++) {
        group = g_ptr_array_index(p->groups, i);
        if (group->iommu == iommu)
            return group;
    }

    group = g_new0(qemuVIOMMUGroup, 1);
    group->iommu = iommu;
    group->slots = g_ptr_array_new_with_free_func((GDestroyNotify) qemuVIOMMUSlotFree);
    group->busNr = -1;
    group->cell = -1;
    g_ptr_array_add(p->groups, group);
    return group;
}


/* Gather the hostdevs to place by physical IOMMU, in the order of each
 * IOMMU's first device, and the functions of one host slot together. */
static void
qemuVIOMMUPlannerGroup(qemuVIOMMUPlanner *p)
{
    size_t i;
    size_t j;

    for (i = 0; i < p->items->len; i++) {
        qemuVIOMMUItem *item = g_ptr_array_index(p->items, i);
        qemuVIOMMUGroup *group;
        qemuVIOMMUSlot *slot = NULL;

        if (item->hostdev->addr.set)
            continue;

        group = qemuVIOMMUPlannerGetGroup(p, item->iommu);

        /* functions of one physical PCI device share a root port */
        if (!item->hostdev->isMdev) {
            for (j = 0; j < group->slots->len && !slot; j++) {
                qemuVIOMMUSlot *s = g_ptr_array_index(group->slots, j);
                qemuVIOMMUItem *other = g_ptr_array_index(s->items, 0);

                if (!other->hostdev->isMdev &&
                    virPCIDeviceAddressSameSlot(&other->dev->addr, &item->dev->addr))
                    slot = s;
            }
        }
        if (!slot) {
            slot = g_new0(qemuVIOMMUSlot, 1);
            slot->items = g_ptr_array_new();
            g_ptr_array_add(group->slots, slot);
        }
        g_ptr_array_add(slot->items, item);
    }

    /* A slot shares its port only when function 0 is among them, as a
     * guest slot needs function 0; otherwise each function gets its own. */
    for (i = 0; i < p->groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(p->groups, i);

        for (j = 0; j < group->slots->len; j++) {
            qemuVIOMMUSlot *slot = g_ptr_array_index(group->slots, j);
            bool hasZero = false;
            size_t k;

            for (k = 0; k < slot->items->len; k++) {
                qemuVIOMMUItem *item = g_ptr_array_index(slot->items, k);

                if (item->dev->addr.function == 0 && !item->hostdev->isMdev)
                    hasZero = true;
            }
            if (slot->items->len > 1 && !hasZero) {
                while (slot->items->len > 1) {
                    qemuVIOMMUSlot *split = g_new0(qemuVIOMMUSlot, 1);

                    split->items = g_ptr_array_new();
                    g_ptr_array_add(split->items,
                                    g_ptr_array_steal_index(slot->items, 1));
                    g_ptr_array_insert(group->slots, j + 1, split);
                }
            }
        }
    }
}


/* Guest buses that the root bus's own hierarchy needs: the root itself
 * and one for every bus-providing controller not below a pxb. */
static unsigned int
qemuVIOMMUPlannerRootBuses(qemuVIOMMUPlanner *p)
{
    unsigned int n = 1;
    size_t i;

    for (i = 0; i < p->def->controllers->len; i++) {
        qemuVIOMMUController *ctrl = g_ptr_array_index(p->def->controllers, i);
        qemuVIOMMUController *pxb = NULL;

        switch (ctrl->model) {
        case QEMU_VIOMMU_CONTROLLER_PCI_ROOT:
        case QEMU_VIOMMU_CONTROLLER_PCIE_ROOT:
        case QEMU_VIOMMU_CONTROLLER_PCI_EXPANDER_BUS:
        case QEMU_VIOMMU_CONTROLLER_PCIE_EXPANDER_BUS:
            continue;
        case QEMU_VIOMMU_CONTROLLER_PCI_BRIDGE:
        case QEMU_VIOMMU_CONTROLLER_DMI_TO_PCI_BRIDGE:
        case QEMU_VIOMMU_CONTROLLER_PCIE_ROOT_PORT:
        case QEMU_VIOMMU_CONTROLLER_PCIE_SWITCH_UPSTREAM_PORT:
        case QEMU_VIOMMU_CONTROLLER_PCIE_SWITCH_DOWNSTREAM_PORT:
        case QEMU_VIOMMU_CONTROLLER_PCIE_TO_PCI_BRIDGE:
        case QEMU_VIOMMU_CONTROLLER_LAST:
            break;
        }
        if (ctrl->addr.set) {
            /* a broken chain only makes this estimate higher; libvirt
             * reports it when the domain is defined */
            if (qemuVIOMMUDomainBusExpander(p->def, ctrl->addr.addr.bus, "", &pxb) < 0)
                virErrorReset();
            else if (pxb)
                continue;
        }
        n++;
    }
    return n;
}


/* Is slot @slot of guest bus @bus taken by anything in the domain? */
static bool
qemuVIOMMUPlannerSlotUsed(qemuVIOMMUPlanner *p, unsigned int bus, unsigned int slot)
{
    size_t i;

    for (i = 0; i < p->def->controllers->len; i++) {
        qemuVIOMMUController *ctrl = g_ptr_array_index(p->def->controllers, i);

        if (ctrl->addr.set && ctrl->addr.addr.bus == bus && ctrl->addr.addr.slot == slot)
            return true;
    }
    for (i = 0; i < p->def->hostdevs->len; i++) {
        qemuVIOMMUHostdev *hd = g_ptr_array_index(p->def->hostdevs, i);

        if (hd->addr.set && hd->addr.addr.bus == bus && hd->addr.addr.slot == slot)
            return true;
    }
    for (i = 0; i < p->def->others->len; i++) {
        qemuVIOMMUOther *other = g_ptr_array_index(p->def->others, i);

        if (other->addr.addr.bus == bus && other->addr.addr.slot == slot)
            return true;
    }
    return false;
}


/* The highest guest bus number any address of the domain names. */
static int
qemuVIOMMUPlannerMaxAddressBus(qemuVIOMMUPlanner *p)
{
    int max = -1;
    size_t i;

    for (i = 0; i < p->def->controllers->len; i++) {
        qemuVIOMMUController *ctrl = g_ptr_array_index(p->def->controllers, i);

        if (ctrl->addr.set)
            max = MAX(max, (int) ctrl->addr.addr.bus);
    }
    for (i = 0; i < p->def->hostdevs->len; i++) {
        qemuVIOMMUHostdev *hd = g_ptr_array_index(p->def->hostdevs, i);

        if (hd->addr.set)
            max = MAX(max, (int) hd->addr.addr.bus);
    }
    for (i = 0; i < p->def->others->len; i++) {
        qemuVIOMMUOther *other = g_ptr_array_index(p->def->others, i);

        max = MAX(max, (int) other->addr.addr.bus);
    }
    return max;
}


/* An empty root port on @pxb recorded as spare, not yet reused. */
static qemuVIOMMUController *
qemuVIOMMUPlannerTakeSpare(qemuVIOMMUPlanner *p,
                           qemuVIOMMUGroup *group,
                           GHashTable *taken)
{
    size_t i;

    if (!group->meta)
        return NULL;

    for (i = 0; i < group->meta->ports->len; i++) {
        qemuVIOMMUMetaPort *port = g_ptr_array_index(group->meta->ports, i);
        qemuVIOMMUController *ctrl;

        if (port->devices->len > 0 ||
            g_hash_table_contains(taken, GUINT_TO_POINTER(port->controller + 1)))
            continue;
        ctrl = qemuVIOMMUDomainFindController(p->def, port->controller);
        if (!ctrl || qemuVIOMMUPlannerSlotUsed(p, ctrl->index, 0))
            continue;
        g_hash_table_add(taken, GUINT_TO_POINTER(port->controller + 1));
        return ctrl;
    }
    return NULL;
}


/* Bus numbers a new pxb with @nports root ports reserves: its own bus
 * and one per port, rounded up so ranges stay aligned. */
static unsigned int
qemuVIOMMUBusNrRange(unsigned int nports)
{
    return QEMU_VIOMMU_BUSNR_ALIGN *
        ((1 + nports + QEMU_VIOMMU_BUSNR_ALIGN - 1) / QEMU_VIOMMU_BUSNR_ALIGN);
}


/* Which groups join a pxb that the domain already has. */
static int
qemuVIOMMUPlannerFindPxbs(qemuVIOMMUPlanner *p)
{
    size_t i;

    for (i = 0; i < p->groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(p->groups, i);
        qemuVIOMMUSlot *first = g_ptr_array_index(group->slots, 0);
        qemuVIOMMUItem *item = g_ptr_array_index(first->items, 0);
        gpointer claim;

        group->meta = qemuVIOMMUMetaFindBus(p->meta, group->iommu->name);
        if (!g_hash_table_lookup_extended(p->claims, group->iommu->name, NULL, &claim))
            continue;
        if (GPOINTER_TO_UINT(claim) == 1) {
            virReportError(VIR_ERROR_PLACEMENT, _("%1$s: other devices of IOMMU %2$s were placed on the root bus by hand; give host device %3$s an address there too, or remove theirs to let virt-viommu place them all"),
                           qemuVIOMMUHostdevPath(item->hostdev), group->iommu->name,
                           item->hostdev->sourceStr);
            return -1;
        }
        group->pxb = qemuVIOMMUDomainFindController(p->def, GPOINTER_TO_UINT(claim) - 1);
        group->pxbIndex = group->pxb->index;
    }
    return 0;
}


/* Give the new ports of a group joining an existing pxb their indexes
 * and slots, reusing spare ports first. */
static int
qemuVIOMMUPlannerAllocateExisting(qemuVIOMMUPlanner *p,
                                  qemuVIOMMUGroup *group,
                                  GHashTable *taken)
{
    unsigned int nports = 0;
    unsigned int slotNo = 0;
    size_t j;

    for (j = 0; j < group->slots->len; j++) {
        qemuVIOMMUSlot *slot = g_ptr_array_index(group->slots, j);

        if ((slot->reuse = qemuVIOMMUPlannerTakeSpare(p, group, taken))) {
            slot->port = slot->reuse->index;
            continue;
        }
        while (slotNo < QEMU_VIOMMU_SLOTS &&
               qemuVIOMMUPlannerSlotUsed(p, group->pxbIndex, slotNo))
            slotNo++;
        if (slotNo >= QEMU_VIOMMU_SLOTS) {
            virReportError(VIR_ERROR_EXHAUSTED, _("pcie-expander-bus %1$u of IOMMU %2$s has no free slot for another root port (it has %3$d); assign fewer devices of that IOMMU"),
                           group->pxbIndex, group->iommu->name, QEMU_VIOMMU_SLOTS);
            return -1;
        }
        slot->pxbSlot = slotNo++;
        slot->port = p->nextIndex++;
        nports++;
    }

    group->newPorts = nports;
    return 0;
}


/* The bus numbers pxb @pxb needs once the plan is applied: its own bus
 * and one per root port on it, old and new. */
static unsigned int
qemuVIOMMUPlannerPxbNeed(qemuVIOMMUPlanner *p, qemuVIOMMUController *pxb)
{
    unsigned int need = 1;
    size_t i;

    for (i = 0; i < p->def->controllers->len; i++) {
        qemuVIOMMUController *ctrl = g_ptr_array_index(p->def->controllers, i);

        if (ctrl->addr.set && ctrl->addr.addr.bus == pxb->index)
            need++;
    }
    for (i = 0; i < p->groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(p->groups, i);

        if (group->pxb == pxb)
            need += group->newPorts;
    }
    return need;
}


static gint
qemuVIOMMUPxbBusNrDescending(gconstpointer a, gconstpointer b)
{
    const qemuVIOMMUController *x = *(const qemuVIOMMUController * const *) a;
    const qemuVIOMMUController *y = *(const qemuVIOMMUController * const *) b;

    return y->busNr - x->busNr;
}


/*
 * Do the existing pxbs still hold their root ports in their bus-number
 * ranges?  When one does not and every pxb of the domain is one of the
 * plan's own, renumber them all from the top, in the order they have;
 * the domain is not running from this definition, so the guest sees the
 * new numbers from its next boot.  *floor is set to the lowest bus
 * number taken.
 */
static int
qemuVIOMMUPlannerFitExisting(qemuVIOMMUPlanner *p, int *floor)
{
    g_autoptr(GPtrArray) pxbs = g_ptr_array_new();
    qemuVIOMMUController *tight = NULL;
    bool ours = true;
    int top = 256;
    size_t i;

    for (i = 0; i < p->def->controllers->len; i++) {
        qemuVIOMMUController *ctrl = g_ptr_array_index(p->def->controllers, i);

        if (ctrl->busNr < 0 ||
            (ctrl->model != QEMU_VIOMMU_CONTROLLER_PCIE_EXPANDER_BUS &&
             ctrl->model != QEMU_VIOMMU_CONTROLLER_PCI_EXPANDER_BUS))
            continue;
        g_ptr_array_add(pxbs, ctrl);
        if (!qemuVIOMMUMetaFindBusByController(p->meta, ctrl->index))
            ours = false;
    }
    g_ptr_array_sort(pxbs, qemuVIOMMUPxbBusNrDescending);

    for (i = 0; i < pxbs->len; i++) {
        qemuVIOMMUController *pxb = g_ptr_array_index(pxbs, i);

        if (pxb->busNr + (int) qemuVIOMMUPlannerPxbNeed(p, pxb) > top && !tight)
            tight = pxb;
        top = pxb->busNr;
    }
    *floor = top;
    if (!tight)
        return 0;

    if (!ours) {
        virReportError(VIR_ERROR_EXHAUSTED, _("bus numbers exhausted: pcie-expander-bus %1$u needs %2$u bus numbers from busNr %3$d, more than its range holds, and the domain has expander buses virt-viommu did not plan, so it leaves their numbers alone; give the pxb a lower <target busNr>"),
                       tight->index, qemuVIOMMUPlannerPxbNeed(p, tight), tight->busNr);
        return -1;
    }

    top = 256;
    for (i = 0; i < pxbs->len; i++) {
        qemuVIOMMUController *pxb = g_ptr_array_index(pxbs, i);
        xmlNodePtr target = qemuVIOMMUXMLChild(pxb->node, "target");
        unsigned int range = qemuVIOMMUBusNrRange(qemuVIOMMUPlannerPxbNeed(p, pxb) - 1);

        if (top - (int) range < 1) {
            virReportError(VIR_ERROR_EXHAUSTED, _("bus numbers exhausted: the pcie-expander-buses need more than the 255 bus numbers of PCI domain 0; assign fewer devices or use fewer spare ports"));
            return -1;
        }
        top -= range;
        if (pxb->busNr != top) {
            pxb->busNr = top;
            qemuVIOMMUXMLSetPropInt(target, "busNr", top);
            p->changed = true;
        }
    }
    *floor = top;
    return 0;
}


/* The root bus slot of each new pxb. */
static int
qemuVIOMMUPlannerAllocateRootSlots(qemuVIOMMUPlanner *p)
{
    g_autoptr(GHashTable) rootSlots = g_hash_table_new(NULL, NULL);
    bool q35 = p->def->archKind == QEMU_VIOMMU_ARCH_X86_Q35;
    size_t i;

    for (i = 0; i < p->groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(p->groups, i);
        unsigned int slot;

        if (group->pxb)
            continue;
        /* q35 keeps 00:01 for the primary video card and 00:1f for the
         * ICH9 functions */
        for (slot = q35 ? 2 : 1; slot < QEMU_VIOMMU_SLOTS; slot++) {
            if (q35 && slot == 0x1f)
                continue;
            if (!g_hash_table_contains(rootSlots, GUINT_TO_POINTER(slot)) &&
                !qemuVIOMMUPlannerSlotUsed(p, 0, slot))
                break;
        }
        if (slot >= QEMU_VIOMMU_SLOTS) {
            virReportError(VIR_ERROR_EXHAUSTED, _("the root bus has no free slot for the pcie-expander-bus of IOMMU %1$s; free a slot of pcie.0 or assign devices of fewer IOMMUs"),
                           group->iommu->name);
            return -1;
        }
        g_hash_table_add(rootSlots, GUINT_TO_POINTER(slot));
        group->rootSlot = slot;
    }
    return 0;
}


/* Decide the pxb of each group, the controller indexes, bus numbers,
 * slots and NUMA cells. */
static int
qemuVIOMMUPlannerAllocate(qemuVIOMMUPlanner *p)
{
    g_autoptr(GHashTable) taken = g_hash_table_new(NULL, NULL);
    int maxIndex = qemuVIOMMUDomainMaxControllerIndex(p->def);
    int floor;
    int low;
    unsigned int rootBuses;
    unsigned int needed = 0;
    size_t i;
    size_t j;

    /* an address may name a bus no controller has yet (libvirt adds
     * one for it): new controllers go above those too */
    maxIndex = MAX(maxIndex, qemuVIOMMUPlannerMaxAddressBus(p));
    p->nextIndex = maxIndex < 0 ? 1 : maxIndex + 1;

    if (qemuVIOMMUPlannerFindPxbs(p) < 0)
        return -1;

    /* new pxbs take the first indexes, then come the root ports */
    for (i = 0; i < p->groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(p->groups, i);

        if (group->pxb)
            continue;
        group->pxbIndex = p->nextIndex++;
        group->nspare = p->opts->sparePorts;
    }

    for (i = 0; i < p->groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(p->groups, i);

        if (group->pxb) {
            if (qemuVIOMMUPlannerAllocateExisting(p, group, taken) < 0)
                return -1;
            continue;
        }

        for (j = 0; j < group->slots->len; j++) {
            qemuVIOMMUSlot *slot = g_ptr_array_index(group->slots, j);

            slot->pxbSlot = j;
            slot->port = p->nextIndex++;
        }
        group->spareFirst = p->nextIndex;
        group->spareSlot = group->slots->len;
        p->nextIndex += group->nspare;
    }

    /* the existing pxbs keep their ranges, or all are renumbered; the
     * new ones go below */
    if (qemuVIOMMUPlannerFitExisting(p, &floor) < 0)
        return -1;
    low = floor;

    for (i = 0; i < p->groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(p->groups, i);
        unsigned int nports;
        unsigned int range;

        if (group->pxb)
            continue;
        nports = group->slots->len + group->nspare;
        if (nports > QEMU_VIOMMU_SLOTS) {
            virReportError(VIR_ERROR_EXHAUSTED, _("IOMMU %1$s needs %2$u root ports (devices and spares), but a pcie-expander-bus holds at most %3$d; assign fewer devices of that IOMMU or use fewer spare ports"),
                           group->iommu->name, nports, QEMU_VIOMMU_SLOTS);
            return -1;
        }

        range = qemuVIOMMUBusNrRange(nports);
        needed += range;
        low -= range;
        group->busNr = low;
    }

    if (p->nextIndex > 256) {
        virReportError(VIR_ERROR_EXHAUSTED, _("the plan needs PCI controller indexes up to %1$u, but libvirt allows 255; assign fewer devices or use fewer spare ports"),
                       p->nextIndex - 1);
        return -1;
    }

    rootBuses = qemuVIOMMUPlannerRootBuses(p);
    if (needed > 0 && low < (int) rootBuses) {
        if (floor < 256)
            virReportError(VIR_ERROR_EXHAUSTED, _("bus numbers exhausted: the new pcie-expander-buses need %1$u bus numbers but only %2$d are free between the root bus hierarchy (buses 0-%3$u) and the existing expander buses (from %4$d); assign fewer devices or use fewer spare ports"),
                           needed, MAX(floor - (int) rootBuses, 0), rootBuses - 1, floor);
        else
            virReportError(VIR_ERROR_EXHAUSTED, _("bus numbers exhausted: the new pcie-expander-buses need %1$u bus numbers but only %2$d are free above the root bus hierarchy (buses 0-%3$u) in PCI domain 0's 256; assign fewer devices or use fewer spare ports"),
                           needed, 256 - (int) rootBuses, rootBuses - 1);
        return -1;
    }

    if (qemuVIOMMUPlannerAllocateRootSlots(p) < 0)
        return -1;

    for (i = 0; i < p->groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(p->groups, i);
        qemuVIOMMUSlot *first = g_ptr_array_index(group->slots, 0);
        qemuVIOMMUItem *item = g_ptr_array_index(first->items, 0);
        int hostNode = group->iommu->numaNode >= 0 ? group->iommu->numaNode
                                                   : item->dev->numaNode;

        if (!group->pxb)
            group->cell = qemuVIOMMUDomainGuestCellForHostNode(p->def, hostNode);
    }
    return 0;
}


static void
qemuVIOMMUPlannerNoteAddress(qemuVIOMMUPlanner *p,
                             GHashTable *seen,
                             xmlNodePtr node,
                             const qemuVIOMMUGuestAddress *addr)
{
    g_autofree char *key = NULL;
    const char *other;

    if (!addr->set)
        return;
    key = virPCIDeviceAddressAsString(&addr->addr);
    if ((other = g_hash_table_lookup(seen, key))) {
        g_autofree char *path = qemuVIOMMUXMLNodePath(node);

        virReportError(VIR_ERROR_CONFLICT, _("%1$s: guest PCI address %2$s is also used by %3$s; give each device its own address, or remove one to let virt-viommu place it"),
                       path, key, other);
        p->failed = true;
        return;
    }
    g_hash_table_insert(seen, g_steal_pointer(&key), qemuVIOMMUXMLNodePath(node));
}


/* Every guest address the user gave is used once. */
static void
qemuVIOMMUPlannerCheckAddresses(qemuVIOMMUPlanner *p)
{
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    size_t i;

    for (i = 0; i < p->def->controllers->len; i++) {
        qemuVIOMMUController *ctrl = g_ptr_array_index(p->def->controllers, i);

        qemuVIOMMUPlannerNoteAddress(p, seen, ctrl->node, &ctrl->addr);
    }
    for (i = 0; i < p->def->hostdevs->len; i++) {
        qemuVIOMMUHostdev *hd = g_ptr_array_index(p->def->hostdevs, i);

        qemuVIOMMUPlannerNoteAddress(p, seen, hd->node, &hd->addr);
    }
    for (i = 0; i < p->def->others->len; i++) {
        qemuVIOMMUOther *other = g_ptr_array_index(p->def->others, i);

        qemuVIOMMUPlannerNoteAddress(p, seen, other->node, &other->addr);
    }
}


/* Emulated devices must stay off the buses of accelerated vSMMUs:
 * QEMU refuses them there. */
static void
qemuVIOMMUPlannerCheckEmulated(qemuVIOMMUPlanner *p)
{
    size_t i;

    if (p->def->archKind != QEMU_VIOMMU_ARCH_AARCH64_VIRT || !p->accel)
        return;

    for (i = 0; i < p->def->others->len; i++) {
        qemuVIOMMUOther *other = g_ptr_array_index(p->def->others, i);
        xmlNodePtr node = other->node;
        g_autofree char *path = NULL;
        qemuVIOMMUController *pxb;

        /* a bus no controller has yet gets a root port on pcie.0 from
         * libvirt: not behind a vSMMU */
        if (qemuVIOMMUDomainBusExpander(p->def, other->addr.addr.bus, "", &pxb) < 0) {
            virErrorReset();
            continue;
        }
        if (!pxb || !qemuVIOMMUDomainFindIOMMUForBus(p->def, pxb->index))
            continue;
        path = qemuVIOMMUXMLNodePath(node);
        virReportError(VIR_ERROR_PLACEMENT, _("%1$s: emulated device <%2$s> is placed below pcie-expander-bus %3$u, behind an accelerated vSMMU that admits only vfio-pci devices; move it to the root bus or remove its <address>"),
                       path, (const char *) node->name, pxb->index);
        p->failed = true;
    }
}


/* A controller the plan adds. */
typedef struct _qemuVIOMMUNewController qemuVIOMMUNewController;
struct _qemuVIOMMUNewController {
    unsigned int index;
    qemuVIOMMUControllerModel model;
    int busNr;                  /* pxb */
    int cell;                   /* pxb, -1 for none */
    unsigned int bus;           /* its own address */
    unsigned int slot;
};


static gint
qemuVIOMMUNewControllerCompare(gconstpointer a, gconstpointer b)
{
    const qemuVIOMMUNewController *x = a;
    const qemuVIOMMUNewController *y = b;

    return x->index < y->index ? -1 : x->index > y->index;
}


/* Where new controllers go: after the last <controller>, else after
 * the disks or the emulator, else at the end of <devices>. */
static xmlNodePtr
qemuVIOMMUControllerAnchor(xmlNodePtr devices)
{
    const char *names[] = { "controller", "disk", "emulator" };
    xmlNodePtr cur;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        xmlNodePtr last = NULL;

        for (cur = devices->children; cur; cur = cur->next) {
            if (cur->type == XML_ELEMENT_NODE &&
                xmlStrEqual(cur->name, BAD_CAST names[i]))
                last = cur;
        }
        if (last)
            return last;
    }
    return NULL;
}


static void
qemuVIOMMUAddAddress(xmlNodePtr parent,
                     unsigned int bus,
                     unsigned int slot,
                     unsigned int function,
                     bool multifunction)
{
    xmlNodePtr addr = qemuVIOMMUXMLNewChild(parent, "address");

    xmlSetProp(addr, BAD_CAST "type", BAD_CAST "pci");
    xmlSetProp(addr, BAD_CAST "domain", BAD_CAST "0x0000");
    qemuVIOMMUXMLSetPropHex(addr, "bus", 2, bus);
    qemuVIOMMUXMLSetPropHex(addr, "slot", 2, slot);
    qemuVIOMMUXMLSetPropHex(addr, "function", 1, function);
    if (multifunction)
        xmlSetProp(addr, BAD_CAST "multifunction", BAD_CAST "on");
}


/* Write the new controllers, in index order, after @anchor.  Root
 * ports get libvirt's default chassis (the index) and port (slot * 8),
 * written out so the planned XML reads like 'virsh dumpxml'. */
static void
qemuVIOMMUWriteControllers(qemuVIOMMUPlanner *p, GArray *list)
{
    xmlNodePtr anchor = qemuVIOMMUControllerAnchor(p->def->devices);
    size_t i;

    g_array_sort(list, qemuVIOMMUNewControllerCompare);

    for (i = 0; i < list->len; i++) {
        qemuVIOMMUNewController *nc = &g_array_index(list, qemuVIOMMUNewController, i);
        xmlNodePtr ctrl = xmlNewDocNode(p->def->doc, NULL, BAD_CAST "controller", NULL);
        xmlNodePtr target;

        xmlSetProp(ctrl, BAD_CAST "type", BAD_CAST "pci");
        qemuVIOMMUXMLSetPropInt(ctrl, "index", nc->index);
        xmlSetProp(ctrl, BAD_CAST "model",
                   BAD_CAST qemuVIOMMUControllerModelTypeToString(nc->model));
        qemuVIOMMUXMLInsert(p->def->devices, anchor, ctrl);
        anchor = ctrl;

        target = qemuVIOMMUXMLNewChild(ctrl, "target");
        if (nc->model == QEMU_VIOMMU_CONTROLLER_PCIE_EXPANDER_BUS) {
            qemuVIOMMUXMLSetPropInt(target, "busNr", nc->busNr);
            if (nc->cell >= 0) {
                g_autofree char *cell = g_strdup_printf("%d", nc->cell);
                xmlNodePtr node = qemuVIOMMUXMLNewChild(target, "node");

                xmlNodeSetContent(node, BAD_CAST cell);
            }
        } else {
            qemuVIOMMUXMLSetPropInt(target, "chassis", nc->index);
            qemuVIOMMUXMLSetPropHex(target, "port", 1, nc->slot * 8);
        }
        qemuVIOMMUAddAddress(ctrl, nc->bus, nc->slot, 0, false);
    }
}


static void
qemuVIOMMUSetDriverOptions(qemuVIOMMUPlanner *p, xmlNodePtr driver)
{
    size_t i;

    for (i = 0; i < p->optNames->len; i++)
        xmlSetProp(driver, g_ptr_array_index(p->optNames, i),
                   g_ptr_array_index(p->optValues, i));
}


/* Bring the vIOMMUs of earlier plans to the template's options. */
static void
qemuVIOMMUUpdateOptions(qemuVIOMMUPlanner *p)
{
    size_t i;
    size_t j;

    if (!p->tmpl || !p->meta || p->def->archKind != QEMU_VIOMMU_ARCH_AARCH64_VIRT)
        return;

    for (i = 0; i < p->meta->buses->len; i++) {
        qemuVIOMMUMetaBus *bus = g_ptr_array_index(p->meta->buses, i);
        qemuVIOMMUIOMMU *iommu = qemuVIOMMUDomainFindIOMMUForBus(p->def, bus->controller);
        xmlNodePtr driver;
        bool same;

        if (!iommu)
            continue;
        same = iommu->optNames->len == p->optNames->len;
        for (j = 0; same && j < p->optNames->len; j++) {
            same = strcmp(g_ptr_array_index(iommu->optNames, j),
                          g_ptr_array_index(p->optNames, j)) == 0 &&
                strcmp(g_ptr_array_index(iommu->optValues, j),
                       g_ptr_array_index(p->optValues, j)) == 0;
        }
        if (same)
            continue;

        driver = qemuVIOMMUXMLChild(iommu->node, "driver");
        for (j = 0; j < iommu->optNames->len; j++)
            xmlUnsetProp(driver, g_ptr_array_index(iommu->optNames, j));
        qemuVIOMMUSetDriverOptions(p, driver);
        p->changed = true;
    }
}


/* The new vIOMMUs: one per new pxb on aarch64, at most one on q35. */
static void
qemuVIOMMUWriteIOMMUs(qemuVIOMMUPlanner *p)
{
    xmlNodePtr anchor = NULL;
    bool generated = false;
    size_t i;

    if (p->tmpl)
        anchor = p->tmpl->node;
    else if (p->def->iommus->len > 0)
        anchor = ((qemuVIOMMUIOMMU *) g_ptr_array_index(p->def->iommus,
                                                        p->def->iommus->len - 1))->node;

    if (p->def->archKind == QEMU_VIOMMU_ARCH_X86_Q35) {
        xmlNodePtr iommu;

        if (p->tmpl || p->groups->len == 0)
            return;
        iommu = xmlNewDocNode(p->def->doc, NULL, BAD_CAST "iommu", NULL);
        xmlSetProp(iommu, BAD_CAST "model", BAD_CAST p->model);
        qemuVIOMMUXMLInsert(p->def->devices, anchor, iommu);
        qemuVIOMMUSetDriverOptions(p, qemuVIOMMUXMLNewChild(iommu, "driver"));
        return;
    }

    for (i = 0; i < p->groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(p->groups, i);
        xmlNodePtr iommu;
        xmlNodePtr driver;

        if (group->pxb)
            continue;
        iommu = xmlNewDocNode(p->def->doc, NULL, BAD_CAST "iommu", NULL);
        xmlSetProp(iommu, BAD_CAST "model", BAD_CAST p->model);
        qemuVIOMMUXMLInsert(p->def->devices, anchor, iommu);
        anchor = iommu;

        driver = qemuVIOMMUXMLNewChild(iommu, "driver");
        qemuVIOMMUXMLSetPropInt(driver, "pciBus", group->pxbIndex);
        qemuVIOMMUSetDriverOptions(p, driver);
        generated = true;
    }

    /* The template has done its job; left in, libvirt would turn it into
     * the machine-wide iommu=smmuv3 that rules out per-pxb vSMMUs. */
    if (p->tmpl && (generated || (p->meta && p->meta->buses->len > 0))) {
        qemuVIOMMUXMLRemove(p->tmpl->node);
        p->tmpl = NULL;
        p->changed = true;
    }
}


static void
qemuVIOMMUWriteIOMMUFD(qemuVIOMMUPlanner *p)
{
    xmlNodePtr os;
    xmlNodePtr iommufd;

    if (!p->accel || p->def->iommufd)
        return;

    iommufd = xmlNewDocNode(p->def->doc, NULL, BAD_CAST "iommufd", NULL);
    xmlSetProp(iommufd, BAD_CAST "enabled", BAD_CAST "yes");
    if ((os = qemuVIOMMUXMLChild(p->def->root, "os")))
        qemuVIOMMUXMLInsertBefore(os, iommufd);
    else
        qemuVIOMMUXMLInsert(p->def->root, NULL, iommufd);
    p->def->iommufd = iommufd;
    p->def->iommufdEnabled = true;
}


static void
qemuVIOMMURecordSlot(qemuVIOMMUMetaBus *bus, qemuVIOMMUSlot *slot)
{
    qemuVIOMMUMetaPort *port = NULL;
    size_t i;

    for (i = 0; i < bus->ports->len && !port; i++) {
        qemuVIOMMUMetaPort *cur = g_ptr_array_index(bus->ports, i);

        if (cur->controller == slot->port)
            port = cur;
    }
    if (!port)
        port = qemuVIOMMUMetaBusAddPort(bus, slot->port);

    for (i = 0; i < slot->items->len; i++) {
        qemuVIOMMUItem *item = g_ptr_array_index(slot->items, i);

        qemuVIOMMUMetaPortAddDevice(port, item->hostdev->sourceStr,
                                    item->dev->group, item->dev->numaNode);
    }
}


/* Write the plan into the document. */
static void
qemuVIOMMUPlannerApply(qemuVIOMMUPlanner *p)
{
    g_autoptr(GArray) ctrls = g_array_new(FALSE, FALSE, sizeof(qemuVIOMMUNewController));
    size_t i;
    size_t j;
    size_t k;

    if (!p->meta)
        p->meta = qemuVIOMMUMetaNew();

    for (i = 0; i < p->groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(p->groups, i);

        if (!group->pxb) {
            qemuVIOMMUNewController nc = {
                .index = group->pxbIndex,
                .model = QEMU_VIOMMU_CONTROLLER_PCIE_EXPANDER_BUS,
                .busNr = group->busNr,
                .cell = group->cell,
                .bus = 0,
                .slot = group->rootSlot,
            };
            g_array_append_val(ctrls, nc);
        }

        if (!group->meta)
            group->meta = qemuVIOMMUMetaAddBus(p->meta, group->iommu->name,
                                               virSysIOMMUKindTypeToString(group->iommu->kind),
                                               group->pxbIndex);

        for (j = 0; j < group->slots->len; j++) {
            qemuVIOMMUSlot *slot = g_ptr_array_index(group->slots, j);

            if (!slot->reuse) {
                qemuVIOMMUNewController nc = {
                    .index = slot->port,
                    .model = QEMU_VIOMMU_CONTROLLER_PCIE_ROOT_PORT,
                    .busNr = -1,
                    .cell = -1,
                    .bus = group->pxbIndex,
                    .slot = slot->pxbSlot,
                };
                g_array_append_val(ctrls, nc);
            }

            for (k = 0; k < slot->items->len; k++) {
                qemuVIOMMUItem *item = g_ptr_array_index(slot->items, k);
                unsigned int function = item->hostdev->isMdev ? 0 : item->dev->addr.function;

                qemuVIOMMUAddAddress(item->hostdev->node, slot->port, 0,
                                     slot->items->len > 1 ? function : 0,
                                     slot->items->len > 1 && function == 0);
            }
            qemuVIOMMURecordSlot(group->meta, slot);
        }

        for (j = 0; j < group->nspare; j++) {
            qemuVIOMMUNewController nc = {
                .index = group->spareFirst + j,
                .model = QEMU_VIOMMU_CONTROLLER_PCIE_ROOT_PORT,
                .busNr = -1,
                .cell = -1,
                .bus = group->pxbIndex,
                .slot = group->spareSlot + j,
            };
            g_array_append_val(ctrls, nc);
            qemuVIOMMUMetaBusAddPort(group->meta, group->spareFirst + j);
        }
    }

    if (p->def->devices && ctrls->len > 0)
        qemuVIOMMUWriteControllers(p, ctrls);
    /* before the template goes: it is what the options come from */
    qemuVIOMMUUpdateOptions(p);
    qemuVIOMMUWriteIOMMUs(p);
    if (p->def->archKind == QEMU_VIOMMU_ARCH_AARCH64_VIRT &&
        (p->groups->len > 0 || p->meta->buses->len > 0))
        qemuVIOMMUWriteIOMMUFD(p);

    if (p->groups->len > 0)
        p->changed = true;

    if (p->changed) {
        g_free(p->meta->model);
        p->meta->model = g_strdup(p->model);
        g_ptr_array_set_size(p->meta->optNames, 0);
        g_ptr_array_set_size(p->meta->optValues, 0);
        for (i = 0; i < p->optNames->len; i++) {
            g_ptr_array_add(p->meta->optNames, g_strdup(g_ptr_array_index(p->optNames, i)));
            g_ptr_array_add(p->meta->optValues, g_strdup(g_ptr_array_index(p->optValues, i)));
        }
        qemuVIOMMUMetaFormat(p->meta, p->def->root);
    }
}


int
qemuVIOMMUPlanDomain(virSysIOMMUHost *host,
                     xmlDocPtr doc,
                     const qemuVIOMMUPlanOptions *opts,
                     bool *changed)
{
    qemuVIOMMUPlanner p = { .host = host, .opts = opts };
    int ret = -1;

    *changed = false;

    if (opts->sparePorts > QEMU_VIOMMU_MAX_SPARE_PORTS) {
        virReportError(VIR_ERROR_EXHAUSTED, _("%1$u spare ports asked for, but a pcie-expander-bus has %2$d slots and at least one holds a device; use at most %3$d"),
                       opts->sparePorts, QEMU_VIOMMU_SLOTS, QEMU_VIOMMU_MAX_SPARE_PORTS);
        return -1;
    }

    if (!(p.def = qemuVIOMMUDomainParse(doc)))
        goto cleanup;
    if (qemuVIOMMUMetaParse(p.def->root, &p.meta) < 0)
        goto cleanup;
    if (qemuVIOMMUPlannerOptions(&p) < 0)
        goto cleanup;

    p.items = g_ptr_array_new_with_free_func(g_free);
    p.claims = g_hash_table_new(g_str_hash, g_str_equal);
    p.owners = g_hash_table_new(NULL, NULL);
    p.groups = g_ptr_array_new_with_free_func((GDestroyNotify) qemuVIOMMUGroupFree);

    qemuVIOMMUPlannerLoadMeta(&p);
    qemuVIOMMUPlannerResolve(&p);
    qemuVIOMMUPlannerCheckAddresses(&p);
    qemuVIOMMUPlannerCheckPlaced(&p);
    qemuVIOMMUPlannerCheckEmulated(&p);
    if (p.failed)
        goto cleanup;
    qemuVIOMMUPlannerCheckGroups(&p);

    qemuVIOMMUPlannerGroup(&p);
    if (p.groups->len > 0 && !p.def->devices) {
        virReportError(VIR_ERROR_XML_INVALID, "%s", _("the domain has no <devices>"));
        goto cleanup;
    }
    if (qemuVIOMMUPlannerAllocate(&p) < 0)
        goto cleanup;

    qemuVIOMMUPlannerApply(&p);
    *changed = p.changed;
    ret = 0;

 cleanup:
    qemuVIOMMUPlannerClearAll(&p);
    return ret;
}


int
qemuVIOMMUPlanFindSparePort(xmlDocPtr doc,
                            const char *iommu,
                            unsigned int *port)
{
    g_autoptr(qemuVIOMMUDomain) def = NULL;
    g_autoptr(qemuVIOMMUMeta) meta = NULL;
    qemuVIOMMUMetaBus *bus;
    size_t i;
    size_t j;

    if (!(def = qemuVIOMMUDomainParse(doc)) ||
        qemuVIOMMUMetaParse(def->root, &meta) < 0)
        return -1;
    if (!(bus = qemuVIOMMUMetaFindBus(meta, iommu)))
        return 0;

    for (i = 0; i < bus->ports->len; i++) {
        qemuVIOMMUMetaPort *mp = g_ptr_array_index(bus->ports, i);
        qemuVIOMMUController *ctrl = qemuVIOMMUDomainFindController(def, mp->controller);
        bool used = false;

        if (!ctrl || ctrl->model != QEMU_VIOMMU_CONTROLLER_PCIE_ROOT_PORT ||
            !ctrl->addr.set || ctrl->addr.addr.bus != bus->controller)
            continue;
        for (j = 0; j < def->hostdevs->len && !used; j++) {
            qemuVIOMMUHostdev *hd = g_ptr_array_index(def->hostdevs, j);

            used = hd->addr.set && hd->addr.addr.bus == ctrl->index;
        }
        for (j = 0; j < def->others->len && !used; j++) {
            qemuVIOMMUOther *other = g_ptr_array_index(def->others, j);

            used = other->addr.addr.bus == ctrl->index;
        }
        if (!used) {
            *port = ctrl->index;
            return 1;
        }
    }
    return 0;
}
