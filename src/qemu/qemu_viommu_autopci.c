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


/* The buses whose devices libvirt gives a drive address, and the
 * controllers it adds for them: one for each index from 0 to the
 * highest that an address names (virDomainDefAddDiskControllersForType,
 * virDomainDefMaybeAddHostdevSCSIcontroller), a disk without an
 * address taking controller (its target index / units)
 * (virDomainDiskDefAssignAddress).  Measured in libvirt 12.8: disks
 * sda-sdi make 2 SCSI controllers, sda-sdh 2 SATA ones. */
typedef struct _qemuVIOMMUAutoPCIDriveBus qemuVIOMMUAutoPCIDriveBus;
struct _qemuVIOMMUAutoPCIDriveBus {
    const char *bus;        /* a disk's target bus */
    const char *type;       /* the controller's type */
    unsigned int units;     /* the disks of one controller */
};

/* above any controller index a domain can have (libvirt's are ints, a
 * PCI bus has 256): bounds the counting of a hostile domain */
#define QEMU_VIOMMU_AUTOPCI_MAX_INDEX 1024

static const qemuVIOMMUAutoPCIDriveBus qemuVIOMMUAutoPCIDriveBuses[] = {
    { "scsi", "scsi", 7 },
    { "sata", "sata", 6 },
};


/* The drive bus of @node: a disk's target bus ("sd*" without one is
 * libvirt's SCSI), "scsi" for a SCSI <hostdev>; NULL for others. */
static char *
qemuVIOMMUAutoPCIDriveBusOf(xmlNodePtr node)
{
    g_autofree char *bus = NULL;
    g_autofree char *dev = NULL;

    if (xmlStrEqual(node->name, BAD_CAST "hostdev")) {
        bus = qemuVIOMMUXMLProp(node, "type");
        return g_strcmp0(bus, "scsi") == 0 ? g_steal_pointer(&bus) : NULL;
    }
    if (!xmlStrEqual(node->name, BAD_CAST "disk"))
        return NULL;
    bus = qemuVIOMMUAutoPCIValue(node, "target/@bus");
    dev = qemuVIOMMUAutoPCIValue(node, "target/@dev");
    if (!*bus && g_str_has_prefix(dev, "sd"))
        return g_strdup("scsi");
    return *bus ? g_steal_pointer(&bus) : NULL;
}


/* The controller index libvirt gives @node on @db: its drive
 * address's, else its target's index ("sda" 0, "sdaa" 26) / units. */
static unsigned int
qemuVIOMMUAutoPCIDriveIndex(xmlNodePtr node, const qemuVIOMMUAutoPCIDriveBus *db)
{
    xmlNodePtr addr = qemuVIOMMUXMLChild(node, "address");
    g_autofree char *type = addr ? qemuVIOMMUXMLProp(addr, "type") : NULL;
    g_autofree char *dev = NULL;
    unsigned int idx = 0;
    const char *c;

    if (g_strcmp0(type, "drive") == 0) {
        g_autofree char *ctrl = qemuVIOMMUXMLProp(addr, "controller");
        guint64 val = 0;

        if (!ctrl)
            return 0;
        /* beyond the bound (or no number, which libvirt refuses): high */
        if (!g_ascii_string_to_unsigned(ctrl, 10, 0, QEMU_VIOMMU_AUTOPCI_MAX_INDEX,
                                        &val, NULL))
            return QEMU_VIOMMU_AUTOPCI_MAX_INDEX;
        return val;
    }
    dev = qemuVIOMMUAutoPCIValue(node, "target/@dev");
    if (!g_str_has_prefix(dev, "sd"))
        return 0;
    for (c = dev + 2; *c >= 'a' && *c <= 'z' && idx <= QEMU_VIOMMU_AUTOPCI_MAX_INDEX; c++)
        idx = idx * 26 + (*c - 'a' + 1);
    return MIN(idx > 0 ? idx - 1 : 0, QEMU_VIOMMU_AUTOPCI_MAX_INDEX) / db->units;
}


static bool
qemuVIOMMUAutoPCIIsControllerOf(xmlNodePtr node, const char *type)
{
    g_autofree char *have = NULL;

    if (!xmlStrEqual(node->name, BAD_CAST "controller"))
        return false;
    have = qemuVIOMMUXMLProp(node, "type");
    return g_strcmp0(have, type) == 0;
}


/* Note controller @node's index in @have (as index + 1); false when it
 * has none (or none a number). */
static bool
qemuVIOMMUAutoPCINoteIndex(xmlNodePtr node, GHashTable *have)
{
    g_autofree char *index = qemuVIOMMUXMLProp(node, "index");
    guint64 val;

    if (!index || !g_ascii_string_to_unsigned(index, 10, 0, QEMU_VIOMMU_AUTOPCI_MAX_INDEX,
                                              &val, NULL))
        return false;
    g_hash_table_add(have, GUINT_TO_POINTER((guint) val + 1));
    return true;
}


/* Root ports a controller of @type that libvirt adds takes, as the
 * table says an unaddressed <controller type='@type'/> does (with the
 * devices it brings, into @wanted).  Where the table has no row, or
 * puts it on pcie.0 itself (q35's built-in AHCI at 1f.2: a second one
 * goes on a PCI bridge, measured), it counts as a root port. */
static unsigned int
qemuVIOMMUAutoPCIAddController(qemuVIOMMUArch arch,
                               const char *type,
                               GHashTable *wanted)
{
    xmlNodePtr node = xmlNewNode(NULL, BAD_CAST "controller");
    const qemuVIOMMUAutoPCIRow *row;

    xmlNewProp(node, BAD_CAST "type", BAD_CAST type);
    row = qemuVIOMMUAutoPCIFind(arch, node);
    xmlFreeNode(node);
    if (!row || g_str_has_prefix(row->where, "root:"))
        return 1;
    qemuVIOMMUAutoPCIWant(wanted, row);
    return g_str_equal(row->where, "port");
}


/* Root ports the controllers of @db's bus that libvirt adds take,
 * beyond the first one (counted by the table's rows, once): each index
 * from 0 to the highest its devices need that no <controller> of the
 * domain has. */
static unsigned int
qemuVIOMMUAutoPCIDriveControllers(const qemuVIOMMUDomain *def,
                                  const qemuVIOMMUAutoPCIDriveBus *db,
                                  GHashTable *wanted)
{
    g_autoptr(GHashTable) have = g_hash_table_new(g_direct_hash, g_direct_equal);
    unsigned int unindexed = 0;
    unsigned int missing = 0;
    int max = -1;
    unsigned int i;
    xmlNodePtr cur;

    for (cur = def->devices ? def->devices->children : NULL; cur; cur = cur->next) {
        g_autofree char *bus = NULL;

        if (cur->type != XML_ELEMENT_NODE)
            continue;
        if (qemuVIOMMUAutoPCIIsControllerOf(cur, db->type))
            unindexed += !qemuVIOMMUAutoPCINoteIndex(cur, have);
        else if ((bus = qemuVIOMMUAutoPCIDriveBusOf(cur)) && g_str_equal(bus, db->bus))
            max = MAX(max, (int) qemuVIOMMUAutoPCIDriveIndex(cur, db));
    }
    /* a controller without index takes the lowest free one */
    for (i = 0; unindexed > 0 && i <= QEMU_VIOMMU_AUTOPCI_MAX_INDEX; i++) {
        if (g_hash_table_add(have, GUINT_TO_POINTER(i + 1)))
            unindexed--;
    }
    for (i = 0; (int) i <= max; i++) {
        /* index 0 of a domain without any: the table's rows count it */
        if (g_hash_table_contains(have, GUINT_TO_POINTER(i + 1)) ||
            (i == 0 && g_hash_table_size(have) == 0))
            continue;
        missing++;
    }
    /* each one libvirt adds is placed as the table says of its type */
    if (missing == 0)
        return 0;
    return missing * qemuVIOMMUAutoPCIAddController(def->archKind, db->type, wanted);
}


unsigned int
qemuVIOMMUDomainCountAutoPCI(const qemuVIOMMUDomain *def)
{
    g_autoptr(GHashTable) wanted = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) have = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                       g_free, NULL);
    unsigned int n = 0;
    size_t i;
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
    for (i = 0; i < G_N_ELEMENTS(qemuVIOMMUAutoPCIDriveBuses); i++)
        n += qemuVIOMMUAutoPCIDriveControllers(def, &qemuVIOMMUAutoPCIDriveBuses[i], wanted);

    /* each device libvirt adds once, unless the domain has one */
    g_hash_table_iter_init(&iter, wanted);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        n += !g_hash_table_contains(have, key);
    return n;
}
