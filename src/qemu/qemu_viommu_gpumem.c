/*
 * qemu_viommu_gpumem.c: a device's memory as guest NUMA nodes, tied to
 *                       it by ACPI generic initiator affinity
 *
 * libvirt 12.8 writes, for each node of a <hostdev>'s <acpi nodeset>,
 * an acpi-generic-initiator object naming the device and the node, and
 * QEMU puts a Generic Initiator Affinity entry in the guest's SRAT: the
 * guest kernel makes each such node a CPU-less, memoryless node with
 * the generic-initiator state, where the GPU driver onlines the
 * device's memory.  The nodes must be <numa> cells with memory='0' and
 * no cpus.  The plan appends them after the domain's own cells (never
 * renumbering those); a domain without <numa> first gets one cell that
 * holds all its CPUs and memory.  A nodeset the user wrote is kept and
 * checked.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_gpumem.h"

#include <string.h>

#include "qemu_viommu_planpriv.h"
#include "qemu_viommu_window.h"
#include "qemu_viommu_xml.h"
#include "virerror.h"
#include "virsysgpumem.h"


int
qemuVIOMMUGPUMemNodeset(qemuVIOMMUHostdev *hd, GArray **nodes)
{
    xmlNodePtr acpi = qemuVIOMMUXMLChild(hd->node, "acpi");
    g_autofree char *text = acpi ? qemuVIOMMUXMLProp(acpi, "nodeset") : NULL;
    g_autoptr(GArray) out = NULL;
    g_auto(GStrv) parts = NULL;
    size_t i;

    *nodes = NULL;
    if (!text)
        return 0;
    out = g_array_new(FALSE, FALSE, sizeof(unsigned int));
    parts = g_strsplit(text, ",", 0);
    for (i = 0; parts[i]; i++) {
        char *dash = strchr(parts[i], '-');
        guint64 lo;
        guint64 hi;

        if (dash)
            *dash = '\0';
        if (!g_ascii_string_to_unsigned(g_strstrip(parts[i]), 10, 0, 1023, &lo, NULL) ||
            (dash && !g_ascii_string_to_unsigned(g_strstrip(dash + 1), 10, lo, 1023, &hi, NULL))) {
            virReportError(VIR_ERROR_XML_INVALID, _("%1$s: <acpi nodeset='%2$s'> is not a list of guest NUMA cells like '2-9'"),
                           qemuVIOMMUHostdevPath(hd), text);
            return -1;
        }
        if (!dash)
            hi = lo;
        for (; lo <= hi; lo++) {
            unsigned int n = lo;

            g_array_append_val(out, n);
        }
    }
    *nodes = g_steal_pointer(&out);
    return 0;
}


/* The <numa><cell> of id @id, or NULL. */
static xmlNodePtr
qemuVIOMMUGPUMemCell(const qemuVIOMMUDomain *def, unsigned int id)
{
    xmlNodePtr numa = qemuVIOMMUXMLChild(qemuVIOMMUXMLChild(def->root, "cpu"), "numa");
    xmlNodePtr cur;

    for (cur = numa ? numa->children : NULL; cur; cur = cur->next) {
        unsigned int cid;

        if (cur->type == XML_ELEMENT_NODE &&
            xmlStrEqual(cur->name, BAD_CAST "cell") &&
            qemuVIOMMUXMLPropUInt(cur, "id", 1023, "a NUMA cell", &cid) == 1 &&
            cid == id)
            return cur;
    }
    return NULL;
}


/* Is @cell one without CPUs and memory? */
static bool
qemuVIOMMUGPUMemCellIsEmpty(xmlNodePtr cell)
{
    g_autofree char *cpus = qemuVIOMMUXMLProp(cell, "cpus");
    g_autofree char *mem = qemuVIOMMUXMLProp(cell, "memory");

    return (!cpus || !*cpus) && mem && g_strcmp0(g_strstrip(mem), "0") == 0;
}


/* A nodeset the user wrote: as many nodes as the device needs, each a
 * memoryless cell. */
static int
qemuVIOMMUGPUMemCheckUser(const qemuVIOMMUPlan *p,
                          qemuVIOMMUItem *item,
                          GArray *nodes)
{
    const virSysGPUMem *mem = item->dev->gpumem;
    size_t i;

    if (nodes->len != mem->nodes) {
        virReportError(VIR_ERROR_CONFLICT, _("%1$s: host device %2$s needs %3$u generic-initiator guest NUMA nodes (%4$s), but its <acpi nodeset> names %5$u; name %3$u memoryless cells, or remove <acpi> to let virt-viommu add them"),
                       qemuVIOMMUHostdevPath(item->hostdev), item->hostdev->sourceStr,
                       mem->nodes, mem->why, nodes->len);
        return -1;
    }
    for (i = 0; i < nodes->len; i++) {
        unsigned int id = g_array_index(nodes, unsigned int, i);
        xmlNodePtr cell = qemuVIOMMUGPUMemCell(p->def, id);

        if (!cell || !qemuVIOMMUGPUMemCellIsEmpty(cell)) {
            virReportError(VIR_ERROR_CONFLICT, _("%1$s: <acpi nodeset> of host device %2$s names guest NUMA cell %3$u, which is %4$s; a generic-initiator node must be a <cell id='%3$u' memory='0' unit='KiB'/> without cpus"),
                           qemuVIOMMUHostdevPath(item->hostdev), item->hostdev->sourceStr,
                           id, cell ? "not memoryless and CPU-less" : "not defined");
            return -1;
        }
    }
    return 0;
}


/* The first cell id after the domain's own cells. */
static unsigned int
qemuVIOMMUGPUMemNextCell(const qemuVIOMMUDomain *def)
{
    unsigned int next = 0;
    size_t i;

    for (i = 0; i < def->numaCells->len; i++)
        next = MAX(next, g_array_index(def->numaCells, unsigned int, i) + 1);
    return next;
}


int
qemuVIOMMUPlanGPUMem(const qemuVIOMMUPlan *p, qemuVIOMMUGPUMemDecision *out)
{
    unsigned int next;
    size_t i;

    g_array_set_size(out->sets, 0);
    out->cell0 = false;
    next = qemuVIOMMUGPUMemNextCell(p->def);

    for (i = 0; i < p->items->len; i++) {
        qemuVIOMMUItem *item = g_ptr_array_index(p->items, i);
        g_autoptr(GArray) nodes = NULL;
        qemuVIOMMUGPUMemSet set = { 0 };

        if (item->hostdev->isMdev || !item->dev->gpumem ||
            item->dev->gpumem->nodes == 0)
            continue;
        if (qemuVIOMMUGPUMemNodeset(item->hostdev, &nodes) < 0)
            return -1;
        if (nodes) {
            if (qemuVIOMMUGPUMemCheckUser(p, item, nodes) < 0)
                return -1;
            continue;
        }
        if (p->def->numaCells->len == 0 && !out->cell0) {
            out->cell0 = true;
            next = 1;
        }
        if (out->sets->len == 0)
            out->first = next;
        set.hostdev = item->hostdev;
        set.first = next;
        set.count = item->dev->gpumem->nodes;
        if (next + set.count > 1024) {
            virReportError(VIR_ERROR_EXHAUSTED, _("host device %1$s needs %2$u more guest NUMA nodes, but cell ids end at 1023"),
                           item->hostdev->sourceStr, set.count);
            return -1;
        }
        next += set.count;
        g_array_append_val(out->sets, set);
    }
    return 0;
}


/* <cpu>, made after <features> (else <os>) when the domain has none,
 * as libvirt orders a domain's elements. */
static xmlNodePtr
qemuVIOMMUGPUMemEnsureCPU(qemuVIOMMUDomain *def)
{
    xmlNodePtr cpu = qemuVIOMMUXMLChild(def->root, "cpu");
    xmlNodePtr after;

    if (cpu)
        return cpu;
    if (!(after = qemuVIOMMUXMLChild(def->root, "features")))
        after = qemuVIOMMUXMLChild(def->root, "os");
    cpu = xmlNewDocNode(def->doc, def->root->ns, BAD_CAST "cpu", NULL);
    qemuVIOMMUXMLInsert(def->root, after, cpu);
    return cpu;
}


/* Cell 0 of a domain that had no <numa>: its <vcpu> CPUs and its
 * <memory>, in KiB as libvirt writes it. */
static void
qemuVIOMMUGPUMemAddCell0(qemuVIOMMUDomain *def, xmlNodePtr numa)
{
    xmlNodePtr vcpu = qemuVIOMMUXMLChild(def->root, "vcpu");
    xmlNodePtr memory = qemuVIOMMUXMLChild(def->root, "memory");
    g_autofree char *vcpuText = vcpu ? (char *) xmlNodeGetContent(vcpu) : NULL;
    g_autofree char *memText = memory ? (char *) xmlNodeGetContent(memory) : NULL;
    g_autofree char *unit = memory ? qemuVIOMMUXMLProp(memory, "unit") : NULL;
    g_autofree char *cpus = NULL;
    guint64 n = 1;
    guint64 kib = 0;
    unsigned long long scale;
    xmlNodePtr cell;

    if (vcpuText)
        g_ascii_string_to_unsigned(g_strstrip(vcpuText), 10, 1, 16384, &n, NULL);
    scale = qemuVIOMMUWindowUnit(unit);
    if (memText && scale &&
        g_ascii_string_to_unsigned(g_strstrip(memText), 10, 0, G_MAXUINT64 / scale, &kib, NULL))
        kib = kib * scale >> 10;
    cpus = n > 1 ? g_strdup_printf("0-%" G_GUINT64_FORMAT, n - 1) : g_strdup("0");

    cell = qemuVIOMMUXMLNewChild(numa, "cell");
    qemuVIOMMUXMLSetPropInt(cell, "id", 0);
    xmlNewProp(cell, BAD_CAST "cpus", BAD_CAST cpus);
    qemuVIOMMUXMLSetPropInt(cell, "memory", kib);
    xmlNewProp(cell, BAD_CAST "unit", BAD_CAST "KiB");
}


void
qemuVIOMMUApplyGPUMem(const qemuVIOMMUDecisions *dec, qemuVIOMMUDomain *def)
{
    xmlNodePtr cpu;
    xmlNodePtr numa;
    size_t i;
    unsigned int id;

    if (dec->gpumem.sets->len == 0)
        return;

    cpu = qemuVIOMMUGPUMemEnsureCPU(def);
    if (!(numa = qemuVIOMMUXMLChild(cpu, "numa")))
        numa = qemuVIOMMUXMLNewChild(cpu, "numa");
    if (dec->gpumem.cell0)
        qemuVIOMMUGPUMemAddCell0(def, numa);

    for (i = 0; i < dec->gpumem.sets->len; i++) {
        qemuVIOMMUGPUMemSet *set = &g_array_index(dec->gpumem.sets, qemuVIOMMUGPUMemSet, i);
        xmlNodePtr source = qemuVIOMMUXMLChild(set->hostdev->node, "source");
        xmlNodePtr acpi = xmlNewDocNode(def->doc, set->hostdev->node->ns, BAD_CAST "acpi", NULL);
        g_autofree char *nodeset = set->count > 1 ?
            g_strdup_printf("%u-%u", set->first, set->first + set->count - 1) :
            g_strdup_printf("%u", set->first);

        for (id = set->first; id < set->first + set->count; id++) {
            xmlNodePtr cell = qemuVIOMMUXMLNewChild(numa, "cell");

            qemuVIOMMUXMLSetPropInt(cell, "id", id);
            xmlNewProp(cell, BAD_CAST "memory", BAD_CAST "0");
            xmlNewProp(cell, BAD_CAST "unit", BAD_CAST "KiB");
        }
        /* libvirt writes <acpi> right after <source> */
        xmlNewProp(acpi, BAD_CAST "nodeset", BAD_CAST nodeset);
        qemuVIOMMUXMLInsert(set->hostdev->node, source, acpi);
    }
}
