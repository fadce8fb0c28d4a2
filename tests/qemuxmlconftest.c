/*
 * qemuxmlconftest.c: golden tests of the planner and the argv builder
 *
 * Each case plans tests/qemuxmlconfdata/NAME.xml against the host
 * fixture tests/hosts/HOST and compares the result with
 * NAME.ARCH-latest.xml and NAME.ARCH-latest.args, or, for a case that
 * must fail, the reported errors with NAME.ARCH-latest.err.  The
 * warnings of every case are compared with NAME.ARCH-latest.warn, which
 * exists only for a case that warns.  Every case runs twice, reading its
 * host through openat2(2) and through the portable resolver.  A few
 * cases also compare the plan's explanation (plan --explain) with
 * NAME.ARCH-latest.explain.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

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
    TEST_FLAG_MOVE = 1 << 3,        /* plan with --move */
    TEST_FLAG_REFRESH = 1 << 4,     /* plan with --refresh-options */
    TEST_FLAG_ARGV_REFUSES = 1 << 5, /* with FAIL: argv of the input fails
                                      * with the same errors */
} testFlags;

/* Whether openat2(2) works here; where it does not (old kernels,
 * valgrind) the default resolver falls back to the portable one. */
static bool testHaveOpenat2;

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


static bool
testProbeOpenat2(void)
{
    struct open_how how = {
        .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
        .resolve = RESOLVE_BENEATH,
    };
    long fd = syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof(how));

    if (fd < 0)
        return false;
    close(fd);
    return true;
}


/* Plan @xml; returns the planned text or NULL with errors reported.
 * *portable tells whether the portable resolver read the host (it is
 * left alone when the host was not opened). */
static char *
testPlan(const testInfo *info, const char *xml, size_t len, bool *changed,
         xmlDocPtr *docOut, bool *portable)
{
    g_autofree char *root = g_strdup_printf("%s/hosts/%s", virTestSrcDir(), info->host);
    g_autoptr(virSysIOMMUHost) host = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    qemuVIOMMUPlanOptions opts = {
        .sparePorts = info->sparePorts,
        .move = !!(info->flags & TEST_FLAG_MOVE),
        .refreshOptions = !!(info->flags & TEST_FLAG_REFRESH),
    };
    virSysfsRoot *sysfs;
    size_t outlen;
    int rc;

    if (!(doc = qemuVIOMMUXMLParse(xml, len, info->name)))
        return NULL;
    if (!(host = virSysIOMMUHostOpen(root)))
        return NULL;
    sysfs = virSysIOMMUHostGetSysfs(host);
    if (info->flags & TEST_FLAG_PORTABLE)
        virSysfsRootSetPortable(sysfs, true);
    rc = qemuVIOMMUPlanDomain(host, doc, &opts, changed);
    if (portable)
        *portable = virSysfsRootIsPortable(sysfs);
    if (rc < 0)
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


/* 'argv' of the unplanned input must refuse it as 'plan' did, with the
 * same errors: what one command refuses the other must not print. */
static int
testArgvRefuses(const testInfo *info, const char *input, size_t len)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GPtrArray) args = NULL;
    qemuVIOMMUArgvOptions argvOpts = { 0 };

    if (!(doc = qemuVIOMMUXMLParse(input, len, info->name)))
        return -1;
    if (qemuVIOMMUBuildArgv(doc, &argvOpts, &args) == 0) {
        printf("  argv of the input succeeded but plan refused it\n");
        return -1;
    }
    virWarningReset();
    return testCompareErrors(info);
}


/* The warnings reported since the last call, as a .warn file has them. */
static char *
testTakeWarnings(void)
{
    char *warnings = virWarningsFormat(VIR_ERROR_FORMAT_CODES);

    virWarningReset();
    return warnings;
}


/* A case expected to fail: the error, the warnings, and whether the
 * argv builder refuses the input too. */
static int
testQemuXMLConfFailure(const testInfo *info,
                       const char *input,
                       size_t len,
                       bool planned,
                       const char *warnings,
                       const char *warnPath)
{
    int ret = 0;

    if (planned) {
        printf("  planning succeeded but was expected to fail\n");
        return -1;
    }
    if (testCompareErrors(info) < 0)
        ret = -1;
    if (virTestCompareToOptionalFile(warnings, warnPath) < 0)
        ret = -1;
    if ((info->flags & TEST_FLAG_ARGV_REFUSES) &&
        testArgvRefuses(info, input, len) < 0)
        ret = -1;
    return ret;
}


/* Deterministic: the same input plans the same way twice, with the
 * same warnings.  Idempotent: a planned domain plans to itself, byte
 * for byte. */
static int
testQemuXMLConfStable(const testInfo *info,
                      const char *input,
                      size_t len,
                      const char *planned,
                      const char *warnings)
{
    g_autofree char *again = NULL;
    g_autofree char *againWarnings = NULL;
    g_autofree char *replanned = NULL;
    bool changed;

    if (!(again = testPlan(info, input, len, &changed, NULL, NULL)))
        return -1;
    againWarnings = testTakeWarnings();
    if (strcmp(again, planned) != 0) {
        printf("  a second plan of the same input differs\n");
        return -1;
    }
    if (strcmp(againWarnings, warnings) != 0) {
        printf("  a second plan of the same input warns differently\n");
        return -1;
    }

    if (!(replanned = testPlan(info, planned, strlen(planned), &changed, NULL, NULL)))
        return -1;
    virWarningReset();
    if (strcmp(replanned, planned) != 0 || changed) {
        printf("  planning the planned domain changed it%s\n",
               changed ? " (reported as changed)" : "");
        if (virTestDebug())
            printf("%s", replanned);
        return -1;
    }
    return 0;
}


/* The QEMU argv of the planned @doc against its .args file, or the
 * error expected of it.  Returns -1 to stop the case, else 0 with
 * *ret set to -1 when a file differs. */
static int
testQemuXMLConfArgv(const testInfo *info,
                    xmlDocPtr doc,
                    const char *argsPath,
                    int *ret)
{
    qemuVIOMMUArgvOptions argvOpts = { 0 };
    g_autoptr(GPtrArray) args = NULL;
    g_autofree char *argsText = NULL;

    if (qemuVIOMMUBuildArgv(doc, &argvOpts, &args) < 0) {
        if (!(info->flags & TEST_FLAG_ARGV_FAIL))
            return -1;
        if (testCompareErrors(info) < 0)
            *ret = -1;
    } else if (info->flags & TEST_FLAG_ARGV_FAIL) {
        printf("  argv succeeded but was expected to fail\n");
        return -1;
    } else {
        argsText = qemuVIOMMUArgvFormat(args, true);
        if (virTestCompareToFile(argsText, argsPath) < 0)
            *ret = -1;
    }
    return 0;
}


static int
testQemuXMLConf(const void *opaque)
{
    const testInfo *info = opaque;
    g_autofree char *inPath = testPath(info, NULL);
    g_autofree char *outPath = testPath(info, "xml");
    g_autofree char *argsPath = testPath(info, "args");
    g_autofree char *warnPath = testPath(info, "warn");
    g_autofree char *input = NULL;
    g_autofree char *planned = NULL;
    g_autofree char *warnings = NULL;
    g_autofree char *argvWarnings = NULL;
    g_autofree char *allWarnings = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GError) err = NULL;
    size_t len;
    bool changed;
    bool portable = !!(info->flags & TEST_FLAG_PORTABLE);
    int ret = 0;

    virTestMarkUsed(inPath);
    if (!g_file_get_contents(inPath, &input, &len, &err)) {
        printf("  cannot read %s: %s\n", inPath, err->message);
        return -1;
    }

    planned = testPlan(info, input, len, &changed, &doc, &portable);
    warnings = testTakeWarnings();
    /* The default resolver switches to the portable one only when
     * openat2 fails, which depends on the kernel and on what is read. */
    if (info->flags & TEST_FLAG_PORTABLE) {
        if (!portable) {
            printf("  the host was read with openat2, not the portable resolver\n");
            return -1;
        }
    } else if (portable && testHaveOpenat2) {
        printf("  the host was read by the portable resolver although openat2 works here\n");
        return -1;
    }
    if (info->flags & TEST_FLAG_FAIL)
        return testQemuXMLConfFailure(info, input, len, !!planned,
                                      warnings, warnPath);
    if (!planned)
        return -1;

    /* Every expected file is compared even after one differs, so that
     * one regenerating run rewrites all of them. */
    if (virTestCompareToFile(planned, outPath) < 0)
        ret = -1;

    if (testQemuXMLConfStable(info, input, len, planned, warnings) < 0)
        return -1;

    if (testQemuXMLConfArgv(info, doc, argsPath, &ret) < 0)
        return -1;

    /* the case's warnings: the plan's, then any of the argv builder */
    argvWarnings = testTakeWarnings();
    allWarnings = g_strconcat(warnings, argvWarnings, NULL);
    if (virTestCompareToOptionalFile(allWarnings, warnPath) < 0)
        ret = -1;
    return ret;
}


/* The numbers the planner writes into attributes: decimal, and hex
 * with at least the given number of digits (at most 16). */
/* The explanation of the plan of NAME.xml, twice the same. */
static int
testExplain(const void *opaque)
{
    const testInfo *info = opaque;
    g_autofree char *inPath = testPath(info, NULL);
    g_autofree char *explainPath = testPath(info, "explain");
    g_autofree char *root = g_strdup_printf("%s/hosts/%s", virTestSrcDir(), info->host);
    g_autofree char *input = NULL;
    g_autofree char *text = NULL;
    g_autofree char *again = NULL;
    g_autoptr(virSysIOMMUHost) host = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GError) err = NULL;
    qemuVIOMMUPlanOptions opts = {
        .sparePorts = info->sparePorts,
        .move = !!(info->flags & TEST_FLAG_MOVE),
        .refreshOptions = !!(info->flags & TEST_FLAG_REFRESH),
    };
    size_t len;

    if (!g_file_get_contents(inPath, &input, &len, &err)) {
        printf("  cannot read %s: %s\n", inPath, err->message);
        return -1;
    }
    if (!(doc = qemuVIOMMUXMLParse(input, len, info->name)) ||
        !(host = virSysIOMMUHostOpen(root)) ||
        !(text = qemuVIOMMUPlanExplainDomain(host, doc, &opts)) ||
        !(again = qemuVIOMMUPlanExplainDomain(host, doc, &opts)))
        return -1;
    /* the warnings are the plan's, compared by its own case */
    virWarningReset();
    if (strcmp(text, again) != 0) {
        printf("  a second explanation of the same input differs\n");
        return -1;
    }
    return virTestCompareToFile(text, explainPath);
}


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
    const char *suffixes[] = { ".xml", ".args", ".err", ".warn", ".explain", NULL };

    return virTestCheckUnused(dir, suffixes);
}


int
main(void)
{
    int failures = 0;

    virTestInit();

    testHaveOpenat2 = testProbeOpenat2();
    if (!testHaveOpenat2)
        printf("openat2 does not work here: every case reads its host with the portable resolver\n");

/* Every case runs twice, with the default (openat2) resolver and with
 * the portable one, against the same expected files. */
#define DO_TEST_FULL(_name, _host, _spare, _flags) \
    do { \
        static const testInfo info = { _name, _host, _spare, _flags }; \
        static const testInfo infoPortable = { _name, _host, _spare, \
                                               (_flags) | TEST_FLAG_PORTABLE }; \
        if (virTestRun(_name, testQemuXMLConf, &info) < 0) \
            failures++; \
        if (virTestRun(_name " (portable resolver)", testQemuXMLConf, &infoPortable) < 0) \
            failures++; \
    } while (0)

#define DO_TEST(name, host) DO_TEST_FULL(name, host, 0, 0)
#define DO_TEST_SPARE(name, host, spare) DO_TEST_FULL(name, host, spare, 0)
#define DO_TEST_FAILURE(name, host) DO_TEST_FULL(name, host, 0, TEST_FLAG_FAIL)
#define DO_TEST_ARGV_FAILURE(name, host) DO_TEST_FULL(name, host, 0, TEST_FLAG_ARGV_FAIL)
#define DO_TEST_MOVE(name, host) DO_TEST_FULL(name, host, 0, TEST_FLAG_MOVE)
#define DO_TEST_REFRESH(name, host) DO_TEST_FULL(name, host, 0, TEST_FLAG_REFRESH)
#define DO_TEST_MODEL_FAILURE(name, host) \
    DO_TEST_FULL(name, host, 0, TEST_FLAG_FAIL | TEST_FLAG_ARGV_REFUSES)

#include "qemuxmlconfcases.h"

/* plan --explain of a few cases: placing, --move, q35, spares, caps,
 * the window */
#define DO_TEST_EXPLAIN(_name, _host, _spare, _flags) \
    do { \
        static const testInfo info = { _name, _host, _spare, _flags }; \
        if (virTestRun(_name " (explain)", testExplain, &info) < 0) \
            failures++; \
    } while (0)

    DO_TEST_EXPLAIN("aarch64-2smmu-basic", "aarch64-2smmu", 0, 0);
    DO_TEST_EXPLAIN("aarch64-2smmu-move-wrong-viommu", "aarch64-2smmu", 0, TEST_FLAG_MOVE);
    DO_TEST_EXPLAIN("x86-intel-2dmar-q35", "x86-intel-2dmar", 0, 0);
    DO_TEST_EXPLAIN("x86-q35-dumpxml-move", "x86-intel-2dmar", 0, TEST_FLAG_MOVE);
    /* caching_mode the plan adds to the user's <iommu> */
    DO_TEST_EXPLAIN("x86-intel-2dmar-template-no-caching", "x86-intel-2dmar", 0, 0);
    DO_TEST_EXPLAIN("aarch64-2smmu-spare-ports", "aarch64-2smmu", 2, 0);
    DO_TEST_EXPLAIN("aarch64-2smmu-replan-spare", "aarch64-2smmu", 0, 0);
    DO_TEST_EXPLAIN("aarch64-caps-basic", "aarch64-2smmu-caps", 0, 0);
    DO_TEST_EXPLAIN("aarch64-caps-template-below", "aarch64-2smmu-caps", 0, 0);
    DO_TEST_EXPLAIN("aarch64-caps-refresh", "aarch64-2smmu-caps", 0, TEST_FLAG_REFRESH);
    DO_TEST_EXPLAIN("aarch64-grace-gpus", "aarch64-grace", 0, 0);
    DO_TEST_EXPLAIN("aarch64-bars-4x256", "aarch64-gpu-bars", 0, 0);
    DO_TEST_EXPLAIN("aarch64-bars-user-larger", "aarch64-gpu-bars", 0, 0);
    DO_TEST_EXPLAIN("aarch64-bars-default", "aarch64-gpu-bars", 0, 0);
    /* a pxb renumbered; a hostdev kept on a bus libvirt adds */
    DO_TEST_EXPLAIN("aarch64-2smmu-replan-renumber", "aarch64-2smmu", 0, 0);
    DO_TEST_EXPLAIN("aarch64-hostdev-bus-libvirt-adds", "aarch64-2smmu", 0, 0);
    /* GPU memory as guest nodes: a domain without <numa> gets cell 0 */
    DO_TEST_EXPLAIN("aarch64-grace-gpumem-one", "aarch64-grace-gpumem", 0, 0);

    if (virTestRun("number attributes", testNumberAttributes, NULL) < 0)
        failures++;
    if (virTestRun("no unused data files", testUnused, NULL) < 0)
        failures++;

    return virTestResult(failures);
}
