/*
 * qemu_viommu_caps.h: vSMMU options from the capabilities of the
 *                     physical SMMU behind each vSMMU
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "qemu_viommu_conf.h"
#include "virsysiommu.h"
#include "virsysiommucaps.h"

/*
 * The options of the accelerated vSMMU of physical SMMU @iommu: @base
 * (the template's request) with ats, ril, ssidsize and oas written out
 * from @caps, and cmdqv='on' where the host has a CMDQV and @base does
 * not say 'off'.  A value of @base is a request: above the host's it is
 * an error naming the SMMU, the option, both values; at or below it is
 * kept.  Unknown capabilities leave @base as it is and set *unknown.
 * Options of a vSMMU without accel='on' are @base.  Returns 0 or -1.
 */
int qemuVIOMMUCapsOptions(const qemuVIOMMUOptions *base,
                          const char *iommu,
                          const virSysIOMMUCaps *caps,
                          qemuVIOMMUOptions *out,
                          bool *unknown);

/* One message per option of @opts (an accelerated vSMMU's) above what
 * the physical SMMU @iommu has, appended to @problems (char *).  Returns
 * how many; 0 when @caps are unknown. */
size_t qemuVIOMMUCapsCheck(const qemuVIOMMUOptions *opts,
                           const char *who,
                           const char *iommu,
                           const virSysIOMMUCaps *caps,
                           GPtrArray *problems);
