/*
 * virt-viommu.h: shared bits of the virt-viommu command line tool
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdbool.h>

#include "qemu_viommu.h"
#include "qemu_viommu_xml.h"

/* Exit codes of every command (see virt-viommu(1)). */
typedef enum {
    VIRT_VIOMMU_EXIT_OK = 0,
    VIRT_VIOMMU_EXIT_ERROR = 1,     /* input, host or planning problem */
    VIRT_VIOMMU_EXIT_USAGE = 2,     /* bad command line */
} virtVIOMMUExit;

typedef struct _virtVIOMMUCommand virtVIOMMUCommand;
struct _virtVIOMMUCommand {
    const char *name;
    const char *params;         /* shown after the options in --help */
    const char *summary;
    const char *description;
    int (*run)(int argc, char **argv);
};

/* Parse @argv with @entries (plus --help); on a usage error print it
 * with a hint and return -1. */
int virtVIOMMUParseOptions(const virtVIOMMUCommand *cmd,
                           GOptionEntry *entries,
                           int *argc,
                           char ***argv);

int virtVIOMMUUsageError(const virtVIOMMUCommand *cmd, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/* The sysfs root: --sysfs-root, else $VIRT_VIOMMU_SYSFS_ROOT, else "/". */
const char *virtVIOMMUSysfsRoot(const char *opt);

/* Print pending warnings. */
void virtVIOMMUWarn(void);

/* Print pending errors (dropping warnings) and return VIRT_VIOMMU_EXIT_ERROR. */
int virtVIOMMUFail(void);

/* Do @input and @output name the same existing file? */
bool virtVIOMMUSameFile(const char *input, const char *output);

/* Write @data to @path atomically (temporary file in the same
 * directory, fsync, rename), or to stdout when @path is NULL or "-". */
int virtVIOMMUWriteOutput(const char *path, const char *data, size_t len);

const virtVIOMMUCommand *virtVIOMMUCommandLookup(const char *name);

int virtVIOMMUPlanFile(const char *path,
                       const char *sysfsRoot,
                       const qemuVIOMMUPlanOptions *opts,
                       xmlDocPtr *docOut,
                       virSysIOMMUHost **hostOut);

int virtVIOMMUReadInput(const char *path, char **data, size_t *len);

int virtVIOMMUCmdScan(int argc, char **argv);
int virtVIOMMUCmdPlan(int argc, char **argv);
int virtVIOMMUCmdArgv(int argc, char **argv);
int virtVIOMMUCmdDefine(int argc, char **argv);
int virtVIOMMUCmdStart(int argc, char **argv);
int virtVIOMMUCmdAttach(int argc, char **argv);
int virtVIOMMUCmdDetach(int argc, char **argv);
int virtVIOMMUCmdCheck(int argc, char **argv);
