/*
 * qemu_viommu_addr.c: the guest PCI addresses of a domain, accounted
 *                     for once and asked, never rescanned
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_addr.h"

#include "qemu_viommu_xml.h"
#include "virerror.h"

struct _qemuVIOMMUAddrSet {
    /* the controller providing each bus, by index, or NULL */
    qemuVIOMMUController *ctrls[QEMU_VIOMMU_ADDR_BUSES];
    /* the functions used in each slot of each bus of PCI domain 0 */
    guint8 functions[QEMU_VIOMMU_ADDR_BUSES][QEMU_VIOMMU_ADDR_SLOTS];
    /* controllers with an address on each bus */
    /* every address given, "DDDD:BB:SS.F" -> element path */
    GHashTable *users;
    unsigned int nextIndex;
};


void
qemuVIOMMUAddrSetFree(qemuVIOMMUAddrSet *set)
{
    if (!set)
        return;
    if (set->users)
        g_hash_table_unref(set->users);
    g_free(set);
}


int
qemuVIOMMUAddrSetReserve(qemuVIOMMUAddrSet *set,
                         const virPCIDeviceAddress *addr,
                         const char *who)
{
    g_autofree char *key = virPCIDeviceAddressAsString(addr);
    const char *other;

    if ((other = g_hash_table_lookup(set->users, key))) {
        virReportError(VIR_ERROR_CONFLICT, _("%1$s: guest PCI address %2$s is also used by %3$s; give each device its own address, or remove one to let virt-viommu place it"),
                       who, key, other);
        return -1;
    }
    g_hash_table_insert(set->users, g_steal_pointer(&key), g_strdup(who));

    if (addr->domain == 0)
        set->functions[addr->bus][addr->slot] |= 1U << addr->function;
    set->nextIndex = MAX(set->nextIndex, addr->bus + 1);
    return 0;
}


static int
qemuVIOMMUAddrSetReserveNode(qemuVIOMMUAddrSet *set,
                             xmlNodePtr node,
                             const qemuVIOMMUGuestAddress *addr)
{
    g_autofree char *who = NULL;

    if (!addr->set)
        return 0;
    who = qemuVIOMMUXMLNodePath(node);
    return qemuVIOMMUAddrSetReserve(set, &addr->addr, who);
}


int
qemuVIOMMUAddrSetNew(const qemuVIOMMUDomain *def, qemuVIOMMUAddrSet **ret)
{
    g_autoptr(qemuVIOMMUAddrSet) set = g_new0(qemuVIOMMUAddrSet, 1);
    bool failed = false;
    size_t i;

    set->users = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    set->nextIndex = 1;

    for (i = 0; i < def->controllers->len; i++) {
        qemuVIOMMUController *ctrl = g_ptr_array_index(def->controllers, i);

        set->ctrls[ctrl->index] = ctrl;
        set->nextIndex = MAX(set->nextIndex, ctrl->index + 1);
        if (qemuVIOMMUAddrSetReserveNode(set, ctrl->node, &ctrl->addr) < 0)
            failed = true;
    }
    for (i = 0; i < def->hostdevs->len; i++) {
        qemuVIOMMUHostdev *hd = g_ptr_array_index(def->hostdevs, i);

        if (qemuVIOMMUAddrSetReserveNode(set, hd->node, &hd->addr) < 0)
            failed = true;
    }
    for (i = 0; i < def->others->len; i++) {
        qemuVIOMMUOther *other = g_ptr_array_index(def->others, i);

        if (qemuVIOMMUAddrSetReserveNode(set, other->node, &other->addr) < 0)
            failed = true;
    }

    *ret = g_steal_pointer(&set);
    return failed ? -1 : 0;
}


bool
qemuVIOMMUAddrSetSlotUsed(qemuVIOMMUAddrSet *set,
                          unsigned int bus,
                          unsigned int slot)
{
    return set->functions[bus][slot] != 0;
}


guint8
qemuVIOMMUAddrSetSlotFunctions(qemuVIOMMUAddrSet *set,
                               unsigned int bus,
                               unsigned int slot)
{
    return set->functions[bus][slot];
}


int
qemuVIOMMUAddrSetNextFreeSlot(qemuVIOMMUAddrSet *set,
                              unsigned int bus,
                              unsigned int from,
                              guint32 skip)
{
    unsigned int slot;

    for (slot = from; slot < QEMU_VIOMMU_ADDR_SLOTS; slot++) {
        if (!(skip & (1U << slot)) && !qemuVIOMMUAddrSetSlotUsed(set, bus, slot))
            return slot;
    }
    return -1;
}


unsigned int
qemuVIOMMUAddrSetNewIndex(qemuVIOMMUAddrSet *set)
{
    return set->nextIndex++;
}


unsigned int
qemuVIOMMUAddrSetPeekIndex(qemuVIOMMUAddrSet *set)
{
    return set->nextIndex;
}


/* Follow the controllers from bus @bus towards the root.  A controller
 * without an address is one libvirt will place, on pcie.0's side. */
static qemuVIOMMUBusHome
qemuVIOMMUAddrSetWalk(qemuVIOMMUAddrSet *set,
                      unsigned int bus,
                      unsigned int *last,
                      qemuVIOMMUController **pxb)
{
    unsigned int hops;

    *pxb = NULL;
    for (hops = 0; hops < QEMU_VIOMMU_ADDR_BUSES; hops++) {
        qemuVIOMMUController *ctrl;

        *last = bus;
        if (bus == 0)
            return QEMU_VIOMMU_BUS_HOME_ROOT;
        if (!(ctrl = set->ctrls[bus]))
            return QEMU_VIOMMU_BUS_HOME_MISSING;

        switch (qemuVIOMMUControllerModelBusKind(ctrl->model)) {
        case QEMU_VIOMMU_BUS_KIND_EXPANDER:
            *pxb = ctrl;
            return QEMU_VIOMMU_BUS_HOME_EXPANDER;
        case QEMU_VIOMMU_BUS_KIND_ROOT:
            return QEMU_VIOMMU_BUS_HOME_ROOT;
        case QEMU_VIOMMU_BUS_KIND_BRIDGE:
        case QEMU_VIOMMU_BUS_KIND_LAST:
            break;
        }
        if (!ctrl->addr.set)
            return QEMU_VIOMMU_BUS_HOME_ROOT;
        bus = ctrl->addr.addr.bus;
    }
    return QEMU_VIOMMU_BUS_HOME_LOOP;
}


qemuVIOMMUBusHome
qemuVIOMMUAddrSetBusHome(qemuVIOMMUAddrSet *set,
                         unsigned int bus,
                         qemuVIOMMUController **pxb)
{
    unsigned int last;

    return qemuVIOMMUAddrSetWalk(set, bus, &last, pxb);
}


int
qemuVIOMMUAddrSetReportHome(qemuVIOMMUAddrSet *set,
                            unsigned int bus,
                            const char *who)
{
    qemuVIOMMUController *pxb;
    unsigned int last;

    switch (qemuVIOMMUAddrSetWalk(set, bus, &last, &pxb)) {
    case QEMU_VIOMMU_BUS_HOME_MISSING:
        virReportError(VIR_ERROR_XML_INVALID, _("%1$s: guest PCI bus 0x%2$02x does not exist: no <controller type='pci' index='%3$u'>"),
                       who, last, last);
        break;
    case QEMU_VIOMMU_BUS_HOME_LOOP:
        virReportError(VIR_ERROR_XML_INVALID, _("%1$s: the PCI controllers above guest bus 0x%2$02x form a loop"),
                       who, last);
        break;
    case QEMU_VIOMMU_BUS_HOME_ROOT:
    case QEMU_VIOMMU_BUS_HOME_EXPANDER:
    case QEMU_VIOMMU_BUS_HOME_LAST:
        virReportError(VIR_ERROR_INTERNAL, _("%1$s: internal error: guest PCI bus 0x%2$02x has a place"),
                       who, bus);
        break;
    }
    return -1;
}


/* How many bus-providing controllers sit below expander bus @pxb, or
 * with @pxb NULL on pcie.0's side: each takes a bus number of its host
 * bridge's range.  A controller without an address is on pcie.0's side
 * (libvirt places it there); so is one above a broken chain, which only
 * makes the root's count higher (libvirt reports the chain when the
 * domain is defined). */
static unsigned int
qemuVIOMMUAddrSetCountBridges(qemuVIOMMUAddrSet *set,
                              const qemuVIOMMUController *pxb)
{
    unsigned int n = 0;
    size_t i;

    for (i = 1; i < QEMU_VIOMMU_ADDR_BUSES; i++) {
        qemuVIOMMUController *ctrl = set->ctrls[i];
        qemuVIOMMUController *home = NULL;

        if (!ctrl ||
            qemuVIOMMUControllerModelBusKind(ctrl->model) != QEMU_VIOMMU_BUS_KIND_BRIDGE)
            continue;
        if (ctrl->addr.set)
            qemuVIOMMUAddrSetBusHome(set, ctrl->addr.addr.bus, &home);
        if (home == pxb)
            n++;
    }
    return n;
}


unsigned int
qemuVIOMMUAddrSetRootBuses(qemuVIOMMUAddrSet *set)
{
    return 1 + qemuVIOMMUAddrSetCountBridges(set, NULL);
}


unsigned int
qemuVIOMMUAddrSetExpanderBuses(qemuVIOMMUAddrSet *set,
                               const qemuVIOMMUController *pxb)
{
    return 1 + qemuVIOMMUAddrSetCountBridges(set, pxb);
}
