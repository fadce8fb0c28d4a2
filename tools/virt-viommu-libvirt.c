/*
 * virt-viommu-libvirt.c: the commands that talk to libvirt: 'define',
 *                        'start', 'attach', 'detach' and 'check' of a
 *                        domain; built as the module virt-viommu-libvirt.so
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virt-viommu-libvirt.h"

#include <gmodule.h>
#include <stdio.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "qemu_viommu.h"
#include "qemu_viommu_check.h"
#include "qemu_viommu_conf.h"
#include "qemu_viommu_meta.h"
#include "qemu_viommu_xml.h"
#include "virerror.h"
#include "virsysiommu.h"

static void
virtVIOMMULibvirtSilence(void *opaque G_GNUC_UNUSED,
                         virErrorPtr err G_GNUC_UNUSED)
{
    /* errors are collected and reported with context by the caller */
}


/* Report what libvirt said, after @what. */
static void
virtVIOMMULibvirtError(const char *what)
{
    virErrorPtr err = virGetLastError();
    g_autofree char *msg = g_strdup(err && err->message ? err->message
                                                        : "unknown libvirt error");
    g_auto(GStrv) lines = NULL;
    g_autofree char *joined = NULL;
    size_t i;

    /* one line per problem: schema errors come over several lines */
    lines = g_strsplit(g_strstrip(msg), "\n", -1);
    for (i = 0; lines[i]; i++)
        g_strstrip(lines[i]);
    joined = g_strjoinv("; ", lines);
    virReportError(VIR_ERROR_LIBVIRT, "%s: %s", what, joined);
}


static virConnectPtr
virtVIOMMUConnect(const char *uri)
{
    virConnectPtr conn;

    virSetErrorFunc(NULL, virtVIOMMULibvirtSilence);
    if (!(conn = virConnectOpen(uri))) {
        g_autofree char *what = g_strdup_printf(_("cannot connect to libvirt at '%s'"),
                                                uri ? uri : "(default URI)");
        virtVIOMMULibvirtError(what);
    }
    return conn;
}


static void
virtVIOMMUConnectClose(virConnectPtr conn)
{
    if (conn)
        virConnectClose(conn);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virConnect, virtVIOMMUConnectClose);


static void
virtVIOMMUDomainRelease(virDomainPtr dom)
{
    if (dom)
        virDomainFree(dom);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virtVIOMMUDomainRelease);


static virDomainPtr
virtVIOMMULookup(virConnectPtr conn, const char *name)
{
    virDomainPtr dom;

    if ((dom = virDomainLookupByName(conn, name)) ||
        (dom = virDomainLookupByUUIDString(conn, name)))
        return dom;
    virReportError(VIR_ERROR_NO_DOMAIN, _("libvirt has no domain '%1$s'; 'virsh list --all' shows the defined ones"),
                   name);
    return NULL;
}


/* The domain's XML as a document (inactive or live). */
static xmlDocPtr
virtVIOMMUDomainDoc(virDomainPtr dom, bool inactive)
{
    g_autofree char *xml = virDomainGetXMLDesc(dom, inactive ? VIR_DOMAIN_XML_INACTIVE : 0);

    if (!xml) {
        g_autofree char *what = g_strdup_printf(_("cannot read the definition of domain '%s'"),
                                                virDomainGetName(dom));
        virtVIOMMULibvirtError(what);
        return NULL;
    }
    return qemuVIOMMUXMLParse(xml, strlen(xml), virDomainGetName(dom));
}


/* Give @doc the UUID of the defined domain of the same name, so that
 * defining it updates that domain instead of clashing with it. */
static void
virtVIOMMUKeepUUID(xmlDocPtr doc, virDomainPtr old)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr name = qemuVIOMMUXMLChild(root, "name");
    char uuid[VIR_UUID_STRING_BUFLEN];
    xmlNodePtr node;

    if (qemuVIOMMUXMLChild(root, "uuid") || virDomainGetUUIDString(old, uuid) < 0)
        return;
    node = xmlNewDocNode(doc, NULL, BAD_CAST "uuid", BAD_CAST uuid);
    qemuVIOMMUXMLInsert(root, name, node);
}


/*
 * Define @doc (already planned), then read back what libvirt stored and
 * plan it again: the placement must have survived and libvirt must not
 * have put any other device behind a vSMMU.  If not, the previous
 * definition is restored (or the new one removed) and -1 returned.
 */
static virDomainPtr
virtVIOMMUDefineChecked(virConnectPtr conn,
                        virSysIOMMUHost *host,
                        xmlDocPtr doc)
{
    xmlNodePtr nameNode = qemuVIOMMUXMLChild(xmlDocGetRootElement(doc), "name");
    g_autofree char *name = nameNode ? (char *) xmlNodeGetContent(nameNode) : NULL;
    g_autoptr(virDomain) old = NULL;
    g_autofree char *oldXML = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(xmlDoc) stored = NULL;
    qemuVIOMMUPlanOptions noSpare = { 0 };
    bool changed = false;
    size_t len;

    if (!name) {
        virReportError(VIR_ERROR_XML_INVALID, "%s", _("the domain XML has no <name>"));
        return NULL;
    }

    if ((old = virDomainLookupByName(conn, name))) {
        virtVIOMMUKeepUUID(doc, old);
        oldXML = virDomainGetXMLDesc(old, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
    }
    virResetError(virGetLastError());

    xml = qemuVIOMMUXMLFormat(doc, &len);
    if (!(dom = virDomainDefineXMLFlags(conn, xml, VIR_DOMAIN_DEFINE_VALIDATE))) {
        g_autofree char *what = g_strdup_printf(_("libvirt refused the planned definition of '%s'"), name);
        virtVIOMMULibvirtError(what);
        return NULL;
    }

    if ((stored = virtVIOMMUDomainDoc(dom, true)) &&
        qemuVIOMMUPlanDomain(host, stored, &noSpare, &changed) == 0 &&
        !changed)
        return g_steal_pointer(&dom);

    if (changed)
        virReportError(VIR_ERROR_OPERATION_FAILED, _("libvirt stored domain '%1$s' with a placement different from the plan"),
                       name);
    virReportError(VIR_ERROR_OPERATION_FAILED, _("the definition of domain '%1$s' was rolled back"), name);

    if (oldXML) {
        virDomainPtr back = virDomainDefineXML(conn, oldXML);

        if (!back)
            virtVIOMMULibvirtError(_("restoring the previous definition failed"));
        else
            virDomainFree(back);
    } else if (virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_KEEP_NVRAM) < 0) {
        virtVIOMMULibvirtError(_("removing the new definition failed"));
    }
    return NULL;
}


static int
virtVIOMMUDefineOrStart(const virtVIOMMULibvirtArgs *args,
                        const char *path,
                        bool start)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(virSysIOMMUHost) host = NULL;
    g_autoptr(virConnect) conn = NULL;
    g_autoptr(virDomain) dom = NULL;
    qemuVIOMMUPlanOptions opts = {
        .sparePorts = args->sparePorts,
        .move = args->move,
        .refreshOptions = args->refreshOptions,
    };

    if (virtVIOMMUPlanFile(path, virtVIOMMUSysfsRoot(args->sysfsRoot), &opts, &doc, &host) < 0 ||
        !(conn = virtVIOMMUConnect(args->uri)) ||
        !(dom = virtVIOMMUDefineChecked(conn, host, doc)))
        return virtVIOMMUFail();

    printf("Domain '%s' defined with its devices behind their vIOMMUs\n", virDomainGetName(dom));

    if (start) {
        if (virDomainCreate(dom) < 0) {
            g_autofree char *what = g_strdup_printf(_("domain '%s' is defined but did not start"),
                                                    virDomainGetName(dom));
            virtVIOMMULibvirtError(what);
            return virtVIOMMUFail();
        }
        printf("Domain '%s' started\n", virDomainGetName(dom));
    }
    return VIRT_VIOMMU_EXIT_OK;
}


static int
virtVIOMMULibvirtDefine(const virtVIOMMULibvirtArgs *args, const char *path)
{
    return virtVIOMMUDefineOrStart(args, path, false);
}


static int
virtVIOMMULibvirtStart(const virtVIOMMULibvirtArgs *args, const char *path)
{
    return virtVIOMMUDefineOrStart(args, path, true);
}


/* Which of the live and persistent definitions to change: as virsh,
 * the running domain when none is named, else the persistent one. */
static int
virtVIOMMUTargets(virDomainPtr dom, gboolean live, gboolean config,
                  bool *doLive, bool *doConfig)
{
    int active = virDomainIsActive(dom);

    if (active < 0) {
        virtVIOMMULibvirtError(_("cannot tell whether the domain runs"));
        return -1;
    }
    if (!live && !config) {
        *doLive = active == 1;
        *doConfig = active != 1;
    } else {
        *doLive = live;
        *doConfig = config;
    }
    if (*doLive && active != 1) {
        virReportError(VIR_ERROR_OPERATION_INVALID, _("domain '%1$s' is not running; use --config to change its persistent definition"),
                       virDomainGetName(dom));
        return -1;
    }
    return 0;
}


static char *
virtVIOMMUHostdevXML(const char *bdf, int port)
{
    virPCIDeviceAddress a;
    GString *buf = g_string_new("<hostdev mode='subsystem' type='pci' managed='yes'>\n");

    if (virPCIDeviceAddressParse(bdf, &a) < 0)
        memset(&a, 0, sizeof(a));
    g_string_append_printf(buf,
                           "  <source>\n"
                           "    <address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n"
                           "  </source>\n", a.domain, a.bus, a.slot, a.function);
    if (port >= 0)
        g_string_append_printf(buf,
                               "  <address type='pci' domain='0x0000' bus='0x%02x' slot='0x00' function='0x0'/>\n",
                               port);
    g_string_append(buf, "</hostdev>\n");
    return g_string_free(buf, FALSE);
}


/* The <hostdev> element of @doc that assigns @bdf, or NULL. */
static xmlNodePtr
virtVIOMMUFindHostdev(xmlDocPtr doc, const char *bdf)
{
    g_autoptr(qemuVIOMMUDomain) def = qemuVIOMMUDomainParse(doc);
    size_t i;

    if (!def) {
        virErrorReset();
        return NULL;
    }
    for (i = 0; i < def->hostdevs->len; i++) {
        qemuVIOMMUHostdev *hd = g_ptr_array_index(def->hostdevs, i);

        if (g_strcmp0(hd->sourceStr, bdf) == 0)
            return hd->node;
    }
    return NULL;
}


/* The plan record of @dom (read from its XML @doc), or NULL (reported)
 * when it has none or it is damaged. */
static qemuVIOMMUMeta *
virtVIOMMUGetRecord(virDomainPtr dom, xmlDocPtr doc)
{
    g_autoptr(qemuVIOMMUMeta) meta = NULL;
    int rc;

    if ((rc = qemuVIOMMUMetaParse(xmlDocGetRootElement(doc), &meta)) < 0)
        return NULL;
    if (rc == 0) {
        virReportError(VIR_ERROR_NO_PLAN, _("domain '%1$s' has no virt-viommu plan record; define it with 'virt-viommu define'"),
                       virDomainGetName(dom));
        return NULL;
    }
    return g_steal_pointer(&meta);
}


/* Record @bdf on @port (or forget it: @port -1) in the plan record of
 * @doc and store the record in the domain's metadata. */
static int
virtVIOMMUUpdateRecord(virDomainPtr dom,
                       xmlDocPtr doc,
                       virSysIOMMUDevice *dev,
                       int port,
                       unsigned int flags)
{
    g_autoptr(qemuVIOMMUMeta) meta = NULL;
    g_autofree char *xml = NULL;

    if (!(meta = virtVIOMMUGetRecord(dom, doc)))
        return -1;
    if (qemuVIOMMUMetaSetDevice(meta, dev->bdf, port, dev->group, dev->numaNode) < 0) {
        virReportError(VIR_ERROR_NO_PLAN, _("the plan record of domain '%1$s' has no root port %2$d"),
                       virDomainGetName(dom), port);
        return -1;
    }
    xml = qemuVIOMMUMetaFormatString(meta);
    if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, xml,
                             QEMU_VIOMMU_META_PREFIX, QEMU_VIOMMU_META_NS, flags) < 0) {
        virtVIOMMULibvirtError(_("cannot update the plan record in the domain's metadata"));
        return -1;
    }
    return 0;
}


/* Hot-plug (or cold-plug with @flags CONFIG) @dev onto a spare port. */
static int
virtVIOMMUAttachOne(virConnectPtr conn,
                    virDomainPtr dom,
                    virSysIOMMUHost *host,
                    virSysIOMMUDevice *dev,
                    bool live)
{
    unsigned int flags = live ? VIR_DOMAIN_AFFECT_LIVE : VIR_DOMAIN_AFFECT_CONFIG;
    const char *which = live ? "running domain" : "persistent definition";
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(qemuVIOMMUMeta) meta = NULL;
    g_autofree char *xml = NULL;
    unsigned int port;
    int rc;

    if (!(doc = virtVIOMMUDomainDoc(dom, !live)))
        return -1;
    if (virtVIOMMUFindHostdev(doc, dev->bdf)) {
        virReportError(VIR_ERROR_CONFLICT, _("host device %1$s is already assigned in the %2$s of '%3$s'"),
                       dev->bdf, which, virDomainGetName(dom));
        return -1;
    }
    /* Only a planned domain says which pxb serves which IOMMU.  Without
     * a record the search below finds no spare port, and a domain that
     * was never planned would be re-planned whole (--config) or told to
     * use --spare-ports (--live). */
    if (!(meta = virtVIOMMUGetRecord(dom, doc)))
        return -1;
    if ((rc = qemuVIOMMUPlanFindSparePort(doc, dev->iommu, &port)) < 0)
        return -1;

    if (rc == 0) {
        qemuVIOMMUPlanOptions opts = { 0 };
        g_autoptr(virDomain) defined = NULL;
        xmlNodePtr devices = qemuVIOMMUXMLChild(xmlDocGetRootElement(doc), "devices");
        g_autoptr(xmlDoc) frag = NULL;
        bool changed;

        if (live) {
            virReportError(VIR_ERROR_EXHAUSTED, _("the running domain '%1$s' has no free root port behind the vIOMMU of IOMMU %2$s, and root ports cannot be hot-added; attach with --config (the device is there from the next boot), or plan with --spare-ports"),
                           virDomainGetName(dom), dev->iommu);
            return -1;
        }
        /* persistent only: plan the device in, as a new port or a new
         * pxb and vIOMMU, and define the result */
        xml = virtVIOMMUHostdevXML(dev->bdf, -1);
        frag = xmlReadMemory(xml, strlen(xml), "hostdev", NULL, XML_PARSE_NONET);
        if (!frag || !devices) {
            virReportError(VIR_ERROR_INTERNAL, "%s", _("internal error: cannot build the <hostdev>"));
            return -1;
        }
        qemuVIOMMUXMLInsert(devices, NULL,
                            xmlDocCopyNode(xmlDocGetRootElement(frag), doc, 1));
        if (qemuVIOMMUPlanDomain(host, doc, &opts, &changed) < 0 ||
            !(defined = virtVIOMMUDefineChecked(conn, host, doc)))
            return -1;
        printf("Host device %s placed in the persistent definition of '%s' behind the vIOMMU of %s; it is there from the next boot\n",
               dev->bdf, virDomainGetName(dom), dev->iommu);
        return 0;
    }

    xml = virtVIOMMUHostdevXML(dev->bdf, port);
    if (virDomainAttachDeviceFlags(dom, xml, flags) < 0) {
        g_autofree char *what = g_strdup_printf(_("libvirt could not attach host device %s to the %s"),
                                                dev->bdf, which);
        virtVIOMMULibvirtError(what);
        return -1;
    }
    if (virtVIOMMUUpdateRecord(dom, doc, dev, port, flags) < 0) {
        /* leave the domain as it was */
        if (virDomainDetachDeviceFlags(dom, xml, flags) < 0)
            virtVIOMMULibvirtError(_("undoing the attach failed too"));
        return -1;
    }
    printf("Host device %s attached to the %s of '%s' on root port pci.%u behind the vIOMMU of %s\n",
           dev->bdf, which, virDomainGetName(dom), port, dev->iommu);
    return 0;
}


static int
virtVIOMMUDetachOne(virDomainPtr dom,
                    virSysIOMMUDevice *dev,
                    const char *bdf,
                    bool live)
{
    unsigned int flags = live ? VIR_DOMAIN_AFFECT_LIVE : VIR_DOMAIN_AFFECT_CONFIG;
    const char *which = live ? "running domain" : "persistent definition";
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *xml = NULL;
    xmlNodePtr node;

    if (!(doc = virtVIOMMUDomainDoc(dom, !live)))
        return -1;
    if (!(node = virtVIOMMUFindHostdev(doc, bdf))) {
        virReportError(VIR_ERROR_HOST_DEVICE, _("host device %1$s is not assigned in the %2$s of '%3$s'"),
                       bdf, which, virDomainGetName(dom));
        return -1;
    }
    xml = qemuVIOMMUXMLFormatElement(node);
    if (virDomainDetachDeviceFlags(dom, xml, flags) < 0) {
        g_autofree char *what = g_strdup_printf(_("libvirt could not detach host device %s from the %s"),
                                                bdf, which);
        virtVIOMMULibvirtError(what);
        return -1;
    }
    /* the port becomes a spare again; a record that fails to update
     * only leaves a stale entry, which 'attach' does not trust anyway */
    if (dev && virtVIOMMUUpdateRecord(dom, doc, dev, -1, flags) < 0) {
        const GPtrArray *errs = virErrorGetAll();
        size_t i;

        for (i = 0; i < errs->len; i++)
            virReportWarning(VIR_ERROR_OPERATION_FAILED, "%s",
                             virErrorItemMessage(g_ptr_array_index(errs, i)));
        virErrorReset();
        virtVIOMMUWarn();
    }
    printf("Host device %s detached from the %s of '%s'\n", bdf, which, virDomainGetName(dom));
    return 0;
}


static int
virtVIOMMUAttachDetach(const virtVIOMMULibvirtArgs *args,
                       const char *name,
                       const virPCIDeviceAddress *addr,
                       bool attach)
{
    g_autoptr(virSysIOMMUHost) host = NULL;
    g_autoptr(virConnect) conn = NULL;
    g_autoptr(virDomain) dom = NULL;
    virSysIOMMUDevice *dev = NULL;
    char bdf[VIR_PCI_DEVICE_ADDRESS_BUFLEN];
    bool doLive;
    bool doConfig;
    int rc;

    virPCIDeviceAddressFormat(addr, bdf);

    if (!(host = virSysIOMMUHostOpen(virtVIOMMUSysfsRoot(args->sysfsRoot))))
        return virtVIOMMUFail();
    if ((rc = virSysIOMMUHostGetDevice(host, addr, &dev)) < 0)
        return virtVIOMMUFail();
    if (attach && rc == 0) {
        virReportError(VIR_ERROR_HOST_DEVICE, _("host PCI device %1$s does not exist on this host"), bdf);
        return virtVIOMMUFail();
    }
    if (attach && !dev->iommu) {
        virReportError(VIR_ERROR_HOST_IOMMU, _("host PCI device %1$s has no IOMMU; it cannot be placed behind a vIOMMU"), bdf);
        return virtVIOMMUFail();
    }

    if (!(conn = virtVIOMMUConnect(args->uri)) ||
        !(dom = virtVIOMMULookup(conn, name)) ||
        virtVIOMMUTargets(dom, args->live, args->config, &doLive, &doConfig) < 0)
        return virtVIOMMUFail();

    if (attach) {
        if (doConfig && virtVIOMMUAttachOne(conn, dom, host, dev, false) < 0)
            return virtVIOMMUFail();
        if (doLive && virtVIOMMUAttachOne(conn, dom, host, dev, true) < 0) {
            if (doConfig && virtVIOMMUDetachOne(dom, dev, bdf, false) < 0)
                virReportError(VIR_ERROR_OPERATION_FAILED, "%s", _("the persistent definition keeps the device; detach it with --config"));
            return virtVIOMMUFail();
        }
    } else {
        if (doLive && virtVIOMMUDetachOne(dom, dev, bdf, true) < 0)
            return virtVIOMMUFail();
        if (doConfig && virtVIOMMUDetachOne(dom, dev, bdf, false) < 0)
            return virtVIOMMUFail();
    }
    return VIRT_VIOMMU_EXIT_OK;
}


static int
virtVIOMMULibvirtAttach(const virtVIOMMULibvirtArgs *args,
                        const char *name,
                        const virPCIDeviceAddress *addr)
{
    return virtVIOMMUAttachDetach(args, name, addr, true);
}


static int
virtVIOMMULibvirtDetach(const virtVIOMMULibvirtArgs *args,
                        const char *name,
                        const virPCIDeviceAddress *addr)
{
    return virtVIOMMUAttachDetach(args, name, addr, false);
}


/* 'check' of the libvirt domain @name: its live definition when it
 * runs, else its persistent one. */
static int
virtVIOMMULibvirtCheck(const virtVIOMMULibvirtArgs *args, const char *name)
{
    g_autoptr(virConnect) conn = NULL;
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    int active;

    if (!(conn = virtVIOMMUConnect(args->uri)) ||
        !(dom = virtVIOMMULookup(conn, name)))
        return virtVIOMMUFail();
    if ((active = virDomainIsActive(dom)) < 0) {
        virtVIOMMULibvirtError(_("cannot tell whether the domain runs"));
        return virtVIOMMUFail();
    }
    if (!(doc = virtVIOMMUDomainDoc(dom, active == 0)))
        return virtVIOMMUFail();
    return virtVIOMMUCheckPrint(args, name, doc);
}


static const virtVIOMMULibvirtCommands virtVIOMMULibvirtCommandTable = {
    .version = PACKAGE_VERSION,
    .define = virtVIOMMULibvirtDefine,
    .start = virtVIOMMULibvirtStart,
    .attach = virtVIOMMULibvirtAttach,
    .detach = virtVIOMMULibvirtDetach,
    .check = virtVIOMMULibvirtCheck,
};


/* The module's one exported symbol (the rest is hidden by
 * -fvisibility=hidden, so that its copy of the project's library cannot
 * interpose on virt-viommu's, nor libvirt's private symbols on either). */
G_MODULE_EXPORT const virtVIOMMULibvirtCommands *
virtVIOMMULibvirtModule(void)
{
    return &virtVIOMMULibvirtCommandTable;
}
