/*
 * qemuviommuerrortest.c: the error codes a failed plan leaves behind
 *
 * Callers and tests tell failures apart by code, not by message text:
 * the .err goldens print them as "code: message".  A few representative
 * failures here check that the planner's public entry points report
 * the code that says what went wrong, and nothing else.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <stdio.h>
#include <string.h>

#include "qemu_viommu.h"
#include "qemu_viommu_xml.h"
#include "testutils.h"
#include "virerror.h"
#include "virsysiommu.h"

typedef struct _testInfo testInfo;
struct _testInfo {
    const char *name;
    const char *xml;
    virErrorCode code;      /* VIR_ERROR_LAST: planning succeeds */
    const char *host;       /* tests/hosts/HOST; NULL: aarch64-2smmu */
};

#define TEST_DOMAIN(_arch, _machine, _source) \
    "<domain type='kvm'>\n" \
    "  <name>guest</name>\n" \
    "  <memory unit='GiB'>4</memory>\n" \
    "  <os>\n" \
    "    <type arch='" _arch "' machine='" _machine "'>hvm</type>\n" \
    "  </os>\n" \
    "  <devices>\n" \
    "    <hostdev mode='subsystem' type='pci' managed='yes'>\n" \
    "      <source>\n" \
    "        <address " _source "/>\n" \
    "      </source>\n" \
    "    </hostdev>\n" \
    "  </devices>\n" \
    "</domain>\n"

/* aarch64 virt, one hostdev and a vIOMMU template with @_driver */
#define TEST_DOMAIN_TEMPLATE(_source, _driver) \
    "<domain type='kvm'>\n" \
    "  <name>guest</name>\n" \
    "  <memory unit='GiB'>4</memory>\n" \
    "  <os>\n" \
    "    <type arch='aarch64' machine='virt'>hvm</type>\n" \
    "  </os>\n" \
    "  <devices>\n" \
    "    <hostdev mode='subsystem' type='pci' managed='yes'>\n" \
    "      <source>\n" \
    "        <address " _source "/>\n" \
    "      </source>\n" \
    "    </hostdev>\n" \
    "    <iommu model='smmuv3'><driver " _driver "/></iommu>\n" \
    "  </devices>\n" \
    "</domain>\n"

#define TEST_ON_HOST "domain='0x0000' bus='0x01' slot='0x00' function='0x0'"
#define TEST_NOT_ON_HOST "domain='0x0005' bus='0x01' slot='0x00' function='0x0'"
/* on tests/hosts/aarch64-smmu-refused: behind an SMMU with IDR0.STLEVEL 0 */
#define TEST_STLEVEL_0 "domain='0x0001' bus='0x01' slot='0x00' function='0x0'"


/* Parse and plan @info->xml against its host fixture. */
static int
testPlanCode(const void *opaque)
{
    const testInfo *info = opaque;
    g_autofree char *root = g_strdup_printf("%s/hosts/%s", virTestSrcDir(),
                                            info->host ? info->host : "aarch64-2smmu");
    g_autoptr(virSysIOMMUHost) host = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    qemuVIOMMUPlanOptions opts = { 0 };
    bool changed;
    int rc = -1;
    virErrorCode code;

    if ((doc = qemuVIOMMUXMLParse(info->xml, strlen(info->xml), info->name))) {
        if (!(host = virSysIOMMUHostOpen(root)))
            return -1;
        rc = qemuVIOMMUPlanDomain(host, doc, &opts, &changed);
    }

    code = virErrorGetLastCode();
    if ((rc == 0) != (info->code == VIR_ERROR_LAST)) {
        printf("  planning %s\n", rc == 0 ? "succeeded" : "failed");
        return -1;
    }
    if (code != info->code) {
        printf("  last error code '%s', expected '%s'\n",
               NULLSTR(virErrorCodeTypeToString(code)),
               NULLSTR(virErrorCodeTypeToString(info->code)));
        return -1;
    }
    if (rc < 0 && virErrorCount() != 1) {
        printf("  %zu errors reported, expected one\n", virErrorCount());
        return -1;
    }
    return 0;
}


/* The names the .err goldens print are the codes' string table. */
static int
testCodeNames(const void *opaque G_GNUC_UNUSED)
{
    g_autofree char *text = NULL;

    if (virErrorGetLastCode() != VIR_ERROR_LAST) {
        printf("  a code without any error reported\n");
        return -1;
    }

    virReportError(VIR_ERROR_XML_PARSE, "%s", "first");
    virReportError(VIR_ERROR_HOST_DEVICE, "%s", "second");
    text = virErrorsFormat(VIR_ERROR_FORMAT_CODES);
    if (virErrorGetLastCode() != VIR_ERROR_HOST_DEVICE ||
        strcmp(text, "xml-parse: first\nhost-device: second\n") != 0) {
        printf("  got '%s' (last code %d)\n", text, virErrorGetLastCode());
        return -1;
    }

    virErrorReset();
    if (virErrorGetLastCode() != VIR_ERROR_LAST) {
        printf("  a code left after virErrorReset()\n");
        return -1;
    }
    return 0;
}


int
main(void)
{
    int failures = 0;

    virTestInit();

    if (virTestRun("code names", testCodeNames, NULL) < 0)
        failures++;

#define DO_TEST_HOST(_name, _xml, _code, _host) \
    do { \
        static const testInfo info = { _name, _xml, _code, _host }; \
        if (virTestRun(_name, testPlanCode, &info) < 0) \
            failures++; \
    } while (0)
#define DO_TEST(_name, _xml, _code) DO_TEST_HOST(_name, _xml, _code, NULL)

    DO_TEST("planned", TEST_DOMAIN("aarch64", "virt", TEST_ON_HOST), VIR_ERROR_LAST);
    DO_TEST("malformed XML", "<domain><devices></domain>\n", VIR_ERROR_XML_PARSE);
    DO_TEST("device not on host", TEST_DOMAIN("aarch64", "virt", TEST_NOT_ON_HOST),
            VIR_ERROR_HOST_DEVICE);
    DO_TEST("unsupported machine", TEST_DOMAIN("x86_64", "pc", TEST_ON_HOST),
            VIR_ERROR_UNSUPPORTED);
    /* QEMU's smmuv3_accel_check_hw_compatible refuses the host SMMU */
    DO_TEST_HOST("host SMMU QEMU refuses", TEST_DOMAIN("aarch64", "virt", TEST_STLEVEL_0),
                 VIR_ERROR_HOST_IOMMU, "aarch64-smmu-refused");
    DO_TEST_HOST("host SMMU QEMU refuses, accel off", TEST_DOMAIN_TEMPLATE(TEST_STLEVEL_0, "accel='off'"),
                 VIR_ERROR_LAST, "aarch64-smmu-refused");
    /* QEMU's smmu_validate_property refuses the option, whatever the host */
    DO_TEST("oas QEMU refuses", TEST_DOMAIN_TEMPLATE(TEST_ON_HOST, "accel='on' oas='52'"),
            VIR_ERROR_XML_INVALID);

    return virTestResult(failures);
}
