/*
 * fuzz-plan.c: libFuzzer harness, domain XML -> plan -> argv
 *
 * The input is a domain XML document; it is planned against the
 * Grace-like host fixture (or $VIRT_VIOMMU_FUZZ_HOST) and, when that
 * works, planned again (it must not change) and turned into arguments.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_viommu.h"
#include "qemu_viommu_argv.h"
#include "qemu_viommu_check.h"
#include "qemu_viommu_xml.h"
#include "virerror.h"
#include "virsysiommu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static virSysIOMMUHost *fuzzHost;


static virSysIOMMUHost *
fuzzGetHost(void)
{
    const char *root = getenv("VIRT_VIOMMU_FUZZ_HOST");

    if (!fuzzHost)
        fuzzHost = virSysIOMMUHostOpen(root ? root : SRCDIR "/hosts/aarch64-grace");
    if (!fuzzHost)
        abort();
    return fuzzHost;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    virSysIOMMUHost *host = fuzzGetHost();
    qemuVIOMMUPlanOptions opts = { .sparePorts = size % 3 };
    qemuVIOMMUArgvOptions argvOpts = { .standalone = size % 2 };
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlDoc) again = NULL;
    g_autoptr(GPtrArray) args = NULL;
    g_autoptr(GPtrArray) results = NULL;
    g_autofree char *planned = NULL;
    g_autofree char *replanned = NULL;
    g_autofree char *argvText = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    size_t len;
    size_t len2;
    bool changed;

    if (!(doc = qemuVIOMMUXMLParse((const char *) data, size, "fuzz"))) {
        virErrorReset();
        return 0;
    }
    before = qemuVIOMMUXMLFormat(doc, &len);

    if (qemuVIOMMUPlanDomain(host, doc, &opts, &changed) < 0) {
        /* a plan that fails changes nothing */
        after = qemuVIOMMUXMLFormat(doc, &len2);
        if (len != len2 || memcmp(before, after, len) != 0)
            abort();
    } else {
        planned = qemuVIOMMUXMLFormat(doc, &len);

        /* a planned domain plans to itself */
        if (!(again = qemuVIOMMUXMLParse(planned, len, "planned")))
            abort();
        if (qemuVIOMMUPlanDomain(host, again, &opts, &changed) < 0 || changed)
            abort();
        replanned = qemuVIOMMUXMLFormat(again, &len2);
        if (len != len2 || memcmp(planned, replanned, len) != 0)
            abort();

        if (qemuVIOMMUBuildArgv(doc, &argvOpts, &args) == 0)
            argvText = qemuVIOMMUArgvFormat(args, true);
        if (qemuVIOMMUCheckDomain(host, doc, &results) < 0)
            (void) 0;
    }

    virErrorReset();
    return 0;
}
