/*
 * virt-viommu-scan.c: the 'scan' command
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virt-viommu.h"

#include <stdio.h>

#include "virerror.h"
#include "virpciids.h"
#include "virsysgpumem.h"
#include "virsysiommu.h"
#include "virsysiommucaps.h"
#include "virsysiommufmt.h"

int
virtVIOMMUCmdScan(int argc, char **argv)
{
    const virtVIOMMUCommand *cmd = virtVIOMMUCommandLookup("scan");
    g_autofree char *sysfsRoot = NULL;
    g_autofree char *save = NULL;
    g_autofree char *output = NULL;
    gboolean json = FALSE;
    gboolean dot = FALSE;
    gboolean numeric = FALSE;
    g_autoptr(virSysIOMMUHost) host = NULL;
    g_autoptr(virPCIIDs) ids = NULL;
    g_autofree char *text = NULL;
    size_t i;
    GOptionEntry entries[] = {
        { "sysfs-root", 0, 0, G_OPTION_ARG_FILENAME, &sysfsRoot,
          "read sysfs below DIR instead of / (default: $VIRT_VIOMMU_SYSFS_ROOT or /)", "DIR" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &json,
          "print JSON (format 'virt-viommu-scan' version 1)", NULL },
        { "dot", 0, 0, G_OPTION_ARG_NONE, &dot,
          "print a Graphviz graph of IOMMUs, groups and devices", NULL },
        { "numeric", 'n', 0, G_OPTION_ARG_NONE, &numeric,
          "do not look up vendor and device names", NULL },
        { "save", 0, 0, G_OPTION_ARG_FILENAME, &save,
          "copy what the scan reads into a new fixture directory DIR (which must not exist)", "DIR" },
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
          "write to FILE (atomically) instead of standard output", "FILE" },
        { NULL }
    };

    if (virtVIOMMUParseOptions(cmd, entries, &argc, &argv) < 0)
        return VIRT_VIOMMU_EXIT_USAGE;
    if (argc > 1)
        return virtVIOMMUUsageError(cmd, "unexpected argument '%s'", argv[1]);
    if (json && dot)
        return virtVIOMMUUsageError(cmd, "--json and --dot are exclusive");

    if (!(host = virSysIOMMUHostOpen(virtVIOMMUSysfsRoot(sysfsRoot))) ||
        virSysIOMMUHostScan(host) < 0)
        return virtVIOMMUFail();

    /* unknown capabilities are shown as such; only unreadable files fail */
    for (i = 0; i < virSysIOMMUHostGetIOMMUs(host)->len; i++) {
        virSysIOMMU *iommu = g_ptr_array_index(virSysIOMMUHostGetIOMMUs(host), i);

        if (!virSysIOMMUHostGetCaps(host, iommu, NULL))
            return virtVIOMMUFail();
    }

    /* GPU memory nodes, and the BARs VFIO reports for VFIO-bound devices */
    if (virSysIOMMUHostReadGPUMem(host) < 0)
        return virtVIOMMUFail();

    if (save) {
        if (virSysIOMMUHostSave(host, save) < 0 ||
            virSysIOMMUHostSaveCaps(host, save) < 0 ||
            virSysIOMMUHostSaveRegions(host, save) < 0)
            return virtVIOMMUFail();
        fprintf(stderr, "saved the host's IOMMU view to '%s'\n", save);
        return VIRT_VIOMMU_EXIT_OK;
    }

    if (!numeric)
        ids = virPCIIDsOpen();

    if (json)
        text = virSysIOMMUHostFormatJSON(host, ids);
    else if (dot)
        text = virSysIOMMUHostFormatDot(host, ids);
    else
        text = virSysIOMMUHostFormatText(host, ids);

    if (!text || virtVIOMMUWriteOutput(output, text, strlen(text)) < 0)
        return virtVIOMMUFail();
    return VIRT_VIOMMU_EXIT_OK;
}
