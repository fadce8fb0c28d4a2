/*
 * qemu_viommu_alloc.c: decide the pcie-expander-bus, root port, bus
 *                      numbers and slots of every hostdev to place
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_autopci.h"
#include "qemu_viommu_planpriv.h"
#include "qemu_viommu_rootbus.h"
#include "qemu_viommu_xml.h"
#include "virerror.h"
#include "virlog.h"

VIR_LOG_INIT("plan");


static void
qemuVIOMMUSlotFree(qemuVIOMMUSlot *slot)
{
    g_ptr_array_unref(slot->items);
    g_free(slot);
}


static qemuVIOMMUSlot *
qemuVIOMMUSlotNew(GPtrArray *slots, size_t at)
{
    qemuVIOMMUSlot *slot = g_new0(qemuVIOMMUSlot, 1);

    slot->items = g_ptr_array_new();
    g_ptr_array_insert(slots, at, slot);
    return slot;
}


static qemuVIOMMUGroup *
qemuVIOMMUPlanGetGroup(GPtrArray *groups, virSysIOMMU *iommu)
{
    qemuVIOMMUGroup *group;
    size_t i;

    for (i = 0; i < groups->len; i++) {
        group = g_ptr_array_index(groups, i);
        if (group->iommu == iommu)
            return group;
    }

    group = g_new0(qemuVIOMMUGroup, 1);
    group->iommu = iommu;
    group->slots = g_ptr_array_new_with_free_func((GDestroyNotify) qemuVIOMMUSlotFree);
    group->newPxb.busNr = -1;
    group->newPxb.cell = -1;
    g_ptr_array_add(groups, group);
    return group;
}


/* The slot of @group holding the other functions of @item's host
 * device, or NULL. */
static qemuVIOMMUSlot *
qemuVIOMMUGroupFindHostSlot(qemuVIOMMUGroup *group, qemuVIOMMUItem *item)
{
    size_t j;

    if (item->hostdev->isMdev)
        return NULL;
    for (j = 0; j < group->slots->len; j++) {
        qemuVIOMMUSlot *s = g_ptr_array_index(group->slots, j);
        qemuVIOMMUItem *other = g_ptr_array_index(s->items, 0);

        if (!other->hostdev->isMdev &&
            virPCIDeviceAddressSameSlot(&other->dev->addr, &item->dev->addr))
            return s;
    }
    return NULL;
}


/* The host device of @slot's first item, for traces. */
static const char *
qemuVIOMMUSlotSource(const qemuVIOMMUSlot *slot)
{
    return ((qemuVIOMMUItem *) g_ptr_array_index(slot->items, 0))->hostdev->sourceStr;
}


/* A slot shares its port only when function 0 is among them, as a
 * guest slot needs function 0; otherwise each function gets its own. */
static void
qemuVIOMMUGroupSplitSlots(qemuVIOMMUGroup *group)
{
    size_t j;
    size_t k;

    for (j = 0; j < group->slots->len; j++) {
        qemuVIOMMUSlot *slot = g_ptr_array_index(group->slots, j);
        bool hasZero = false;

        for (k = 0; k < slot->items->len; k++) {
            qemuVIOMMUItem *item = g_ptr_array_index(slot->items, k);

            if (item->dev->addr.function == 0 && !item->hostdev->isMdev)
                hasZero = true;
        }
        while (!hasZero && slot->items->len > 1) {
            qemuVIOMMUSlot *split = qemuVIOMMUSlotNew(group->slots, j + 1);

            g_ptr_array_add(split->items, g_ptr_array_steal_index(slot->items, 1));
        }
    }
}


/* Gather the hostdevs to place by physical IOMMU, in the order of each
 * IOMMU's first device, and the functions of one host slot together. */
void
qemuVIOMMUPlanGroup(const qemuVIOMMUPlan *p, GPtrArray *groups)
{
    size_t i;

    for (i = 0; i < p->items->len; i++) {
        qemuVIOMMUItem *item = g_ptr_array_index(p->items, i);
        qemuVIOMMUGroup *group;
        qemuVIOMMUSlot *slot;

        if (item->hostdev->addr.set && !item->move) {
            VIR_DEBUG("%s -> %s: kept at %02x:%02x.%x, behind the vIOMMU of its IOMMU",
                      item->hostdev->sourceStr, item->iommu->name,
                      item->hostdev->addr.addr.bus, item->hostdev->addr.addr.slot,
                      item->hostdev->addr.addr.function);
            continue;
        }

        VIR_DEBUG("%s -> %s: grouped by its physical IOMMU (host node %d, IOMMU group %d): %s",
                  item->hostdev->sourceStr, item->iommu->name, item->dev->numaNode,
                  item->dev->group, item->move ? "--move: behind no or the wrong vIOMMU"
                                               : "no guest address");
        group = qemuVIOMMUPlanGetGroup(groups, item->iommu);
        if (!(slot = qemuVIOMMUGroupFindHostSlot(group, item)))
            slot = qemuVIOMMUSlotNew(group->slots, group->slots->len);
        g_ptr_array_add(slot->items, item);
    }

    for (i = 0; i < groups->len; i++)
        qemuVIOMMUGroupSplitSlots(g_ptr_array_index(groups, i));
}


/* What the allocation works on: the plan, which it reads, and what it
 * changes: the address set it takes indexes, slots and bus numbers
 * from, and the placement it fills in. */
typedef struct _qemuVIOMMUAllocation qemuVIOMMUAllocation;
struct _qemuVIOMMUAllocation {
    const qemuVIOMMUPlan *p;
    qemuVIOMMUAddrSet *addrs;
    qemuVIOMMUPlacement *place;
};


/* An empty root port on @group's pxb recorded as spare, not taken yet. */
static qemuVIOMMUController *
qemuVIOMMUPlanTakeSpare(qemuVIOMMUAllocation *a,
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
        ctrl = qemuVIOMMUDomainFindController(a->p->def, port->controller);
        if (!ctrl || qemuVIOMMUAddrSetSlotUsed(a->addrs, ctrl->index, 0))
            continue;
        g_hash_table_add(taken, GUINT_TO_POINTER(port->controller + 1));
        return ctrl;
    }
    return NULL;
}


/* Bus numbers a pxb with @nports root ports needs: its own bus and the
 * secondary bus of each port, spares included.  Ranges are packed with
 * no padding, as PCI domain 0 has only 255 numbers above pcie.0 for
 * every pxb and pcie.0's own hierarchy: 24 IOMMUs with 8 devices each
 * need 24 * 9 = 216 of them.  The plan puts only endpoints below its
 * ports, so each port needs its secondary bus and no more. */
static unsigned int
qemuVIOMMUBusNrRange(unsigned int nports)
{
    return 1 + nports;
}


/* Which groups join a pxb that the domain already has. */
static int
qemuVIOMMUPlanFindPxbs(qemuVIOMMUAllocation *a)
{
    size_t i;

    for (i = 0; i < a->place->groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(a->place->groups, i);
        qemuVIOMMUSlot *first = g_ptr_array_index(group->slots, 0);
        qemuVIOMMUItem *item = g_ptr_array_index(first->items, 0);
        unsigned int claim;

        group->meta = qemuVIOMMUMetaFindBus(a->p->live, group->iommu->name);
        if (!qemuVIOMMUClaimsBusOf(a->p->claims, group->iommu->name, &claim))
            continue;
        if (claim == 0) {
            virReportError(VIR_ERROR_PLACEMENT, _("%1$s: other devices of IOMMU %2$s were placed on the root bus by hand; give host device %3$s an address there too, or remove theirs to let virt-viommu place them all"),
                           qemuVIOMMUHostdevPath(item->hostdev), group->iommu->name,
                           item->hostdev->sourceStr);
            return -1;
        }
        group->pxb = qemuVIOMMUDomainFindController(a->p->def, claim);
        group->pxbIndex = group->pxb->index;
        VIR_DEBUG("%s: pxb %u kept: %s", group->iommu->name, group->pxbIndex,
                  group->meta ? "the record says it serves this IOMMU"
                              : "devices of this IOMMU are placed below it");
    }
    return 0;
}


/* Give the new ports of a group joining an existing pxb their indexes
 * and slots, reusing spare ports first. */
static int
qemuVIOMMUPlanAllocateExisting(qemuVIOMMUAllocation *a,
                               qemuVIOMMUGroup *group,
                               GHashTable *taken)
{
    guint32 mine = 0;
    size_t j;

    for (j = 0; j < group->slots->len; j++) {
        qemuVIOMMUSlot *slot = g_ptr_array_index(group->slots, j);
        int free;

        if ((slot->reuse = qemuVIOMMUPlanTakeSpare(a, group, taken))) {
            slot->port = slot->reuse->index;
            VIR_DEBUG("%s -> %s pxb %u port %u: reused spare: a recorded root port no device sits on",
                      qemuVIOMMUSlotSource(slot), group->iommu->name,
                      group->pxbIndex, slot->port);
            continue;
        }
        if ((free = qemuVIOMMUAddrSetNextFreeSlot(a->addrs, group->pxbIndex, 0, mine)) < 0) {
            virReportError(VIR_ERROR_EXHAUSTED, _("pcie-expander-bus %1$u of IOMMU %2$s has no free slot for another root port (it has %3$d); assign fewer devices of that IOMMU"),
                           group->pxbIndex, group->iommu->name, QEMU_VIOMMU_ADDR_SLOTS);
            return -1;
        }
        mine |= 1U << free;
        slot->pxbSlot = free;
        slot->port = qemuVIOMMUAddrSetNewIndex(a->addrs);
        group->newPorts++;
        VIR_DEBUG("%s -> %s pxb %u port %u: new root port in free slot 0x%02x of the pxb (no spare left)",
                  qemuVIOMMUSlotSource(slot), group->iommu->name,
                  group->pxbIndex, slot->port, slot->pxbSlot);
    }
    return 0;
}


/* The bus numbers pxb @pxb needs once the plan is applied: its own bus
 * and its whole hierarchy (root ports, and the switches and bridges
 * below them, each with its own bus), old and new. */
static unsigned int
qemuVIOMMUPlanPxbNeed(qemuVIOMMUAllocation *a, qemuVIOMMUController *pxb)
{
    unsigned int need = qemuVIOMMUAddrSetExpanderBuses(a->addrs, pxb);
    size_t i;

    for (i = 0; i < a->place->groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(a->place->groups, i);

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


/* The expander buses of the domain, highest bus number first.  *ours
 * says whether every one of them is of an earlier plan. */
static GPtrArray *
qemuVIOMMUPlanExpanders(qemuVIOMMUAllocation *a, bool *ours)
{
    GPtrArray *pxbs = g_ptr_array_new();
    size_t i;

    *ours = true;
    for (i = 0; i < a->p->def->controllers->len; i++) {
        qemuVIOMMUController *ctrl = g_ptr_array_index(a->p->def->controllers, i);

        if (ctrl->busNr < 0 ||
            qemuVIOMMUControllerModelBusKind(ctrl->model) != QEMU_VIOMMU_BUS_KIND_EXPANDER)
            continue;
        g_ptr_array_add(pxbs, ctrl);
        if (!qemuVIOMMUMetaFindBusByController(a->p->live, ctrl->index))
            *ours = false;
    }
    g_ptr_array_sort(pxbs, qemuVIOMMUPxbBusNrDescending);
    return pxbs;
}


/* Renumber every pxb from the top, in the order they have.  *floor is
 * set to the lowest bus number taken. */
static int
qemuVIOMMUPlanRenumber(qemuVIOMMUAllocation *a, GPtrArray *pxbs, int *floor)
{
    int top = QEMU_VIOMMU_ADDR_BUSES;
    size_t i;

    for (i = 0; i < pxbs->len; i++) {
        qemuVIOMMUController *pxb = g_ptr_array_index(pxbs, i);
        unsigned int range = qemuVIOMMUBusNrRange(qemuVIOMMUPlanPxbNeed(a, pxb) - 1);

        if (top - (int) range < 1) {
            virReportError(VIR_ERROR_EXHAUSTED, "%s", _("bus numbers exhausted: the pcie-expander-buses need more than the 255 bus numbers of PCI domain 0; assign fewer devices or use fewer spare ports"));
            return -1;
        }
        top -= range;
        if (pxb->busNr != top) {
            qemuVIOMMURenumber r = { .pxb = pxb, .busNr = top };

            g_array_append_val(a->place->renumber, r);
            VIR_DEBUG("pxb %u: busNr %d -> %d: renumbered from the top, its range no longer holds its ports",
                      pxb->index, pxb->busNr, top);
        }
    }
    *floor = top;
    return 0;
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
qemuVIOMMUPlanFitExisting(qemuVIOMMUAllocation *a, int *floor)
{
    bool ours;
    g_autoptr(GPtrArray) pxbs = qemuVIOMMUPlanExpanders(a, &ours);
    qemuVIOMMUController *tight = NULL;
    int top = QEMU_VIOMMU_ADDR_BUSES;
    size_t i;

    for (i = 0; i < pxbs->len; i++) {
        qemuVIOMMUController *pxb = g_ptr_array_index(pxbs, i);

        if (pxb->busNr + (int) qemuVIOMMUPlanPxbNeed(a, pxb) > top && !tight)
            tight = pxb;
        top = pxb->busNr;
    }
    *floor = top;
    if (!tight)
        return 0;

    if (!ours) {
        virReportError(VIR_ERROR_EXHAUSTED, _("bus numbers exhausted: pcie-expander-bus %1$u needs %2$u bus numbers from busNr %3$d, more than its range holds, and the domain has expander buses virt-viommu did not plan, so it leaves their numbers alone; give the pxb a lower <target busNr>"),
                       tight->index, qemuVIOMMUPlanPxbNeed(a, tight), tight->busNr);
        return -1;
    }
    return qemuVIOMMUPlanRenumber(a, pxbs, floor);
}


/* A controller that takes a place on pcie.0: one of the domain's
 * without an address, a new pxb, or a free root port the plan adds. */
typedef struct _qemuVIOMMURootItem qemuVIOMMURootItem;
struct _qemuVIOMMURootItem {
    unsigned int index;
    bool port;
    qemuVIOMMUGroup *group;     /* a new pxb */
    qemuVIOMMUController *ctrl; /* the domain's */
};


static gint
qemuVIOMMURootItemCompare(gconstpointer a, gconstpointer b)
{
    const qemuVIOMMURootItem *x = a;
    const qemuVIOMMURootItem *y = b;

    return x->index < y->index ? -1 : x->index > y->index;
}


/* Everything that goes onto pcie.0 without an address given by hand,
 * in the index order libvirt places it in; @firstNew is the first
 * controller index the plan gave. */
static GArray *
qemuVIOMMUPlanRootItems(qemuVIOMMUAllocation *a, unsigned int firstNew)
{
    GArray *items = g_array_new(FALSE, TRUE, sizeof(qemuVIOMMURootItem));
    size_t i;

    for (i = 0; i < a->p->def->controllers->len; i++) {
        qemuVIOMMUController *ctrl = g_ptr_array_index(a->p->def->controllers, i);
        qemuVIOMMURootItem item = { .index = ctrl->index, .ctrl = ctrl };

        /* an <address> of another type is not libvirt's to fill */
        if (!qemuVIOMMUAddressWanted(ctrl->node))
            continue;
        if (ctrl->model == QEMU_VIOMMU_CONTROLLER_PCIE_ROOT_PORT)
            item.port = true;
        else if (ctrl->model != QEMU_VIOMMU_CONTROLLER_PCIE_EXPANDER_BUS &&
                 ctrl->model != QEMU_VIOMMU_CONTROLLER_DMI_TO_PCI_BRIDGE)
            continue;
        g_array_append_val(items, item);
    }
    /* libvirt adds a pcie-root-port for each index below the highest
     * that no controller has */
    for (i = 1; i < firstNew; i++) {
        qemuVIOMMURootItem item = { .index = i, .port = true };

        if (!qemuVIOMMUDomainFindController(a->p->def, i))
            g_array_append_val(items, item);
    }
    for (i = 0; i < a->place->groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(a->place->groups, i);
        qemuVIOMMURootItem item = { .index = group->pxbIndex, .group = group };

        if (!group->pxb)
            g_array_append_val(items, item);
    }
    for (i = 0; i < a->place->nreserve; i++) {
        qemuVIOMMURootItem item = { .index = a->place->reserveFirst + i, .port = true };

        g_array_append_val(items, item);
    }
    g_array_sort(items, qemuVIOMMURootItemCompare);
    return items;
}


/* pcie.0 cannot hold @items: say how many slots they need. */
static int
qemuVIOMMUPlanReportRootBus(qemuVIOMMUAllocation *a, GArray *items)
{
    qemuVIOMMURootBus rb;
    unsigned int slots;
    unsigned int functions;
    unsigned int ports = 0;
    unsigned int own = 0;
    unsigned int portSlots;
    size_t i;

    qemuVIOMMURootBusInit(&rb, a->p->def, a->addrs);
    qemuVIOMMURootBusCountFree(&rb, &slots, &functions);
    for (i = 0; i < items->len; i++) {
        if (g_array_index(items, qemuVIOMMURootItem, i).port)
            ports++;
        else
            own++;
    }
    portSlots = (MAX(ports, functions) - functions + 7) / 8;
    if (ports == 0)
        virReportError(VIR_ERROR_EXHAUSTED, _("the root bus pcie.0 is full: %1$u pcie-expander-buses and bridges need a slot each, but %2$u of its slots are free; assign devices of fewer IOMMUs or free slots of pcie.0"),
                       own, slots);
    else
        virReportError(VIR_ERROR_EXHAUSTED, _("the root bus pcie.0 is full: %1$u pcie-expander-buses and bridges need a slot each and %2$u root ports without an address %3$u more (libvirt puts 8 in a slot), %4$u in all, but %5$u of its slots are free; assign devices of fewer IOMMUs, use fewer spare ports, or remove unused root ports"),
                       own, ports, portSlots, own + portSlots, slots);
    return -1;
}


/* The slot of pcie.0 of each new pxb, and of each pxb of the domain
 * that has no address: those libvirt would give them, with the root
 * ports libvirt places there taken into account. */
static int
qemuVIOMMUPlanAllocateRootSlots(qemuVIOMMUAllocation *a, unsigned int firstNew)
{
    g_autoptr(GArray) items = qemuVIOMMUPlanRootItems(a, firstNew);
    qemuVIOMMURootBus rb;
    size_t i;

    qemuVIOMMURootBusInit(&rb, a->p->def, a->addrs);
    for (i = 0; i < items->len; i++) {
        qemuVIOMMURootItem *item = &g_array_index(items, qemuVIOMMURootItem, i);
        unsigned int slot;
        unsigned int function;

        if (qemuVIOMMURootBusPlace(&rb, item->port, &slot, &function) < 0)
            return qemuVIOMMUPlanReportRootBus(a, items);
        if (item->group) {
            item->group->newPxb.rootSlot = slot;
            VIR_DEBUG("%s: new pxb %u: slot 0x%02x of pcie.0, the one libvirt would give it in index order",
                      item->group->iommu->name, item->index, slot);
        } else if (item->ctrl && !item->port) {
            qemuVIOMMURootAddr ra = { .ctrl = item->ctrl, .slot = slot };

            g_array_append_val(a->place->rootAddrs, ra);
            VIR_DEBUG("controller %u: slot 0x%02x of pcie.0 written, the one libvirt would give it",
                      item->ctrl->index, slot);
        }
    }
    return 0;
}


/* Free root ports on pcie.0's side, below index @below: where libvirt
 * puts the devices it gives an address itself. */
static unsigned int
qemuVIOMMUPlanLandingPorts(qemuVIOMMUAllocation *a, unsigned int below)
{
    unsigned int n = 0;
    size_t i;

    for (i = 0; i < a->p->def->controllers->len; i++) {
        qemuVIOMMUController *ctrl = g_ptr_array_index(a->p->def->controllers, i);
        qemuVIOMMUController *pxb;

        if ((ctrl->model != QEMU_VIOMMU_CONTROLLER_PCIE_ROOT_PORT &&
             ctrl->model != QEMU_VIOMMU_CONTROLLER_PCIE_SWITCH_DOWNSTREAM_PORT) ||
            ctrl->index >= below ||
            qemuVIOMMUAddrSetSlotUsed(a->addrs, ctrl->index, 0))
            continue;
        if (ctrl->addr.set &&
            qemuVIOMMUAddrSetBusHome(a->addrs, ctrl->addr.addr.bus, &pxb) !=
            QEMU_VIOMMU_BUS_HOME_ROOT)
            continue;
        n++;
    }
    return n;
}


/* libvirt puts each device it addresses itself on the free root port
 * of the lowest index.  New spare ports stay spare only if enough free
 * ports of pcie.0 come before them: add the ones missing, with the
 * lowest new indexes. */
static void
qemuVIOMMUPlanAllocateReserve(qemuVIOMMUAllocation *a)
{
    unsigned int demand;
    unsigned int landing;
    bool spares = false;
    size_t i;

    for (i = 0; i < a->place->groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(a->place->groups, i);

        spares |= !group->pxb && a->p->opts->sparePorts > 0;
    }
    if (!spares)
        return;

    demand = qemuVIOMMUDomainCountAutoPCI(a->p->def);
    landing = qemuVIOMMUPlanLandingPorts(a, QEMU_VIOMMU_ADDR_BUSES);
    if (demand <= landing)
        return;
    a->place->nreserve = demand - landing;
    a->place->reserveFirst = qemuVIOMMUAddrSetPeekIndex(a->addrs);
    VIR_DEBUG("root ports %u-%u added free on pcie.0: libvirt will address %u device(s) itself and %u free port(s) come before the spares",
              a->place->reserveFirst, a->place->reserveFirst + a->place->nreserve - 1,
              demand, landing);
    for (i = 0; i < a->place->nreserve; i++)
        qemuVIOMMUAddrSetNewIndex(a->addrs);
}


/* Controller indexes: free root ports for libvirt's devices first,
 * then new pxbs, then their root ports and spares; groups joining an
 * existing pxb reuse its spares first.  *firstNew is set to the first
 * index given. */
static int
qemuVIOMMUPlanAllocateIndexes(qemuVIOMMUAllocation *a, unsigned int *firstNew)
{
    g_autoptr(GHashTable) taken = g_hash_table_new(NULL, NULL);
    size_t i;
    size_t j;

    *firstNew = qemuVIOMMUAddrSetPeekIndex(a->addrs);
    qemuVIOMMUPlanAllocateReserve(a);
    for (i = 0; i < a->place->groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(a->place->groups, i);

        if (group->pxb)
            continue;
        group->pxbIndex = qemuVIOMMUAddrSetNewIndex(a->addrs);
        group->newPxb.nspare = a->p->opts->sparePorts;
    }

    for (i = 0; i < a->place->groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(a->place->groups, i);

        if (group->pxb) {
            if (qemuVIOMMUPlanAllocateExisting(a, group, taken) < 0)
                return -1;
            continue;
        }
        for (j = 0; j < group->slots->len; j++) {
            qemuVIOMMUSlot *slot = g_ptr_array_index(group->slots, j);

            slot->pxbSlot = j;
            slot->port = qemuVIOMMUAddrSetNewIndex(a->addrs);
            VIR_DEBUG("%s -> %s pxb %u port %u: new root port in slot 0x%02x of the new pxb",
                      qemuVIOMMUSlotSource(slot), group->iommu->name,
                      group->pxbIndex, slot->port, slot->pxbSlot);
        }
        group->newPxb.spareSlot = group->slots->len;
        group->newPxb.spareFirst = qemuVIOMMUAddrSetPeekIndex(a->addrs);
        for (j = 0; j < group->newPxb.nspare; j++)
            qemuVIOMMUAddrSetNewIndex(a->addrs);
    }
    return 0;
}


/* A range of free bus numbers, [bottom, top). */
typedef struct _qemuVIOMMUBusGap qemuVIOMMUBusGap;
struct _qemuVIOMMUBusGap {
    int bottom;
    int top;
};


/*
 * The free bus-number ranges a new pxb can take, in the order they are
 * tried.  A pxb's hierarchy takes the numbers from its busNr up to the
 * next pxb's busNr - 1 (QEMU's docs/pci_expander_bridge.txt; the
 * firmware numbers the buses below each host bridge from its bus_nr),
 * and pcie.0's hierarchy the numbers below the lowest busNr.  So the
 * ranges are: between pcie.0's hierarchy and the lowest pxb, first, as
 * libvirt's qemuDomainAddressFindNewBusNr also places a pxb below the
 * lowest; then, from the highest, the part of each existing pxb's range
 * that its own hierarchy and the ports the plan adds to it leave free.
 * A new pxb takes the top of the first range that holds it, which
 * leaves the existing one's hierarchy where it is.
 */
static GArray *
qemuVIOMMUPlanBusGaps(qemuVIOMMUAllocation *a, int floor)
{
    GArray *gaps = g_array_new(FALSE, FALSE, sizeof(qemuVIOMMUBusGap));
    qemuVIOMMUBusGap below = { qemuVIOMMUAddrSetRootBuses(a->addrs), floor };
    bool ours;
    g_autoptr(GPtrArray) pxbs = qemuVIOMMUPlanExpanders(a, &ours);
    int top = QEMU_VIOMMU_ADDR_BUSES;
    size_t i;

    g_array_append_val(gaps, below);
    /* renumbered pxbs are packed from the top, with nothing between */
    if (a->place->renumber->len > 0)
        return gaps;
    for (i = 0; i < pxbs->len; i++) {
        qemuVIOMMUController *pxb = g_ptr_array_index(pxbs, i);
        qemuVIOMMUBusGap above;

        above.bottom = pxb->busNr + (int) qemuVIOMMUPlanPxbNeed(a, pxb);
        above.top = top;
        if (above.bottom < above.top)
            g_array_append_val(gaps, above);
        top = pxb->busNr;
    }
    return gaps;
}


/* Report that the pxb of @group, with @range bus numbers, fits in none
 * of @gaps. */
static int
qemuVIOMMUPlanReportBusNr(qemuVIOMMUAllocation *a,
                          qemuVIOMMUGroup *group,
                          unsigned int range,
                          GArray *gaps)
{
    unsigned int rootBuses = qemuVIOMMUAddrSetRootBuses(a->addrs);
    int largest = 0;
    int free = 0;
    size_t i;

    for (i = 0; i < gaps->len; i++) {
        qemuVIOMMUBusGap *gap = &g_array_index(gaps, qemuVIOMMUBusGap, i);

        largest = MAX(largest, gap->top - gap->bottom);
        free += MAX(gap->top - gap->bottom, 0);
    }
    virReportError(VIR_ERROR_EXHAUSTED, _("bus numbers exhausted: the pcie-expander-bus of IOMMU %1$s needs %2$u consecutive bus numbers, but the largest range left free by the root bus hierarchy (buses 0-%3$u) and the other expander buses has %4$d (%5$d free in all); assign fewer devices or use fewer spare ports"),
                   group->iommu->name, range, rootBuses - 1, largest, free);
    return -1;
}


/* The bus-number range of each new pxb: the top of the first free
 * range that holds it (see qemuVIOMMUPlanBusGaps). */
static int
qemuVIOMMUPlanAllocateBusNr(qemuVIOMMUAllocation *a)
{
    g_autoptr(GArray) gaps = NULL;
    int floor;
    size_t i;
    size_t j;

    /* the indexes are all taken by now (qemuVIOMMUPlanAllocateIndexes) */
    if (qemuVIOMMUAddrSetPeekIndex(a->addrs) > QEMU_VIOMMU_ADDR_BUSES) {
        virReportError(VIR_ERROR_EXHAUSTED, _("the plan needs PCI controller indexes up to %1$u, but libvirt allows 255; assign fewer devices or use fewer spare ports"),
                       qemuVIOMMUAddrSetPeekIndex(a->addrs) - 1);
        return -1;
    }
    if (qemuVIOMMUPlanFitExisting(a, &floor) < 0)
        return -1;
    gaps = qemuVIOMMUPlanBusGaps(a, floor);

    for (i = 0; i < a->place->groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(a->place->groups, i);
        unsigned int nports;
        unsigned int range;

        if (group->pxb)
            continue;
        nports = group->slots->len + group->newPxb.nspare;
        if (nports > QEMU_VIOMMU_ADDR_SLOTS) {
            virReportError(VIR_ERROR_EXHAUSTED, _("IOMMU %1$s needs %2$u root ports (devices and spares), but a pcie-expander-bus holds at most %3$d; assign fewer devices of that IOMMU or use fewer spare ports"),
                           group->iommu->name, nports, QEMU_VIOMMU_ADDR_SLOTS);
            return -1;
        }
        range = qemuVIOMMUBusNrRange(nports);
        for (j = 0; j < gaps->len; j++) {
            qemuVIOMMUBusGap *gap = &g_array_index(gaps, qemuVIOMMUBusGap, j);

            if (gap->top - (int) range >= gap->bottom) {
                VIR_DEBUG("%s: new pxb %u: busNr %d-%d: %u numbers (itself and %u ports), the top of free range %d-%d",
                          group->iommu->name, group->pxbIndex, gap->top - (int) range,
                          gap->top - 1, range, nports, gap->bottom, gap->top - 1);
                gap->top -= range;
                group->newPxb.busNr = gap->top;
                break;
            }
        }
        if (j == gaps->len)
            return qemuVIOMMUPlanReportBusNr(a, group, range, gaps);
    }

    return 0;
}


/* Is root port @ctrl one a device of the plan takes? */
static bool
qemuVIOMMUPlanReuses(qemuVIOMMUAllocation *a, qemuVIOMMUController *ctrl)
{
    size_t i;
    size_t j;

    for (i = 0; i < a->place->groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(a->place->groups, i);

        for (j = 0; j < group->slots->len; j++) {
            if (((qemuVIOMMUSlot *) g_ptr_array_index(group->slots, j))->reuse == ctrl)
                return true;
        }
    }
    return false;
}


/* Free ports below a vSMMU that the domain had before this plan come
 * before any free root port the plan adds, so libvirt's own devices
 * reach them first: warn when it has more devices to place than free
 * root ports of pcie.0 ahead of them. */
static void
qemuVIOMMUPlanWarnExposed(qemuVIOMMUAllocation *a)
{
    qemuVIOMMUController *first = NULL;
    qemuVIOMMUController *pxb = NULL;
    unsigned int demand;
    size_t i;

    for (i = 0; i < a->p->def->controllers->len && !first; i++) {
        qemuVIOMMUController *ctrl = g_ptr_array_index(a->p->def->controllers, i);

        if (ctrl->model == QEMU_VIOMMU_CONTROLLER_PCIE_ROOT_PORT && ctrl->addr.set &&
            !qemuVIOMMUAddrSetSlotUsed(a->addrs, ctrl->index, 0) &&
            qemuVIOMMUAddrSetBusHome(a->addrs, ctrl->addr.addr.bus, &pxb) ==
            QEMU_VIOMMU_BUS_HOME_EXPANDER &&
            qemuVIOMMUDomainFindIOMMUForBus(a->p->def, pxb->index) &&
            !qemuVIOMMUPlanReuses(a, ctrl))
            first = ctrl;
    }
    if (!first ||
        (demand = qemuVIOMMUDomainCountAutoPCI(a->p->def)) <=
        qemuVIOMMUPlanLandingPorts(a, first->index))
        return;
    virReportWarning(VIR_ERROR_PLACEMENT, _("free root port %1$u below pcie-expander-bus %2$u, behind a vSMMU where QEMU refuses emulated devices, comes before enough free root ports of pcie.0 for the %3$u device(s) libvirt will give an address itself, so libvirt may put one there; give those devices addresses, or add pcie-root-ports with lower indexes"),
                     first->index, pxb->index, demand);
}


/* Decide the pxb of each group, the controller indexes, bus numbers,
 * slots and NUMA cells. */
int
qemuVIOMMUPlanAllocate(const qemuVIOMMUPlan *p,
                       qemuVIOMMUAddrSet *addrs,
                       qemuVIOMMUPlacement *place)
{
    qemuVIOMMUAllocation alloc = { .p = p, .addrs = addrs, .place = place };
    qemuVIOMMUAllocation *a = &alloc;
    unsigned int firstNew;
    size_t i;

    if (qemuVIOMMUPlanFindPxbs(a) < 0 ||
        qemuVIOMMUPlanAllocateIndexes(a, &firstNew) < 0 ||
        qemuVIOMMUPlanAllocateBusNr(a) < 0 ||
        qemuVIOMMUPlanAllocateRootSlots(a, firstNew) < 0)
        return -1;
    qemuVIOMMUPlanWarnExposed(a);

    for (i = 0; i < a->place->groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(a->place->groups, i);
        qemuVIOMMUSlot *first = g_ptr_array_index(group->slots, 0);
        qemuVIOMMUItem *item = g_ptr_array_index(first->items, 0);
        int hostNode = group->iommu->numaNode >= 0 ? group->iommu->numaNode
                                                   : item->dev->numaNode;

        if (group->pxb)
            continue;
        group->newPxb.cell = qemuVIOMMUDomainGuestCellForHostNode(a->p->def, hostNode);
        VIR_DEBUG("%s: new pxb %u: guest node %d for host node %d (%s; -1: none, the guest has no cell for it)",
                  group->iommu->name, group->pxbIndex, group->newPxb.cell, hostNode,
                  group->iommu->numaNode >= 0 ? "the IOMMU's" : "its first device's");
    }
    return 0;
}


static void
qemuVIOMMURecordSlot(qemuVIOMMUMetaBus *bus, qemuVIOMMUSlot *slot)
{
    qemuVIOMMUMetaPort *port = qemuVIOMMUMetaBusFindPort(bus, slot->port);
    size_t i;

    if (!port)
        port = qemuVIOMMUMetaBusAddPort(bus, slot->port);

    for (i = 0; i < slot->items->len; i++) {
        qemuVIOMMUItem *item = g_ptr_array_index(slot->items, i);

        qemuVIOMMUMetaPortAddDevice(port, item->hostdev->sourceStr,
                                    item->dev->group, item->dev->numaNode);
    }
}


/* The vIOMMUs of earlier plans whose options differ from what the
 * template (or, with refreshOptions, the record) and their SMMU's
 * capabilities make: they are brought to that.  Without either, a
 * re-plan leaves them alone.  On q35 the one vIOMMU, the template, is
 * brought to the plan's options: what it has plus the caching mode
 * that QEMU needs for assigned devices. */
static void
qemuVIOMMUPlanDecideUpdates(const qemuVIOMMUPlan *p, qemuVIOMMUIOMMUChanges *out)
{
    size_t i;

    if (p->def->archKind == QEMU_VIOMMU_ARCH_X86_Q35) {
        qemuVIOMMUIOMMU *tmpl = p->dec.viommu.tmpl;

        if (tmpl && !qemuVIOMMUOptionsEqual(&tmpl->options, &p->dec.viommu.options)) {
            g_ptr_array_add(out->update, tmpl);
            VIR_DEBUG("vIOMMU iommu%u: updated: caching mode added, QEMU needs it for assigned devices",
                      tmpl->alias);
        }
        return;
    }

    if (!(p->dec.viommu.tmpl || p->opts->refreshOptions) ||
        p->def->archKind != QEMU_VIOMMU_ARCH_AARCH64_VIRT)
        return;

    for (i = 0; i < p->dec.record->buses->len; i++) {
        qemuVIOMMUMetaBus *bus = g_ptr_array_index(p->dec.record->buses, i);
        qemuVIOMMUIOMMU *iommu = qemuVIOMMUDomainFindIOMMUForBus(p->def, bus->controller);

        if (!iommu ||
            qemuVIOMMUOptionsEqual(&iommu->options,
                                   qemuVIOMMUDecisionsOptionsFor(&p->dec, bus->iommu)))
            continue;
        g_ptr_array_add(out->update, iommu);
        VIR_DEBUG("%s: vIOMMU of pxb %u updated: its options differ from the %s and its SMMU's capabilities",
                  bus->iommu, bus->controller, p->dec.viommu.tmpl ? "template" : "record");
    }
}


/* Which vIOMMUs the document gets or loses, and <iommufd>. */
static void
qemuVIOMMUPlanDecideIOMMUs(const qemuVIOMMUPlan *p, qemuVIOMMUIOMMUChanges *out)
{
    bool q35 = p->def->archKind == QEMU_VIOMMU_ARCH_X86_Q35;
    bool generated = false;
    size_t i;

    for (i = 0; i < p->dec.place.groups->len && !q35; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(p->dec.place.groups, i);

        if (!group->pxb)
            generated = true;
    }

    /* hostdevs the plan kept where they were (--move) need the one
     * vIOMMU of q35 as much as those it places */
    if (q35) {
        out->addIOMMU = !p->dec.viommu.tmpl && p->items->len > 0;
        if (out->addIOMMU) {
            VIR_DEBUG("vIOMMU %s added: the q35 guest has assigned devices and no <iommu>",
                      qemuVIOMMUModelTypeToString(p->dec.viommu.model));
        }
        return;
    }

    /* The template has done its job; left in, libvirt would turn it into
     * the machine-wide iommu=smmuv3 that rules out per-pxb vSMMUs. */
    if (p->dec.viommu.tmpl && (generated || p->dec.record->buses->len > 0)) {
        out->removeIOMMU = p->dec.viommu.tmpl;
        VIR_DEBUG("template <iommu> removed: its options are on each vSMMU; left in, libvirt makes it machine-wide");
    }
    out->addIOMMUFD = qemuVIOMMUDecisionsAccel(&p->dec) && !p->def->iommufd &&
        (p->dec.place.groups->len > 0 || p->dec.record->buses->len > 0);
    if (out->addIOMMUFD)
        VIR_DEBUG("<iommufd> added: accel='on' vSMMUs need it and the domain has none");
}


/* The vIOMMUs the domain gets, loses or has brought up to date, and
 * <iommufd>, once the record holds what the plan places. */
void
qemuVIOMMUPlanDecideIOMMUChanges(const qemuVIOMMUPlan *p, qemuVIOMMUIOMMUChanges *out)
{
    qemuVIOMMUPlanDecideUpdates(p, out);
    qemuVIOMMUPlanDecideIOMMUs(p, out);
}


/* Add what the plan places to @record: a bus for each new pxb, and on
 * it the ports of the devices and the spares. */
void
qemuVIOMMUPlanRecord(const qemuVIOMMUPlan *p, qemuVIOMMUMeta *record)
{
    size_t i;
    size_t j;

    for (i = 0; i < p->dec.place.groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(p->dec.place.groups, i);
        qemuVIOMMUMetaBus *bus = group->meta;

        if (!group->pxb && p->def->archKind == QEMU_VIOMMU_ARCH_AARCH64_VIRT)
            VIR_DEBUG("%s: vIOMMU added on new pxb %u: one per physical IOMMU",
                      group->iommu->name, group->pxbIndex);
        if (!bus)
            bus = qemuVIOMMUMetaAddBus(record, group->iommu->name,
                                       virSysIOMMUKindTypeToString(group->iommu->kind),
                                       group->pxbIndex);
        for (j = 0; j < group->slots->len; j++)
            qemuVIOMMURecordSlot(bus, g_ptr_array_index(group->slots, j));
        for (j = 0; j < group->newPxb.nspare; j++)
            qemuVIOMMUMetaBusAddPort(bus, group->newPxb.spareFirst + j);
    }
}
