/*
 * qemu_viommu_check.h: does a planned domain still match its host?
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "virenum.h"
#include "virsysiommu.h"

typedef enum {
    QEMU_VIOMMU_CHECK_OK,           /* as planned */
    QEMU_VIOMMU_CHECK_GONE,         /* the host has no such device now */
    QEMU_VIOMMU_CHECK_NO_IOMMU,     /* it is behind no IOMMU now */
    QEMU_VIOMMU_CHECK_IOMMU,        /* it is behind another IOMMU now */
    QEMU_VIOMMU_CHECK_GROUP,        /* its IOMMU group changed */
    QEMU_VIOMMU_CHECK_NODE,         /* its NUMA node changed */
    QEMU_VIOMMU_CHECK_UNRECORDED,   /* assigned, but not in the plan */
    QEMU_VIOMMU_CHECK_OPTIONS,      /* a vSMMU asks more than its SMMU has
                                     * (source: the SMMU's name), or the
                                     * q35 intel vIOMMU lacks the caching
                                     * mode QEMU needs (source: its path) */
    QEMU_VIOMMU_CHECK_ERROR,        /* the host could not be read */
    QEMU_VIOMMU_CHECK_WINDOW,       /* <pcihole64> no longer holds the BARs */
    QEMU_VIOMMU_CHECK_SMMU,         /* QEMU refuses the SMMU behind an
                                     * accel vSMMU; source is its name */
    QEMU_VIOMMU_CHECK_GPUMEM,       /* its <acpi nodeset> no longer matches
                                     * the nodes its memory needs */
    QEMU_VIOMMU_CHECK_BAR,          /* a BAR QEMU's vfio-pci cannot give
                                     * the guest (no power of two) */

    QEMU_VIOMMU_CHECK_LAST
} qemuVIOMMUCheckStatus;

VIR_ENUM_DECL(qemuVIOMMUCheckStatus);

typedef struct _qemuVIOMMUCheckResult qemuVIOMMUCheckResult;
struct _qemuVIOMMUCheckResult {
    char *source;               /* host BDF or mdev UUID */
    qemuVIOMMUCheckStatus status;
    char *planIOMMU;            /* what the plan recorded */
    int planGroup;
    int planNode;
    char *hostIOMMU;            /* what the host says now (NULL if none) */
    int hostGroup;
    int hostNode;
    char *message;              /* one line for people */
};

/* Compare the plan recorded in @doc with @host.  *results gets one
 * entry per recorded device, one per assigned PCI device the plan
 * does not know, one per option of a vSMMU above what its physical
 * SMMU has (where its capabilities are known) or that QEMU takes from
 * no host, one per reason QEMU refuses the physical SMMU of an
 * accel='on' vSMMU, and one for a q35 intel vIOMMU without the caching
 * mode QEMU needs.  Returns the number of entries that are not OK, or -1
 * (reported) when @doc has no plan record or cannot be read. */
int qemuVIOMMUCheckDomain(virSysIOMMUHost *host,
                          xmlDocPtr doc,
                          GPtrArray **results);
