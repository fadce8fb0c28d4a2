/*
 * qemu_viommu_claims.h: which bus serves the devices of which physical
 *                       IOMMU, as the planner's check phase finds it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdbool.h>

/*
 * The buses the devices of each physical IOMMU sit below, and the
 * other way round: a bus (a pxb's index, 0 for the root bus) serves
 * one IOMMU, an IOMMU's devices sit below one bus.  The two directions
 * are kept together here, so neither can be set without the other.
 * IOMMU names are borrowed and must outlive the claims.
 */
typedef struct _qemuVIOMMUClaims qemuVIOMMUClaims;

qemuVIOMMUClaims *qemuVIOMMUClaimsNew(void);
void qemuVIOMMUClaimsFree(qemuVIOMMUClaims *claims);

/* Record that the devices of @iommu sit below bus @bus. */
void qemuVIOMMUClaimsSet(qemuVIOMMUClaims *claims,
                         const char *iommu,
                         unsigned int bus);

/* The bus the devices of @iommu sit below: true with it in *bus, or
 * false when none is known. */
bool qemuVIOMMUClaimsBusOf(const qemuVIOMMUClaims *claims,
                           const char *iommu,
                           unsigned int *bus);

/* The IOMMU whose devices sit below bus @bus, or NULL. */
const char *qemuVIOMMUClaimsOwner(const qemuVIOMMUClaims *claims,
                                  unsigned int bus);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuVIOMMUClaims, qemuVIOMMUClaimsFree);
