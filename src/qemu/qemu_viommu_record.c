/*
 * qemu_viommu_record.c: the edits of the plan record that 'attach' and
 *                       'detach' make between two plans
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_record.h"

#include "qemu_viommu.h"
#include "qemu_viommu_conf.h"
#include "qemu_viommu_xml.h"
#include "virerror.h"


qemuVIOMMUMeta *
qemuVIOMMURecordRead(xmlDocPtr doc)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr nameNode = qemuVIOMMUXMLChild(root, "name");
    g_autoptr(qemuVIOMMUMeta) meta = NULL;
    g_autofree char *name = NULL;
    int rc;

    if ((rc = qemuVIOMMUMetaParse(root, &meta)) < 0)
        return NULL;
    if (rc == 0) {
        name = nameNode ? (char *) xmlNodeGetContent(nameNode) : NULL;
        virReportError(VIR_ERROR_NO_PLAN, _("domain '%1$s' has no virt-viommu plan record; define it with 'virt-viommu define'"),
                       name ? name : "");
        return NULL;
    }
    return g_steal_pointer(&meta);
}


xmlNodePtr
qemuVIOMMURecordFindHostdev(xmlDocPtr doc, const char *source)
{
    g_autoptr(qemuVIOMMUDomain) def = qemuVIOMMUDomainParse(doc);
    qemuVIOMMUHostdev *hd;

    if (!def) {
        virErrorReset();
        return NULL;
    }
    hd = qemuVIOMMUDomainFindHostdev(def, source);
    return hd ? hd->node : NULL;
}


int
qemuVIOMMURecordPlacedPort(xmlDocPtr doc,
                           const char *source,
                           const char *iommu,
                           bool *recorded)
{
    g_autoptr(qemuVIOMMUDomain) def = qemuVIOMMUDomainParse(doc);
    g_autoptr(qemuVIOMMUMeta) meta = NULL;
    qemuVIOMMUHostdev *hd;
    qemuVIOMMUMetaBus *bus;
    qemuVIOMMUMetaPort *port;

    *recorded = false;
    if (!def || qemuVIOMMUMetaParse(def->root, &meta) <= 0 ||
        !(bus = qemuVIOMMUMetaFindBus(meta, iommu))) {
        virErrorReset();
        return -1;
    }
    if (!(hd = qemuVIOMMUDomainFindHostdev(def, source)) ||
        !hd->addr.set || hd->addr.addr.domain != 0 ||
        !(port = qemuVIOMMUMetaBusFindPort(bus, hd->addr.addr.bus)) ||
        !qemuVIOMMUMetaPortController(def, bus, port))
        return -1;
    *recorded = qemuVIOMMUMetaPortFindDevice(port, source) != NULL;
    return port->controller;
}


int
qemuVIOMMURecordSetDevice(xmlDocPtr doc,
                          qemuVIOMMUMeta *meta,
                          const char *source,
                          int port,
                          int group,
                          int numaNode)
{
    g_autoptr(GHashTable) assigned = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(qemuVIOMMUDomain) def = NULL;
    size_t i;

    if (!(def = qemuVIOMMUDomainParse(doc)))
        return -1;
    for (i = 0; i < def->hostdevs->len; i++) {
        qemuVIOMMUHostdev *hd = g_ptr_array_index(def->hostdevs, i);

        g_hash_table_add(assigned, hd->sourceStr);
    }
    qemuVIOMMUMetaSetDevice(meta, source, -1, -1, -1);
    qemuVIOMMUMetaForgetUnassigned(meta, assigned);
    if (port >= 0 &&
        qemuVIOMMUMetaSetDevice(meta, source, port, group, numaNode) < 0) {
        virReportError(VIR_ERROR_NO_PLAN, _("the plan record of domain '%1$s' has no root port %2$d"),
                       def->name, port);
        return -1;
    }
    return 0;
}


bool
qemuVIOMMURecordHolds(qemuVIOMMUMeta *meta,
                      const char *source,
                      int port)
{
    qemuVIOMMUMetaPort *where = qemuVIOMMUMetaFindDevice(meta, source, NULL);

    if (port < 0)
        return !where;
    return where && where->controller == (unsigned int) port;
}
