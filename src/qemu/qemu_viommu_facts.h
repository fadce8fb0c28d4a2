/*
 * qemu_viommu_facts.h: what the host says of the devices a domain
 *                      assigns, read before planning
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "qemu_viommu_conf.h"
#include "virsysiommu.h"

/* What the host has for one <hostdev>. */
typedef enum {
    QEMU_VIOMMU_HOSTDEV_FOUND,          /* device and IOMMU found */
    QEMU_VIOMMU_HOSTDEV_NO_MDEV,        /* no such mediated device */
    QEMU_VIOMMU_HOSTDEV_NO_DEVICE,      /* no such PCI device */
    QEMU_VIOMMU_HOSTDEV_NO_IOMMU,       /* the device has no IOMMU */
    QEMU_VIOMMU_HOSTDEV_IOMMU_UNLISTED, /* its IOMMU is not in class/iommu */

    QEMU_VIOMMU_HOSTDEV_LAST
} qemuVIOMMUHostdevState;

typedef struct _qemuVIOMMUHostdevFacts qemuVIOMMUHostdevFacts;
struct _qemuVIOMMUHostdevFacts {
    qemuVIOMMUHostdevState state;
    virSysIOMMUDevice *dev;     /* the PCI device (an mdev's parent), or NULL */
    virSysIOMMU *iommu;         /* with QEMU_VIOMMU_HOSTDEV_FOUND */
};

/*
 * The host facts a plan needs, and no more: for each hostdev of the
 * domain its device and IOMMU, and the other members of the IOMMU
 * groups of those devices.  Devices and IOMMUs are borrowed from the
 * host, which must outlive the facts.
 */
typedef struct _qemuVIOMMUHostFacts qemuVIOMMUHostFacts;
struct _qemuVIOMMUHostFacts {
    GPtrArray *hostdevs;        /* qemuVIOMMUHostdevFacts *, as def->hostdevs */
    GHashTable *groups;         /* group + 1 -> GPtrArray of virSysIOMMUDevice *;
                                 * details read for those the domain
                                 * does not assign */
};

/* Look up on @host what planning @def needs.  A device or IOMMU the
 * host lacks is a fact; a sysfs tree that cannot be read is an error,
 * reported (every one of them) before NULL is returned. */
qemuVIOMMUHostFacts *qemuVIOMMUHostFactsCollect(virSysIOMMUHost *host,
                                                qemuVIOMMUDomain *def);
void qemuVIOMMUHostFactsFree(qemuVIOMMUHostFacts *facts);

/* The facts of hostdev number @i of the domain. */
const qemuVIOMMUHostdevFacts *qemuVIOMMUHostFactsGet(const qemuVIOMMUHostFacts *facts,
                                                     size_t i);

/* The devices of IOMMU group @group, or NULL; the details (driver,
 * class) of those the domain does not assign are read. */
GPtrArray *qemuVIOMMUHostFactsGroup(const qemuVIOMMUHostFacts *facts,
                                    int group);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuVIOMMUHostFacts, qemuVIOMMUHostFactsFree);
