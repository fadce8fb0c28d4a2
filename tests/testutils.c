/*
 * testutils.c: helpers for the virt-viommu test programs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "testutils.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "virerror.h"

static GHashTable *virTestUsedFiles;


void
virTestInit(void)
{
    g_setenv("LC_ALL", "C", TRUE);
    g_setenv("TZ", "UTC", TRUE);
    g_unsetenv("LD_PRELOAD");
    g_unsetenv("VIRT_VIOMMU_SYSFS_ROOT");
    setlocale(LC_ALL, "C");
    virTestUsedFiles = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}


const char *
virTestSrcDir(void)
{
    const char *dir = g_getenv("VIR_TEST_SRCDIR");

    return dir ? dir : SRCDIR;
}


bool
virTestRegenerate(void)
{
    return g_strcmp0(g_getenv("VIR_TEST_REGENERATE_OUTPUT"), "1") == 0;
}


bool
virTestDebug(void)
{
    return g_strcmp0(g_getenv("VIR_TEST_DEBUG"), "1") == 0;
}


int
virTestRun(const char *title,
           int (*body)(const void *data),
           const void *data)
{
    int rc;

    virErrorReset();
    virWarningReset();
    rc = body(data);
    printf("TEST: %s ... %s\n", title, rc == 0 ? "OK" : "FAILED");
    if (rc != 0 && virErrorCount() > 0) {
        g_autofree char *errs = virErrorsFormat(0);

        printf("  errors reported:\n%s", errs);
    }
    if (rc != 0 && virWarningGetAll()->len > 0) {
        g_autofree char *warns = virWarningsFormat(0);

        printf("  warnings reported:\n%s", warns);
    }
    virErrorReset();
    virWarningReset();
    fflush(stdout);
    return rc == 0 ? 0 : -1;
}


void
virTestMarkUsed(const char *path)
{
    g_hash_table_add(virTestUsedFiles, g_canonicalize_filename(path, NULL));
}


static void
virTestShowDiff(const char *expect, const char *actual)
{
    size_t off = 0;
    size_t line = 1;

    while (expect[off] && actual[off] && expect[off] == actual[off]) {
        if (expect[off] == '\n')
            line++;
        off++;
    }
    printf("  Offset %zu (line %zu)\n  Expect [%.200s]\n  Actual [%.200s]\n",
           off, line, expect + off, actual + off);
}


int
virTestCompareToFile(const char *actual, const char *path)
{
    g_autofree char *expect = NULL;
    g_autoptr(GError) err = NULL;

    virTestMarkUsed(path);

    if (!g_file_get_contents(path, &expect, NULL, &err) && !virTestRegenerate()) {
        printf("  cannot read %s: %s (VIR_TEST_REGENERATE_OUTPUT=1 creates it)\n",
               path, err->message);
        return -1;
    }
    if (expect && strcmp(expect, actual) == 0)
        return 0;

    /* Like libvirt's virTestCompareToFileFull(): regeneration rewrites
     * only a file that differs, and the run still fails, so that it
     * lists every file it changed. */
    if (virTestRegenerate()) {
        g_clear_error(&err);
        if (!g_file_set_contents(path, actual, -1, &err)) {
            printf("  cannot write %s: %s\n", path, err->message);
            return -1;
        }
        printf("  %s regenerated\n", path);
        return -1;
    }

    printf("  %s differs\n", path);
    if (virTestDebug())
        virTestShowDiff(expect, actual);
    return -1;
}


int
virTestCompareToOptionalFile(const char *actual, const char *path)
{
    if (*actual)
        return virTestCompareToFile(actual, path);

    /* used even when it exists by mistake: this failure says why */
    virTestMarkUsed(path);
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return 0;

    if (virTestRegenerate()) {
        if (unlink(path) < 0) {
            printf("  cannot remove %s: %s\n", path, g_strerror(errno));
            return -1;
        }
        printf("  %s removed\n", path);
        return -1;
    }

    printf("  %s exists, but the test produced nothing for it "
           "(VIR_TEST_REGENERATE_OUTPUT=1 removes it)\n", path);
    return -1;
}


int
virTestCheckUnused(const char *dir, const char * const *suffixes)
{
    g_autoptr(GDir) dh = NULL;
    g_autoptr(GError) err = NULL;
    const char *name;
    int ret = 0;

    if (!(dh = g_dir_open(dir, 0, &err))) {
        printf("  cannot list %s: %s\n", dir, err->message);
        return -1;
    }
    while ((name = g_dir_read_name(dh))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *canon = g_canonicalize_filename(path, NULL);
        bool match = false;
        size_t i;

        for (i = 0; suffixes[i]; i++) {
            if (g_str_has_suffix(name, suffixes[i]))
                match = true;
        }
        if (match && !g_hash_table_contains(virTestUsedFiles, canon)) {
            printf("  data file %s is used by no test\n", path);
            ret = -1;
        }
    }
    return ret;
}


int
virTestResult(int failures)
{
    if (virTestUsedFiles)
        g_hash_table_unref(virTestUsedFiles);
    return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
