/*
 * qemu_viommu_claims.c: which bus serves the devices of which physical
 *                       IOMMU, as the planner's check phase finds it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_claims.h"

struct _qemuVIOMMUClaims {
    GHashTable *bus;                /* IOMMU name -> bus + 1 */
    GHashTable *owner;              /* bus + 1 -> IOMMU name */
};


qemuVIOMMUClaims *
qemuVIOMMUClaimsNew(void)
{
    qemuVIOMMUClaims *claims = g_new0(qemuVIOMMUClaims, 1);

    claims->bus = g_hash_table_new(g_str_hash, g_str_equal);
    claims->owner = g_hash_table_new(NULL, NULL);
    return claims;
}


void
qemuVIOMMUClaimsFree(qemuVIOMMUClaims *claims)
{
    if (!claims)
        return;
    g_hash_table_unref(claims->bus);
    g_hash_table_unref(claims->owner);
    g_free(claims);
}


void
qemuVIOMMUClaimsSet(qemuVIOMMUClaims *claims,
                    const char *iommu,
                    unsigned int bus)
{
    g_hash_table_insert(claims->bus, (gpointer) iommu, GUINT_TO_POINTER(bus + 1));
    g_hash_table_insert(claims->owner, GUINT_TO_POINTER(bus + 1), (gpointer) iommu);
}


bool
qemuVIOMMUClaimsBusOf(const qemuVIOMMUClaims *claims,
                      const char *iommu,
                      unsigned int *bus)
{
    gpointer value;

    if (!g_hash_table_lookup_extended(claims->bus, iommu, NULL, &value))
        return false;
    *bus = GPOINTER_TO_UINT(value) - 1;
    return true;
}


const char *
qemuVIOMMUClaimsOwner(const qemuVIOMMUClaims *claims, unsigned int bus)
{
    return g_hash_table_lookup(claims->owner, GUINT_TO_POINTER(bus + 1));
}
