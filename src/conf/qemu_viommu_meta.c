/*
 * qemu_viommu_meta.c: the plan record kept in the domain's <metadata>
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_meta.h"

#include <string.h>

#include "qemu_viommu_xml.h"
#include "virerror.h"


static void
qemuVIOMMUMetaDeviceFree(qemuVIOMMUMetaDevice *dev)
{
    g_free(dev->source);
    g_free(dev);
}


static void
qemuVIOMMUMetaPortFree(qemuVIOMMUMetaPort *port)
{
    g_ptr_array_unref(port->devices);
    g_free(port);
}


static void
qemuVIOMMUMetaBusFree(qemuVIOMMUMetaBus *bus)
{
    g_free(bus->iommu);
    g_free(bus->kind);
    g_ptr_array_unref(bus->ports);
    g_free(bus);
}


qemuVIOMMUMeta *
qemuVIOMMUMetaNew(void)
{
    qemuVIOMMUMeta *meta = g_new0(qemuVIOMMUMeta, 1);

    meta->buses = g_ptr_array_new_with_free_func((GDestroyNotify) qemuVIOMMUMetaBusFree);
    return meta;
}


void
qemuVIOMMUMetaFree(qemuVIOMMUMeta *meta)
{
    if (!meta)
        return;
    g_ptr_array_unref(meta->buses);
    g_free(meta);
}


static bool
qemuVIOMMUMetaPortSame(const qemuVIOMMUMetaPort *a, const qemuVIOMMUMetaPort *b)
{
    size_t i;

    if (a->controller != b->controller || a->devices->len != b->devices->len)
        return false;
    for (i = 0; i < a->devices->len; i++) {
        const qemuVIOMMUMetaDevice *x = g_ptr_array_index(a->devices, i);
        const qemuVIOMMUMetaDevice *y = g_ptr_array_index(b->devices, i);

        if (strcmp(x->source, y->source) != 0 ||
            x->group != y->group || x->numaNode != y->numaNode)
            return false;
    }
    return true;
}


static bool
qemuVIOMMUMetaBusSame(const qemuVIOMMUMetaBus *a, const qemuVIOMMUMetaBus *b)
{
    size_t i;

    if (strcmp(a->iommu, b->iommu) != 0 || g_strcmp0(a->kind, b->kind) != 0 ||
        a->controller != b->controller || a->ports->len != b->ports->len)
        return false;
    for (i = 0; i < a->ports->len; i++) {
        if (!qemuVIOMMUMetaPortSame(g_ptr_array_index(a->ports, i),
                                    g_ptr_array_index(b->ports, i)))
            return false;
    }
    return true;
}


bool
qemuVIOMMUMetaSamePlacement(const qemuVIOMMUMeta *a, const qemuVIOMMUMeta *b)
{
    size_t na = a ? a->buses->len : 0;
    size_t nb = b ? b->buses->len : 0;
    size_t i;

    if (na != nb)
        return false;
    for (i = 0; i < na; i++) {
        if (!qemuVIOMMUMetaBusSame(g_ptr_array_index(a->buses, i),
                                   g_ptr_array_index(b->buses, i)))
            return false;
    }
    return true;
}


qemuVIOMMUMetaBus *
qemuVIOMMUMetaAddBus(qemuVIOMMUMeta *meta,
                     const char *iommu,
                     const char *kind,
                     unsigned int controller)
{
    qemuVIOMMUMetaBus *bus = g_new0(qemuVIOMMUMetaBus, 1);

    bus->iommu = g_strdup(iommu);
    bus->kind = g_strdup(kind);
    bus->controller = controller;
    bus->ports = g_ptr_array_new_with_free_func((GDestroyNotify) qemuVIOMMUMetaPortFree);
    g_ptr_array_add(meta->buses, bus);
    return bus;
}


qemuVIOMMUMetaPort *
qemuVIOMMUMetaBusAddPort(qemuVIOMMUMetaBus *bus, unsigned int controller)
{
    qemuVIOMMUMetaPort *port = g_new0(qemuVIOMMUMetaPort, 1);

    port->controller = controller;
    port->devices = g_ptr_array_new_with_free_func((GDestroyNotify) qemuVIOMMUMetaDeviceFree);
    g_ptr_array_add(bus->ports, port);
    return port;
}


void
qemuVIOMMUMetaPortAddDevice(qemuVIOMMUMetaPort *port,
                            const char *source,
                            int group,
                            int numaNode)
{
    qemuVIOMMUMetaDevice *dev = g_new0(qemuVIOMMUMetaDevice, 1);

    dev->source = g_strdup(source);
    dev->group = group;
    dev->numaNode = numaNode;
    g_ptr_array_add(port->devices, dev);
}


qemuVIOMMUMetaBus *
qemuVIOMMUMetaFindBus(qemuVIOMMUMeta *meta, const char *iommu)
{
    size_t i;

    for (i = 0; meta && i < meta->buses->len; i++) {
        qemuVIOMMUMetaBus *bus = g_ptr_array_index(meta->buses, i);

        if (strcmp(bus->iommu, iommu) == 0)
            return bus;
    }
    return NULL;
}


qemuVIOMMUMetaPort *
qemuVIOMMUMetaBusFindPort(const qemuVIOMMUMetaBus *bus, unsigned int controller)
{
    size_t i;

    for (i = 0; i < bus->ports->len; i++) {
        qemuVIOMMUMetaPort *port = g_ptr_array_index(bus->ports, i);

        if (port->controller == controller)
            return port;
    }
    return NULL;
}


qemuVIOMMUMetaDevice *
qemuVIOMMUMetaPortFindDevice(const qemuVIOMMUMetaPort *port, const char *source)
{
    size_t i;

    for (i = 0; i < port->devices->len; i++) {
        qemuVIOMMUMetaDevice *dev = g_ptr_array_index(port->devices, i);

        if (strcmp(dev->source, source) == 0)
            return dev;
    }
    return NULL;
}


qemuVIOMMUMetaBus *
qemuVIOMMUMetaFindBusByController(qemuVIOMMUMeta *meta, unsigned int controller)
{
    size_t i;

    for (i = 0; meta && i < meta->buses->len; i++) {
        qemuVIOMMUMetaBus *bus = g_ptr_array_index(meta->buses, i);

        if (bus->controller == controller)
            return bus;
    }
    return NULL;
}


void
qemuVIOMMUMetaIterInit(qemuVIOMMUMetaIter *it, const qemuVIOMMUMeta *meta)
{
    *it = (qemuVIOMMUMetaIter) { .meta = meta, .done = !meta };
}


/* The entries under the one the walk is on at @depth: the record's
 * buses (0), a bus's ports (1), a port's devices (2); NULL under a
 * device. */
static GPtrArray *
qemuVIOMMUMetaIterChildren(const qemuVIOMMUMetaIter *it, unsigned int depth)
{
    qemuVIOMMUMetaBus *bus;
    qemuVIOMMUMetaPort *port;

    if (depth == 0)
        return it->meta->buses;
    bus = g_ptr_array_index(it->meta->buses, it->idx[0]);
    if (depth == 1)
        return bus->ports;
    port = g_ptr_array_index(bus->ports, it->idx[1]);
    if (depth == 2)
        return port->devices;
    return NULL;
}


/* Down to the first entry under the current one, else on to the next
 * one beside it or beside the nearest entry above it that has one. */
static bool
qemuVIOMMUMetaIterStep(qemuVIOMMUMetaIter *it)
{
    GPtrArray *children;

    if (it->done)
        return false;
    it->removed = false;
    if (!it->skipChildren &&
        (children = qemuVIOMMUMetaIterChildren(it, it->depth)) && children->len > 0) {
        it->idx[it->depth++] = 0;
        return true;
    }
    it->skipChildren = false;
    for (; it->depth > 0; it->depth--) {
        children = qemuVIOMMUMetaIterChildren(it, it->depth - 1);
        if (it->idx[it->depth - 1] + 1 < children->len) {
            it->idx[it->depth - 1]++;
            return true;
        }
    }
    it->done = true;
    return false;
}


/* The entry the walk is on, and those above it; NULL below it. */
static void
qemuVIOMMUMetaIterGet(const qemuVIOMMUMetaIter *it,
                      qemuVIOMMUMetaBus **busOut,
                      qemuVIOMMUMetaPort **portOut,
                      qemuVIOMMUMetaDevice **devOut)
{
    qemuVIOMMUMetaBus *bus = NULL;
    qemuVIOMMUMetaPort *port = NULL;
    qemuVIOMMUMetaDevice *dev = NULL;

    if (!it->done && it->depth >= 1)
        bus = g_ptr_array_index(it->meta->buses, it->idx[0]);
    if (bus && it->depth >= 2)
        port = g_ptr_array_index(bus->ports, it->idx[1]);
    if (port && it->depth >= 3)
        dev = g_ptr_array_index(port->devices, it->idx[2]);
    if (busOut)
        *busOut = bus;
    if (portOut)
        *portOut = port;
    if (devOut)
        *devOut = dev;
}


bool
qemuVIOMMUMetaIterNext(qemuVIOMMUMetaIter *it,
                       qemuVIOMMUMetaBus **bus,
                       qemuVIOMMUMetaPort **port,
                       qemuVIOMMUMetaDevice **dev)
{
    bool more = qemuVIOMMUMetaIterStep(it);

    qemuVIOMMUMetaIterGet(it, bus, port, dev);
    return more;
}


bool
qemuVIOMMUMetaIterNextPort(qemuVIOMMUMetaIter *it,
                           qemuVIOMMUMetaBus **bus,
                           qemuVIOMMUMetaPort **port)
{
    /* the devices of the port just returned are not wanted */
    if (it->depth == 2)
        it->skipChildren = true;
    while (qemuVIOMMUMetaIterStep(it) && it->depth != 2)
        ;
    qemuVIOMMUMetaIterGet(it, bus, port, NULL);
    return !it->done;
}


bool
qemuVIOMMUMetaIterNextDevice(qemuVIOMMUMetaIter *it,
                             qemuVIOMMUMetaBus **bus,
                             qemuVIOMMUMetaPort **port,
                             qemuVIOMMUMetaDevice **dev)
{
    while (qemuVIOMMUMetaIterStep(it) && it->depth != 3)
        ;
    qemuVIOMMUMetaIterGet(it, bus, port, dev);
    return !it->done;
}


/* The walk steps back to the entry before the removed one in document
 * order, so that its next step reaches the one after: the entry beside
 * it, whose children it has walked already, or, for a first child, the
 * entry above it, whose first child is now the next one. */
void
qemuVIOMMUMetaIterRemove(qemuVIOMMUMetaIter *it)
{
    unsigned int depth = it->depth;

    if (it->done || it->removed || depth == 0)
        return;
    g_ptr_array_remove_index(qemuVIOMMUMetaIterChildren(it, depth - 1), it->idx[depth - 1]);
    it->removed = true;
    if (it->idx[depth - 1] > 0) {
        it->idx[depth - 1]--;
        it->skipChildren = true;
    } else {
        it->depth--;
    }
}


static bool
qemuVIOMMUMetaIsOurs(xmlNodePtr node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns &&
        xmlStrEqual(node->ns->href, BAD_CAST QEMU_VIOMMU_META_NS) &&
        (!name || xmlStrEqual(node->name, BAD_CAST name));
}


static xmlNodePtr
qemuVIOMMUMetaFindNode(xmlNodePtr root)
{
    xmlNodePtr metadata = qemuVIOMMUXMLChild(root, "metadata");
    xmlNodePtr cur;

    for (cur = metadata ? metadata->children : NULL; cur; cur = cur->next) {
        if (qemuVIOMMUMetaIsOurs(cur, "plan"))
            return cur;
    }
    return NULL;
}


static int
qemuVIOMMUMetaParseInt(xmlNodePtr node, const char *name, int *val)
{
    unsigned int v;
    int rc;

    *val = -1;
    if ((rc = qemuVIOMMUXMLPropUInt(node, name, 1 << 20, "the virt-viommu plan record", &v)) <= 0)
        return rc;
    *val = v;
    return 0;
}


static int
qemuVIOMMUMetaParseController(xmlNodePtr node, unsigned int *val)
{
    int rc;

    if ((rc = qemuVIOMMUXMLPropUInt(node, "controller", 255,
                                    "the virt-viommu plan record", val)) < 0)
        return -1;
    if (rc == 0) {
        g_autofree char *path = qemuVIOMMUXMLNodePath(node);

        virReportError(VIR_ERROR_PLAN_RECORD, _("%1$s: the virt-viommu plan record lacks 'controller'; remove the <viommu:plan> element to plan afresh"),
                       path);
        return -1;
    }
    return 0;
}


static int
qemuVIOMMUMetaParsePort(qemuVIOMMUMetaBus *bus, xmlNodePtr node)
{
    qemuVIOMMUMetaPort *port;
    unsigned int controller;
    xmlNodePtr cur;

    if (qemuVIOMMUMetaParseController(node, &controller) < 0)
        return -1;
    port = qemuVIOMMUMetaBusAddPort(bus, controller);

    for (cur = node->children; cur; cur = cur->next) {
        g_autofree char *source = NULL;
        int group;
        int numa;

        if (!qemuVIOMMUMetaIsOurs(cur, "device"))
            continue;
        if (!(source = qemuVIOMMUXMLProp(cur, "source"))) {
            g_autofree char *path = qemuVIOMMUXMLNodePath(cur);

            virReportError(VIR_ERROR_PLAN_RECORD, _("%1$s: the virt-viommu plan record lacks 'source'; remove the <viommu:plan> element to plan afresh"),
                           path);
            return -1;
        }
        if (qemuVIOMMUMetaParseInt(cur, "group", &group) < 0 ||
            qemuVIOMMUMetaParseInt(cur, "node", &numa) < 0)
            return -1;
        qemuVIOMMUMetaPortAddDevice(port, source, group, numa);
    }
    return 0;
}


/* The vIOMMU model and options the plan gave its vIOMMUs: nothing
 * else (a pciBus here would be a damaged record, not an option). */
static int
qemuVIOMMUMetaParseOptions(xmlNodePtr node, qemuVIOMMUMeta *meta)
{
    static const char * const skip[] = { "model", NULL };
    g_autofree char *model = qemuVIOMMUXMLProp(node, "model");
    g_autofree char *path = qemuVIOMMUXMLNodePath(node);
    xmlAttrPtr attr;
    int m;

    for (attr = node->properties; attr; attr = attr->next) {
        const char *name = (const char *) attr->name;

        if (!g_str_equal(name, "model") && qemuVIOMMUOptionTypeFromString(name) < 0) {
            virReportError(VIR_ERROR_PLAN_RECORD, _("%1$s: the virt-viommu plan record has '%2$.40s', which is no vIOMMU option; remove the <viommu:plan> element to plan the domain afresh"),
                           path, name);
            return -1;
        }
    }

    if (!model || (m = qemuVIOMMUModelTypeFromString(model)) < 0) {
        virReportError(VIR_ERROR_PLAN_RECORD, _("%1$s: the virt-viommu plan record names vIOMMU model '%2$.40s'; remove the <viommu:plan> element to plan the domain afresh"),
                       path, model ? model : "");
        return -1;
    }
    if (qemuVIOMMUOptionsParse(node, path, skip, &meta->options) < 0)
        return -1;
    meta->model = m;
    meta->hasOptions = true;
    return 0;
}


int
qemuVIOMMUMetaParse(xmlNodePtr root, qemuVIOMMUMeta **ret)
{
    g_autoptr(qemuVIOMMUMeta) meta = NULL;
    xmlNodePtr plan = qemuVIOMMUMetaFindNode(root);
    xmlNodePtr cur;

    if (!plan)
        return 0;

    meta = qemuVIOMMUMetaNew();
    for (cur = plan->children; cur; cur = cur->next) {
        if (qemuVIOMMUMetaIsOurs(cur, "options")) {
            if (qemuVIOMMUMetaParseOptions(cur, meta) < 0)
                return -1;
        } else if (qemuVIOMMUMetaIsOurs(cur, "bus")) {
            g_autofree char *iommu = qemuVIOMMUXMLProp(cur, "iommu");
            g_autofree char *kind = qemuVIOMMUXMLProp(cur, "kind");
            qemuVIOMMUMetaBus *bus;
            unsigned int controller;
            xmlNodePtr port;

            if (qemuVIOMMUMetaParseController(cur, &controller) < 0)
                return -1;
            if (!iommu) {
                g_autofree char *path = qemuVIOMMUXMLNodePath(cur);

                virReportError(VIR_ERROR_PLAN_RECORD, _("%1$s: the virt-viommu plan record lacks 'iommu'; remove the <viommu:plan> element to plan afresh"),
                               path);
                return -1;
            }
            if (qemuVIOMMUMetaFindBus(meta, iommu) ||
                qemuVIOMMUMetaFindBusByController(meta, controller)) {
                g_autofree char *path = qemuVIOMMUXMLNodePath(cur);

                virReportError(VIR_ERROR_PLAN_RECORD, _("%1$s: the virt-viommu plan record lists IOMMU '%2$s' or controller %3$u twice; remove the <viommu:plan> element to plan afresh"),
                               path, iommu, controller);
                return -1;
            }
            bus = qemuVIOMMUMetaAddBus(meta, iommu, kind ? kind : "other", controller);
            for (port = cur->children; port; port = port->next) {
                if (qemuVIOMMUMetaIsOurs(port, "port") &&
                    qemuVIOMMUMetaParsePort(bus, port) < 0)
                    return -1;
            }
        }
    }

    *ret = g_steal_pointer(&meta);
    return 1;
}


static xmlNodePtr
qemuVIOMMUMetaNewChild(xmlNodePtr parent, xmlNsPtr ns, const char *name)
{
    xmlNodePtr node = xmlNewDocNode(parent->doc, ns, BAD_CAST name, NULL);

    qemuVIOMMUXMLInsert(parent, NULL, node);
    return node;
}


/* Where libvirt keeps <metadata>: after name, uuid, genid, title and
 * description. */
static xmlNodePtr
qemuVIOMMUMetaEnsureContainer(xmlNodePtr root)
{
    const char *before[] = { "description", "title", "genid", "uuid", "name" };
    xmlNodePtr metadata = qemuVIOMMUXMLChild(root, "metadata");
    xmlNodePtr after = NULL;
    size_t i;

    if (metadata)
        return metadata;

    for (i = 0; i < G_N_ELEMENTS(before) && !after; i++)
        after = qemuVIOMMUXMLChild(root, before[i]);

    metadata = xmlNewDocNode(root->doc, NULL, BAD_CAST "metadata", NULL);
    qemuVIOMMUXMLInsert(root, after, metadata);
    return metadata;
}


/* Write the record with namespace prefix @prefix (NULL: as the
 * default namespace). */
static void
qemuVIOMMUMetaFormatPrefix(const qemuVIOMMUMeta *meta,
                           xmlNodePtr root,
                           const char *prefix)
{
    xmlNodePtr old = qemuVIOMMUMetaFindNode(root);
    xmlNodePtr metadata = qemuVIOMMUMetaEnsureContainer(root);
    xmlNodePtr plan = xmlNewDocNode(root->doc, NULL, BAD_CAST "plan", NULL);
    xmlNodePtr bnode = NULL;
    xmlNodePtr pnode = NULL;
    xmlNsPtr ns;
    xmlNodePtr opts;
    qemuVIOMMUMetaIter it;
    qemuVIOMMUMetaBus *bus;
    qemuVIOMMUMetaPort *port;
    qemuVIOMMUMetaDevice *dev;

    ns = xmlNewNs(plan, BAD_CAST QEMU_VIOMMU_META_NS, BAD_CAST prefix);
    xmlSetNs(plan, ns);

    /* Build it in place so that indentation follows its depth. */
    if (old) {
        xmlReplaceNode(old, plan);
        xmlFreeNode(old);
    } else {
        qemuVIOMMUXMLInsert(metadata, NULL, plan);
    }

    opts = qemuVIOMMUMetaNewChild(plan, ns, "options");
    if (meta->hasOptions) {
        xmlSetProp(opts, BAD_CAST "model",
                   BAD_CAST qemuVIOMMUModelTypeToString(meta->model));
        qemuVIOMMUOptionsFormat(&meta->options, opts);
    }

    /* every entry, spare ports and buses without ports too */
    qemuVIOMMUMetaIterInit(&it, meta);
    while (qemuVIOMMUMetaIterNext(&it, &bus, &port, &dev)) {
        if (dev) {
            xmlNodePtr dnode = qemuVIOMMUMetaNewChild(pnode, ns, "device");

            xmlSetProp(dnode, BAD_CAST "source", BAD_CAST dev->source);
            if (dev->group >= 0)
                qemuVIOMMUXMLSetPropInt(dnode, "group", dev->group);
            if (dev->numaNode >= 0)
                qemuVIOMMUXMLSetPropInt(dnode, "node", dev->numaNode);
        } else if (port) {
            pnode = qemuVIOMMUMetaNewChild(bnode, ns, "port");
            qemuVIOMMUXMLSetPropInt(pnode, "controller", port->controller);
        } else {
            bnode = qemuVIOMMUMetaNewChild(plan, ns, "bus");
            xmlSetProp(bnode, BAD_CAST "iommu", BAD_CAST bus->iommu);
            xmlSetProp(bnode, BAD_CAST "kind", BAD_CAST bus->kind);
            qemuVIOMMUXMLSetPropInt(bnode, "controller", bus->controller);
        }
    }
}


void
qemuVIOMMUMetaFormat(const qemuVIOMMUMeta *meta, xmlNodePtr root)
{
    qemuVIOMMUMetaFormatPrefix(meta, root, QEMU_VIOMMU_META_PREFIX);
}


char *
qemuVIOMMUMetaFormatString(const qemuVIOMMUMeta *meta)
{
    g_autoptr(xmlDoc) doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewDocNode(doc, NULL, BAD_CAST "domain", NULL);
    xmlNodePtr plan;

    xmlDocSetRootElement(doc, root);
    /* libvirt puts its own prefix (the key) on the element and refuses
     * one that is declared already: use the default namespace */
    qemuVIOMMUMetaFormatPrefix(meta, root, NULL);
    plan = qemuVIOMMUMetaFindNode(root);
    return qemuVIOMMUXMLFormatElement(plan);
}


/* Drop the entries of @source, or with @source NULL those of every
 * device that @keep does not hold.  Returns how many it dropped. */
static size_t
qemuVIOMMUMetaDropDevices(qemuVIOMMUMeta *meta,
                          const char *source,
                          GHashTable *keep)
{
    qemuVIOMMUMetaIter it;
    qemuVIOMMUMetaDevice *dev;
    size_t dropped = 0;

    qemuVIOMMUMetaIterInit(&it, meta);
    while (qemuVIOMMUMetaIterNextDevice(&it, NULL, NULL, &dev)) {
        if (source ? strcmp(dev->source, source) != 0
                   : g_hash_table_contains(keep, dev->source))
            continue;
        qemuVIOMMUMetaIterRemove(&it);
        dropped++;
    }
    return dropped;
}


int
qemuVIOMMUMetaSetDevice(qemuVIOMMUMeta *meta,
                        const char *source,
                        int controller,
                        int group,
                        int numaNode)
{
    qemuVIOMMUMetaIter it;
    qemuVIOMMUMetaPort *port;

    if (controller < 0) {
        qemuVIOMMUMetaDropDevices(meta, source, NULL);
        return 0;
    }

    qemuVIOMMUMetaIterInit(&it, meta);
    while (qemuVIOMMUMetaIterNextPort(&it, NULL, &port)) {
        if (port->controller == (unsigned int) controller) {
            qemuVIOMMUMetaPortAddDevice(port, source, group, numaNode);
            return 0;
        }
    }
    return -1;
}


qemuVIOMMUMetaPort *
qemuVIOMMUMetaFindDevice(qemuVIOMMUMeta *meta,
                         const char *source,
                         qemuVIOMMUMetaBus **busOut)
{
    qemuVIOMMUMetaIter it;
    qemuVIOMMUMetaBus *bus;
    qemuVIOMMUMetaPort *port;
    qemuVIOMMUMetaDevice *dev;

    qemuVIOMMUMetaIterInit(&it, meta);
    while (qemuVIOMMUMetaIterNextDevice(&it, &bus, &port, &dev)) {
        if (strcmp(dev->source, source) != 0)
            continue;
        if (busOut)
            *busOut = bus;
        return port;
    }
    return NULL;
}


size_t
qemuVIOMMUMetaForgetUnassigned(qemuVIOMMUMeta *meta, GHashTable *assigned)
{
    return qemuVIOMMUMetaDropDevices(meta, NULL, assigned);
}
