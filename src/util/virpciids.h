/*
 * virpciids.h: PCI vendor and device names from the udev hwdb
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

typedef struct _virPCIIDs virPCIIDs;

/* NULL when no hwdb is available (built without libudev, or the host
 * has no hwdb.bin); names are a nicety, so that is not an error. */
virPCIIDs *virPCIIDsOpen(void);
void virPCIIDsFree(virPCIIDs *ids);

/* Names, or NULL when the database does not know the ID. */
char *virPCIIDsGetVendor(virPCIIDs *ids, unsigned int vendor);
char *virPCIIDsGetDevice(virPCIIDs *ids, unsigned int vendor, unsigned int device);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virPCIIDs, virPCIIDsFree);
