/*
 * virt-viommu-util.h: what every virt-viommu command uses, in the
 *                     program and in its libvirt module alike
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdbool.h>

#include "qemu_viommu.h"
#include "qemu_viommu_xml.h"
#include "virsysiommu.h"

#define VIRT_VIOMMU_PROGRAM "virt-viommu"

/* Exit codes of every command (see virt-viommu(1)). */
typedef enum {
    VIRT_VIOMMU_EXIT_OK = 0,
    VIRT_VIOMMU_EXIT_ERROR = 1,     /* input, host or planning problem */
    VIRT_VIOMMU_EXIT_USAGE = 2,     /* bad command line */
} virtVIOMMUExit;

/* The options of the libvirt commands, as parsed by virt-viommu; 'check'
 * of a file takes them too. */
typedef struct _virtVIOMMULibvirtArgs virtVIOMMULibvirtArgs;
struct _virtVIOMMULibvirtArgs {
    char *uri;                  /* -c, or NULL for libvirt's default */
    char *sysfsRoot;            /* --sysfs-root, or NULL */
    gint sparePorts;            /* define, start */
    gboolean move;              /* define, start */
    gboolean refreshOptions;    /* define, start */
    gboolean live;              /* attach, detach */
    gboolean config;            /* attach, detach */
    gboolean json;              /* check */
    gboolean ready;             /* check --ready */
};

/* The sysfs root: --sysfs-root, else $VIRT_VIOMMU_SYSFS_ROOT, else "/". */
const char *virtVIOMMUSysfsRoot(const char *opt);

/* Print pending warnings. */
void virtVIOMMUWarn(void);

/* Print pending errors (dropping warnings) and return VIRT_VIOMMU_EXIT_ERROR. */
int virtVIOMMUFail(void);

/* Write @data to @path atomically (temporary file in the same
 * directory, fsync, rename), or to stdout when @path is NULL or "-". */
int virtVIOMMUWriteOutput(const char *path, const char *data, size_t len);

/* Does @arg name a file rather than a libvirt domain?  "-", a path with
 * a '/' (libvirt refuses one in a domain name) or a name ending in
 * ".xml" does, whether or not it exists; anything else does when it
 * exists. */
bool virtVIOMMUArgIsFile(const char *arg);

/* Read and parse the domain XML in @path ("-": standard input, at most
 * 64 MiB). */
xmlDocPtr virtVIOMMUReadDomain(const char *path);

/* Read @path, plan it against the host below @sysfsRoot.  When the
 * plan changes nothing and @unchanged is given, *unchanged gets the
 * input as read (else NULL), to be written back byte for byte. */
int virtVIOMMUPlanFile(const char *path,
                       const char *sysfsRoot,
                       const qemuVIOMMUPlanOptions *opts,
                       xmlDocPtr *docOut,
                       virSysIOMMUHost **hostOut,
                       char **unchanged);
