/*
 * qemu_viommu_ready.h: would a domain start on this host?  The reasons
 *                      it would not, each with its fix
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "virenum.h"
#include "virsysiommu.h"

typedef enum {
    QEMU_VIOMMU_READY_NO_DEVICE,    /* the host has no such device / IOMMU */
    QEMU_VIOMMU_READY_NOT_VFIO,     /* not bound to vfio-pci, not managed */
    QEMU_VIOMMU_READY_GROUP,        /* another endpoint of its group has a host driver */
    QEMU_VIOMMU_READY_NO_IOMMUFD,   /* no /dev/iommu */
    QEMU_VIOMMU_READY_NO_CDEV,      /* no VFIO device cdev */
    QEMU_VIOMMU_READY_NO_NESTING,   /* an SMMU without both stages */
    QEMU_VIOMMU_READY_NO_KVM,       /* no /dev/kvm */
    QEMU_VIOMMU_READY_NO_CACHING_MODE, /* intel vIOMMU without caching mode */
    QEMU_VIOMMU_READY_SMMU,         /* QEMU refuses an SMMU behind accel */
    QEMU_VIOMMU_READY_BAR,          /* a BAR vfio-pci cannot give the guest */
    QEMU_VIOMMU_READY_OPTIONS,      /* a vSMMU asks more than its SMMU has */

    QEMU_VIOMMU_READY_LAST
} qemuVIOMMUReadyReason;

VIR_ENUM_DECL(qemuVIOMMUReadyReason);

typedef struct _qemuVIOMMUReadyProblem qemuVIOMMUReadyProblem;
struct _qemuVIOMMUReadyProblem {
    qemuVIOMMUReadyReason reason;
    char *message;              /* one line: what and how to fix it */
};

/*
 * Look at the host below the root of @host (its sysfs, and its dev/ for
 * /dev/iommu, /dev/kvm and /dev/vfio/devices) for each reason the
 * domain in @doc would not start: a PCI hostdev not bound to vfio-pci
 * and not managed='yes'; an IOMMU group with another endpoint bound to
 * a host driver; no /dev/iommu or no VFIO cdev where the domain uses
 * iommufd; an SMMU without nesting behind an accel='on' vSMMU, or one
 * QEMU refuses there for another of its registers; no /dev/kvm for a
 * KVM domain or an accelerated vSMMU; a q35 intel vIOMMU without the
 * caching mode QEMU needs for assigned devices.  The domain need
 * not have been planned.  *problems gets one entry per reason found.
 * Returns how many, or -1 (reported) when @doc or the host cannot be
 * read.
 */
int qemuVIOMMUReadyCheck(virSysIOMMUHost *host,
                         xmlDocPtr doc,
                         GPtrArray **problems);
