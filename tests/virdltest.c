/*
 * virdltest.c: tests of loading libraries on first use
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <stdio.h>
#include <string.h>

#include "testutils.h"
#include "virdl.h"
#include "virerror.h"


typedef size_t (*testStrlenFunc)(const char *s);

static struct {
    testStrlenFunc strlen_;
    void *missing;
} testTable;


static int
testLoad(const void *opaque G_GNUC_UNUSED)
{
    const virDLSymbol syms[] = {
        VIR_DL_SYMBOL(testTable, strlen_, strlen),
    };

    if (!virDLLoad("libc.so.6", "testing", "glibc", syms, G_N_ELEMENTS(syms)) ||
        !testTable.strlen_ || testTable.strlen_("four") != 4) {
        printf("  libc.so.6: %s\n", virErrorGetLast());
        return -1;
    }
    return 0;
}


/* The messages say which library, what for and what to install. */
static int
testLoadFailures(const void *opaque G_GNUC_UNUSED)
{
    const virDLSymbol syms[] = {
        VIR_DL_SYMBOL(testTable, strlen_, strlen),
        VIR_DL_SYMBOL(testTable, missing, virt_viommu_no_such_symbol),
    };
    const char *want[] = {
        "cannot load libvirt-viommu-none.so.0 for testing (",
        "); install no package",
        "libc.so.6 lacks virt_viommu_no_such_symbol, which testing needs; install glibc",
    };

    if (virDLLoad("libvirt-viommu-none.so.0", "testing", "no package", syms, 1) ||
        !strstr(virErrorGetLast(), want[0]) || !strstr(virErrorGetLast(), want[1])) {
        printf("  missing library: '%s'\n", virErrorGetLast());
        return -1;
    }
    if (virDLLoad("libc.so.6", "testing", "glibc", syms, G_N_ELEMENTS(syms)) ||
        strcmp(virErrorGetLast(), want[2]) != 0) {
        printf("  missing symbol: '%s'\n", virErrorGetLast());
        return -1;
    }
    virErrorReset();
    return 0;
}


int
main(void)
{
    int failures = 0;

    virTestInit();

    if (virTestRun("load a library", testLoad, NULL) < 0)
        failures++;
    if (virTestRun("missing library or symbol", testLoadFailures, NULL) < 0)
        failures++;

    return virTestResult(failures);
}
