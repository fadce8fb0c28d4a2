/*
 * qemu_viommu_explain.c: a plan in words: where each device goes and why
 *
 * A writer like apply, argv and dot: it reads the decisions of a built
 * plan and changes nothing.  It does not plan again; what it cannot
 * read from the decisions it does not say.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_explain.h"

#include "qemu_viommu_decisions.h"
#include "qemu_viommu_window.h"


/* What the explanation reads: the decisions and the inputs they were
 * made from, none of them changed. */
typedef struct _qemuVIOMMUExplainIn qemuVIOMMUExplainIn;
struct _qemuVIOMMUExplainIn {
    const qemuVIOMMUDecisions *dec;
    const qemuVIOMMUDomain *def;
    qemuVIOMMUAddrSet *addrs;
};


/* Where a placed item went: the group and slot of the plan, or none
 * when the item kept its address. */
typedef struct _qemuVIOMMUExplainPlace qemuVIOMMUExplainPlace;
struct _qemuVIOMMUExplainPlace {
    const qemuVIOMMUGroup *group;
    const qemuVIOMMUSlot *slot;
    const qemuVIOMMUItem *item;     /* the placed item, as the plan has it */
};


static bool
qemuVIOMMUExplainFind(const qemuVIOMMUExplainIn *p,
                      const qemuVIOMMUItem *item,
                      qemuVIOMMUExplainPlace *place)
{
    return qemuVIOMMUDecisionsFindPlacement(p->dec, item->hostdev, &place->group,
                                            &place->slot, &place->item);
}


static void
qemuVIOMMUExplainNode(GString *buf, const char *what, int node)
{
    if (node < 0)
        g_string_append_printf(buf, "%s none", what);
    else
        g_string_append_printf(buf, "%s %d", what, node);
}


/* The bus number pxb @pxb has once the plan is applied. */
static int
qemuVIOMMUExplainBusNr(const qemuVIOMMUExplainIn *p,
                       const qemuVIOMMUController *pxb,
                       bool *renumbered)
{
    size_t i;

    *renumbered = false;
    for (i = 0; i < p->dec->place.renumber->len; i++) {
        const qemuVIOMMURenumber *r = &g_array_index(p->dec->place.renumber, qemuVIOMMURenumber, i);

        if (r->pxb == pxb) {
            *renumbered = true;
            return r->busNr;
        }
    }
    return pxb->busNr;
}


static void
qemuVIOMMUExplainPxb(GString *buf,
                     const qemuVIOMMUExplainIn *p,
                     const qemuVIOMMUController *pxb,
                     const char *why)
{
    bool renumbered;
    int busNr = qemuVIOMMUExplainBusNr(p, pxb, &renumbered);

    g_string_append_printf(buf, "  expander bus: index %u, busNr %d, ", pxb->index, busNr);
    qemuVIOMMUExplainNode(buf, "guest node", pxb->numaNode);
    g_string_append_printf(buf, " (%s%s)\n", why, renumbered ? ", renumbered" : "");
}


/* A device the plan placed: its new pxb or the one it joins, and its
 * new or reused root port. */
static void
qemuVIOMMUExplainPlaced(GString *buf,
                        const qemuVIOMMUExplainIn *p,
                        const qemuVIOMMUItem *item,
                        const qemuVIOMMUExplainPlace *place)
{
    const qemuVIOMMUGroup *group = place->group;
    const qemuVIOMMUSlot *slot = place->slot;
    const char *why;

    if (group->pxb) {
        qemuVIOMMUExplainPxb(buf, p, group->pxb,
                             group->meta ? "kept: the record says it serves this IOMMU"
                                         : "kept: devices of this IOMMU are below it");
    } else {
        const qemuVIOMMUNewPxb *np = &group->newPxb;

        /* its own bus and a secondary bus per port, spares included */
        g_string_append_printf(buf, "  expander bus: index %u, busNr %d-%u, ",
                               group->pxbIndex, np->busNr,
                               np->busNr + group->slots->len + np->nspare);
        qemuVIOMMUExplainNode(buf, "guest node", qemuVIOMMUDecisionsPxbCell(p->dec, group));
        g_string_append_printf(buf, " (new: its IOMMU had none; slot 0x%02x of pcie.0",
                               np->rootSlot);
        if (np->nspare > 0)
            g_string_append_printf(buf, "; spare root ports %u-%u",
                                   np->spareFirst, np->spareFirst + np->nspare - 1);
        g_string_append(buf, ")\n");
    }

    if (slot->reuse)
        g_string_append_printf(buf, "  root port: index %u, slot 0x%02x (reused spare)\n",
                               slot->port, slot->reuse->addr.addr.slot);
    else
        g_string_append_printf(buf, "  root port: index %u, slot 0x%02x (new)\n",
                               slot->port, slot->pxbSlot);

    if (item->move)
        why = "moved: --move, its address put it behind no vIOMMU or another IOMMU's";
    else if (slot->reuse)
        why = "placed on a spare root port recorded for its IOMMU, as it had no guest address";
    else
        why = "placed behind the vIOMMU of its IOMMU, as it had no guest address";
    g_string_append_printf(buf, "  why: %s\n", why);
}


/* A device that keeps its address. */
static void
qemuVIOMMUExplainKept(GString *buf,
                      const qemuVIOMMUExplainIn *p,
                      const qemuVIOMMUItem *item)
{
    const virPCIDeviceAddress *addr = &item->hostdev->addr.addr;
    qemuVIOMMUController *pxb = NULL;
    qemuVIOMMUController *port = NULL;

    if (addr->bus > 0) {
        qemuVIOMMUAddrSetBusHome(p->addrs, addr->bus, &pxb);
        port = qemuVIOMMUDomainFindController(p->def, addr->bus);
    }
    if (pxb)
        qemuVIOMMUExplainPxb(buf, p, pxb, "kept");
    else
        g_string_append(buf, "  expander bus: none (pcie.0's hierarchy)\n");

    if (port && port->addr.set)
        g_string_append_printf(buf, "  root port: index %u, slot 0x%02x (kept)\n",
                               port->index, port->addr.addr.slot);
    else if (addr->bus > 0)
        g_string_append_printf(buf, "  root port: index %u (kept; libvirt gives it its address)\n",
                               (unsigned int) addr->bus);
    else
        g_string_append(buf, "  root port: none (on pcie.0)\n");
    g_string_append_printf(buf, "  why: kept: its address %02x:%02x.%x is already behind the vIOMMU of its IOMMU\n",
                           addr->bus, addr->slot, addr->function);
}


static void
qemuVIOMMUExplainDevice(GString *buf,
                        const qemuVIOMMUExplainIn *p,
                        const qemuVIOMMUItem *item)
{
    qemuVIOMMUExplainPlace place = { 0 };

    g_string_append_printf(buf, "device %s (hostdev%u)\n",
                           item->hostdev->sourceStr, item->hostdev->alias);
    g_string_append_printf(buf, "  physical IOMMU: %s (%s), ", item->iommu->name,
                           virSysIOMMUKindTypeToString(item->iommu->kind));
    qemuVIOMMUExplainNode(buf, "host node", item->dev->numaNode);
    g_string_append(buf, ", ");
    qemuVIOMMUExplainNode(buf, "IOMMU group", item->dev->group);
    g_string_append(buf, "\n");

    if (qemuVIOMMUExplainFind(p, item, &place))
        qemuVIOMMUExplainPlaced(buf, p, place.item, &place);
    else
        qemuVIOMMUExplainKept(buf, p, item);
}


static void
qemuVIOMMUExplainWindow(GString *buf, const qemuVIOMMUExplainIn *p)
{
    unsigned long long dflt = qemuVIOMMUWindowDefault(p->def->archKind);
    unsigned long long have = 0;
    int rc = qemuVIOMMUWindowGet(p->def, &have);

    g_string_append(buf, "window (64-bit MMIO, <pcihole64>)\n");
    if (p->dec->window.need == 0)
        g_string_append(buf, "  need: none (no 64-bit prefetchable BARs)\n");
    else
        g_string_append_printf(buf, "  need: %llu MiB (the BARs of the assigned devices, by root port)\n",
                               p->dec->window.need >> 20);

    if (p->dec->window.set)
        g_string_append_printf(buf, "  value: %llu MiB (planned: more than the %s of %llu MiB)\n",
                               p->dec->window.set >> 20,
                               rc == 1 ? "domain's <pcihole64>" : "default",
                               (rc == 1 ? have : dflt) >> 20);
    else if (rc == 1)
        g_string_append_printf(buf, "  value: %llu MiB (domain: its <pcihole64>, kept)\n",
                               have >> 20);
    else
        g_string_append_printf(buf, "  value: %llu MiB (default: QEMU's for this machine, nothing written)\n",
                               dflt >> 20);
}


/* Where option @opt of a vIOMMU with options @opts comes from. */
static const char *
qemuVIOMMUExplainOptionSource(const qemuVIOMMUExplainIn *p,
                              const qemuVIOMMUOptions *opts,
                              qemuVIOMMUOption opt)
{
    if (opt == QEMU_VIOMMU_OPTION_CACHING_MODE && p->dec->viommu.cachingAdded)
        return "planner: QEMU needs it for assigned devices";
    if (qemuVIOMMUOptionsHas(&p->dec->viommu.options, opt) &&
        p->dec->viommu.options.value[opt] == opts->value[opt])
        return p->dec->viommu.from;
    return "host SMMU capabilities";
}


static void
qemuVIOMMUExplainOptions(GString *buf,
                         const qemuVIOMMUExplainIn *p,
                         const qemuVIOMMUOptions *opts,
                         bool planned)
{
    size_t i;

    for (i = 0; i < QEMU_VIOMMU_OPTION_LAST; i++) {
        g_autofree char *value = NULL;

        if (!qemuVIOMMUOptionsHas(opts, i))
            continue;
        value = qemuVIOMMUOptionValueString(i, opts->value[i]);
        g_string_append_printf(buf, "  %s=%s", qemuVIOMMUOptionTypeToString(i), value);
        g_string_append_printf(buf, " (%s)\n",
                               planned ? qemuVIOMMUExplainOptionSource(p, opts, i)
                                       : "domain: kept as it is");
    }
}


static bool
qemuVIOMMUExplainUpdated(const qemuVIOMMUExplainIn *p, const qemuVIOMMUIOMMU *iommu)
{
    size_t i;

    for (i = 0; i < p->dec->iommus.update->len; i++) {
        if (g_ptr_array_index(p->dec->iommus.update, i) == iommu)
            return true;
    }
    return false;
}


/* aarch64: a vSMMU per expander bus of the record, and per new one. */
static void
qemuVIOMMUExplainSMMUs(GString *buf, const qemuVIOMMUExplainIn *p)
{
    const qemuVIOMMUDecisions *dec = p->dec;
    size_t i;

    for (i = 0; i < dec->record->buses->len; i++) {
        const qemuVIOMMUMetaBus *bus = g_ptr_array_index(dec->record->buses, i);
        qemuVIOMMUIOMMU *iommu = qemuVIOMMUDomainFindIOMMUForBus(p->def, bus->controller);
        bool updated;

        if (!iommu)
            continue;
        updated = qemuVIOMMUExplainUpdated(p, iommu);
        g_string_append_printf(buf, "vIOMMU %s on expander bus %u, for %s (%s)\n",
                               qemuVIOMMUModelTypeToString(iommu->model), bus->controller,
                               bus->iommu, updated ? "updated" : "kept");
        qemuVIOMMUExplainOptions(buf, p, updated ? qemuVIOMMUDecisionsOptionsFor(dec, bus->iommu)
                                                 : &iommu->options, updated);
    }
    for (i = 0; i < dec->place.groups->len; i++) {
        const qemuVIOMMUGroup *group = g_ptr_array_index(dec->place.groups, i);

        if (group->pxb)
            continue;
        g_string_append_printf(buf, "vIOMMU %s on expander bus %u, for %s (new; model from the %s)\n",
                               qemuVIOMMUModelTypeToString(dec->viommu.model), group->pxbIndex,
                               group->iommu->name, dec->viommu.from);
        qemuVIOMMUExplainOptions(buf, p,
                                 qemuVIOMMUDecisionsOptionsFor(dec, group->iommu->name), true);
    }
    /* vSMMUs of the domain's own, which the plan leaves alone */
    for (i = 0; i < p->def->iommus->len; i++) {
        const qemuVIOMMUIOMMU *iommu = g_ptr_array_index(p->def->iommus, i);

        if (iommu == dec->viommu.tmpl ||
            qemuVIOMMUMetaFindBusByController(dec->record, iommu->pciBus))
            continue;
        g_string_append_printf(buf, "vIOMMU %s on %s %d (the domain's own, kept)\n",
                               qemuVIOMMUModelTypeToString(iommu->model),
                               iommu->pciBus == 0 ? "pcie.0, bus" : "expander bus",
                               iommu->pciBus);
        qemuVIOMMUExplainOptions(buf, p, &iommu->options, false);
    }
    if (dec->iommus.removeIOMMU)
        g_string_append(buf, "template <iommu> removed: its options are on each vSMMU\n");
}


static void
qemuVIOMMUExplainIOMMUs(GString *buf, const qemuVIOMMUExplainIn *p)
{
    const qemuVIOMMUDecisions *dec = p->dec;

    if (p->def->archKind == QEMU_VIOMMU_ARCH_AARCH64_VIRT) {
        qemuVIOMMUExplainSMMUs(buf, p);
    } else if (dec->iommus.addIOMMU) {
        g_string_append_printf(buf, "vIOMMU %s for the whole guest (new; model from the %s)\n",
                               qemuVIOMMUModelTypeToString(dec->viommu.model), dec->viommu.from);
        qemuVIOMMUExplainOptions(buf, p, &dec->viommu.options, true);
    } else if (dec->viommu.tmpl) {
        bool updated = qemuVIOMMUExplainUpdated(p, dec->viommu.tmpl);

        g_string_append_printf(buf, "vIOMMU %s for the whole guest (%s)\n",
                               qemuVIOMMUModelTypeToString(dec->viommu.tmpl->model),
                               updated ? "updated" : "kept");
        qemuVIOMMUExplainOptions(buf, p,
                                 updated ? &dec->viommu.options : &dec->viommu.tmpl->options,
                                 updated);
    }

    if (dec->iommus.addIOMMUFD)
        g_string_append(buf, "iommufd: added (accel='on' vSMMUs need it)\n");
    else if (p->def->iommufd)
        g_string_append(buf, "iommufd: kept\n");
}


char *
qemuVIOMMUDecisionsFormatExplain(const qemuVIOMMUDecisions *dec,
                                 const qemuVIOMMUDomain *def,
                                 const qemuVIOMMUHostFacts *facts,
                                 qemuVIOMMUAddrSet *addrs)
{
    g_autoptr(GString) buf = g_string_new(NULL);
    qemuVIOMMUExplainIn in = { .dec = dec, .def = def, .addrs = addrs };
    size_t i;

    for (i = 0; i < def->hostdevs->len; i++) {
        const qemuVIOMMUHostdevFacts *hf = qemuVIOMMUHostFactsGet(facts, i);
        qemuVIOMMUItem item = {
            .hostdev = g_ptr_array_index(def->hostdevs, i),
            .dev = hf->dev,
            .iommu = hf->iommu,
        };

        qemuVIOMMUExplainDevice(buf, &in, &item);
    }
    if (def->hostdevs->len == 0)
        g_string_append(buf, "no assigned PCI or mediated devices\n");
    qemuVIOMMUExplainWindow(buf, &in);
    qemuVIOMMUExplainIOMMUs(buf, &in);
    return g_string_free(g_steal_pointer(&buf), FALSE);
}
