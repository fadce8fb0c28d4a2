/*
 * qemu_viommu_argv.h: the QEMU arguments of a planned vIOMMU topology,
 *                     as libvirt writes them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include <stdbool.h>

typedef struct _qemuVIOMMUArgvOptions qemuVIOMMUArgvOptions;
struct _qemuVIOMMUArgvOptions {
    /* For a plain qemu-system-* command line without libvirt: vfio-pci
     * devices that use iommufd also name their host device. */
    bool standalone;
};

/*
 * The -object/-device arguments of the topology of @doc: the
 * pcie-expander-buses and the controllers below them, in index order,
 * then the vIOMMUs, the iommufd object and the vfio-pci devices, each
 * as libvirt 12.8 writes it.  *args gets the arguments in pairs
 * ("-device", "{...}").  Returns 0 or -1 (reported).
 */
int qemuVIOMMUBuildArgv(xmlDocPtr doc,
                        const qemuVIOMMUArgvOptions *opts,
                        GPtrArray **args);

/* One "OPTION 'VALUE'" per line, each VALUE quoted for a POSIX shell
 * as libvirt quotes it (a ' inside becomes '\''); with @continued,
 * each line but the last ends in " \" (the layout of libvirt's .args
 * test files). */
char *qemuVIOMMUArgvFormat(GPtrArray *args, bool continued);
