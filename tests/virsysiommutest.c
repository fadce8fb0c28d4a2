/*
 * virsysiommutest.c: tests of the host IOMMU scanner
 *
 * Golden output of every host fixture in tests/hosts (text and JSON,
 * read with openat2 and with the portable resolver), a save and re-scan
 * round trip, and hand-made broken trees for each way a sysfs tree can
 * mislead or attack the scanner.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "testutils.h"
#include "virerror.h"
#include "virpcibar.h"
#include "virsysgpumem.h"
#include "virsysiommu.h"
#include "virpciids.h"
#include "virsysiommufmt.h"


static char *
testHostPath(const char *host)
{
    return g_strdup_printf("%s/hosts/%s", virTestSrcDir(), host);
}


static char *
testScanFormat(const char *root, bool portable, bool json)
{
    g_autoptr(virSysIOMMUHost) host = NULL;

    if (!(host = virSysIOMMUHostOpen(root)))
        return NULL;
    virSysfsRootSetPortable(virSysIOMMUHostGetSysfs(host), portable);
    if (virSysIOMMUHostScan(host) < 0 ||
        virSysIOMMUHostReadGPUMem(host) < 0)
        return NULL;
    return json ? virSysIOMMUHostFormatJSON(host, NULL)
                : virSysIOMMUHostFormatText(host, NULL);
}


static int
testScanGolden(const void *opaque)
{
    const char *name = opaque;
    g_autofree char *root = testHostPath(name);
    g_autofree char *txtPath = g_strdup_printf("%s/virsysiommudata/%s.txt", virTestSrcDir(), name);
    g_autofree char *jsonPath = g_strdup_printf("%s/virsysiommudata/%s.json", virTestSrcDir(), name);
    g_autofree char *text = NULL;
    g_autofree char *json = NULL;
    g_autofree char *portable = NULL;

    if (!(text = testScanFormat(root, false, false)) ||
        !(json = testScanFormat(root, false, true)) ||
        !(portable = testScanFormat(root, true, false)))
        return -1;
    if (strcmp(text, portable) != 0) {
        printf("  the portable resolver reads the host differently\n");
        return -1;
    }
    if (virTestCompareToFile(text, txtPath) < 0 ||
        virTestCompareToFile(json, jsonPath) < 0)
        return -1;
    return 0;
}


static int
testSaveRoundTrip(const void *opaque)
{
    const char *name = opaque;
    g_autofree char *root = testHostPath(name);
    g_autofree char *tmp = g_dir_make_tmp("virsysiommutest-XXXXXX", NULL);
    g_autofree char *dest = g_build_filename(tmp, "saved", NULL);
    g_autoptr(virSysIOMMUHost) host = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *cmd = NULL;
    int ret = -1;

    if (!tmp)
        return -1;
    if (!(host = virSysIOMMUHostOpen(root)) ||
        virSysIOMMUHostSave(host, dest) < 0 ||
        virSysIOMMUHostSaveRegions(host, dest) < 0)
        goto cleanup;
    if (!(before = testScanFormat(root, false, true)) ||
        !(after = testScanFormat(dest, false, true)))
        goto cleanup;
    if (strcmp(before, after) != 0) {
        printf("  the saved fixture scans differently\n");
        goto cleanup;
    }
    /* saving again into an existing directory must refuse */
    if (virSysIOMMUHostSave(host, dest) == 0) {
        printf("  saving over an existing directory succeeded\n");
        goto cleanup;
    }
    virErrorReset();
    ret = 0;

 cleanup:
    cmd = g_strdup_printf("rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        printf("  cannot remove %s\n", tmp);
    return ret;
}


/* ---- hand-made trees ---- */

typedef struct _testTree testTree;
struct _testTree {
    char *root;
};


static void
testTreeFile(testTree *t, const char *path, const char *content)
{
    g_autofree char *full = g_build_filename(t->root, path, NULL);
    g_autofree char *dir = g_path_get_dirname(full);

    g_mkdir_with_parents(dir, 0755);
    g_file_set_contents(full, content, -1, NULL);
}


static void
testTreeLink(testTree *t, const char *path, const char *target)
{
    g_autofree char *full = g_build_filename(t->root, path, NULL);
    g_autofree char *dir = g_path_get_dirname(full);

    g_mkdir_with_parents(dir, 0755);
    if (symlink(target, full) < 0)
        printf("  symlink %s: %s\n", full, g_strerror(errno));
}


/* One SMMU with one endpoint, as the kernel lays it out. */
static testTree *
testTreeNew(void)
{
    testTree *t = g_new0(testTree, 1);
    const char *dev = "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0";

    t->root = g_dir_make_tmp("virsysiommutest-XXXXXX", NULL);
    testTreeFile(t, "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/vendor", "0x15b3\n");
    testTreeFile(t, "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/device", "0x101d\n");
    testTreeFile(t, "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/class", "0x020000\n");
    testTreeFile(t, "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/numa_node", "0\n");
    testTreeLink(t, "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/iommu",
                 "../../../platform/arm-smmu-v3.0.auto/iommu/smmu3.0x0000000011000000");
    testTreeLink(t, "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/iommu_group",
                 "../../../../kernel/iommu_groups/3");
    testTreeLink(t, "sys/bus/pci/devices/0000:01:00.0",
                 "../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0");
    testTreeFile(t, "sys/devices/platform/arm-smmu-v3.0.auto/iommu/smmu3.0x0000000011000000/devices/.keep", "");
    testTreeLink(t, "sys/class/iommu/smmu3.0x0000000011000000",
                 "../../devices/platform/arm-smmu-v3.0.auto/iommu/smmu3.0x0000000011000000");
    testTreeFile(t, "sys/kernel/iommu_groups/3/type", "DMA\n");
    (void) dev;
    return t;
}


static void
testTreeFree(testTree *t)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", t->root);

    if (system(cmd) != 0)
        printf("  cannot remove %s\n", t->root);
    g_free(t->root);
    g_free(t);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(testTree, testTreeFree);


#define TEST_DEV "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0"

typedef struct _testBroken testBroken;
struct _testBroken {
    const char *name;
    void (*mangle)(testTree *t);
    bool portable;
    const char *expectError;    /* substring of the reported error; NULL: works */
};


static void
testMangleNone(testTree *t G_GNUC_UNUSED)
{
}


static void
testMangleEscapeRelative(testTree *t)
{
    g_autofree char *p = g_build_filename(t->root, TEST_DEV "/iommu", NULL);

    unlink(p);
    testTreeLink(t, TEST_DEV "/iommu", "../../../../../../../../../../etc");
}


static void
testMangleEscapeAbsolute(testTree *t)
{
    g_autofree char *p = g_build_filename(t->root, "sys/bus/pci/devices/0000:01:00.0", NULL);

    unlink(p);
    testTreeLink(t, "sys/bus/pci/devices/0000:01:00.0", "/sys/devices/pci0000:00");
}


static void
testMangleEscapeDir(testTree *t)
{
    g_autofree char *p = g_build_filename(t->root, "sys/class/iommu/smmu3.0x0000000011000000", NULL);

    unlink(p);
    testTreeLink(t, "sys/class/iommu/smmu3.0x0000000011000000", "../../../../../../tmp");
}


static void
testMangleLoop(testTree *t)
{
    testTreeLink(t, "sys/bus/pci/devices/0000:02:00.0", "0000:02:00.0");
}


static void
testMangleNumaGarbage(testTree *t)
{
    testTreeFile(t, TEST_DEV "/numa_node", "banana\n");
}


/* Found by fuzzing: a driver link that leads into a device directory,
 * not to a driver; saved as it was, it made a stray entry in
 * bus/pci/devices that the saved fixture then tripped over. */
static void
testMangleDriverElsewhere(testTree *t)
{
    testTreeLink(t, TEST_DEV "/driver", "../../../../bus/pci/devices");
}


static void
testMangleNumaUnknown(testTree *t)
{
    testTreeFile(t, TEST_DEV "/numa_node", "-1\n");
}


static void
testMangleVendorDir(testTree *t)
{
    g_autofree char *p = g_build_filename(t->root, TEST_DEV "/vendor", NULL);

    unlink(p);
    g_mkdir(p, 0755);
}


static void
testMangleVendorFifo(testTree *t)
{
    g_autofree char *p = g_build_filename(t->root, TEST_DEV "/vendor", NULL);

    unlink(p);
    if (mkfifo(p, 0644) < 0)
        printf("  mkfifo: %s\n", g_strerror(errno));
}


static void
testMangleVendorHuge(testTree *t)
{
    g_autofree char *big = g_strnfill(100 * 1024, 'f');

    testTreeFile(t, TEST_DEV "/vendor", big);
}


static void
testMangleVendorMissing(testTree *t)
{
    g_autofree char *p = g_build_filename(t->root, TEST_DEV "/vendor", NULL);

    unlink(p);
}


static void
testMangleJunkEntry(testTree *t)
{
    testTreeFile(t, "sys/bus/pci/devices/README", "not a device\n");
}


static void
testMangleNoClass(testTree *t)
{
    g_autofree char *p = g_build_filename(t->root, "sys/class/iommu/smmu3.0x0000000011000000", NULL);

    unlink(p);
}


static void
testMangleGroupName(testTree *t)
{
    g_autofree char *p = g_build_filename(t->root, TEST_DEV "/iommu_group", NULL);

    unlink(p);
    testTreeLink(t, TEST_DEV "/iommu_group", "../../../../kernel/iommu_groups/three");
}


static int
testBrokenTree(const void *opaque)
{
    const testBroken *b = opaque;
    g_autoptr(testTree) t = testTreeNew();
    g_autoptr(virSysIOMMUHost) host = NULL;
    const char *last;
    int rc;

    b->mangle(t);
    if (!(host = virSysIOMMUHostOpen(t->root)))
        return -1;
    virSysfsRootSetPortable(virSysIOMMUHostGetSysfs(host), b->portable);
    rc = virSysIOMMUHostScan(host);

    if (!b->expectError) {
        if (rc < 0)
            return -1;
        return 0;
    }
    if (rc == 0) {
        printf("  the scan succeeded, expected an error with '%s'\n", b->expectError);
        return -1;
    }
    last = virErrorGetLast();
    if (!strstr(last, b->expectError)) {
        printf("  error '%s' lacks '%s'\n", last, b->expectError);
        return -1;
    }
    return 0;
}


/* Found by fuzzing: a saved host must scan as the original, also with
 * no PCI device at all and with a VF link missing in the middle. */
static int
testSaveEdgeCases(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(testTree) empty = g_new0(testTree, 1);
    g_autoptr(testTree) sriov = testTreeNew();
    const char *trees[2];
    size_t i;

    empty->root = g_dir_make_tmp("virsysiommutest-XXXXXX", NULL);
    testTreeFile(empty, "sys/bus/pci/devices/.keep", "");
    {
        g_autofree char *keep = g_build_filename(empty->root, "sys/bus/pci/devices/.keep", NULL);

        g_remove(keep);
    }

    testTreeFile(sriov, TEST_DEV "/sriov_numvfs", "3\n");
    testTreeLink(sriov, TEST_DEV "/virtfn0", "../0000:01:00.1");
    testTreeLink(sriov, TEST_DEV "/virtfn2", "../0000:01:00.3");

    trees[0] = empty->root;
    trees[1] = sriov->root;
    for (i = 0; i < G_N_ELEMENTS(trees); i++) {
        g_autofree char *dest = g_strdup_printf("%s.saved", trees[i]);
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dest);
        g_autoptr(virSysIOMMUHost) host = virSysIOMMUHostOpen(trees[i]);
        g_autofree char *before = NULL;
        g_autofree char *after = NULL;
        int ret = 0;

        if (!host || virSysIOMMUHostSave(host, dest) < 0 ||
            !(before = testScanFormat(trees[i], false, true)) ||
            !(after = testScanFormat(dest, false, true)) ||
            strcmp(before, after) != 0) {
            printf("  tree %zu does not survive save and rescan\n", i);
            ret = -1;
        }
        if (system(cmd) != 0)
            printf("  cannot remove %s\n", dest);
        if (ret < 0)
            return -1;
    }
    return 0;
}


/* A lookup reads the one device it is asked for: a junk entry that
 * breaks a full scan does not matter to it. */
static int
testLookupNoWalk(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(testTree) t = testTreeNew();
    g_autoptr(virSysIOMMUHost) host = NULL;
    virPCIDeviceAddress addr = { 0, 1, 0, 0 };
    virPCIDeviceAddress missing = { 0, 9, 0, 0 };
    virSysIOMMUDevice *dev = NULL;
    virSysIOMMU *iommu = NULL;

    testMangleJunkEntry(t);
    if (!(host = virSysIOMMUHostOpen(t->root)))
        return -1;
    if (virSysIOMMUHostGetDevice(host, &addr, &dev) != 1 ||
        g_strcmp0(dev->iommu, "smmu3.0x0000000011000000") != 0 ||
        dev->group != 3 || dev->numaNode != 0)
        return -1;
    if (virSysIOMMUHostGetIOMMU(host, dev->iommu, &iommu) != 1 ||
        iommu->kind != VIR_SYS_IOMMU_KIND_SMMUV3)
        return -1;
    if (virSysIOMMUHostGetDevice(host, &missing, &dev) != 0)
        return -1;
    if (virSysIOMMUHostGetIOMMU(host, "../../etc", &iommu) != 0)
        return -1;
    if (virSysIOMMUHostScan(host) == 0) {
        printf("  the full scan should have tripped over the junk entry\n");
        return -1;
    }
    virErrorReset();
    return 0;
}


/* Everything the lookups say of the devices at @addrs, errors
 * included. */
static char *
testLookupSummary(const char *root,
                  bool portable,
                  const virPCIDeviceAddress *addrs,
                  size_t naddrs)
{
    g_autoptr(virSysIOMMUHost) host = NULL;
    GString *out = g_string_new(NULL);
    size_t i;
    size_t j;

    if (!(host = virSysIOMMUHostOpen(root))) {
        g_string_free(out, TRUE);
        return NULL;
    }
    virSysfsRootSetPortable(virSysIOMMUHostGetSysfs(host), portable);

    for (i = 0; i < naddrs; i++) {
        g_autofree char *bdf = virPCIDeviceAddressAsString(&addrs[i]);
        g_autoptr(GPtrArray) members = NULL;
        virSysIOMMUDevice *dev = NULL;
        virSysIOMMU *iommu = NULL;
        int rc;

        rc = virSysIOMMUHostGetDevice(host, &addrs[i], &dev);
        g_string_append_printf(out, "%s: %d", bdf, rc);
        if (rc == 1) {
            g_string_append_printf(out, " path=%s iommu=%s group=%d node=%d physfn=%s",
                                   dev->sysfsPath, NULLSTR(dev->iommu), dev->group,
                                   dev->numaNode, NULLSTR(dev->physfn));
            rc = virSysIOMMUHostGetGroupDevices(host, dev->group, &members);
            g_string_append_printf(out, " members(%d)", rc);
            for (j = 0; members && j < members->len; j++)
                g_string_append_printf(out, " %s", (char *) g_ptr_array_index(members, j));
            if (dev->iommu) {
                rc = virSysIOMMUHostGetIOMMU(host, dev->iommu, &iommu);
                g_string_append_printf(out, " iommu(%d)", rc);
                if (rc == 1)
                    g_string_append_printf(out, " %s %s node=%d parent=%s compat=%s",
                                           virSysIOMMUKindTypeToString(iommu->kind),
                                           iommu->sysfsPath, iommu->numaNode,
                                           NULLSTR(iommu->parent), NULLSTR(iommu->compat));
            }
        }
        if (virErrorCount() != 0)
            g_string_append_printf(out, " error '%s'", virErrorGetLast());
        virErrorReset();
        g_string_append_c(out, '\n');
    }
    return g_string_free(out, FALSE);
}


static gint
testAddressCompare(gconstpointer a, gconstpointer b)
{
    return virPCIDeviceAddressCompare(a, b);
}


/* The addresses of every device of a host fixture, a duplicate and one
 * the host lacks. */
static GArray *
testHostAddresses(const char *root)
{
    g_autofree char *dir = g_build_filename(root, "sys/bus/pci/devices", NULL);
    g_autoptr(GDir) dh = g_dir_open(dir, 0, NULL);
    GArray *addrs = g_array_new(FALSE, TRUE, sizeof(virPCIDeviceAddress));
    virPCIDeviceAddress missing = { 0x77, 0x66, 0x1f, 7 };
    const char *name;

    while (dh && (name = g_dir_read_name(dh))) {
        virPCIDeviceAddress addr;

        if (virPCIDeviceAddressParse(name, &addr) == 0)
            g_array_append_val(addrs, addr);
    }
    /* in address order, not the directory's, for the expected file */
    g_array_sort(addrs, testAddressCompare);
    if (addrs->len > 0)
        g_array_append_val(addrs, g_array_index(addrs, virPCIDeviceAddress, 0));
    g_array_append_val(addrs, missing);
    return addrs;
}


/* Both resolvers (openat2 and the portable one) say the same of every
 * device, errors included. */
static int
testLookupSame(const char *root, const virPCIDeviceAddress *addrs, size_t naddrs)
{
    g_autofree char *native = testLookupSummary(root, false, addrs, naddrs);
    g_autofree char *portable = testLookupSummary(root, true, addrs, naddrs);

    if (!native || !portable)
        return -1;
    if (strcmp(native, portable) != 0) {
        printf("  %s: lookups with openat2:\n%s  and with the portable resolver:\n%s",
               root, native, portable);
        return -1;
    }
    return 0;
}


/*
 * Each resolver (openat2, then the portable one) against the committed
 * virsysiommudata/NAME-lookups.txt, with the fixture's path as ROOT.
 * Comparing the two with each other proves nothing under valgrind,
 * which has no openat2: the first falls back to the second.
 */
static int
testLookups(const void *opaque)
{
    const char *name = opaque;
    g_autofree char *root = testHostPath(name);
    g_autofree char *path = g_strdup_printf("%s/virsysiommudata/%s-lookups.txt",
                                            virTestSrcDir(), name);
    g_autoptr(GArray) addrs = testHostAddresses(root);
    const virPCIDeviceAddress *list = &g_array_index(addrs, virPCIDeviceAddress, 0);
    size_t i;

    for (i = 0; i < 2; i++) {
        g_autofree char *summary = testLookupSummary(root, i == 1, list, addrs->len);
        g_auto(GStrv) parts = NULL;
        g_autofree char *relative = NULL;

        if (!summary)
            return -1;
        parts = g_strsplit(summary, root, -1);
        relative = g_strjoinv("ROOT", parts);
        if (virTestCompareToFile(relative, path) < 0) {
            printf("  with the %s resolver\n", i == 1 ? "portable" : "openat2");
            return -1;
        }
    }
    return 0;
}


/* Found by fuzzing: an empty intel-iommu or amd-iommu directory does
 * not make an IOMMU of that kind (the kernel always fills it), and a
 * saved fixture, which keeps no empty directory, scans the same. */
static int
testEmptyCapabilityDir(const void *opaque G_GNUC_UNUSED)
{
    const char *subdirs[] = { "intel-iommu", "amd-iommu" };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(subdirs); i++) {
        g_autoptr(testTree) t = testTreeNew();
        g_autoptr(virSysIOMMUHost) host = NULL;
        g_autofree char *keep = g_strdup_printf("sys/devices/platform/arm-smmu-v3.0.auto/iommu/smmu3.0x0000000011000000/%s/.keep",
                                                subdirs[i]);
        g_autofree char *keepPath = g_build_filename(t->root, keep, NULL);
        virSysIOMMU *iommu = NULL;

        testTreeFile(t, keep, "");
        g_remove(keepPath);
        if (!(host = virSysIOMMUHostOpen(t->root)) ||
            virSysIOMMUHostGetIOMMU(host, "smmu3.0x0000000011000000", &iommu) != 1)
            return -1;
        if (iommu->kind != VIR_SYS_IOMMU_KIND_SMMUV3) {
            printf("  an empty %s made the IOMMU of kind '%s'\n", subdirs[i],
                   virSysIOMMUKindTypeToString(iommu->kind));
            return -1;
        }
    }
    return 0;
}


/* A broken device's lookup fails with the same error through both
 * resolvers. */
static int
testLookupBroken(const void *opaque G_GNUC_UNUSED)
{
    void (*mangles[])(testTree *t) = {
        testMangleEscapeRelative, testMangleEscapeAbsolute, testMangleEscapeDir,
        testMangleNumaGarbage, testMangleGroupName,
    };
    virPCIDeviceAddress addr = { 0, 1, 0, 0 };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(mangles); i++) {
        g_autoptr(testTree) t = testTreeNew();
        g_autofree char *summary = NULL;

        mangles[i](t);
        if (testLookupSame(t->root, &addr, 1) < 0)
            return -1;
        if (!(summary = testLookupSummary(t->root, false, &addr, 1)) ||
            !strstr(summary, "error '")) {
            printf("  mangle %zu: no error: %s", i, NULLSTR(summary));
            return -1;
        }
    }
    return 0;
}


static int
testRootMissing(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(virSysIOMMUHost) host = NULL;
    g_autofree char *tmp = g_dir_make_tmp("virsysiommutest-XXXXXX", NULL);
    int ret = -1;

    if (virSysIOMMUHostOpen("/nonexistent/virt-viommu") != NULL)
        goto cleanup;
    if (!strstr(virErrorGetLast(), "cannot open sysfs root"))
        goto cleanup;
    virErrorReset();
    if (!(host = virSysIOMMUHostOpen(tmp)))
        goto cleanup;
    if (virSysIOMMUHostScan(host) == 0 ||
        !strstr(virErrorGetLast(), "not a sysfs tree"))
        goto cleanup;
    virErrorReset();
    ret = 0;

 cleanup:
    rmdir(tmp);
    return ret;
}


static int
testPathResolve(const void *opaque G_GNUC_UNUSED)
{
    struct {
        const char *base;
        const char *rel;
        const char *want;
    } cases[] = {
        { "sys/bus/pci/devices", "../../../devices/pci0000:00/x", "sys/devices/pci0000:00/x" },
        { "sys/a", "./b/../c", "sys/a/c" },
        { "sys", "../..", NULL },
        { "sys", "/etc", NULL },
        { "", "..", NULL },
        { "a/b", "../../c", "c" },
        { "a", "..", "" },
        { "sys//bus/", "x//y/", "sys/bus/x/y" },
        { "sys", "./.", "sys" },
        { "a/b", "../c/../../d", "d" },
        { "a/b", "c/../../../..", NULL },
        { NULL, "x/./y", "x/y" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = virSysfsPathResolve(cases[i].base, cases[i].rel);

        if (g_strcmp0(got, cases[i].want) != 0) {
            printf("  resolve(%s, %s) = %s, want %s\n", cases[i].base,
                   cases[i].rel, got ? got : "NULL",
                   cases[i].want ? cases[i].want : "NULL");
            return -1;
        }
    }
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *rel = NULL;
        g_autofree char *back = NULL;

        if (!cases[i].want || !cases[i].base || !*cases[i].base)
            continue;
        rel = virSysfsPathRelative(cases[i].base, cases[i].want);
        back = virSysfsPathResolve(cases[i].base, rel);
        if (g_strcmp0(back, cases[i].want) != 0) {
            printf("  relative(%s, %s) = %s does not lead back\n",
                   cases[i].base, cases[i].want, rel);
            return -1;
        }
    }
    return 0;
}


/* Names come from udev's hwdb where the machine has one. */
static int
testPCIIDs(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(virPCIIDs) ids = virPCIIDsOpen();
    g_autofree char *vendor = NULL;
    g_autofree char *device = NULL;
    g_autofree char *unknown = NULL;

    if (!ids || !(vendor = virPCIIDsGetVendor(ids, 0x15b3))) {
        printf("  no udev hwdb here; names not checked\n");
        return 0;
    }
    device = virPCIIDsGetDevice(ids, 0x15b3, 0x101d);
    unknown = virPCIIDsGetDevice(ids, 0x15b3, 0xfff0);
    if (!strstr(vendor, "Mellanox") || !device || !strstr(device, "ConnectX-6 Dx") || unknown) {
        printf("  hwdb names: vendor '%s', device '%s', unknown '%s'\n",
               vendor, device ? device : "(none)", unknown ? unknown : "(none)");
        return -1;
    }
    return 0;
}


static int
testPCIAddress(const void *opaque G_GNUC_UNUSED)
{
    const char *good[] = { "0009:01:00.0", "ffff:ff:1f.7", "01:02.3" };
    const char *bad[] = { "", "0009:01:00", "0009:01:20.0", "0009:01:00.8",
                          "10000:01:00.0", "0009-01:00.0", "zz:00.0", "0009:01:00.0x" };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(good); i++) {
        virPCIDeviceAddress addr;

        if (virPCIDeviceAddressParse(good[i], &addr) < 0) {
            printf("  '%s' should parse\n", good[i]);
            return -1;
        }
    }
    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        virPCIDeviceAddress addr;

        if (virPCIDeviceAddressParse(bad[i], &addr) == 0) {
            printf("  '%s' should not parse\n", bad[i]);
            return -1;
        }
    }
    return 0;
}


static gint
testNameCompare(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char * const *) a, *(const char * const *) b);
}


/* virpcibar.c against 'resource' texts as resource_show() writes them */
#define TEST_PCI_BAR_ZERO "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"


/* PCI Enhanced Allocation: a BAR of 12K, kept as it is.  @rest: the 12
 * lines after the first one of an endpoint. */
static int
testPCIBarParseEA(const char *rest)
{
    g_autofree char *ea = NULL;
    g_autoptr(GArray) eaBars = NULL;

    ea = g_strconcat("0x000000c000000000 0x000000c000002fff 0x0000000000140204\n", rest, NULL);
    if (virPCIBarParseResource("0000:03:00.0", ea, &eaBars) < 0 || eaBars->len != 1 ||
        g_array_index(eaBars, virPCIBar, 0).size != 12288 ||
        virPCIBarIsPow2(&g_array_index(eaBars, virPCIBar, 0))) {
        printf("  a 12K BAR of Enhanced Allocation should parse as it is\n");
        return -1;
    }
    return 0;
}


/* Four BARs: 32-bit memory, 128G 64-bit prefetchable, I/O, 64-bit. */
static int
testPCIBarParseGood(void)
{
    const char *zero = TEST_PCI_BAR_ZERO;
    g_autofree char *good = g_strdup_printf(
        "0x0000000081000000 0x0000000081ffffff 0x0000000000040200\n"
        "0x0000084000000000 0x0000085fffffffff 0x000000000014220c\n"
        "%s"
        "0x0000000000001000 0x000000000000107f 0x0000000000040101\n"
        "0x0000000082000000 0x0000000082003fff 0x0000000000140204\n"
        "%s%s%s%s%s%s%s%s",
        zero, zero, zero, zero, zero, zero, zero, zero, zero);
    g_autoptr(GArray) bars = NULL;
    const virPCIBar *b;
    unsigned long long sum;

    if (virPCIBarParseResource("0000:01:00.0", good, &bars) < 0 || bars->len != 4) {
        printf("  expected 4 BARs\n");
        return -1;
    }
    b = &g_array_index(bars, virPCIBar, 1);
    if (b->index != 1 || b->size != (128ULL << 30) || !b->mem64 || !b->prefetch ||
        !virPCIBarIsMem64Prefetch(b)) {
        printf("  BAR 1 should be 128G, 64-bit prefetchable\n");
        return -1;
    }
    b = &g_array_index(bars, virPCIBar, 2);
    if (b->index != 3 || !b->io || b->size != 128) {
        printf("  BAR 3 should be 128 bytes of I/O\n");
        return -1;
    }
    b = &g_array_index(bars, virPCIBar, 3);
    if (b->index != 4 || !b->mem64 || b->prefetch) {
        printf("  BAR 4 should be 64-bit, not prefetchable\n");
        return -1;
    }
    if (!virPCIBarSumMem64Prefetch(bars, &sum) || sum != (128ULL << 30)) {
        printf("  only BAR 1 is 64-bit prefetchable\n");
        return -1;
    }
    return 0;
}


/* Files that are no 'resource', each with the error it gets. */
static int
testPCIBarParseBad(const char *rest)
{
    struct { const char *first; const char *error; } bad[] = {
        { "", "fewer than the 6 BARs" },
        { "0x0 0x0 0x0\n", "not 'START END FLAGS'" },
        /* end below start */
        { "0x0000000081000000 0x0000000080ffffff 0x0000000000040200\n", "no address range" },
        /* all of the 64-bit space: its size does not fit in 64 bits */
        { "0x0000000000000000 0xffffffffffffffff 0x0000000000040200\n", "no address range" },
        /* 2^63: more than a signed 64-bit JSON number holds */
        { "0x8000000000000000 0xffffffffffffffff 0x000000000014220c\n", "no address range" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GArray) none = NULL;
        g_autofree char *text = g_strconcat(bad[i].first, *bad[i].first ? rest : "", NULL);

        if (virPCIBarParseResource("0000:01:00.0", text, &none) == 0 ||
            !strstr(virErrorGetLast(), bad[i].error)) {
            printf("  '%s' should not parse ('%s'), got '%s'\n", bad[i].first,
                   bad[i].error, virErrorGetLast() ? virErrorGetLast() : "");
            return -1;
        }
        virErrorReset();
    }
    return 0;
}


static int
testPCIBarParse(const void *opaque G_GNUC_UNUSED)
{
    /* the 12 lines after the first one of an endpoint */
    g_autofree char *rest = g_strdup("");
    unsigned long long sum;
    size_t i;

    for (i = 0; i < 12; i++) {
        g_autofree char *prev = g_steal_pointer(&rest);

        rest = g_strconcat(prev, TEST_PCI_BAR_ZERO, NULL);
    }
    if (testPCIBarParseEA(rest) < 0 ||
        testPCIBarParseGood() < 0 ||
        testPCIBarParseBad(rest) < 0)
        return -1;
    if (!virPCIBarRoundUpPow2((256ULL << 30) + 1, &sum) || sum != (512ULL << 30) ||
        !virPCIBarRoundUpPow2(1ULL << 20, &sum) || sum != (1ULL << 20)) {
        printf("  rounding to a power of two is wrong\n");
        return -1;
    }
    return 0;
}


/* The BAR arithmetic near 2^64: checked, never a wrap or an endless
 * loop (virPCIBarRoundUpPow2 used to loop forever above 2^63). */
static int
testPCIBarOverflow(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(GArray) bars = g_array_new(FALSE, TRUE, sizeof(virPCIBar));
    virPCIBar big = { .index = 0, .size = 1ULL << 62, .mem64 = true, .prefetch = true };
    virPCIBar odd = { .index = 4, .size = 12288, .mem64 = true, .prefetch = true };
    unsigned long long out = 42;

    if (!virPCIBarRoundUpPow2(1ULL << 63, &out) || out != (1ULL << 63) ||
        virPCIBarRoundUpPow2((1ULL << 63) + 1, &out) ||
        virPCIBarRoundUpPow2(G_MAXUINT64, &out) || out != (1ULL << 63)) {
        printf("  rounding above 2^63 must fail and leave the result alone\n");
        return -1;
    }
    if (virPCIBarAdd(G_MAXUINT64, 1, &out) ||
        virPCIBarAdd(1ULL << 63, 1, &out) ||
        !virPCIBarAdd(1ULL << 62, 1ULL << 62, &out) || out != (1ULL << 63)) {
        printf("  adding must fail above 2^63\n");
        return -1;
    }
    g_array_append_val(bars, big);
    big.index = 2;
    g_array_append_val(bars, big);
    if (!virPCIBarSumMem64Prefetch(bars, &out) || out != (1ULL << 63)) {
        printf("  two 2^62 BARs make 2^63\n");
        return -1;
    }
    big.index = 4;
    g_array_append_val(bars, big);
    if (virPCIBarSumMem64Prefetch(bars, &out) || out != (1ULL << 63)) {
        printf("  three 2^62 BARs do not fit\n");
        return -1;
    }
    g_array_set_size(bars, 0);
    g_array_append_val(bars, odd);
    if (!virPCIBarSumMem64Prefetch(bars, &out) || out != 16384 ||
        virPCIBarFindNotPow2(bars) != &g_array_index(bars, virPCIBar, 0)) {
        printf("  a 12K BAR takes 16K and is no power of two\n");
        return -1;
    }
    return 0;
}


static int
testUnused(const void *opaque G_GNUC_UNUSED)
{
    g_autofree char *dir = g_strdup_printf("%s/virsysiommudata", virTestSrcDir());
    const char *suffixes[] = { ".txt", ".json", NULL };

    return virTestCheckUnused(dir, suffixes);
}



/* ---- the VFIO region record of a fixture ---- */

typedef struct _testRegions testRegions;
struct _testRegions {
    const char *what;
    const char *json;           /* NULL: no file */
    unsigned long long pref64;  /* sum of the 64-bit prefetchable BARs */
    const char *reason;         /* substring of vfioReason, NULL: read */
    const char *expectError;
};


static int
testRegionRecord(const void *opaque)
{
    const testRegions *c = opaque;
    g_autoptr(testTree) t = testTreeNew();
    g_autoptr(virSysIOMMUHost) host = NULL;
    virPCIDeviceAddress addr = { 0, 1, 0, 0 };
    virSysIOMMUDevice *dev = NULL;
    unsigned long long sum;
    int rc;

    if (c->json)
        testTreeFile(t, "vfio-regions.json", c->json);
    if (!(host = virSysIOMMUHostOpen(t->root)) ||
        virSysIOMMUHostGetDevice(host, &addr, &dev) != 1)
        return -1;
    rc = virSysIOMMUHostGetDeviceRegions(host, dev);
    if (c->expectError) {
        if (rc == 0 || !strstr(virErrorGetLast(), c->expectError)) {
            printf("  expected an error with '%s', got '%s'\n", c->expectError,
                   rc == 0 ? "none" : virErrorGetLast());
            return -1;
        }
        virErrorReset();
        return 0;
    }
    if (rc < 0)
        return -1;
    if (c->reason) {
        if (dev->vfioBars || !dev->vfioReason || !strstr(dev->vfioReason, c->reason)) {
            printf("  expected no regions because '%s', got '%s'\n", c->reason,
                   dev->vfioReason ? dev->vfioReason : "regions");
            return -1;
        }
        return 0;
    }
    if (!dev->vfioBars ||
        !virPCIBarSumMem64Prefetch(virSysIOMMUDeviceGuestBars(dev), &sum) ||
        sum != c->pref64) {
        printf("  expected %llu bytes of 64-bit prefetchable BARs\n", c->pref64);
        return -1;
    }
    return 0;
}


/* ---- GPU memory nodes: how the count is found ---- */

typedef struct _testGPUMem testGPUMem;
struct _testGPUMem {
    const char *what;
    const char *driver;
    const char *device;         /* PCI device ID file content */
    const char *possible;       /* NULL: no node states */
    const char *hasCPU;
    const char *hasGI;
    unsigned int nodes;
    const char *source;
    const char *expectError;
};


static int
testGPUMemRule(const void *opaque)
{
    const testGPUMem *c = opaque;
    g_autoptr(testTree) t = testTreeNew();
    g_autoptr(virSysIOMMUHost) host = NULL;
    g_autofree char *link = g_strdup_printf("../../../../bus/pci/drivers/%s", c->driver);
    g_autofree char *keep = g_strdup_printf("sys/bus/pci/drivers/%s/.keep", c->driver);
    virPCIDeviceAddress addr = { 0, 1, 0, 0 };
    virSysIOMMUDevice *dev = NULL;
    virSysGPUMem *mem;

    testTreeFile(t, keep, "");
    testTreeLink(t, TEST_DEV "/driver", link);
    testTreeFile(t, TEST_DEV "/vendor", "0x10de\n");
    testTreeFile(t, TEST_DEV "/device", c->device);
    if (c->possible) {
        testTreeFile(t, "sys/devices/system/node/possible", c->possible);
        testTreeFile(t, "sys/devices/system/node/has_cpu", c->hasCPU);
        testTreeFile(t, "sys/devices/system/node/has_generic_initiator", c->hasGI);
    }
    if (!(host = virSysIOMMUHostOpen(t->root)) ||
        virSysIOMMUHostGetDevice(host, &addr, &dev) != 1)
        return -1;
    mem = virSysIOMMUHostGetGPUMem(host, dev);
    if (c->expectError) {
        if (mem || !strstr(virErrorGetLast(), c->expectError)) {
            printf("  expected an error with '%s', got '%s'\n", c->expectError,
                   mem ? "none" : virErrorGetLast());
            return -1;
        }
        virErrorReset();
        return 0;
    }
    if (!mem)
        return -1;
    if (mem->nodes != c->nodes ||
        g_strcmp0(virSysGPUMemSourceTypeToString(mem->source), c->source) != 0) {
        printf("  got %u nodes from %s (%s), expected %u from %s\n", mem->nodes,
               virSysGPUMemSourceTypeToString(mem->source), mem->why, c->nodes, c->source);
        return -1;
    }
    return 0;
}


static const testBroken testBrokenCases[] = {
    { "tree: well-formed", testMangleNone, false, NULL },
    { "tree: well-formed (portable)", testMangleNone, true, NULL },
    { "tree: numa_node -1", testMangleNumaUnknown, false, NULL },
    { "tree: iommu link escapes", testMangleEscapeRelative, false, "leads outside the sysfs root" },
    { "tree: iommu link escapes (portable)", testMangleEscapeRelative, true, "leads outside the sysfs root" },
    { "tree: absolute bus link", testMangleEscapeAbsolute, false, "leads outside the sysfs root" },
    { "tree: class link escapes", testMangleEscapeDir, false, "leads outside the sysfs root" },
    { "tree: class link escapes (portable)", testMangleEscapeDir, true, "leads outside the sysfs root" },
    { "tree: link loop", testMangleLoop, false, "loop of symbolic links" },
    { "tree: link loop (portable)", testMangleLoop, true, "loop of symbolic links" },
    { "tree: numa_node garbage", testMangleNumaGarbage, false, "not a number" },
    { "tree: vendor is a directory", testMangleVendorDir, false, "not a regular file" },
    { "tree: vendor is a FIFO", testMangleVendorFifo, false, "not a regular file" },
    { "tree: vendor is huge", testMangleVendorHuge, false, "not a sysfs attribute" },
    { "tree: vendor missing", testMangleVendorMissing, false, "has no 'vendor' attribute" },
    { "tree: junk in bus/pci/devices", testMangleJunkEntry, false, "not named like a PCI device" },
    { "tree: IOMMU not in class", testMangleNoClass, false, "missing from 'sys/class/iommu'" },
    { "tree: group not a number", testMangleGroupName, false, "not a group number" },
    { "tree: driver link not to a driver", testMangleDriverElsewhere, false, "not to a driver in sys/bus/BUS/drivers" },
};

static const testRegions testRegionCases[] = {
    { "no record", NULL, 0, "has no vfio-regions.json", NULL },
    { "not listed", "{\"format\": \"virt-viommu-vfio-regions\", \"devices\": []}",
      0, "does not list it", NULL },
    { "listed with a reason",
      "{\"format\": \"virt-viommu-vfio-regions\", \"devices\": [{\"bdf\": \"0000:01:00.0\", \"reason\": \"busy\"}]}",
      0, "busy", NULL },
    { "BAR 4 of 128 GiB and BAR 2 of 1 GiB",
      "{\"format\": \"virt-viommu-vfio-regions\", \"devices\": [{\"bdf\": \"0000:01:00.0\", \"regions\": ["
      "{\"index\": 0, \"size\": \"0x1000000\", \"bar\": \"0x4\"},"
      "{\"index\": 2, \"size\": \"0x40000000\", \"bar\": \"0xc\"},"
      "{\"index\": 4, \"size\": \"0x2000000000\", \"bar\": \"0xc\"}]}]}",
      0x2040000000ULL, NULL, NULL },
    { "not a record", "{\"format\": \"other\"}", 0, NULL, "is not a VFIO region record" },
    { "not JSON", "{", 0, NULL, "cannot read" },
    { "a size that is no hex string",
      "{\"format\": \"virt-viommu-vfio-regions\", \"devices\": [{\"bdf\": \"0000:01:00.0\", \"regions\": ["
      "{\"index\": 4, \"size\": 4096, \"bar\": \"0xc\"}]}]}",
      0, NULL, "region 0 of '0000:01:00.0' is malformed" },
    { "an index beyond BAR 5",
      "{\"format\": \"virt-viommu-vfio-regions\", \"devices\": [{\"bdf\": \"0000:01:00.0\", \"regions\": ["
      "{\"index\": 7, \"size\": \"0x1000\", \"bar\": \"0x0\"}]}]}",
      0, NULL, "is malformed" },
};

static const testGPUMem testGPUMemCases[] = {
    { "nvgrace, no node states: the table", "nvgrace_gpu_vfio_pci", "0x2342\n",
      NULL, NULL, NULL, 8, "table", NULL },
    { "nvgrace, eight CPU-less nodes: the host", "nvgrace_gpu_vfio_pci", "0x2342\n",
      "0-8\n", "0\n", "\n", 8, "host-numa", NULL },
    { "nvgrace, five CPU-less nodes: the host, not the table", "nvgrace_gpu_vfio_pci", "0x2342\n",
      "0-5\n", "0\n", "\n", 5, "host-numa", NULL },
    { "nvgrace, no CPU-less node: the table", "nvgrace_gpu_vfio_pci", "0x2342\n",
      "0\n", "0\n", "\n", 8, "table", NULL },
    { "vfio-pci GH200: none", "vfio-pci", "0x2342\n",
      "0-8\n", "0\n", "\n", 0, "none", NULL },
    { "any device on a generic-initiator host node: one", "mlx5_core", "0x101d\n",
      "0-1\n", "1\n", "0\n", 1, "host-gi", NULL },
    { "a malformed node list", "nvgrace_gpu_vfio_pci", "0x2342\n",
      "0-x\n", "0\n", "\n", 0, NULL, "is not a node list" },
};


/* The names of the host fixtures (tests/hosts/NAME/sys), sorted. */
static int
testListHosts(GPtrArray *hosts)
{
    g_autofree char *hostsDir = g_strdup_printf("%s/hosts", virTestSrcDir());
    g_autoptr(GDir) dh = NULL;
    const char *name;

    if (!(dh = g_dir_open(hostsDir, 0, NULL))) {
        printf("cannot list %s\n", hostsDir);
        return -1;
    }
    while ((name = g_dir_read_name(dh))) {
        g_autofree char *sys = g_build_filename(hostsDir, name, "sys", NULL);

        if (g_file_test(sys, G_FILE_TEST_IS_DIR))
            g_ptr_array_add(hosts, g_strdup(name));
    }
    g_ptr_array_sort(hosts, testNameCompare);
    if (hosts->len == 0) {
        printf("no host fixtures in %s\n", hostsDir);
        return -1;
    }
    return 0;
}


/* Each fixture scanned against its golden, and saved and rescanned. */
static int
testRunHosts(GPtrArray *hosts)
{
    int failures = 0;
    size_t i;

    for (i = 0; i < hosts->len; i++) {
        const char *host = g_ptr_array_index(hosts, i);
        g_autofree char *t1 = g_strdup_printf("scan %s", host);
        g_autofree char *t2 = g_strdup_printf("save and rescan %s", host);

        if (virTestRun(t1, testScanGolden, host) < 0)
            failures++;
        if (virTestRun(t2, testSaveRoundTrip, host) < 0)
            failures++;
    }
    return failures;
}


/* Broken trees, lookups, paths and the PCI helpers. */
static int
testRunReaders(void)
{
    int failures = 0;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(testBrokenCases); i++) {
        if (virTestRun(testBrokenCases[i].name, testBrokenTree, &testBrokenCases[i]) < 0)
            failures++;
    }
    if (virTestRun("lookups aarch64-grace", testLookups, "aarch64-grace") < 0)
        failures++;
    if (virTestRun("lookups aarch64-qemu-3smmu", testLookups, "aarch64-qemu-3smmu") < 0)
        failures++;
    if (virTestRun("lookups of broken trees", testLookupBroken, NULL) < 0)
        failures++;
    if (virTestRun("empty capability directory", testEmptyCapabilityDir, NULL) < 0)
        failures++;
    if (virTestRun("save edge cases", testSaveEdgeCases, NULL) < 0)
        failures++;
    if (virTestRun("lookup reads only what it needs", testLookupNoWalk, NULL) < 0)
        failures++;
    if (virTestRun("sysfs root missing", testRootMissing, NULL) < 0)
        failures++;
    if (virTestRun("path resolution", testPathResolve, NULL) < 0)
        failures++;
    if (virTestRun("PCI names from the hwdb", testPCIIDs, NULL) < 0)
        failures++;
    if (virTestRun("PCI address parsing", testPCIAddress, NULL) < 0)
        failures++;
    if (virTestRun("PCI BAR arithmetic near 2^64", testPCIBarOverflow, NULL) < 0)
        failures++;
    if (virTestRun("PCI BARs from 'resource'", testPCIBarParse, NULL) < 0)
        failures++;
    return failures;
}


/* The VFIO region and GPU memory records. */
static int
testRunRecords(void)
{
    int failures = 0;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(testRegionCases); i++) {
        g_autofree char *tname = g_strdup_printf("VFIO regions: %s", testRegionCases[i].what);

        if (virTestRun(tname, testRegionRecord, &testRegionCases[i]) < 0)
            failures++;
    }
    for (i = 0; i < G_N_ELEMENTS(testGPUMemCases); i++) {
        g_autofree char *tname = g_strdup_printf("GPU memory nodes: %s", testGPUMemCases[i].what);

        if (virTestRun(tname, testGPUMemRule, &testGPUMemCases[i]) < 0)
            failures++;
    }
    return failures;
}


int
main(void)
{
    g_autoptr(GPtrArray) hosts = g_ptr_array_new_with_free_func(g_free);
    int failures = 0;

    virTestInit();

    if (testListHosts(hosts) < 0)
        return EXIT_FAILURE;

    failures += testRunHosts(hosts);
    failures += testRunReaders();
    failures += testRunRecords();
    if (virTestRun("no unused data files", testUnused, NULL) < 0)
        failures++;

    return virTestResult(failures);
}
