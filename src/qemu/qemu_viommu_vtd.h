/*
 * qemu_viommu_vtd.h: what QEMU's intel-iommu needs of its options
 *                    before it takes assigned devices
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "qemu_viommu_conf.h"

typedef enum {
    QEMU_VIOMMU_VTD_CACHING_FINE,   /* on, or no assigned device needs it */
    QEMU_VIOMMU_VTD_CACHING_ABSENT, /* needed, not written: QEMU's default is off */
    QEMU_VIOMMU_VTD_CACHING_OFF,    /* needed, written caching_mode='off' */

    QEMU_VIOMMU_VTD_CACHING_LAST
} qemuVIOMMUVTDCaching;

/*
 * Does @iommu, an <iommu> of @def, lack the caching mode that QEMU
 * needs before it takes the domain's assigned devices?  Only an intel
 * vIOMMU of a q35 guest with at least one <hostdev> (every bus of q35
 * is behind it) can.
 */
qemuVIOMMUVTDCaching qemuVIOMMUVTDCachingMode(const qemuVIOMMUDomain *def,
                                              const qemuVIOMMUIOMMU *iommu);

/*
 * One line for @state (ABSENT or OFF): the <iommu> at @path, QEMU's
 * reason and what to write.
 */
char *qemuVIOMMUVTDCachingMessage(const qemuVIOMMUDomain *def,
                                  const char *path,
                                  qemuVIOMMUVTDCaching state);

/*
 * Would QEMU refuse one more assigned device, the one an attach adds,
 * behind the vIOMMU of the domain in @doc: a q35 intel vIOMMU without
 * caching_mode='on'?  Returns 1 and sets *path to its <iommu>'s path
 * when it would, 0 when not, -1 (reported) when @doc cannot be read.
 */
int qemuVIOMMUVTDAttachLacksCaching(xmlDocPtr doc, char **path);
