/*
 * virsysiommucaps.h: the capabilities of a host's physical IOMMUs, read
 *                    live (iommufd, sysfs) or from a fixture's record
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "viriommucaps.h"
#include "virjson.h"
#include "virsysiommu.h"

/* The fixture file beside sys/ that records what was read live. */
#define VIR_SYS_IOMMU_CAPS_FILE "iommu-caps.json"

struct _virSysIOMMUCaps {
    virIOMMUCaps regs;          /* regs.source NONE: unknown */
    char *via;                  /* the BDF read through, NULL for sysfs */
    char *reason;               /* why unknown */
};

void virSysIOMMUCapsFree(virSysIOMMUCaps *caps);

/* Is anything known? */
bool virSysIOMMUCapsKnown(const virSysIOMMUCaps *caps);

/*
 * The capabilities of @iommu (read once, then kept with it):
 *  - Intel and AMD units: their sysfs files, on a live host and in a
 *    fixture alike;
 *  - on the live host (root "/"), any other: through iommufd, using the
 *    first device in @candidates (virSysIOMMUDevice *; NULL: the
 *    IOMMU's scanned devices) that is bound to vfio-pci and has a VFIO
 *    cdev;
 *  - in a fixture: its iommu-caps.json.
 * What cannot be read is "unknown" with a reason, not an error.  Returns
 * NULL only when a file exists but cannot be read (reported).
 */
virSysIOMMUCaps *virSysIOMMUHostGetCaps(virSysIOMMUHost *host,
                                        virSysIOMMU *iommu,
                                        GPtrArray *candidates);

/* Write what is known of the scanned IOMMUs of @host (reading what was
 * not read yet) into DIR/iommu-caps.json. */
int virSysIOMMUHostSaveCaps(virSysIOMMUHost *host, const char *dir);

/* One line: "oas=48 ssidsize=20 ril=on ats=on s1p s2p nesting cmdqv=no
 * (iommufd via 0009:01:00.0)", or "unknown: REASON". */
char *virSysIOMMUCapsFormat(const virSysIOMMU *iommu,
                            const virSysIOMMUCaps *caps);

/* A "caps" member: decoded values and the raw registers, or the
 * source "unknown" and its reason. */
void virSysIOMMUCapsFormatJSON(virJSONBuilder *b, const virSysIOMMUCaps *caps);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virSysIOMMUCaps, virSysIOMMUCapsFree);
