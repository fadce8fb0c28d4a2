/*
 * virt-viommu.h: the commands of the virt-viommu program
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdbool.h>

#include "virt-viommu-util.h"

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

/* Do @input and @output name the same existing file? */
bool virtVIOMMUSameFile(const char *input, const char *output);

const virtVIOMMUCommand *virtVIOMMUCommandLookup(const char *name);

int virtVIOMMUCmdScan(int argc, char **argv);
int virtVIOMMUCmdPlan(int argc, char **argv);
int virtVIOMMUCmdArgv(int argc, char **argv);

/* The libvirt commands: their command lines are parsed here, and the
 * module virt-viommu-libvirt.so runs them (see virt-viommu-libvirt.h). */
int virtVIOMMUCmdDefine(int argc, char **argv);
int virtVIOMMUCmdStart(int argc, char **argv);
int virtVIOMMUCmdAttach(int argc, char **argv);
int virtVIOMMUCmdDetach(int argc, char **argv);
int virtVIOMMUCmdCheck(int argc, char **argv);
