/*
 * qemu_viommu_autopci.c: the devices libvirt gives a guest PCI address
 *                        of its own choosing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_autopci.h"

#include "qemu_viommu_xml.h"


typedef struct _qemuVIOMMUAutoPCIMatch qemuVIOMMUAutoPCIMatch;
struct _qemuVIOMMUAutoPCIMatch {
    const char *path;       /* "@attr" or "child/@attr"; NULL: unused */
    const char *value;      /* "" for absent, "pfx*" for a prefix */
};

typedef struct _qemuVIOMMUAutoPCIAdd qemuVIOMMUAutoPCIAdd;
struct _qemuVIOMMUAutoPCIAdd {
    const char *key;        /* qemuVIOMMUAutoPCIKey() of the device */
    const char *where;      /* "port", "bridge", "root:SS.F", "none..." */
};

typedef struct _qemuVIOMMUAutoPCIRow qemuVIOMMUAutoPCIRow;
struct _qemuVIOMMUAutoPCIRow {
    qemuVIOMMUArch arch;
    const char *element;    /* NULL: the empty domain */
    qemuVIOMMUAutoPCIMatch match[2];
    const char *where;      /* where the element itself goes */
    qemuVIOMMUAutoPCIAdd adds[4];
};

#include "qemu_viommu_autopci_table.h"


/* The value of @path ("@attr" or "child/@attr") of @node; "" when
 * absent. */
static char *
qemuVIOMMUAutoPCIValue(xmlNodePtr node, const char *path)
{
    const char *at = strchr(path, '@');
    char *value;

    if (at != path) {
        g_autofree char *child = g_strndup(path, at - path - 1);

        node = qemuVIOMMUXMLChild(node, child);
    }
    value = node ? qemuVIOMMUXMLProp(node, at + 1) : NULL;
    return value ? value : g_strdup("");
}


static bool
qemuVIOMMUAutoPCIMatches(const qemuVIOMMUAutoPCIRow *row, xmlNodePtr node)
{
    size_t i;

    if (!xmlStrEqual(node->name, BAD_CAST row->element))
        return false;
    for (i = 0; i < G_N_ELEMENTS(row->match) && row->match[i].path; i++) {
        g_autofree char *value = qemuVIOMMUAutoPCIValue(node, row->match[i].path);
        const char *want = row->match[i].value;
        size_t len = strlen(want);

        if (len > 0 && want[len - 1] == '*') {
            if (!*value || strncmp(value, want, len - 1) != 0)
                return false;
        } else if (!g_str_equal(value, want)) {
            return false;
        }
    }
    return true;
}


/* The table's row for device element @node of a domain of @arch (the
 * first that matches), or for @node NULL the empty domain's; NULL when
 * libvirt refused every such element in the lab. */
static const qemuVIOMMUAutoPCIRow *
qemuVIOMMUAutoPCIFind(qemuVIOMMUArch arch, xmlNodePtr node)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(qemuVIOMMUAutoPCITable); i++) {
        const qemuVIOMMUAutoPCIRow *row = &qemuVIOMMUAutoPCITable[i];

        if (row->arch != arch || !row->element != !node)
            continue;
        if (!node || qemuVIOMMUAutoPCIMatches(row, node))
            return row;
    }
    return NULL;
}


/* What tells one device of the domain from another for the table's
 * added devices: the element, a controller's type, a PCI controller's
 * model. */
static char *
qemuVIOMMUAutoPCIKey(xmlNodePtr node)
{
    g_autofree char *type = NULL;
    g_autofree char *model = NULL;

    if (!xmlStrEqual(node->name, BAD_CAST "controller"))
        return g_strdup((const char *) node->name);
    type = qemuVIOMMUXMLProp(node, "type");
    if (g_strcmp0(type, "pci") != 0)
        return g_strdup_printf("controller:%s", type ? type : "");
    model = qemuVIOMMUXMLProp(node, "model");
    return g_strdup_printf("controller:pci:%s", model ? model : "");
}


/* The <hostdev>s the planner places itself (those qemu_viommu_conf
 * reads): libvirt gives them no address of its own choosing. */
static bool
qemuVIOMMUAutoPCIPlanned(xmlNodePtr node)
{
    g_autofree char *type = NULL;

    if (!xmlStrEqual(node->name, BAD_CAST "hostdev"))
        return false;
    type = qemuVIOMMUXMLProp(node, "type");
    return g_strcmp0(type, "pci") == 0 || g_strcmp0(type, "mdev") == 0;
}


/* Note in @wanted the devices @row says libvirt adds on a root port. */
static void
qemuVIOMMUAutoPCIWant(GHashTable *wanted, const qemuVIOMMUAutoPCIRow *row)
{
    size_t i;

    for (i = 0; row && i < G_N_ELEMENTS(row->adds) && row->adds[i].key; i++) {
        if (g_str_equal(row->adds[i].where, "port"))
            g_hash_table_add(wanted, (gpointer) row->adds[i].key);
    }
}


/* Root ports element @node takes itself, and (into @wanted) the
 * devices libvirt adds for it.  An element the table has no row for
 * is taken to want a root port: a device type newer than the table
 * then costs a free root port, never a spare. */
static unsigned int
qemuVIOMMUAutoPCINode(qemuVIOMMUArch arch, xmlNodePtr node, GHashTable *wanted)
{
    const qemuVIOMMUAutoPCIRow *row;
    /* an empty <address type='pci'/> is libvirt's to fill */
    bool addressed = !qemuVIOMMUAddressWanted(node);

    if (qemuVIOMMUAutoPCIPlanned(node))
        return 0;
    if (!(row = qemuVIOMMUAutoPCIFind(arch, node)))
        return addressed ? 0 : 1;
    qemuVIOMMUAutoPCIWant(wanted, row);
    return !addressed && g_str_equal(row->where, "port");
}


unsigned int
qemuVIOMMUDomainCountAutoPCI(const qemuVIOMMUDomain *def)
{
    g_autoptr(GHashTable) wanted = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) have = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                       g_free, NULL);
    unsigned int n = 0;
    GHashTableIter iter;
    gpointer key;
    xmlNodePtr cur;

    qemuVIOMMUAutoPCIWant(wanted, qemuVIOMMUAutoPCIFind(def->archKind, NULL));
    for (cur = def->devices ? def->devices->children : NULL; cur; cur = cur->next) {
        if (cur->type != XML_ELEMENT_NODE)
            continue;
        g_hash_table_add(have, qemuVIOMMUAutoPCIKey(cur));
        n += qemuVIOMMUAutoPCINode(def->archKind, cur, wanted);
    }

    /* each device libvirt adds once, unless the domain has one */
    g_hash_table_iter_init(&iter, wanted);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        n += !g_hash_table_contains(have, key);
    return n;
}
