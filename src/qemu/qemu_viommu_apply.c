/*
 * qemu_viommu_apply.c: write a plan's decisions into the domain XML as
 *                      minimal edits, every other byte kept
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_decisions.h"
#include "qemu_viommu_xml.h"


/* A controller the plan adds. */
typedef struct _qemuVIOMMUNewController qemuVIOMMUNewController;
struct _qemuVIOMMUNewController {
    unsigned int index;
    qemuVIOMMUControllerModel model;
    int busNr;                  /* pxb */
    int cell;                   /* pxb, -1 for none */
    bool unaddressed;           /* a root port for libvirt to place */
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


/* Give @parent its guest PCI address, in place of the one it had (a
 * moved device's, or an empty <address type='pci'/> libvirt would
 * fill): an element has one <address>. */
static void
qemuVIOMMUSetAddress(xmlNodePtr parent,
                     unsigned int bus,
                     unsigned int slot,
                     unsigned int function,
                     bool multifunction)
{
    xmlNodePtr old = qemuVIOMMUXMLChild(parent, "address");
    xmlNodePtr addr;

    if (old)
        qemuVIOMMUXMLRemove(old);
    addr = qemuVIOMMUXMLNewChild(parent, "address");

    xmlSetProp(addr, BAD_CAST "type", BAD_CAST "pci");
    xmlSetProp(addr, BAD_CAST "domain", BAD_CAST "0x0000");
    qemuVIOMMUXMLSetPropHex(addr, "bus", 2, bus);
    qemuVIOMMUXMLSetPropHex(addr, "slot", 2, slot);
    qemuVIOMMUXMLSetPropHex(addr, "function", 1, function);
    if (multifunction)
        xmlSetProp(addr, BAD_CAST "multifunction", BAD_CAST "on");
}


/* Write one new controller after @anchor.  Root ports get libvirt's
 * default chassis (the index) and port (slot * 8), written out so the
 * planned XML reads like 'virsh dumpxml'. */
static xmlNodePtr
qemuVIOMMUWriteController(qemuVIOMMUDomain *def,
                          xmlNodePtr anchor,
                          const qemuVIOMMUNewController *nc)
{
    xmlNodePtr ctrl = xmlNewDocNode(def->doc, NULL, BAD_CAST "controller", NULL);
    xmlNodePtr target;

    xmlSetProp(ctrl, BAD_CAST "type", BAD_CAST "pci");
    qemuVIOMMUXMLSetPropInt(ctrl, "index", nc->index);
    xmlSetProp(ctrl, BAD_CAST "model",
               BAD_CAST qemuVIOMMUControllerModelTypeToString(nc->model));
    qemuVIOMMUXMLInsert(def->devices, anchor, ctrl);
    if (nc->unaddressed)
        return ctrl;

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
    qemuVIOMMUSetAddress(ctrl, nc->bus, nc->slot, 0, false);
    return ctrl;
}


static void
qemuVIOMMUAddPort(GArray *list, unsigned int index,
                  unsigned int bus, unsigned int slot)
{
    qemuVIOMMUNewController nc = {
        .index = index,
        .model = QEMU_VIOMMU_CONTROLLER_PCIE_ROOT_PORT,
        .busNr = -1,
        .cell = -1,
        .bus = bus,
        .slot = slot,
    };

    g_array_append_val(list, nc);
}


/* The controllers of @group that @dec adds. */
static void
qemuVIOMMUGroupNewControllers(const qemuVIOMMUDecisions *dec,
                              qemuVIOMMUGroup *group,
                              GArray *list)
{
    size_t j;

    if (!group->pxb) {
        qemuVIOMMUNewController nc = {
            .index = group->pxbIndex,
            .model = QEMU_VIOMMU_CONTROLLER_PCIE_EXPANDER_BUS,
            .busNr = group->newPxb.busNr,
            .cell = qemuVIOMMUDecisionsPxbCell(dec, group),
            .bus = 0,
            .slot = group->newPxb.rootSlot,
        };
        g_array_append_val(list, nc);
    }
    for (j = 0; j < group->slots->len; j++) {
        qemuVIOMMUSlot *slot = g_ptr_array_index(group->slots, j);

        if (!slot->reuse)
            qemuVIOMMUAddPort(list, slot->port, group->pxbIndex, slot->pxbSlot);
    }
    for (j = 0; j < group->newPxb.nspare; j++)
        qemuVIOMMUAddPort(list, group->newPxb.spareFirst + j, group->pxbIndex,
                          group->newPxb.spareSlot + j);
}


/* Write the new controllers, in index order. */
static void
qemuVIOMMUApplyControllers(const qemuVIOMMUDecisions *dec, qemuVIOMMUDomain *def)
{
    g_autoptr(GArray) list = g_array_new(FALSE, FALSE, sizeof(qemuVIOMMUNewController));
    xmlNodePtr anchor;
    size_t i;

    for (i = 0; i < dec->place.groups->len; i++)
        qemuVIOMMUGroupNewControllers(dec, g_ptr_array_index(dec->place.groups, i), list);
    for (i = 0; i < dec->place.nreserve; i++) {
        qemuVIOMMUNewController nc = {
            .index = dec->place.reserveFirst + i,
            .model = QEMU_VIOMMU_CONTROLLER_PCIE_ROOT_PORT,
            .unaddressed = true,
        };
        g_array_append_val(list, nc);
    }
    if (list->len == 0)
        return;

    g_array_sort(list, qemuVIOMMUNewControllerCompare);
    anchor = qemuVIOMMUControllerAnchor(def->devices);
    for (i = 0; i < list->len; i++)
        anchor = qemuVIOMMUWriteController(def, anchor,
                                           &g_array_index(list, qemuVIOMMUNewController, i));
}


/* The guest address of every placed hostdev: its root port, with the
 * functions of one host device as functions of that port's slot. */
static void
qemuVIOMMUApplyHostdevs(const qemuVIOMMUDecisions *dec, qemuVIOMMUDomain *def)
{
    size_t i;
    size_t j;
    size_t k;

    for (i = 0; i < dec->place.groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(dec->place.groups, i);

        for (j = 0; j < group->slots->len; j++) {
            qemuVIOMMUSlot *slot = g_ptr_array_index(group->slots, j);
            bool multi = slot->items->len > 1;

            for (k = 0; k < slot->items->len; k++) {
                qemuVIOMMUItem *item = g_ptr_array_index(slot->items, k);
                unsigned int function = item->hostdev->isMdev ? 0 : item->dev->addr.function;

                /* a moved device leaves its port, which stays as it is */
                qemuVIOMMUSetAddress(item->hostdev->node, slot->port, 0,
                                     multi ? function : 0, multi && function == 0);
            }
        }
    }
}


static void
qemuVIOMMUApplyRenumber(const qemuVIOMMUDecisions *dec, qemuVIOMMUDomain *def)
{
    size_t i;

    for (i = 0; i < dec->place.renumber->len; i++) {
        qemuVIOMMURenumber *r = &g_array_index(dec->place.renumber, qemuVIOMMURenumber, i);

        qemuVIOMMUXMLSetPropInt(qemuVIOMMUXMLChild(r->pxb->node, "target"),
                                "busNr", r->busNr);
    }
}


/* Set @driver's options to @opts, dropping the ones it had. */
static void
qemuVIOMMUSetDriverOptions(const qemuVIOMMUOptions *opts, xmlNodePtr driver)
{
    size_t i;

    for (i = 0; i < QEMU_VIOMMU_OPTION_LAST; i++)
        xmlUnsetProp(driver, BAD_CAST qemuVIOMMUOptionTypeToString(i));
    qemuVIOMMUOptionsFormat(opts, driver);
}


/* The <driver> of @iommu; one is made, first among its children, when
 * it has none (virt-install writes <iommu model='intel'/>). */
static xmlNodePtr
qemuVIOMMUIOMMUDriver(xmlNodePtr iommu)
{
    xmlNodePtr driver = qemuVIOMMUXMLChild(iommu, "driver");

    if (driver)
        return driver;
    driver = xmlNewDocNode(iommu->doc, iommu->ns, BAD_CAST "driver", NULL);
    qemuVIOMMUXMLPrepend(iommu, driver);
    return driver;
}


static xmlNodePtr
qemuVIOMMUWriteIOMMU(qemuVIOMMUDomain *def,
                     qemuVIOMMUModel model,
                     xmlNodePtr anchor,
                     int pciBus,
                     const qemuVIOMMUOptions *opts)
{
    xmlNodePtr iommu = xmlNewDocNode(def->doc, NULL, BAD_CAST "iommu", NULL);
    xmlNodePtr driver;

    xmlSetProp(iommu, BAD_CAST "model", BAD_CAST qemuVIOMMUModelTypeToString(model));
    qemuVIOMMUXMLInsert(def->devices, anchor, iommu);
    driver = qemuVIOMMUXMLNewChild(iommu, "driver");
    if (pciBus >= 0)
        qemuVIOMMUXMLSetPropInt(driver, "pciBus", pciBus);
    qemuVIOMMUOptionsFormat(opts, driver);
    return iommu;
}


/* The new vIOMMUs: one per new pxb on aarch64, at most one on q35,
 * after the template or the last vIOMMU; then the template goes. */
static void
qemuVIOMMUApplyIOMMUs(const qemuVIOMMUDecisions *dec, qemuVIOMMUDomain *def)
{
    GPtrArray *iommus = def->iommus;
    xmlNodePtr anchor = NULL;
    size_t i;

    for (i = 0; i < dec->iommus.update->len; i++) {
        qemuVIOMMUIOMMU *iommu = g_ptr_array_index(dec->iommus.update, i);

        qemuVIOMMUMetaBus *bus = qemuVIOMMUMetaFindBusByController(dec->record, iommu->pciBus);

        qemuVIOMMUSetDriverOptions(qemuVIOMMUDecisionsOptionsFor(dec, bus ? bus->iommu : NULL),
                                   qemuVIOMMUIOMMUDriver(iommu->node));
    }

    if (dec->viommu.tmpl)
        anchor = dec->viommu.tmpl->node;
    else if (iommus->len > 0)
        anchor = ((qemuVIOMMUIOMMU *) g_ptr_array_index(iommus, iommus->len - 1))->node;

    if (dec->iommus.addIOMMU)
        qemuVIOMMUWriteIOMMU(def, dec->viommu.model, anchor, -1, &dec->viommu.options);

    for (i = 0; i < dec->place.groups->len && def->archKind == QEMU_VIOMMU_ARCH_AARCH64_VIRT; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(dec->place.groups, i);

        if (!group->pxb)
            anchor = qemuVIOMMUWriteIOMMU(def, dec->viommu.model, anchor, group->pxbIndex,
                                          qemuVIOMMUDecisionsOptionsFor(dec, group->iommu->name));
    }

    if (dec->iommus.removeIOMMU)
        qemuVIOMMUXMLRemove(dec->iommus.removeIOMMU->node);
}


static void
qemuVIOMMUApplyIOMMUFD(const qemuVIOMMUDecisions *dec, qemuVIOMMUDomain *def)
{
    xmlNodePtr os;
    xmlNodePtr iommufd;

    if (!dec->iommus.addIOMMUFD)
        return;

    iommufd = xmlNewDocNode(def->doc, NULL, BAD_CAST "iommufd", NULL);
    xmlSetProp(iommufd, BAD_CAST "enabled", BAD_CAST "yes");
    if ((os = qemuVIOMMUXMLChild(def->root, "os")))
        qemuVIOMMUXMLInsertBefore(os, iommufd);
    else
        qemuVIOMMUXMLInsert(def->root, NULL, iommufd);
}


/* The slots of pcie.0 of the domain's pxbs that had no address. */
static void
qemuVIOMMUApplyRootAddrs(const qemuVIOMMUDecisions *dec, qemuVIOMMUDomain *def)
{
    size_t i;

    for (i = 0; i < dec->place.rootAddrs->len; i++) {
        qemuVIOMMURootAddr *ra = &g_array_index(dec->place.rootAddrs, qemuVIOMMURootAddr, i);

        qemuVIOMMUSetAddress(ra->ctrl->node, 0, ra->slot, 0, false);
    }
}


void
qemuVIOMMUDecisionsApply(const qemuVIOMMUDecisions *dec, qemuVIOMMUDomain *def)
{
    if (qemuVIOMMUDecisionsEmpty(dec))
        return;

    qemuVIOMMUApplyControllers(dec, def);
    qemuVIOMMUApplyRootAddrs(dec, def);
    qemuVIOMMUApplyHostdevs(dec, def);
    qemuVIOMMUApplyRenumber(dec, def);
    qemuVIOMMUApplyIOMMUs(dec, def);
    qemuVIOMMUApplyIOMMUFD(dec, def);
    qemuVIOMMUApplyWindow(dec, def);
    qemuVIOMMUApplyGPUMem(dec, def);
    qemuVIOMMUMetaFormat(dec->record, def->root);
}
