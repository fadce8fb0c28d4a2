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
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "qemu_viommu.h"
#include "qemu_viommu_check.h"
#include "qemu_viommu_record.h"
#include "qemu_viommu_vtd.h"
#include "qemu_viommu_xml.h"
#include "virerror.h"
#include "virsysgpumem.h"
#include "virsysiommu.h"
#include "virt-viommu-check.h"
#include "virt-viommu-lock.h"

static void
virtVIOMMULibvirtSilence(void *opaque G_GNUC_UNUSED,
                         virErrorPtr err G_GNUC_UNUSED)
{
    /* errors are collected and reported with context by the caller */
}


/* libvirt's last error as one line (schema errors come over several),
 * and whether it came from the connection (VIR_FROM_RPC). */
static char *
virtVIOMMULibvirtMessage(bool *rpc)
{
    virErrorPtr err = virGetLastError();
    g_autofree char *msg = g_strdup(err && err->message ? err->message
                                                        : "unknown libvirt error");
    g_auto(GStrv) lines = NULL;
    size_t i;

    lines = g_strsplit(g_strstrip(msg), "\n", -1);
    for (i = 0; lines[i]; i++)
        g_strstrip(lines[i]);
    *rpc = err && err->domain == VIR_FROM_RPC;
    return g_strjoinv("; ", lines);
}


/* Report what libvirt said, after @what, on a connection that was
 * open: one that broke during the call leaves its effect unknown. */
static void
virtVIOMMULibvirtError(const char *what)
{
    bool rpc;
    g_autofree char *joined = virtVIOMMULibvirtMessage(&rpc);

    if (rpc)
        virReportError(VIR_ERROR_LIBVIRT, _("%1$s: %2$s; the connection to libvirt broke, so the call may or may not have taken effect: 'virt-viommu check' of the domain tells what it holds"),
                       what, joined);
    else
        virReportError(VIR_ERROR_LIBVIRT, "%s: %s", what, joined);
}


/* The lowest libvirt that runs what virt-viommu plans: pciBus on an
 * smmuv3 <iommu> since 11.10.0, <iommufd> since 12.2.0, and since
 * 12.3.0 its host device checks (virPCIDeviceIsBehindSwitchLackingACS,
 * virPCIDeviceReset) know PCI root buses other than 0, which every host
 * with several SMMUs has (libvirt's NEWS.rst and formatdomain.rst). */
#define VIRT_VIOMMU_LIBVIRT_MIN_VERSION 12003000
#define VIRT_VIOMMU_LIBVIRT_WHY_VERSION \
    "pciBus on smmuv3 since 11.10, <iommufd> since 12.2, host devices on PCI root buses other than 0 since 12.3"


static char *
virtVIOMMUVersionFormat(unsigned long version)
{
    return g_strdup_printf("%lu.%lu.%lu", version / 1000000,
                           (version / 1000) % 1000, version % 1000);
}


/*
 * For the command-line test only: VIRT_VIOMMU_TEST_LIBVIRT_VERSION=X.Y.Z
 * stands for the version the daemon reports, and the check then holds
 * for any driver, so that libvirt's test driver (which reports the
 * client library's version, and is not checked otherwise) can play an
 * old daemon.  1 with *version set, 0 when unset, -1 (reported).
 */
static int
virtVIOMMUTestLibVersion(unsigned long *version)
{
    const char *env = g_getenv("VIRT_VIOMMU_TEST_LIBVIRT_VERSION");
    unsigned int major, minor, micro;
    char end;

    if (!env || !*env)
        return 0;
    if (sscanf(env, "%u.%u.%u%c", &major, &minor, &micro, &end) != 3) {
        virReportError(VIR_ERROR_INTERNAL, _("VIRT_VIOMMU_TEST_LIBVIRT_VERSION='%1$s' is no X.Y.Z version"),
                       env);
        return -1;
    }
    *version = major * 1000000UL + minor * 1000UL + micro;
    return 1;
}


/* Refuse a QEMU driver older than VIRT_VIOMMU_LIBVIRT_MIN_VERSION: it
 * would refuse the planned XML (or, before 12.3, start it and fail
 * on the devices' host checks), with an error that does not say why.
 * Other drivers (test:///) plan nothing that runs and are not checked.
 * 0, or -1 (reported). */
static int
virtVIOMMUCheckLibVersion(virConnectPtr conn)
{
    const char *type;
    unsigned long version = 0;
    g_autofree char *uri = NULL;
    g_autofree char *have = NULL;
    g_autofree char *need = NULL;
    int test;

    if ((test = virtVIOMMUTestLibVersion(&version)) < 0)
        return -1;
    if (test == 0) {
        if (!(type = virConnectGetType(conn))) {
            virtVIOMMULibvirtError(_("cannot ask libvirt for its driver"));
            return -1;
        }
        if (g_ascii_strcasecmp(type, "QEMU") != 0)
            return 0;
        if (virConnectGetLibVersion(conn, &version) < 0) {
            virtVIOMMULibvirtError(_("cannot ask libvirt for its version"));
            return -1;
        }
    }
    if (version >= VIRT_VIOMMU_LIBVIRT_MIN_VERSION)
        return 0;

    uri = virConnectGetURI(conn);
    have = virtVIOMMUVersionFormat(version);
    need = virtVIOMMUVersionFormat(VIRT_VIOMMU_LIBVIRT_MIN_VERSION);
    virReportError(VIR_ERROR_UNSUPPORTED, _("libvirt at '%1$s' is %2$s, but virt-viommu needs libvirt %3$s or newer (%4$s); update libvirt, or use 'virt-viommu plan' and define the result where libvirt is new enough"),
                   uri ? uri : "?", have, need, VIRT_VIOMMU_LIBVIRT_WHY_VERSION);
    return -1;
}


/* Is @conn's driver the one checked (QEMU, or any under the test hook)? */
static bool
virtVIOMMUConnChecked(virConnectPtr conn)
{
    const char *type;
    const char *env = g_getenv("VIRT_VIOMMU_TEST_LIBVIRT_VERSION");

    if (env && *env)
        return true;
    type = virConnectGetType(conn);
    virResetLastError();
    return type && g_ascii_strcasecmp(type, "QEMU") == 0;
}


/* Does the <hostdev> of the domain capabilities @caps offer
 * iommufd='yes' (libvirt 12.1 on, when its QEMU has the iommufd
 * object)? */
static bool
virtVIOMMUDomCapsIommufd(const char *caps)
{
    g_autoptr(xmlDoc) doc = xmlReadMemory(caps, strlen(caps), "domcaps", NULL,
                                          XML_PARSE_NONET | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING);
    xmlNodePtr hostdev;
    xmlNodePtr e;

    if (!doc)
        return false;
    hostdev = qemuVIOMMUXMLChild(qemuVIOMMUXMLChild(xmlDocGetRootElement(doc), "devices"), "hostdev");
    for (e = hostdev ? hostdev->children : NULL; e; e = e->next) {
        g_autofree char *name = qemuVIOMMUXMLProp(e, "name");
        xmlNodePtr v;

        if (e->type != XML_ELEMENT_NODE || g_strcmp0(name, "iommufd") != 0)
            continue;
        for (v = e->children; v; v = v->next) {
            g_autofree char *text = NULL;

            if (v->type != XML_ELEMENT_NODE)
                continue;
            text = (char *) xmlNodeGetContent(v);
            if (g_strcmp0(g_strstrip(text), "yes") == 0)
                return true;
        }
    }
    return false;
}


/* The daemon's domain capabilities for @type, @arch, @machine, or NULL
 * when it has none to give (no emulator for them, an older driver):
 * then libvirt itself will say what it lacks.  For the CLI test only,
 * VIRT_VIOMMU_TEST_DOMCAPS names a file to read them from. */
static char *
virtVIOMMUDomCaps(virConnectPtr conn, const char *type,
                  const char *arch, const char *machine)
{
    const char *file = g_getenv("VIRT_VIOMMU_TEST_DOMCAPS");
    char *caps = NULL;

    if (file && *file) {
        if (!g_file_get_contents(file, &caps, NULL, NULL))
            return NULL;
        return caps;
    }
    caps = virConnectGetDomainCapabilities(conn, NULL, arch, machine, type, 0);
    virResetLastError();
    return caps;
}


/* A plan that gives the domain <iommufd enabled='yes'/> needs a QEMU
 * with the iommufd object; libvirt's domain capabilities say so for the
 * domain's type, arch and machine.  Refuse, naming the QEMU, when they
 * say it has none.  0, or -1 (reported). */
static int
virtVIOMMUCheckIommufd(virConnectPtr conn, xmlDocPtr doc)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr ostype = qemuVIOMMUXMLChild(qemuVIOMMUXMLChild(root, "os"), "type");
    g_autofree char *enabled = qemuVIOMMUXMLProp(qemuVIOMMUXMLChild(root, "iommufd"), "enabled");
    g_autofree char *type = qemuVIOMMUXMLProp(root, "type");
    g_autofree char *arch = qemuVIOMMUXMLProp(ostype, "arch");
    g_autofree char *machine = qemuVIOMMUXMLProp(ostype, "machine");
    g_autofree char *caps = NULL;
    g_autofree char *uri = NULL;
    g_autofree char *qemu = NULL;
    unsigned long version = 0;

    if (g_strcmp0(enabled, "yes") != 0 || !virtVIOMMUConnChecked(conn) ||
        !(caps = virtVIOMMUDomCaps(conn, type, arch, machine)) ||
        virtVIOMMUDomCapsIommufd(caps))
        return 0;

    uri = virConnectGetURI(conn);
    if (virConnectGetVersion(conn, &version) == 0 && version > 0) {
        g_autofree char *v = virtVIOMMUVersionFormat(version);

        qemu = g_strdup_printf("QEMU %s", v);
    }
    virResetLastError();
    virReportError(VIR_ERROR_UNSUPPORTED, _("the plan gives the host devices an iommufd backend, but %1$s of libvirt at '%2$s' has none for %3$s '%4$s' guests (its domain capabilities list no <hostdev> iommufd='yes'); update QEMU"),
                   qemu ? qemu : "the QEMU", uri ? uri : "?",
                   arch ? arch : "?", machine ? machine : "?");
    return -1;
}


/* A connection to @uri (NULL: libvirt's default) whose libvirt is new
 * enough, or NULL (reported; nothing was asked of libvirt yet). */
static virConnectPtr
virtVIOMMUConnect(const char *uri)
{
    virConnectPtr conn;

    virSetErrorFunc(NULL, virtVIOMMULibvirtSilence);
    /* libvirt's client library writes to the daemon's socket with a
     * plain send: a daemon that goes away during a call (restarted,
     * say) would kill the command with SIGPIPE, without a word and
     * before it could say that the call may or may not have taken
     * effect (seen in the lab: an attach whose libvirtd restarted
     * ended by signal 13). */
    signal(SIGPIPE, SIG_IGN);
    if (!(conn = virConnectOpen(uri))) {
        const char *env = g_getenv("LIBVIRT_DEFAULT_URI");
        g_autofree char *where = NULL;
        g_autofree char *joined = NULL;
        bool rpc;

        if (uri)
            where = g_strdup_printf("'%s'", uri);
        else if (env && *env)
            where = g_strdup_printf("'%s' (LIBVIRT_DEFAULT_URI)", env);
        else
            where = g_strdup("libvirt's default URI");
        joined = virtVIOMMULibvirtMessage(&rpc);
        virReportError(VIR_ERROR_LIBVIRT, _("cannot connect to libvirt at %1$s: %2$s; nothing was changed: start libvirt's daemon (libvirtd or virtqemud), or name the one to use with -c URI"),
                       where, joined);
        return NULL;
    }
    if (virtVIOMMUCheckLibVersion(conn) < 0) {
        virConnectClose(conn);
        return NULL;
    }
    return conn;
}


/* The URI of @conn as libvirt resolved it (qemu:///system for a NULL
 * URI as root), for the lock directory; NULL when libvirt cannot say. */
static char *
virtVIOMMUConnectURI(virConnectPtr conn)
{
    char *uri = conn ? virConnectGetURI(conn) : NULL;
    char *ret = g_strdup(uri);

    free(uri);
    virResetLastError();
    return ret;
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


/* The libvirt domain named (or with the UUID) @name; @noFile says that
 * @name was no file either, for the message. */
static virDomainPtr
virtVIOMMULookupFull(virConnectPtr conn, const char *name, bool noFile)
{
    virDomainPtr dom;

    if ((dom = virDomainLookupByName(conn, name)) ||
        (dom = virDomainLookupByUUIDString(conn, name)))
        return dom;
    if (noFile)
        virReportError(VIR_ERROR_NO_DOMAIN, _("there is no file '%1$s', and libvirt has no domain of that name or UUID"),
                       name);
    else
        virReportError(VIR_ERROR_NO_DOMAIN, _("libvirt has no domain '%1$s'; 'virsh list --all' shows the defined ones"),
                       name);
    return NULL;
}


static virDomainPtr
virtVIOMMULookup(virConnectPtr conn, const char *name)
{
    return virtVIOMMULookupFull(conn, name, false);
}


/* The UUID of @dom in @uuid (VIR_UUID_STRING_BUFLEN).  0, or -1
 * (reported). */
static int
virtVIOMMUDomainUUID(virDomainPtr dom, char *uuid)
{
    /* named before the call, which clears the last error */
    const char *name = virDomainGetName(dom);

    if (virDomainGetUUIDString(dom, uuid) < 0) {
        g_autofree char *what = g_strdup_printf(_("cannot read the UUID of domain '%s'"), name);

        virtVIOMMULibvirtError(what);
        return -1;
    }
    return 0;
}


/* How many times a command reads, plans and writes a definition that
 * other libvirt clients keep changing under it. */
#define VIRT_VIOMMU_TRIES 5


/* The XML of @dom with @flags, or NULL (reported). */
static char *
virtVIOMMUGetXMLFlags(virDomainPtr dom, unsigned int flags)
{
    /* named before the call: every libvirt call, virDomainGetName
     * included, clears the last error that the message is made of */
    const char *name = virDomainGetName(dom);
    char *xml = virDomainGetXMLDesc(dom, flags);

    if (!xml) {
        g_autofree char *what = g_strdup_printf(_("cannot read the %s of domain '%s'"),
                                                flags & VIR_DOMAIN_XML_INACTIVE ?
                                                "definition" : "running domain",
                                                name);
        virtVIOMMULibvirtError(what);
    }
    return xml;
}


/* The persistent definition of @dom (the live one with @live) as
 * libvirt formats it, secrets included: what is read here may be
 * defined again and must not lose them. */
static char *
virtVIOMMUGetXML(virDomainPtr dom, bool live)
{
    return virtVIOMMUGetXMLFlags(dom, VIR_DOMAIN_XML_SECURE |
                                      (live ? 0 : VIR_DOMAIN_XML_INACTIVE));
}


static xmlDocPtr
virtVIOMMUParseXML(virDomainPtr dom, const char *xml)
{
    return qemuVIOMMUXMLParse(xml, strlen(xml), virDomainGetName(dom));
}


/* The domain's XML as a document (inactive or live), for 'check',
 * which only reads and so asks for no secrets (a read-only connection
 * may not have them). */
static xmlDocPtr
virtVIOMMUDomainDoc(virDomainPtr dom, bool inactive)
{
    g_autofree char *xml = virtVIOMMUGetXMLFlags(dom, inactive ? VIR_DOMAIN_XML_INACTIVE : 0);

    if (!xml)
        return NULL;
    return virtVIOMMUParseXML(dom, xml);
}


/* Is the definition of @dom (the live one with @live) still @base, the
 * one a plan was made from?  1 yes, 0 no, -1 (reported) when it cannot
 * be read. */
static int
virtVIOMMUUnchanged(virDomainPtr dom, bool live, const char *base)
{
    g_autofree char *now = virtVIOMMUGetXML(dom, live);

    if (!now)
        return -1;
    return strcmp(now, base) == 0;
}


/* A pause before try @attempt: another writer is at work. */
static void
virtVIOMMUBackoff(unsigned int attempt)
{
    if (attempt > 1)
        g_usleep(g_random_int_range(5000, 20000) * (attempt - 1));
}


static void
virtVIOMMUChangedTooOften(const char *name, bool live)
{
    virReportError(VIR_ERROR_BUSY, _("the %1$s of domain '%2$s' changed under each of %3$d tries to plan and write it; another libvirt client keeps changing it, try again later"),
                   live ? "running domain" : "definition", name, VIRT_VIOMMU_TRIES);
}


/*
 * One update of a domain definition, the shape every command shares:
 * read the definition (@read, else the one of @dom that @live names),
 * plan or edit it and write it (@apply, which compares with what was
 * read), read it back (@verify), and, when another libvirt client
 * changed it in between, pause and try again.  @exhausted reports that
 * every try met a change (else virtVIOMMUChangedTooOften() does).
 */
typedef struct _virtVIOMMUUpdate virtVIOMMUUpdate;
struct _virtVIOMMUUpdate {
    virDomainPtr dom;           /* borrowed; unused with @read */
    bool live;                  /* the running definition, else the
                                 * persistent one */
    void *opaque;               /* the command's own state */
    /* read the definition into @base and @doc: 0, or -1 (reported) */
    int (*read)(virtVIOMMUUpdate *u);
    /* plan or edit @doc and write it: 1 written, 0 the definition
     * changed since @base was read (nothing written: try again), -1
     * (reported) */
    int (*apply)(virtVIOMMUUpdate *u);
    /* judge @after, read back after the write: 1 it holds, 0 try
     * again, -1 (reported) */
    int (*verify)(virtVIOMMUUpdate *u, xmlDocPtr after);
    void (*exhausted)(virtVIOMMUUpdate *u);

    /* the current try's */
    char *base;                 /* the XML read; NULL for a new domain */
    xmlDocPtr doc;              /* @base parsed, or the file to define */
};


static int
virtVIOMMUUpdateRead(virtVIOMMUUpdate *u)
{
    if (!(u->base = virtVIOMMUGetXML(u->dom, u->live)) ||
        !(u->doc = virtVIOMMUParseXML(u->dom, u->base)))
        return -1;
    return 0;
}


/* Read @u's domain back after a write and let @u->verify judge it. */
static int
virtVIOMMUUpdateVerify(virtVIOMMUUpdate *u)
{
    g_autofree char *xml = NULL;
    g_autoptr(xmlDoc) after = NULL;

    if (!u->verify)
        return 1;
    if (!(xml = virtVIOMMUGetXML(u->dom, u->live)) ||
        !(after = virtVIOMMUParseXML(u->dom, xml)))
        return -1;
    return u->verify(u, after);
}


/* libvirt refused the write of @u's current try (reported): 0 when the
 * definition changed since it was read (the error is dropped: try
 * again), -1 when that is not why. */
static int
virtVIOMMUUpdateRefused(virtVIOMMUUpdate *u)
{
    if (virtVIOMMUUnchanged(u->dom, u->live, u->base) == 0) {
        virErrorReset();
        return 0;
    }
    return -1;
}


/* Run @u: 0 once a write held, or -1 (reported). */
static int
virtVIOMMUUpdateRun(virtVIOMMUUpdate *u)
{
    unsigned int attempt;
    int rc = 0;

    for (attempt = 1; attempt <= VIRT_VIOMMU_TRIES && rc == 0; attempt++) {
        virtVIOMMUBackoff(attempt);
        g_clear_pointer(&u->base, g_free);
        g_clear_pointer(&u->doc, xmlFreeDoc);
        if ((u->read ? u->read(u) : virtVIOMMUUpdateRead(u)) < 0)
            rc = -1;
        else if ((rc = u->apply(u)) > 0)
            rc = virtVIOMMUUpdateVerify(u);
    }
    g_clear_pointer(&u->base, g_free);
    g_clear_pointer(&u->doc, xmlFreeDoc);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (u->exhausted)
        u->exhausted(u);
    else
        virtVIOMMUChangedTooOften(virDomainGetName(u->dom), u->live);
    return -1;
}


/* Take the lock of @dom for @command (see virt-viommu-lock.h). */
static virtVIOMMULock *
virtVIOMMULockDomain(virDomainPtr dom, const char *command)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    g_autofree char *uri = NULL;

    if (virtVIOMMUDomainUUID(dom, uuid) < 0)
        return NULL;
    uri = virtVIOMMUConnectURI(virDomainGetConnect(dom));
    return virtVIOMMULockAcquire(uri, uuid, virDomainGetName(dom), command);
}


/* Give @doc the UUID @uuid, unless it has one. */
static void
virtVIOMMUSetUUID(xmlDocPtr doc, const char *uuid)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr name = qemuVIOMMUXMLChild(root, "name");
    xmlNodePtr node;

    if (qemuVIOMMUXMLChild(root, "uuid"))
        return;
    node = xmlNewDocNode(doc, NULL, BAD_CAST "uuid", BAD_CAST uuid);
    qemuVIOMMUXMLInsert(root, name, node);
}


/* The <uuid> of @doc, in @buf as libvirt formats it.  Returns 1, 0 when
 * @doc has none, -1 (reported) when it is no UUID. */
static int
virtVIOMMUDocUUID(xmlDocPtr doc, char *buf)
{
    xmlNodePtr node = qemuVIOMMUXMLChild(xmlDocGetRootElement(doc), "uuid");
    g_autofree char *text = NULL;
    char hex[33];
    size_t n = 0;
    const char *p;

    if (!node)
        return 0;
    text = (char *) xmlNodeGetContent(node);
    /* as libvirt's virUUIDParse: hex digits, dashes and blanks between */
    for (p = text; p && *p && n <= 32; p++) {
        if (*p == '-' || g_ascii_isspace(*p))
            continue;
        if (!g_ascii_isxdigit(*p) || n == 32) {
            n = 33;
            break;
        }
        hex[n++] = g_ascii_tolower(*p);
    }
    if (n != 32) {
        virReportError(VIR_ERROR_XML_INVALID, _("<uuid>%1$s</uuid> is no UUID; correct it or leave it out"),
                       text ? text : "");
        return -1;
    }
    hex[32] = '\0';
    g_snprintf(buf, VIR_UUID_STRING_BUFLEN, "%.8s-%.4s-%.4s-%.4s-%.12s",
               hex, hex + 8, hex + 12, hex + 16, hex + 20);
    return 1;
}


/* Put back @base, the definition domain @dom (called @name) had before
 * it was defined as @storedXML (remove @dom when @base is NULL: it was
 * new), unless another client changed it since.  Reports what it did. */
static void
virtVIOMMURollBack(virConnectPtr conn,
                   virDomainPtr dom,
                   const char *name,
                   const char *base,
                   const char *storedXML)
{
    if (!storedXML || virtVIOMMUUnchanged(dom, false, storedXML) != 1) {
        virReportError(VIR_ERROR_OPERATION_FAILED, _("the definition of domain '%1$s' changed again after it was written, so it was not rolled back; 'virt-viommu check %2$s' tells what it holds"),
                       name, name);
        return;
    }
    virReportError(VIR_ERROR_OPERATION_FAILED, _("the definition of domain '%1$s' was rolled back"), name);

    if (base) {
        virDomainPtr back = virDomainDefineXML(conn, base);

        if (!back)
            virtVIOMMULibvirtError(_("restoring the previous definition failed"));
        else
            virDomainFree(back);
    } else if (virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_KEEP_NVRAM) < 0) {
        virtVIOMMULibvirtError(_("removing the new definition failed"));
    }
}


/*
 * Define @doc, planned, in place of the definition @base that domain
 * @old had when it was read (both NULL for a new domain, then given
 * UUID @uuid), then read back what libvirt stored and plan it again:
 * the placement must have survived and libvirt must not have put any
 * other device behind a vSMMU.  If it did not, the previous definition
 * is restored (or the new one removed), unless another client changed
 * it in the meantime.
 *
 * libvirt has no conditional define, so the definition is compared with
 * @base right before it is written, as 'virsh edit' does: a change that
 * another client makes after that read and before the define is lost,
 * a window of one call: the daemon's parsing of the new definition,
 * which schema validation (@validate) makes ten times longer, about
 * 12 ms instead of 1.4 ms for a 16-device domain in the lab.  A file is
 * validated, since its errors are the user's to see; a definition that
 * libvirt formatted and virt-viommu planned again is not, to keep that
 * window short.  With @appear, a domain of the same name that
 * shows up meanwhile (another client defined it, with another UUID) is
 * a change too.
 *
 * Returns 1 with the domain in *domOut, 0 when the definition changed
 * since @base was read (nothing written: read and plan again), -1
 * (reported) on error.
 */
static int
virtVIOMMUDefineOver(virConnectPtr conn,
                     virSysIOMMUHost *host,
                     virDomainPtr old,
                     const char *base,
                     const char *uuid,
                     bool appear,
                     bool validate,
                     xmlDocPtr doc,
                     virDomainPtr *domOut)
{
    xmlNodePtr nameNode = qemuVIOMMUXMLChild(xmlDocGetRootElement(doc), "name");
    g_autofree char *name = nameNode ? (char *) xmlNodeGetContent(nameNode) : NULL;
    g_autofree char *xml = NULL;
    g_autofree char *storedXML = NULL;
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(xmlDoc) stored = NULL;
    qemuVIOMMUPlanOptions noSpare = { 0 };
    bool changed = false;
    size_t len;
    int rc;

    if (!name) {
        virReportError(VIR_ERROR_XML_INVALID, "%s", _("the domain XML has no <name>"));
        return -1;
    }

    if (old) {
        if ((rc = virtVIOMMUUnchanged(old, false, base)) <= 0)
            return rc;
    } else {
        g_autoptr(virDomain) other = virDomainLookupByUUIDString(conn, uuid);

        virResetLastError();
        if (other)
            return 0;
    }

    xml = qemuVIOMMUXMLFormat(doc, &len);
    if (!(dom = virDomainDefineXMLFlags(conn, xml,
                                        validate ? VIR_DOMAIN_DEFINE_VALIDATE : 0))) {
        g_autofree char *what = g_strdup_printf(_("libvirt refused the planned definition of '%s'"), name);

        if (!old && appear) {
            g_autoptr(virDomain) other = NULL;

            virtVIOMMULibvirtError(what);
            if ((other = virDomainLookupByName(conn, name))) {
                /* another client defined it first: plan over theirs */
                virErrorReset();
                return 0;
            }
            virResetLastError();
            return -1;
        }
        virtVIOMMULibvirtError(what);
        return -1;
    }

    if ((storedXML = virtVIOMMUGetXML(dom, false)) &&
        (stored = virtVIOMMUParseXML(dom, storedXML)) &&
        qemuVIOMMUPlanDomain(host, stored, &noSpare, &changed) == 0 &&
        !changed) {
        *domOut = g_steal_pointer(&dom);
        return 1;
    }

    if (changed)
        virReportError(VIR_ERROR_OPERATION_FAILED, _("libvirt stored domain '%1$s' with a placement different from the plan"),
                       name);
    virtVIOMMURollBack(conn, dom, name, base, storedXML);
    return -1;
}


/*
 * The UUID that names the lock of the domain that 'define' writes: the
 * defined domain's (@named), else the file's (@input, *has 1), else that
 * of the defined domain called @name, else a new one, kept in *fresh so
 * that every try asks for the same (*has 0).  0, or -1 (reported).
 */
static int
virtVIOMMUDefineUUID(virConnectPtr conn,
                     virDomainPtr named,
                     xmlDocPtr input,
                     const char *name,
                     char **fresh,
                     char *uuid,
                     int *has)
{
    g_autoptr(virDomain) same = NULL;

    *has = 1;
    if (named)
        return virtVIOMMUDomainUUID(named, uuid);
    if ((*has = virtVIOMMUDocUUID(input, uuid)) != 0)
        return *has < 0 ? -1 : 0;
    if ((same = virDomainLookupByName(conn, name)))
        return virtVIOMMUDomainUUID(same, uuid);
    virResetLastError();
    if (!*fresh)
        *fresh = g_uuid_string_random();
    g_strlcpy(uuid, *fresh, VIR_UUID_STRING_BUFLEN);
    return 0;
}


/* The domain file @arg (or "-") and its name, read before libvirt is
 * asked anything, or, when @arg names no file, nothing: @arg names a
 * defined domain.  0, or -1 (reported: a missing file is no domain
 * name, see virtVIOMMUArgIsFile). */
static int
virtVIOMMUDefineInput(const char *arg, xmlDocPtr *input, char **name)
{
    xmlNodePtr node;

    if (!virtVIOMMUArgIsFile(arg))
        return 0;
    if (!(*input = virtVIOMMUReadDomain(arg)))
        return -1;
    if (!(node = qemuVIOMMUXMLChild(xmlDocGetRootElement(*input), "name"))) {
        virReportError(VIR_ERROR_XML_INVALID, "%s", _("the domain XML has no <name>"));
        return -1;
    }
    *name = (char *) xmlNodeGetContent(node);
    return 0;
}


/* Say what 'define' did to @dom and, with @start, start it. */
static int
virtVIOMMUDefineDone(virDomainPtr dom, bool unchanged, bool start)
{
    g_autofree char *what = NULL;

    if (unchanged)
        printf("Domain '%s' is planned already: its devices sit behind their vIOMMUs\n",
               virDomainGetName(dom));
    else
        printf("Domain '%s' defined with its devices behind their vIOMMUs\n", virDomainGetName(dom));
    if (!start)
        return 0;
    /* named before the call, which clears the last error */
    what = g_strdup_printf(_("domain '%s' is defined but did not start"), virDomainGetName(dom));
    if (virDomainCreate(dom) < 0) {
        virtVIOMMULibvirtError(what);
        return -1;
    }
    printf("Domain '%s' started\n", virDomainGetName(dom));
    return 0;
}


/* What 'define' and 'start' carry from one try to the next. */
typedef struct _virtVIOMMUDefine virtVIOMMUDefine;
struct _virtVIOMMUDefine {
    virConnectPtr conn;
    virSysIOMMUHost *host;
    const qemuVIOMMUPlanOptions *opts;
    xmlDocPtr input;            /* the file, or NULL: @named is planned */
    virDomainPtr named;         /* the defined domain @arg names */
    const char *name;
    const char *uri;            /* of @conn, for the lock */
    const char *command;
    char *fresh;                /* see virtVIOMMUDefineUUID() */
    char uuid[VIR_UUID_STRING_BUFLEN];
    int has;
    virtVIOMMULock *lock;
    virDomainPtr old;           /* the domain as the try found it */
    virDomainPtr dom;           /* the domain defined */
    bool unchanged;             /* planned as it was: nothing written */
};


static void
virtVIOMMUDefineClear(virtVIOMMUDefine *d)
{
    g_clear_pointer(&d->old, virtVIOMMUDomainRelease);
    g_clear_pointer(&d->dom, virtVIOMMUDomainRelease);
    g_clear_pointer(&d->lock, virtVIOMMULockRelease);
    g_clear_pointer(&d->fresh, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virtVIOMMUDefine, virtVIOMMUDefineClear);


/* Under the domain's lock (taken again when the UUID changed), what
 * the domain is now: the file (with the UUID), or its definition. */
static int
virtVIOMMUDefineRead(virtVIOMMUUpdate *u)
{
    virtVIOMMUDefine *d = u->opaque;

    g_clear_pointer(&d->old, virtVIOMMUDomainRelease);
    if (virtVIOMMUDefineUUID(d->conn, d->named, d->input, d->name,
                             &d->fresh, d->uuid, &d->has) < 0)
        return -1;
    if (!d->lock || strcmp(d->uuid, virtVIOMMULockUUID(d->lock)) != 0) {
        g_clear_pointer(&d->lock, virtVIOMMULockRelease);
        if (!(d->lock = virtVIOMMULockAcquire(d->uri, d->uuid, d->name, d->command)))
            return -1;
    }

    /* what the domain is now, read under the lock */
    d->old = virDomainLookupByUUIDString(d->conn, d->uuid);
    virResetLastError();
    if (d->old && !(u->base = virtVIOMMUGetXML(d->old, false)))
        return -1;
    if (d->named && !d->old) {
        virReportError(VIR_ERROR_NO_DOMAIN, _("domain '%1$s' was undefined meanwhile; define it again from its XML"),
                       d->name);
        return -1;
    }
    if (!(u->doc = d->input ? xmlCopyDoc(d->input, 1) : virtVIOMMUParseXML(d->old, u->base)))
        return -1;
    virtVIOMMUSetUUID(u->doc, d->uuid);
    return 0;
}


/* Plan the definition read and write it over what was read. */
static int
virtVIOMMUDefineApply(virtVIOMMUUpdate *u)
{
    virtVIOMMUDefine *d = u->opaque;
    bool changed = false;

    virWarningReset();
    if (qemuVIOMMUPlanDomain(d->host, u->doc, d->opts, &changed) < 0)
        return -1;
    if (virtVIOMMUCheckIommufd(d->conn, u->doc) < 0)
        return -1;
    if (d->named && !changed) {
        /* planned as it is: nothing to write */
        d->dom = g_steal_pointer(&d->old);
        d->unchanged = true;
        return 1;
    }
    return virtVIOMMUDefineOver(d->conn, d->host, d->old, u->base, d->uuid,
                                !d->named && d->has == 0, !d->named,
                                u->doc, &d->dom);
}


static void
virtVIOMMUDefineExhausted(virtVIOMMUUpdate *u)
{
    virtVIOMMUDefine *d = u->opaque;

    virtVIOMMUChangedTooOften(d->name, false);
}


/*
 * 'define' and 'start' of a file (or "-"), or of a defined domain named
 * by @arg, planned again in place.  Under the domain's lock: read the
 * definition, plan, write it over what was read (again when another
 * client changed it meanwhile), read back.
 */
static int
virtVIOMMUDefineOrStart(const virtVIOMMULibvirtArgs *args,
                        const char *arg,
                        bool start)
{
    g_autoptr(virSysIOMMUHost) host = NULL;
    g_autoptr(virConnect) conn = NULL;
    g_autoptr(xmlDoc) input = NULL;
    g_autoptr(virDomain) named = NULL;
    g_autofree char *name = NULL;
    g_autofree char *uri = NULL;
    qemuVIOMMUPlanOptions opts = {
        .sparePorts = args->sparePorts,
        .move = args->move,
        .refreshOptions = args->refreshOptions,
    };
    g_auto(virtVIOMMUDefine) d = {
        .opts = &opts,
        .command = start ? "start" : "define",
    };
    virtVIOMMUUpdate u = {
        .opaque = &d,
        .read = virtVIOMMUDefineRead,
        .apply = virtVIOMMUDefineApply,
        .exhausted = virtVIOMMUDefineExhausted,
    };

    if (!(host = virSysIOMMUHostOpen(virtVIOMMUSysfsRoot(args->sysfsRoot))) ||
        virtVIOMMUDefineInput(arg, &input, &name) < 0 ||
        !(conn = virtVIOMMUConnect(args->uri)))
        return virtVIOMMUFail();
    uri = virtVIOMMUConnectURI(conn);
    if (!input) {
        if (!(named = virtVIOMMULookupFull(conn, arg, true)))
            return virtVIOMMUFail();
        name = g_strdup(virDomainGetName(named));
    }

    d.conn = conn;
    d.host = host;
    d.input = input;
    d.named = named;
    d.name = name;
    d.uri = uri;
    if (virtVIOMMUUpdateRun(&u) < 0)
        return virtVIOMMUFail();
    virtVIOMMUWarn();
    if (virtVIOMMUDefineDone(d.dom, d.unchanged, start) < 0)
        return virtVIOMMUFail();
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


/* The record edit of virtVIOMMURecordDevice(). */
typedef struct _virtVIOMMURecordEdit virtVIOMMURecordEdit;
struct _virtVIOMMURecordEdit {
    const char *bdf;
    virSysIOMMUDevice *dev;     /* NULL with @port -1 */
    int port;
};


static int
virtVIOMMURecordApply(virtVIOMMUUpdate *u)
{
    virtVIOMMURecordEdit *edit = u->opaque;
    unsigned int flags = u->live ? VIR_DOMAIN_AFFECT_LIVE : VIR_DOMAIN_AFFECT_CONFIG;
    g_autoptr(qemuVIOMMUMeta) meta = NULL;
    g_autofree char *text = NULL;

    if (!(meta = qemuVIOMMURecordRead(u->doc)) ||
        qemuVIOMMURecordSetDevice(u->doc, meta, edit->bdf, edit->port,
                                  edit->dev ? edit->dev->group : -1,
                                  edit->dev ? edit->dev->numaNode : -1) < 0)
        return -1;
    text = qemuVIOMMUMetaFormatString(meta);
    if (virDomainSetMetadata(u->dom, VIR_DOMAIN_METADATA_ELEMENT, text,
                             QEMU_VIOMMU_META_PREFIX, QEMU_VIOMMU_META_NS, flags) < 0) {
        virtVIOMMULibvirtError(_("cannot update the plan record in the domain's metadata"));
        return -1;
    }
    return 1;
}


static int
virtVIOMMURecordVerify(virtVIOMMUUpdate *u, xmlDocPtr after)
{
    virtVIOMMURecordEdit *edit = u->opaque;
    g_autoptr(qemuVIOMMUMeta) back = NULL;

    if (!(back = qemuVIOMMURecordRead(after)))
        return -1;
    return qemuVIOMMURecordHolds(back, edit->bdf, edit->port) ? 1 : 0;
}


static void
virtVIOMMURecordExhausted(virtVIOMMUUpdate *u)
{
    virtVIOMMURecordEdit *edit = u->opaque;

    virReportError(VIR_ERROR_BUSY, _("the plan record of domain '%1$s' did not keep host device %2$s through %3$d tries: another libvirt client keeps rewriting it"),
                   virDomainGetName(u->dom), edit->bdf, VIRT_VIOMMU_TRIES);
}


/*
 * Record @bdf on root port @port in the plan record of @dom (@port -1:
 * forget it), starting from the record as it is now, and read it back.
 * Entries of devices the domain no longer has go too.  Under the
 * domain's lock no other virt-viommu writes the record; when another
 * client rewrote it meanwhile, this tries again.
 */
static int
virtVIOMMURecordDevice(virDomainPtr dom,
                       bool live,
                       const char *bdf,
                       virSysIOMMUDevice *dev,
                       int port)
{
    virtVIOMMURecordEdit edit = { .bdf = bdf, .dev = dev, .port = port };
    virtVIOMMUUpdate u = {
        .dom = dom,
        .live = live,
        .opaque = &edit,
        .apply = virtVIOMMURecordApply,
        .verify = virtVIOMMURecordVerify,
        .exhausted = virtVIOMMURecordExhausted,
    };

    return virtVIOMMUUpdateRun(&u);
}


/* How an attach went. */
typedef enum {
    VIRT_VIOMMU_ATTACH_PLUGGED,     /* onto a spare port */
    VIRT_VIOMMU_ATTACH_REPLANNED,   /* planned in, persistent only */
    VIRT_VIOMMU_ATTACH_FINISHED,    /* there already, recorded now */
} virtVIOMMUAttachHow;

typedef struct _virtVIOMMUAttach virtVIOMMUAttach;
struct _virtVIOMMUAttach {
    virConnectPtr conn;
    virSysIOMMUHost *host;
    virSysIOMMUDevice *dev;
    virtVIOMMUAttachHow how;
    unsigned int port;          /* the root port it went on */
    bool replan;                /* plan it in even where a spare is free */
};


/* The persistent definition of this try has no spare port for the
 * device: plan it in (on a new root port, or a new pxb and vIOMMU) and
 * define the result in its place. */
static int
virtVIOMMUAttachReplan(virtVIOMMUUpdate *u, virtVIOMMUAttach *at)
{
    qemuVIOMMUPlanOptions opts = { 0 };
    g_autoptr(virDomain) defined = NULL;
    g_autoptr(xmlDoc) frag = NULL;
    xmlNodePtr devices = qemuVIOMMUXMLChild(xmlDocGetRootElement(u->doc), "devices");
    g_autofree char *xml = virtVIOMMUHostdevXML(at->dev->bdf, -1);
    bool changed;

    at->how = VIRT_VIOMMU_ATTACH_REPLANNED;
    frag = xmlReadMemory(xml, strlen(xml), "hostdev", NULL, XML_PARSE_NONET);
    if (!frag || !devices) {
        virReportError(VIR_ERROR_INTERNAL, "%s", _("internal error: cannot build the <hostdev>"));
        return -1;
    }
    qemuVIOMMUXMLInsert(devices, NULL,
                        xmlDocCopyNode(xmlDocGetRootElement(frag), u->doc, 1));
    if (qemuVIOMMUPlanDomain(at->host, u->doc, &opts, &changed) < 0 ||
        virtVIOMMUCheckIommufd(at->conn, u->doc) < 0)
        return -1;
    return virtVIOMMUDefineOver(at->conn, at->host, u->dom, u->base, NULL,
                                false, false, u->doc, &defined);
}


/* Which definition of a domain a command changes, for messages. */
static const char *
virtVIOMMUWhich(bool live)
{
    return live ? "running domain" : "persistent definition";
}


/* The device is in the definition of this try already: when it sits on
 * a recorded port behind the vIOMMU of its IOMMU but is not recorded
 * there, an attach stopped between device and record, and this
 * finishes it; else it is an error. */
static int
virtVIOMMUAttachFinish(virtVIOMMUUpdate *u, virtVIOMMUAttach *at)
{
    bool recorded;
    int placed = qemuVIOMMURecordPlacedPort(u->doc, at->dev->bdf, at->dev->iommu, &recorded);

    at->how = VIRT_VIOMMU_ATTACH_FINISHED;
    if (placed < 0 || recorded) {
        virReportError(VIR_ERROR_CONFLICT, _("host device %1$s is already assigned in the %2$s of '%3$s'"),
                       at->dev->bdf, virtVIOMMUWhich(u->live),
                       virDomainGetName(u->dom));
        return -1;
    }
    at->port = placed;
    if (virtVIOMMURecordDevice(u->dom, u->live, at->dev->bdf, at->dev, placed) < 0)
        return -1;
    return 1;
}


/* Hot-plug (or cold-plug) the device onto the spare port @at->port and
 * record it there. */
static int
virtVIOMMUAttachPlug(virtVIOMMUUpdate *u, virtVIOMMUAttach *at)
{
    unsigned int flags = u->live ? VIR_DOMAIN_AFFECT_LIVE : VIR_DOMAIN_AFFECT_CONFIG;
    g_autofree char *xml = virtVIOMMUHostdevXML(at->dev->bdf, at->port);

    at->how = VIRT_VIOMMU_ATTACH_PLUGGED;
    /* libvirt adds the device atomically, and refuses it when
     * another client took the port since the definition was read */
    if (virDomainAttachDeviceFlags(u->dom, xml, flags) < 0) {
        g_autofree char *what = g_strdup_printf(_("libvirt could not attach host device %s to the %s"),
                                                at->dev->bdf,
                                                virtVIOMMUWhich(u->live));

        virtVIOMMULibvirtError(what);
        return virtVIOMMUUpdateRefused(u);
    }
    if (virtVIOMMURecordDevice(u->dom, u->live, at->dev->bdf, at->dev, at->port) < 0) {
        /* leave the domain as it was */
        if (virDomainDetachDeviceFlags(u->dom, xml, flags) < 0)
            virtVIOMMULibvirtError(_("undoing the attach failed too; 'virt-viommu check' names the device, and 'virt-viommu define' of the domain records it"));
        return -1;
    }
    return 1;
}


/* QEMU takes no vfio-pci device behind a q35 intel vIOMMU without
 * caching mode (vtd_dev_set_iommu_device), and a running domain cannot
 * get it.  Returns 0 when @doc, the definition of @dom, has it or
 * needs none; 1 when the persistent one lacks it, which the plan of
 * the attach then writes; -1 (reported) for the running domain. */
static int
virtVIOMMUAttachCaching(virDomainPtr dom, xmlDocPtr doc, bool live)
{
    g_autofree char *path = NULL;
    int rc;

    if ((rc = qemuVIOMMUVTDAttachLacksCaching(doc, &path)) <= 0)
        return rc;
    if (!live)
        return 1;
    virReportError(VIR_ERROR_OPERATION_INVALID, _("%1$s: the running domain '%2$s' has an <iommu model='intel'> without caching_mode='on', and QEMU refuses a vfio-pci device behind it (vtd_dev_set_iommu_device: \"Device assignment is not allowed without enabling caching-mode=on for Intel IOMMU\"); attach with --config, which writes caching_mode='on', and restart the domain"),
                   path, virDomainGetName(dom));
    return -1;
}


/* The spare port for @dev in @doc: 1 and *port; 0 when the attach has
 * to plan, as there is none or the plan has to write caching mode;
 * -1 (reported). */
static int
virtVIOMMUAttachFindPort(virDomainPtr dom,
                         xmlDocPtr doc,
                         virSysIOMMUDevice *dev,
                         bool live,
                         unsigned int *port)
{
    int rc;

    if ((rc = virtVIOMMUAttachCaching(dom, doc, live)) != 0)
        return rc < 0 ? -1 : 0;
    return qemuVIOMMUPlanFindSparePort(doc, dev->iommu, port);
}


static int
virtVIOMMUAttachApply(virtVIOMMUUpdate *u)
{
    virtVIOMMUAttach *at = u->opaque;
    g_autoptr(qemuVIOMMUMeta) meta = NULL;
    int rc;

    /* Only a planned domain says which pxb serves which IOMMU.
     * Without a record the search below finds no spare port, and a
     * domain that was never planned would be re-planned whole
     * (--config) or told to use --spare-ports (--live). */
    if (!(meta = qemuVIOMMURecordRead(u->doc)))
        return -1;
    if (qemuVIOMMURecordFindHostdev(u->doc, at->dev->bdf))
        return virtVIOMMUAttachFinish(u, at);

    if (at->replan)
        rc = 0;
    else if ((rc = virtVIOMMUAttachFindPort(u->dom, u->doc, at->dev, u->live, &at->port)) < 0)
        return -1;
    if (rc > 0)
        return virtVIOMMUAttachPlug(u, at);
    if (u->live) {
        virReportError(VIR_ERROR_EXHAUSTED, _("the running domain '%1$s' has no free root port behind the vIOMMU of IOMMU %2$s, and root ports cannot be hot-added; attach with --config (the device is there from the next boot), or plan with --spare-ports"),
                       virDomainGetName(u->dom), at->dev->iommu);
        return -1;
    }
    /* persistent only: plan the device in and define the result */
    return virtVIOMMUAttachReplan(u, at);
}


/* Read back after the attach: the device must sit on a recorded root
 * port behind the vIOMMU of its IOMMU, recorded there. */
static int
virtVIOMMUAttachVerify(virtVIOMMUUpdate *u, xmlDocPtr after)
{
    virtVIOMMUAttach *at = u->opaque;
    const char *name = virDomainGetName(u->dom);
    bool recorded = false;

    if (qemuVIOMMURecordPlacedPort(after, at->dev->bdf, at->dev->iommu, &recorded) >= 0 &&
        recorded)
        return 1;
    if (at->how == VIRT_VIOMMU_ATTACH_REPLANNED)
        virReportError(VIR_ERROR_OPERATION_FAILED, _("read back after the attach, the persistent definition of '%1$s' does not show host device %2$s recorded behind the vIOMMU of %3$s"),
                       name, at->dev->bdf, at->dev->iommu);
    else
        virReportError(VIR_ERROR_OPERATION_FAILED, _("read back after the attach, the %1$s of '%2$s' does not show host device %3$s recorded on a root port behind the vIOMMU of %4$s; 'virt-viommu check %5$s' tells what it holds"),
                       virtVIOMMUWhich(u->live),
                       name, at->dev->bdf, at->dev->iommu, name);
    return -1;
}


/* Hot-plug (or with !@live cold-plug) @dev onto a spare port. */
static int
virtVIOMMUAttachOne(virConnectPtr conn,
                    virDomainPtr dom,
                    virSysIOMMUHost *host,
                    virSysIOMMUDevice *dev,
                    bool live)
{
    const char *which = virtVIOMMUWhich(live);
    const virSysGPUMem *gpumem = virSysIOMMUHostGetGPUMem(host, dev);
    virtVIOMMUAttach at = { .conn = conn, .host = host, .dev = dev };
    virtVIOMMUUpdate u = {
        .dom = dom,
        .live = live,
        .opaque = &at,
        .apply = virtVIOMMUAttachApply,
        .verify = virtVIOMMUAttachVerify,
    };

    if (!gpumem)
        return -1;
    if (live && gpumem->nodes > 0) {
        virReportError(VIR_ERROR_OPERATION_INVALID, _("host device %1$s needs %2$u generic-initiator guest NUMA nodes (%3$s), and NUMA nodes cannot be hot-added; attach with --config (the device is there from the next boot)"),
                       dev->bdf, gpumem->nodes, gpumem->why);
        return -1;
    }
    /* a device whose memory the guest sees as NUMA nodes needs cells
     * that only a definition can add: plan it in */
    at.replan = gpumem->nodes > 0;

    if (virtVIOMMUUpdateRun(&u) < 0)
        return -1;
    switch (at.how) {
    case VIRT_VIOMMU_ATTACH_PLUGGED:
        printf("Host device %s attached to the %s of '%s' on root port pci.%u behind the vIOMMU of %s\n",
               dev->bdf, which, virDomainGetName(dom), at.port, dev->iommu);
        break;
    case VIRT_VIOMMU_ATTACH_REPLANNED:
        printf("Host device %s placed in the persistent definition of '%s' behind the vIOMMU of %s; it is there from the next boot\n",
               dev->bdf, virDomainGetName(dom), dev->iommu);
        break;
    case VIRT_VIOMMU_ATTACH_FINISHED:
        printf("Host device %s was on root port pci.%u behind the vIOMMU of %s in the %s of '%s' already; it is recorded there now\n",
               dev->bdf, at.port, dev->iommu, which, virDomainGetName(dom));
        break;
    }
    return 0;
}


static int
virtVIOMMUDetachApply(virtVIOMMUUpdate *u)
{
    const char *bdf = u->opaque;
    unsigned int flags = u->live ? VIR_DOMAIN_AFFECT_LIVE : VIR_DOMAIN_AFFECT_CONFIG;
    const char *which = virtVIOMMUWhich(u->live);
    g_autofree char *xml = NULL;
    xmlNodePtr node;

    if (!(node = qemuVIOMMURecordFindHostdev(u->doc, bdf))) {
        virReportError(VIR_ERROR_HOST_DEVICE, _("host device %1$s is not assigned in the %2$s of '%3$s'"),
                       bdf, which, virDomainGetName(u->dom));
        return -1;
    }
    xml = qemuVIOMMUXMLFormatElement(node);
    if (virDomainDetachDeviceFlags(u->dom, xml, flags) < 0) {
        g_autofree char *what = g_strdup_printf(_("libvirt could not detach host device %s from the %s"),
                                                bdf, which);

        virtVIOMMULibvirtError(what);
        return virtVIOMMUUpdateRefused(u);
    }
    /* the port becomes a spare again; a record that fails to update
     * only keeps a stale entry, which neither 'attach' nor 'check'
     * trusts and the next plan drops */
    if (virtVIOMMURecordDevice(u->dom, u->live, bdf, NULL, -1) < 0) {
        const GPtrArray *errs = virErrorGetAll();
        size_t i;

        for (i = 0; i < errs->len; i++)
            virReportWarning(VIR_ERROR_OPERATION_FAILED, "%s",
                             virErrorItemMessage(g_ptr_array_index(errs, i)));
        virErrorReset();
        virtVIOMMUWarn();
    }
    return 1;
}


/* Read back after a persistent detach: the device must be gone. */
static int
virtVIOMMUDetachVerify(virtVIOMMUUpdate *u, xmlDocPtr after)
{
    const char *bdf = u->opaque;

    if (qemuVIOMMURecordFindHostdev(after, bdf)) {
        virReportError(VIR_ERROR_OPERATION_FAILED, _("read back after the detach, the persistent definition of '%1$s' still assigns host device %2$s"),
                       virDomainGetName(u->dom), bdf);
        return -1;
    }
    return 1;
}


static int
virtVIOMMUDetachOne(virDomainPtr dom,
                    const char *bdf,
                    bool live)
{
    virtVIOMMUUpdate u = {
        .dom = dom,
        .live = live,
        .opaque = (void *) bdf,
        .apply = virtVIOMMUDetachApply,
        /* a live detach completes when the guest lets the device go,
         * maybe after libvirt returned; the persistent one is read back */
        .verify = live ? NULL : virtVIOMMUDetachVerify,
    };

    if (virtVIOMMUUpdateRun(&u) < 0)
        return -1;
    printf("Host device %s detached from the %s of '%s'\n", bdf,
           virtVIOMMUWhich(live), virDomainGetName(dom));
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
    g_autoptr(virtVIOMMULock) lock = NULL;
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
        !(lock = virtVIOMMULockDomain(dom, attach ? "attach" : "detach")) ||
        virtVIOMMUTargets(dom, args->live, args->config, &doLive, &doConfig) < 0)
        return virtVIOMMUFail();

    if (attach) {
        if (doConfig && virtVIOMMUAttachOne(conn, dom, host, dev, false) < 0)
            return virtVIOMMUFail();
        if (doLive && virtVIOMMUAttachOne(conn, dom, host, dev, true) < 0) {
            if (doConfig && virtVIOMMUDetachOne(dom, bdf, false) < 0)
                virReportError(VIR_ERROR_OPERATION_FAILED, "%s", _("the persistent definition keeps the device; detach it with --config"));
            return virtVIOMMUFail();
        }
    } else {
        if (doLive && virtVIOMMUDetachOne(dom, bdf, true) < 0)
            return virtVIOMMUFail();
        if (doConfig && virtVIOMMUDetachOne(dom, bdf, false) < 0)
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
    .setLogLevel = virLogSetLevel,
};


/* The module's one exported symbol (the rest is hidden by
 * -fvisibility=hidden, so that its copy of the project's library cannot
 * interpose on virt-viommu's, nor libvirt's private symbols on either). */
G_MODULE_EXPORT const virtVIOMMULibvirtCommands *
virtVIOMMULibvirtModule(void)
{
    return &virtVIOMMULibvirtCommandTable;
}
