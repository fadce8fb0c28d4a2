/*
 * qemu_viommu_smmucompat.h: the host SMMUs and vSMMU options QEMU's
 *                           arm-smmuv3 refuses
 *
 * QEMU 11.1 holds each host SMMU behind an accel=on vSMMU against the ID
 * registers of its own vSMMU (smmuv3_accel_check_hw_compatible() in
 * hw/arm/smmuv3-accel.c, when a vfio-pci device attaches: at start, or
 * at hot-plug), and checks the vSMMU's options when it creates it
 * (smmu_validate_property() in hw/arm/smmuv3.c, at start).  These are
 * the same rules, on the registers read through iommufd.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "qemu_viommu_conf.h"
#include "virsysiommucaps.h"

/* The ID register fields of QEMU 11.1's vSMMU (smmuv3_init_id_regs())
 * that a host SMMU must match or reach; the lab read the same from an
 * emulated SMMUv3 (tests/viriommucapstest.c). */
#define QEMU_VIOMMU_SMMU_STLEVEL 1          /* IDR0.STLEVEL: 2-level */
#define QEMU_VIOMMU_SMMU_TTENDIAN 2         /* IDR0.TTENDIAN: little-endian */
#define QEMU_VIOMMU_SMMU_TTF 2              /* IDR0.TTF: AArch64 */
#define QEMU_VIOMMU_SMMU_SIDSIZE 16         /* IDR1.SIDSIZE */
#define QEMU_VIOMMU_SMMU_GRANULES (4 | 16 | 64) /* IDR5.GRAN4K|16K|64K */

/* The OAS values QEMU 11.1's arm-smmuv3 takes with accel=on. */
#define QEMU_VIOMMU_SMMU_OAS_MIN 44
#define QEMU_VIOMMU_SMMU_OAS_MAX 48
/* IDR5.OAS of 44 bits: below it no oas QEMU takes fits */
#define QEMU_VIOMMU_SMMU_OAS_FIELD_MIN 4
/* QEMU's largest ssidsize */
#define QEMU_VIOMMU_SMMU_SSIDSIZE_MAX 20

/*
 * One message per reason QEMU refuses to attach a device of host SMMU
 * @iommu to an accel=on vSMMU, whatever the vSMMU's options: the fields
 * of smmuv3_accel_check_hw_compatible() that do not depend on them,
 * OAS below the 44 bits of QEMU's smallest oas, and (with @nesting)
 * both stages, which the nesting parent needs.  Appended to @problems
 * (char *); returns how many, 0 when @caps are unknown or not an
 * SMMUv3's.
 */
size_t qemuVIOMMUSMMUCompatHost(const char *iommu,
                                const virSysIOMMUCaps *caps,
                                bool nesting,
                                GPtrArray *problems);

/*
 * One message per option of @opts (an arm-smmuv3's, @who in the
 * message) that QEMU refuses whatever the host: an ssidsize above 20
 * (the property's own range), and (smmu_validate_property) an oas other
 * than 44 or 48, and with accel off ril='off', ats='on', an oas above 44
 * or an ssidsize above 0.  Appended to @problems;
 * returns how many.
 */
size_t qemuVIOMMUSMMUCompatOptions(const qemuVIOMMUOptions *opts,
                                   const char *who,
                                   GPtrArray *problems);
