/*
 * qemuxmlconftest.c: golden tests of the planner and the argv builder
 *
 * Each case plans tests/qemuxmlconfdata/NAME.xml against the host
 * fixture tests/hosts/HOST and compares the result with
 * NAME.ARCH-latest.xml and NAME.ARCH-latest.args, or, for a case that
 * must fail, the reported errors with NAME.ARCH-latest.err.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_viommu.h"
#include "qemu_viommu_argv.h"
#include "qemu_viommu_xml.h"
#include "testutils.h"
#include "virerror.h"
#include "virsysiommu.h"

typedef enum {
    TEST_FLAG_FAIL = 1 << 0,        /* planning must fail */
    TEST_FLAG_ARGV_FAIL = 1 << 1,   /* planning works, argv must fail */
    TEST_FLAG_PORTABLE = 1 << 2,    /* read the host without openat2 */
} testFlags;

typedef struct _testInfo testInfo;
struct _testInfo {
    const char *name;
    const char *host;
    unsigned int sparePorts;
    unsigned int flags;
};


static const char *
testArch(const testInfo *info)
{
    return g_str_has_prefix(info->host, "x86") ? "x86_64" : "aarch64";
}


static char *
testPath(const testInfo *info, const char *ext)
{
    if (!ext)
        return g_strdup_printf("%s/qemuxmlconfdata/%s.xml", virTestSrcDir(), info->name);
    return g_strdup_printf("%s/qemuxmlconfdata/%s.%s-latest.%s",
                           virTestSrcDir(), info->name, testArch(info), ext);
}


/* Plan @xml; returns the planned text or NULL with errors reported. */
static char *
testPlan(const testInfo *info, const char *xml, size_t len, bool *changed,
         xmlDocPtr *docOut)
{
    g_autofree char *root = g_strdup_printf("%s/hosts/%s", virTestSrcDir(), info->host);
    g_autoptr(virSysIOMMUHost) host = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    qemuVIOMMUPlanOptions opts = { .sparePorts = info->sparePorts };
    size_t outlen;

    if (!(doc = qemuVIOMMUXMLParse(xml, len, info->name)))
        return NULL;
    if (!(host = virSysIOMMUHostOpen(root)))
        return NULL;
    if (info->flags & TEST_FLAG_PORTABLE)
        virSysfsRootSetPortable(virSysIOMMUHostGetSysfs(host), true);
    if (qemuVIOMMUPlanDomain(host, doc, &opts, changed) < 0)
        return NULL;
    if (docOut)
        *docOut = g_steal_pointer(&doc);
    return qemuVIOMMUXMLFormat(docOut ? *docOut : doc, &outlen);
}


static int
testCompareErrors(const testInfo *info)
{
    g_autofree char *errPath = testPath(info, "err");
    g_autofree char *errs = virErrorsFormat(VIR_ERROR_FORMAT_CODES);

    if (virErrorCount() == 0) {
        printf("  failed without reporting an error\n");
        return -1;
    }
    virErrorReset();
    return virTestCompareToFile(errs, errPath);
}


static int
testQemuXMLConf(const void *opaque)
{
    const testInfo *info = opaque;
    g_autofree char *inPath = testPath(info, NULL);
    g_autofree char *outPath = testPath(info, "xml");
    g_autofree char *argsPath = testPath(info, "args");
    g_autofree char *input = NULL;
    g_autofree char *planned = NULL;
    g_autofree char *again = NULL;
    g_autofree char *replanned = NULL;
    g_autofree char *argsText = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GPtrArray) args = NULL;
    g_autoptr(GError) err = NULL;
    qemuVIOMMUArgvOptions argvOpts = { 0 };
    size_t len;
    bool changed;

    virTestMarkUsed(inPath);
    if (!g_file_get_contents(inPath, &input, &len, &err)) {
        printf("  cannot read %s: %s\n", inPath, err->message);
        return -1;
    }

    planned = testPlan(info, input, len, &changed, &doc);
    if (info->flags & TEST_FLAG_FAIL) {
        if (planned) {
            printf("  planning succeeded but was expected to fail\n");
            return -1;
        }
        return testCompareErrors(info);
    }
    if (!planned)
        return -1;
    if (virTestCompareToFile(planned, outPath) < 0)
        return -1;

    /* deterministic: the same input plans the same way twice */
    if (!(again = testPlan(info, input, len, &changed, NULL)))
        return -1;
    if (strcmp(again, planned) != 0) {
        printf("  a second plan of the same input differs\n");
        return -1;
    }

    /* idempotent: a planned domain plans to itself, byte for byte */
    if (!(replanned = testPlan(info, planned, strlen(planned), &changed, NULL)))
        return -1;
    if (strcmp(replanned, planned) != 0 || changed) {
        printf("  planning the planned domain changed it%s\n",
               changed ? " (reported as changed)" : "");
        if (virTestDebug())
            printf("%s", replanned);
        return -1;
    }

    if (qemuVIOMMUBuildArgv(doc, &argvOpts, &args) < 0) {
        if (info->flags & TEST_FLAG_ARGV_FAIL)
            return testCompareErrors(info);
        return -1;
    }
    if (info->flags & TEST_FLAG_ARGV_FAIL) {
        printf("  argv succeeded but was expected to fail\n");
        return -1;
    }
    argsText = qemuVIOMMUArgvFormat(args, true);
    return virTestCompareToFile(argsText, argsPath);
}


/* The numbers the planner writes into attributes: decimal, and hex
 * with at least the given number of digits (at most 16). */
static int
testNumberAttributes(const void *opaque G_GNUC_UNUSED)
{
    struct {
        bool hex;
        unsigned int digits;
        long long val;
        const char *want;
    } cases[] = {
        { false, 0, 0, "0" },
        { false, 0, 7, "7" },
        { false, 0, -1, "-1" },
        { false, 0, 65535, "65535" },
        { false, 0, G_MININT64, "-9223372036854775808" },
        { false, 0, G_MAXINT64, "9223372036854775807" },
        { true, 1, 0, "0x0" },
        { true, 2, 0, "0x00" },
        { true, 2, 0x1f, "0x1f" },
        { true, 2, 0x100, "0x100" },
        { true, 4, 0xab, "0x00ab" },
        { true, 40, 1, "0x0000000000000001" },
        { true, 1, -1, "0xffffffffffffffff" },
    };
    g_autoptr(xmlDoc) doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr node = xmlNewDocNode(doc, NULL, BAD_CAST "address", NULL);
    size_t i;

    xmlDocSetRootElement(doc, node);
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = NULL;

        if (cases[i].hex)
            qemuVIOMMUXMLSetPropHex(node, "bus", cases[i].digits, cases[i].val);
        else
            qemuVIOMMUXMLSetPropInt(node, "bus", cases[i].val);
        got = qemuVIOMMUXMLProp(node, "bus");
        if (g_strcmp0(got, cases[i].want) != 0) {
            printf("  case %zu: bus='%s', want '%s'\n", i, NULLSTR(got), cases[i].want);
            return -1;
        }
    }
    return 0;
}


static int
testUnused(const void *opaque G_GNUC_UNUSED)
{
    g_autofree char *dir = g_strdup_printf("%s/qemuxmlconfdata", virTestSrcDir());
    const char *suffixes[] = { ".xml", ".args", ".err", NULL };

    return virTestCheckUnused(dir, suffixes);
}


int
main(void)
{
    int failures = 0;

    virTestInit();

#define DO_TEST_FULL(_name, _host, _spare, _flags) \
    do { \
        static const testInfo info = { _name, _host, _spare, _flags }; \
        if (virTestRun(_name, testQemuXMLConf, &info) < 0) \
            failures++; \
    } while (0)

#define DO_TEST(name, host) DO_TEST_FULL(name, host, 0, 0)
#define DO_TEST_SPARE(name, host, spare) DO_TEST_FULL(name, host, spare, 0)
#define DO_TEST_FAILURE(name, host) DO_TEST_FULL(name, host, 0, TEST_FLAG_FAIL)
#define DO_TEST_ARGV_FAILURE(name, host) DO_TEST_FULL(name, host, 0, TEST_FLAG_ARGV_FAIL)

#include "qemuxmlconfcases.h"

    if (virTestRun("number attributes", testNumberAttributes, NULL) < 0)
        failures++;
    if (virTestRun("no unused data files", testUnused, NULL) < 0)
        failures++;

    return virTestResult(failures);
}
