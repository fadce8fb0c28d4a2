/*
 * virsysiommucaps.c: the capabilities of a host's physical IOMMUs, read
 *                    live (iommufd, sysfs) or from a fixture's record
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virsysiommucaps.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "virerror.h"
#include "virjson.h"
#include "virpciaddr.h"


void
virSysIOMMUCapsFree(virSysIOMMUCaps *caps)
{
    if (!caps)
        return;
    g_free(caps->via);
    g_free(caps->reason);
    g_free(caps);
}


bool
virSysIOMMUCapsKnown(const virSysIOMMUCaps *caps)
{
    return caps && caps->regs.source != VIR_IOMMU_CAPS_SOURCE_NONE;
}


static bool
virSysIOMMUCapsIsLive(virSysIOMMUHost *host)
{
    return g_strcmp0(virSysIOMMUHostGetRoot(host), "/") == 0;
}


static virSysIOMMUCaps *
virSysIOMMUCapsUnknown(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static virSysIOMMUCaps *
virSysIOMMUCapsUnknown(const char *fmt, ...)
{
    virSysIOMMUCaps *caps = g_new0(virSysIOMMUCaps, 1);
    va_list ap;

    va_start(ap, fmt);
    caps->reason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return caps;
}


static int
virSysIOMMUCapsParseU64(const char *str, uint64_t *val)
{
    g_autofree char *copy = NULL;
    char *end = NULL;

    if (!str)
        return -1;
    copy = g_strstrip(g_strdup(str));
    if (g_str_has_prefix(copy, "0x"))
        memmove(copy, copy + 2, strlen(copy) - 1);
    if (!*copy)
        return -1;
    *val = g_ascii_strtoull(copy, &end, 16);
    return *end ? -1 : 0;
}


/* Intel: intel-iommu/cap and ecap; AMD: amd-iommu/features "EFR:EFR2".
 * Returns 1 when read, 0 when the files are not there, -1. */
static int
virSysIOMMUCapsReadSysfs(virSysIOMMUHost *host,
                         virSysIOMMU *iommu,
                         virSysIOMMUCaps **out)
{
    bool intel = iommu->kind == VIR_SYS_IOMMU_KIND_INTEL;
    g_autofree char *path = g_strdup_printf("%s/%s", iommu->sysfsPath,
                                            intel ? "intel-iommu" : "amd-iommu");
    g_autoptr(virSysfsDir) dir = NULL;
    g_autoptr(virSysIOMMUCaps) caps = g_new0(virSysIOMMUCaps, 1);
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    int rc;

    if ((rc = virSysfsRootOpenDir(virSysIOMMUHostGetSysfs(host), path, &dir)) <= 0)
        return rc;

    if (intel) {
        if ((rc = virSysfsDirRead(dir, "cap", &a)) <= 0 ||
            (rc = virSysfsDirRead(dir, "ecap", &b)) <= 0)
            return rc;
        if (virSysIOMMUCapsParseU64(a, &caps->regs.cap) < 0 ||
            virSysIOMMUCapsParseU64(b, &caps->regs.ecap) < 0) {
            *out = virSysIOMMUCapsUnknown("'%s/cap' or 'ecap' is not a hex number", path);
            return 1;
        }
        caps->regs.type = VIR_IOMMU_CAPS_TYPE_INTEL_VTD;
    } else {
        g_auto(GStrv) parts = NULL;

        if ((rc = virSysfsDirRead(dir, "features", &a)) <= 0)
            return rc;
        parts = g_strsplit(a, ":", 2);
        if (virSysIOMMUCapsParseU64(parts[0], &caps->regs.efr) < 0 ||
            (parts[1] && virSysIOMMUCapsParseU64(parts[1], &caps->regs.efr2) < 0)) {
            *out = virSysIOMMUCapsUnknown("'%s/features' is not EFR:EFR2 in hex", path);
            return 1;
        }
        caps->regs.type = VIR_IOMMU_CAPS_TYPE_AMD;
    }
    caps->regs.source = VIR_IOMMU_CAPS_SOURCE_SYSFS;
    *out = g_steal_pointer(&caps);
    return 1;
}


/* Through iommufd, with a device of @iommu bound to vfio-pci.  NULL
 * only when sysfs cannot be read (reported). */
static virSysIOMMUCaps *
virSysIOMMUCapsReadLive(virSysIOMMUHost *host,
                        virSysIOMMU *iommu,
                        GPtrArray *candidates)
{
    const char *root = virSysIOMMUHostGetRoot(host);
    g_autofree char *iommuDev = g_build_filename(root, "dev", "iommu", NULL);
    g_autofree char *lastErr = NULL;
    GPtrArray *devs = candidates ? candidates : iommu->devices;
    size_t i;

    for (i = 0; devs && i < devs->len; i++) {
        virSysIOMMUDevice *dev = g_ptr_array_index(devs, i);
        g_autofree char *vfioDir = NULL;
        g_autoptr(GPtrArray) names = NULL;
        g_autofree char *cdev = NULL;
        g_autoptr(virSysIOMMUCaps) caps = NULL;
        char err[512] = "";

        if (g_strcmp0(dev->iommu, iommu->name) != 0)
            continue;
        if (!dev->detailed && virSysIOMMUHostGetDeviceDetails(host, dev) < 0)
            return NULL;
        if (!virSysIOMMUDeviceIsVFIO(dev))
            continue;
        vfioDir = g_strdup_printf("sys/bus/pci/devices/%s/vfio-dev", dev->bdf);
        if (virSysfsRootListDir(virSysIOMMUHostGetSysfs(host), vfioDir, &names) <= 0 ||
            names->len == 0) {
            g_free(lastErr);
            lastErr = g_strdup_printf("%s is bound to vfio-pci but has no VFIO cdev (no '/%s'; a kernel without CONFIG_VFIO_DEVICE_CDEV)",
                                      dev->bdf, vfioDir);
            continue;
        }
        cdev = g_build_filename(root, "dev", "vfio", "devices",
                                (const char *) g_ptr_array_index(names, 0), NULL);
        caps = g_new0(virSysIOMMUCaps, 1);
        if (virIOMMUCapsReadIOMMUFD(iommuDev, cdev, &caps->regs,
                                    err, sizeof(err)) < 0) {
            g_free(lastErr);
            lastErr = g_strdup_printf("%s: %s", dev->bdf, err);
            continue;
        }
        caps->via = g_strdup(dev->bdf);
        return g_steal_pointer(&caps);
    }

    if (lastErr)
        return virSysIOMMUCapsUnknown("%s", lastErr);
    return virSysIOMMUCapsUnknown("no device of %s is bound to vfio-pci, and only through one can its registers be read (iommufd)",
                                  iommu->name);
}


static const char *
virSysIOMMUCapsJSONString(JsonObject *obj, const char *key)
{
    JsonNode *node = json_object_get_member(obj, key);

    if (!node || JSON_NODE_TYPE(node) != JSON_NODE_VALUE ||
        json_node_get_value_type(node) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(node);
}


static int
virSysIOMMUCapsJSONHex(JsonObject *obj, const char *key, uint64_t *val)
{
    return virSysIOMMUCapsParseU64(virSysIOMMUCapsJSONString(obj, key), val);
}


/* SMMU_IDR0..5 as six hex strings. */
static int
virSysIOMMUCapsParseIDR(JsonObject *rec, virIOMMUCaps *regs)
{
    JsonNode *idr = json_object_get_member(rec, "idr");
    uint64_t v;
    guint i;

    if (!idr || !JSON_NODE_HOLDS_ARRAY(idr) ||
        json_array_get_length(json_node_get_array(idr)) != 6)
        return -1;
    for (i = 0; i < 6; i++) {
        JsonNode *n = json_array_get_element(json_node_get_array(idr), i);

        if (JSON_NODE_TYPE(n) != JSON_NODE_VALUE ||
            json_node_get_value_type(n) != G_TYPE_STRING ||
            virSysIOMMUCapsParseU64(json_node_get_string(n), &v) < 0 ||
            v > G_MAXUINT32)
            return -1;
        regs->idr[i] = v;
    }
    return 0;
}


/* "cmdqv": null (unknown), false (absent) or its version and sizes. */
static int
virSysIOMMUCapsParseCMDQV(JsonObject *rec, virIOMMUCaps *regs)
{
    JsonNode *cmdqv = json_object_get_member(rec, "cmdqv");
    JsonObject *c;

    if (!cmdqv || JSON_NODE_HOLDS_NULL(cmdqv)) {
        regs->cmdqv = VIR_IOMMU_CAPS_CMDQV_UNKNOWN;
        return 0;
    }
    if (JSON_NODE_HOLDS_VALUE(cmdqv) &&
        json_node_get_value_type(cmdqv) == G_TYPE_BOOLEAN &&
        !json_node_get_boolean(cmdqv)) {
        regs->cmdqv = VIR_IOMMU_CAPS_CMDQV_ABSENT;
        return 0;
    }
    if (!JSON_NODE_HOLDS_OBJECT(cmdqv))
        return -1;
    c = json_node_get_object(cmdqv);
    regs->cmdqv = VIR_IOMMU_CAPS_CMDQV_PRESENT;
    regs->cmdqvVersion = json_object_get_int_member_with_default(c, "version", 0);
    regs->cmdqvLog2VCMDQs = json_object_get_int_member_with_default(c, "log2_vcmdqs", 0);
    regs->cmdqvLog2VSIDs = json_object_get_int_member_with_default(c, "log2_vsids", 0);
    return 0;
}


static int
virSysIOMMUCapsParseSMMUv3(JsonObject *rec, virIOMMUCaps *regs)
{
    uint64_t v;

    if (virSysIOMMUCapsParseIDR(rec, regs) < 0)
        return -1;
    if (virSysIOMMUCapsJSONHex(rec, "iidr", &v) == 0)
        regs->iidr = v;
    if (virSysIOMMUCapsJSONHex(rec, "aidr", &v) == 0)
        regs->aidr = v;
    return virSysIOMMUCapsParseCMDQV(rec, regs);
}


/* The registers of a known record, by its "type".  -1: malformed. */
static int
virSysIOMMUCapsParseRegs(JsonObject *rec, virIOMMUCaps *regs)
{
    int type = virIOMMUCapsTypeFromString(virSysIOMMUCapsJSONString(rec, "type"));

    if (type < 0)
        return -1;
    regs->type = type;
    switch (regs->type) {
    case VIR_IOMMU_CAPS_TYPE_SMMUV3:
        if (virSysIOMMUCapsParseSMMUv3(rec, regs) < 0)
            return -1;
        break;
    case VIR_IOMMU_CAPS_TYPE_INTEL_VTD:
        if (virSysIOMMUCapsJSONHex(rec, "cap", &regs->cap) < 0 ||
            virSysIOMMUCapsJSONHex(rec, "ecap", &regs->ecap) < 0)
            return -1;
        break;
    case VIR_IOMMU_CAPS_TYPE_AMD:
        if (virSysIOMMUCapsJSONHex(rec, "efr", &regs->efr) < 0 ||
            virSysIOMMUCapsJSONHex(rec, "efr2", &regs->efr2) < 0)
            return -1;
        break;
    case VIR_IOMMU_CAPS_TYPE_NONE:
    case VIR_IOMMU_CAPS_TYPE_LAST:
        return -1;
    }

    if (json_object_has_member(rec, "out_capabilities")) {
        if (virSysIOMMUCapsJSONHex(rec, "out_capabilities", &regs->hwCaps) < 0)
            return -1;
        regs->haveHWCaps = true;
    }
    return 0;
}


/* Load the fixture's @file and find the record of @name in it: 1 with
 * it in *rec (held by *parser), 0 when it is not listed, -1 (reported)
 * when the file is not a capability record. */
static int
virSysIOMMUCapsFixtureFind(const char *file,
                           const char *name,
                           JsonParser **parser,
                           JsonObject **rec)
{
    g_autoptr(GError) err = NULL;
    JsonNode *root;
    JsonArray *list;
    guint i;

    *parser = json_parser_new();
    if (!json_parser_load_from_file(*parser, file, &err)) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("cannot read '%1$s': %2$s; fix or remove the file"),
                       file, err->message);
        return -1;
    }
    root = json_parser_get_root(*parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root) ||
        g_strcmp0(virSysIOMMUCapsJSONString(json_node_get_object(root), "format"),
                  "virt-viommu-iommu-caps") != 0 ||
        !json_object_has_member(json_node_get_object(root), "iommus") ||
        !JSON_NODE_HOLDS_ARRAY(json_object_get_member(json_node_get_object(root), "iommus"))) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("'%1$s' is not a capability record (format 'virt-viommu-iommu-caps' with an 'iommus' list); fix or remove the file"),
                       file);
        return -1;
    }
    list = json_object_get_array_member(json_node_get_object(root), "iommus");
    for (i = 0; i < json_array_get_length(list); i++) {
        JsonNode *n = json_array_get_element(list, i);

        if (JSON_NODE_HOLDS_OBJECT(n) &&
            g_strcmp0(virSysIOMMUCapsJSONString(json_node_get_object(n), "name"),
                      name) == 0) {
            *rec = json_node_get_object(n);
            return 1;
        }
    }
    return 0;
}


/* The record of @iommu in the fixture's iommu-caps.json. */
static virSysIOMMUCaps *
virSysIOMMUCapsReadFixture(virSysIOMMUHost *host, virSysIOMMU *iommu)
{
    g_autofree char *file = g_build_filename(virSysIOMMUHostGetRoot(host),
                                             VIR_SYS_IOMMU_CAPS_FILE, NULL);
    g_autoptr(JsonParser) parser = NULL;
    g_autoptr(virSysIOMMUCaps) caps = NULL;
    JsonObject *rec = NULL;
    const char *source;
    int rc;

    if (!g_file_test(file, G_FILE_TEST_EXISTS))
        return virSysIOMMUCapsUnknown("the fixture has no %s (scan --save writes it on the live host)",
                                      VIR_SYS_IOMMU_CAPS_FILE);

    if ((rc = virSysIOMMUCapsFixtureFind(file, iommu->name, &parser, &rec)) < 0)
        return NULL;
    if (rc == 0)
        return virSysIOMMUCapsUnknown("the fixture's %s does not list it",
                                      VIR_SYS_IOMMU_CAPS_FILE);

    source = virSysIOMMUCapsJSONString(rec, "source");
    if (g_strcmp0(source, "unknown") == 0) {
        const char *reason = virSysIOMMUCapsJSONString(rec, "reason");

        return virSysIOMMUCapsUnknown("%s", reason ? reason : "not recorded");
    }

    caps = g_new0(virSysIOMMUCaps, 1);
    caps->via = g_strdup(virSysIOMMUCapsJSONString(rec, "via"));
    if ((rc = virIOMMUCapsSourceTypeFromString(source)) > 0)
        caps->regs.source = rc;
    if (virSysIOMMUCapsParseRegs(rec, &caps->regs) < 0 ||
        caps->regs.source == VIR_IOMMU_CAPS_SOURCE_NONE) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("'%1$s': the record of '%2$s' is malformed (source, type and its registers as hex strings); fix it or capture it again with 'scan --save'"),
                       file, iommu->name);
        return NULL;
    }
    return g_steal_pointer(&caps);
}


virSysIOMMUCaps *
virSysIOMMUHostGetCaps(virSysIOMMUHost *host,
                       virSysIOMMU *iommu,
                       GPtrArray *candidates)
{
    virSysIOMMUCaps *caps = NULL;

    if (iommu->caps)
        return iommu->caps;

    if (iommu->kind == VIR_SYS_IOMMU_KIND_INTEL ||
        iommu->kind == VIR_SYS_IOMMU_KIND_AMD) {
        if (virSysIOMMUCapsReadSysfs(host, iommu, &caps) < 0)
            return NULL;
    }
    if (!caps) {
        if (virSysIOMMUCapsIsLive(host)) {
            if (!(caps = virSysIOMMUCapsReadLive(host, iommu, candidates)))
                return NULL;
        } else if (!(caps = virSysIOMMUCapsReadFixture(host, iommu)))
            return NULL;
    }
    iommu->caps = caps;
    iommu->capsFree = (GDestroyNotify) virSysIOMMUCapsFree;
    return caps;
}


static void
virSysIOMMUCapsJSONAddHex(virJSONBuilder *b, const char *key, uint64_t val)
{
    g_autofree char *str = g_strdup_printf("0x%" G_GINT64_MODIFIER "x", (guint64) val);

    virJSONAddString(b, key, str);
}


/* Open the object @key (NULL: an array element) of @caps, with the
 * IOMMU's @name if any, and where the registers came from.  Returns
 * whether the registers follow; when not, the object is closed with
 * the reason they are unknown. */
static bool
virSysIOMMUCapsJSONBegin(virJSONBuilder *b,
                         const char *key,
                         const char *name,
                         const virSysIOMMUCaps *caps)
{
    const virIOMMUCaps *r = &caps->regs;

    virJSONBeginObject(b, key);
    if (name)
        virJSONAddString(b, "name", name);
    virJSONAddString(b, "source", virIOMMUCapsSourceTypeToString(r->source));
    if (!virSysIOMMUCapsKnown(caps)) {
        virJSONAddString(b, "reason", caps->reason);
        virJSONEndObject(b);
        return false;
    }
    virJSONAddString(b, "via", caps->via);
    virJSONAddString(b, "type", virIOMMUCapsTypeToString(r->type));
    return true;
}


/* An SMMUv3's SMMU_IDR0..5, IIDR and AIDR, as hex strings. */
static void
virSysIOMMUCapsJSONAddIDR(virJSONBuilder *b, const virIOMMUCaps *r)
{
    size_t j;

    virJSONBeginArray(b, "idr");
    for (j = 0; j < G_N_ELEMENTS(r->idr); j++)
        virSysIOMMUCapsJSONAddHex(b, NULL, r->idr[j]);
    virJSONEndArray(b);
    virSysIOMMUCapsJSONAddHex(b, "iidr", r->iidr);
    virSysIOMMUCapsJSONAddHex(b, "aidr", r->aidr);
}


/* The registers of an SMMUv3 record: IDR0..5, IIDR, AIDR and CMDQV. */
static void
virSysIOMMUCapsSaveSMMUv3(virJSONBuilder *b, const virIOMMUCaps *r)
{
    virSysIOMMUCapsJSONAddIDR(b, r);
    switch (r->cmdqv) {
    case VIR_IOMMU_CAPS_CMDQV_UNKNOWN:
        virJSONAddString(b, "cmdqv", NULL);
        break;
    case VIR_IOMMU_CAPS_CMDQV_ABSENT:
        virJSONAddBool(b, "cmdqv", false);
        break;
    case VIR_IOMMU_CAPS_CMDQV_PRESENT:
        virJSONBeginObject(b, "cmdqv");
        virJSONAddInt(b, "version", r->cmdqvVersion);
        virJSONAddInt(b, "log2_vcmdqs", r->cmdqvLog2VCMDQs);
        virJSONAddInt(b, "log2_vsids", r->cmdqvLog2VSIDs);
        virJSONEndObject(b);
        break;
    }
}


/* One IOMMU's record in iommu-caps.json, as virSysIOMMUCapsReadFixture()
 * reads it back. */
static void
virSysIOMMUCapsSaveOne(virJSONBuilder *b,
                       const virSysIOMMU *iommu,
                       const virSysIOMMUCaps *caps)
{
    const virIOMMUCaps *r = &caps->regs;

    if (!virSysIOMMUCapsJSONBegin(b, NULL, iommu->name, caps))
        return;
    switch (r->type) {
    case VIR_IOMMU_CAPS_TYPE_SMMUV3:
        virSysIOMMUCapsSaveSMMUv3(b, r);
        break;
    case VIR_IOMMU_CAPS_TYPE_INTEL_VTD:
        virSysIOMMUCapsJSONAddHex(b, "cap", r->cap);
        virSysIOMMUCapsJSONAddHex(b, "ecap", r->ecap);
        break;
    case VIR_IOMMU_CAPS_TYPE_AMD:
        virSysIOMMUCapsJSONAddHex(b, "efr", r->efr);
        virSysIOMMUCapsJSONAddHex(b, "efr2", r->efr2);
        break;
    case VIR_IOMMU_CAPS_TYPE_NONE:
    case VIR_IOMMU_CAPS_TYPE_LAST:
        break;
    }
    if (r->haveHWCaps)
        virSysIOMMUCapsJSONAddHex(b, "out_capabilities", r->hwCaps);
    virJSONEndObject(b);
}


int
virSysIOMMUHostSaveCaps(virSysIOMMUHost *host, const char *dir)
{
    GPtrArray *iommus = virSysIOMMUHostGetIOMMUs(host);
    g_autoptr(virJSONBuilder) b = virJSONBuilderNew();
    g_autofree char *file = g_build_filename(dir, VIR_SYS_IOMMU_CAPS_FILE, NULL);
    size_t i;

    virJSONRecordBegin(b, "virt-viommu-iommu-caps", 1, "iommus");
    for (i = 0; i < iommus->len; i++) {
        virSysIOMMU *iommu = g_ptr_array_index(iommus, i);
        virSysIOMMUCaps *caps;

        if (!(caps = virSysIOMMUHostGetCaps(host, iommu, NULL)))
            return -1;
        virSysIOMMUCapsSaveOne(b, iommu, caps);
    }
    return virJSONRecordWrite(b, file);
}


char *
virSysIOMMUCapsFormat(const virSysIOMMU *iommu G_GNUC_UNUSED,
                      const virSysIOMMUCaps *caps)
{
    const virIOMMUCaps *r = &caps->regs;
    GString *buf = g_string_new(NULL);

    if (!virSysIOMMUCapsKnown(caps)) {
        g_string_append_printf(buf, "unknown: %s", caps->reason);
        return g_string_free(buf, FALSE);
    }

    switch (r->type) {
    case VIR_IOMMU_CAPS_TYPE_SMMUV3: {
        virIOMMUSMMUv3Features f;

        virIOMMUCapsDecodeSMMUv3(r, &f);
        g_string_append_printf(buf, "oas=%u ssidsize=%u ril=%s ats=%s s1p=%s s2p=%s nesting=%s cmdqv=%s",
                               f.oasBits, f.ssidSize,
                               f.ril ? "on" : "off", f.ats ? "on" : "off",
                               f.s1p ? "yes" : "no", f.s2p ? "yes" : "no",
                               f.nesting ? "yes" : "no",
                               r->cmdqv == VIR_IOMMU_CAPS_CMDQV_PRESENT ? "yes" :
                               r->cmdqv == VIR_IOMMU_CAPS_CMDQV_ABSENT ? "no" : "unknown");
        break;
    }
    case VIR_IOMMU_CAPS_TYPE_INTEL_VTD: {
        virIOMMUVTdFeatures f;

        virIOMMUCapsDecodeVTd(r, &f);
        g_string_append_printf(buf, "aw_bits=%u caching_mode=%s iotlb=%s intremap=%s eim=%s nesting=%s pasid=%u scalable=%s",
                               f.mgaw, f.cachingMode ? "on" : "off",
                               f.deviceTLB ? "on" : "off", f.intremap ? "on" : "off",
                               f.eim ? "on" : "off", f.nesting ? "yes" : "no",
                               f.pasidBits, f.scalableMode ? "yes" : "no");
        break;
    }
    case VIR_IOMMU_CAPS_TYPE_AMD: {
        virIOMMUAMDFeatures f;

        virIOMMUCapsDecodeAMD(r, &f);
        g_string_append_printf(buf, "gt=%s ga=%s giosup=%s ppr=%s pasmax=%u",
                               f.guestTranslation ? "yes" : "no",
                               f.guestAPIC ? "yes" : "no",
                               f.guestIO ? "yes" : "no",
                               f.ppr ? "yes" : "no", f.pasMax);
        break;
    }
    case VIR_IOMMU_CAPS_TYPE_NONE:
    case VIR_IOMMU_CAPS_TYPE_LAST:
        g_string_append(buf, "no registers");
        break;
    }
    g_string_append_printf(buf, " (%s", virIOMMUCapsSourceTypeToString(r->source));
    if (caps->via)
        g_string_append_printf(buf, " via %s", caps->via);
    g_string_append_c(buf, ')');
    return g_string_free(buf, FALSE);
}


void
virSysIOMMUCapsFormatJSON(virJSONBuilder *b, const virSysIOMMUCaps *caps)
{
    const virIOMMUCaps *r = &caps->regs;

    if (!virSysIOMMUCapsJSONBegin(b, "caps", NULL, caps))
        return;
    switch (r->type) {
    case VIR_IOMMU_CAPS_TYPE_SMMUV3: {
        virIOMMUSMMUv3Features f;

        virIOMMUCapsDecodeSMMUv3(r, &f);
        virJSONAddInt(b, "oas", f.oasBits);
        virJSONAddInt(b, "ssidsize", f.ssidSize);
        virJSONAddBool(b, "ril", f.ril);
        virJSONAddBool(b, "ats", f.ats);
        virJSONAddBool(b, "s1p", f.s1p);
        virJSONAddBool(b, "s2p", f.s2p);
        virJSONAddBool(b, "nesting", f.nesting);
        if (r->cmdqv == VIR_IOMMU_CAPS_CMDQV_UNKNOWN)
            virJSONAddString(b, "cmdqv", NULL);
        else
            virJSONAddBool(b, "cmdqv", r->cmdqv == VIR_IOMMU_CAPS_CMDQV_PRESENT);
        virSysIOMMUCapsJSONAddIDR(b, r);
        break;
    }
    case VIR_IOMMU_CAPS_TYPE_INTEL_VTD: {
        virIOMMUVTdFeatures f;

        virIOMMUCapsDecodeVTd(r, &f);
        virJSONAddInt(b, "aw_bits", f.mgaw);
        virJSONAddBool(b, "caching_mode", f.cachingMode);
        virJSONAddBool(b, "iotlb", f.deviceTLB);
        virJSONAddBool(b, "intremap", f.intremap);
        virJSONAddBool(b, "eim", f.eim);
        virJSONAddBool(b, "nesting", f.nesting);
        virJSONAddInt(b, "pasid_bits", f.pasidBits);
        virJSONAddBool(b, "scalable_mode", f.scalableMode);
        virSysIOMMUCapsJSONAddHex(b, "cap", r->cap);
        virSysIOMMUCapsJSONAddHex(b, "ecap", r->ecap);
        break;
    }
    case VIR_IOMMU_CAPS_TYPE_AMD: {
        virIOMMUAMDFeatures f;

        virIOMMUCapsDecodeAMD(r, &f);
        virJSONAddBool(b, "guest_translation", f.guestTranslation);
        virJSONAddBool(b, "guest_apic", f.guestAPIC);
        virJSONAddBool(b, "guest_io", f.guestIO);
        virJSONAddBool(b, "ppr", f.ppr);
        virJSONAddInt(b, "pasmax", f.pasMax);
        virSysIOMMUCapsJSONAddHex(b, "efr", r->efr);
        virSysIOMMUCapsJSONAddHex(b, "efr2", r->efr2);
        break;
    }
    case VIR_IOMMU_CAPS_TYPE_NONE:
    case VIR_IOMMU_CAPS_TYPE_LAST:
        break;
    }
    virJSONEndObject(b);
}
