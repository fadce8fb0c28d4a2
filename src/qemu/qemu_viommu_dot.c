/*
 * qemu_viommu_dot.c: a Graphviz picture of a planned topology
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_dot.h"

#include "qemu_viommu_conf.h"
#include "qemu_viommu_meta.h"
#include "qemu_viommu_xml.h"
#include "virerror.h"
#include "virsysiommufmt.h"


static void
qemuVIOMMUDotNode(GString *buf, const char *id, const char *label, const char *style)
{
    g_autofree char *qid = virDotQuote(id);
    g_autofree char *qlabel = virDotQuote(label);

    g_string_append_printf(buf, "  %s [label=%s%s%s];\n", qid, qlabel,
                           style ? ", " : "", style ? style : "");
}


static void
qemuVIOMMUDotEdge(GString *buf, const char *from, const char *to)
{
    g_autofree char *qfrom = virDotQuote(from);
    g_autofree char *qto = virDotQuote(to);

    g_string_append_printf(buf, "  %s -> %s;\n", qfrom, qto);
}


/* "\nguest NUMA nodes 1-8 (generic initiator)" for a hostdev of @def
 * with an <acpi nodeset>, else "". */
static char *
qemuVIOMMUDotGPUMem(qemuVIOMMUDomain *def, const char *source)
{
    qemuVIOMMUHostdev *hd = qemuVIOMMUDomainFindHostdev(def, source);
    xmlNodePtr acpi = hd ? qemuVIOMMUXMLChild(hd->node, "acpi") : NULL;
    g_autofree char *nodeset = acpi ? qemuVIOMMUXMLProp(acpi, "nodeset") : NULL;

    if (!nodeset)
        return g_strdup("");
    return g_strdup_printf("\nguest NUMA nodes %s (generic initiator)", nodeset);
}


/* A root port of @bus, dashed when it is a spare. */
static void
qemuVIOMMUDotPort(GString *buf, qemuVIOMMUMetaBus *bus, qemuVIOMMUMetaPort *port)
{
    g_autofree char *pxbId = g_strdup_printf("pci.%u", bus->controller);
    g_autofree char *portId = g_strdup_printf("pci.%u", port->controller);
    g_autofree char *portLabel = g_strdup_printf("pcie-root-port pci.%u%s", port->controller,
                                                 port->devices->len ? "" : "\n(spare)");

    qemuVIOMMUDotNode(buf, portId, portLabel, port->devices->len ? NULL : "style=dashed");
    qemuVIOMMUDotEdge(buf, pxbId, portId);
}


/* A host device recorded on @port. */
static void
qemuVIOMMUDotDevice(GString *buf,
                    qemuVIOMMUDomain *def,
                    qemuVIOMMUMetaPort *port,
                    qemuVIOMMUMetaDevice *md)
{
    g_autofree char *portId = g_strdup_printf("pci.%u", port->controller);
    g_autofree char *devId = g_strdup_printf("dev %s", md->source);
    g_autofree char *devLabel = NULL;
    g_autofree char *gpumem = qemuVIOMMUDotGPUMem(def, md->source);

    if (md->numaNode >= 0)
        devLabel = g_strdup_printf("%s\ngroup %d, host NUMA node %d%s",
                                   md->source, md->group, md->numaNode, gpumem);
    else
        devLabel = g_strdup_printf("%s\ngroup %d%s", md->source, md->group, gpumem);
    qemuVIOMMUDotNode(buf, devId, devLabel, "shape=component");
    qemuVIOMMUDotEdge(buf, portId, devId);
}


/* One recorded expander bus: its host IOMMU, vIOMMU and pxb. */
static int
qemuVIOMMUDotBus(GString *buf,
                 virSysIOMMUHost *host,
                 qemuVIOMMUDomain *def,
                 qemuVIOMMUMetaBus *bus)
{
    qemuVIOMMUController *pxb = qemuVIOMMUDomainFindController(def, bus->controller);
    qemuVIOMMUIOMMU *viommu = qemuVIOMMUDomainFindIOMMUForBus(def, bus->controller);
    virSysIOMMU *phys = NULL;
    g_autofree char *hostId = g_strdup_printf("host %s", bus->iommu);
    g_autofree char *pxbId = g_strdup_printf("pci.%u", bus->controller);
    g_autofree char *hostLabel = NULL;
    g_autofree char *pxbLabel = NULL;

    if (virSysIOMMUHostGetIOMMU(host, bus->iommu, &phys) < 0)
        return -1;
    if (phys && phys->numaNode >= 0)
        hostLabel = g_strdup_printf("host IOMMU %s\n%s, host NUMA node %d",
                                    bus->iommu, bus->kind, phys->numaNode);
    else
        hostLabel = g_strdup_printf("host IOMMU %s\n%s", bus->iommu, bus->kind);
    qemuVIOMMUDotNode(buf, hostId, hostLabel,
                      "style=filled, fillcolor=\"#d8e6f3\"");

    if (pxb && pxb->numaNode >= 0)
        pxbLabel = g_strdup_printf("pcie-expander-bus pci.%u\nbusNr %d, guest NUMA cell %d",
                                   bus->controller, pxb->busNr, pxb->numaNode);
    else
        pxbLabel = g_strdup_printf("pcie-expander-bus pci.%u\nbusNr %d",
                                   bus->controller, pxb ? pxb->busNr : -1);

    if (viommu) {
        g_autofree char *vId = g_strdup_printf("iommu%u", viommu->alias);
        g_autofree char *vLabel = g_strdup_printf("vIOMMU iommu%u\n%s", viommu->alias,
                                                  qemuVIOMMUModelTypeToString(viommu->model));

        qemuVIOMMUDotNode(buf, vId, vLabel, "style=filled, fillcolor=\"#e3f1dc\"");
        qemuVIOMMUDotEdge(buf, hostId, vId);
        qemuVIOMMUDotNode(buf, pxbId, pxbLabel, NULL);
        qemuVIOMMUDotEdge(buf, vId, pxbId);
    } else {
        /* q35: one vIOMMU for all buses, drawn once below */
        qemuVIOMMUDotNode(buf, pxbId, pxbLabel, NULL);
        qemuVIOMMUDotEdge(buf, hostId, pxbId);
    }
    return 0;
}


char *
qemuVIOMMUPlanFormatDot(virSysIOMMUHost *host, xmlDocPtr doc)
{
    g_autoptr(qemuVIOMMUDomain) def = NULL;
    g_autoptr(qemuVIOMMUMeta) meta = NULL;
    g_autoptr(GString) buf = g_string_new(NULL);
    qemuVIOMMUMetaIter it;
    qemuVIOMMUMetaBus *bus;
    qemuVIOMMUMetaPort *port;
    qemuVIOMMUMetaDevice *md;
    int rc;

    if (!(def = qemuVIOMMUDomainParse(doc)))
        return NULL;
    if ((rc = qemuVIOMMUMetaParse(def->root, &meta)) < 0)
        return NULL;
    if (rc == 0) {
        virReportError(VIR_ERROR_NO_PLAN, "%s", _("the domain has no virt-viommu plan record to draw"));
        return NULL;
    }

    g_string_append(buf,
                    "digraph plan {\n"
                    "  rankdir=LR;\n"
                    "  node [shape=box, fontname=\"monospace\", fontsize=10];\n");

    /* each bus, then each of its ports, followed by its devices */
    qemuVIOMMUMetaIterInit(&it, meta);
    while (qemuVIOMMUMetaIterNext(&it, &bus, &port, &md)) {
        if (md)
            qemuVIOMMUDotDevice(buf, def, port, md);
        else if (port)
            qemuVIOMMUDotPort(buf, bus, port);
        else if (qemuVIOMMUDotBus(buf, host, def, bus) < 0)
            return NULL;
    }

    g_string_append(buf, "}\n");
    return g_string_free(g_steal_pointer(&buf), FALSE);
}
