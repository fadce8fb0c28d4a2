/*
 * virt-viommu-lock.h: one virt-viommu command at a time changes a domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

/*
 * Every command that changes a domain (define, start, attach, detach)
 * holds the domain's lock from its first read of the definition to the
 * read-back of what it wrote, so that two of them never plan from the
 * same definition and overwrite each other's change.
 *
 * The lock is an flock(2) on RUNDIR/domain-UUID.lock, RUNDIR being
 * $VIRT_VIOMMU_RUNTIME_DIR, else /run/virt-viommu for root and
 * $XDG_RUNTIME_DIR/virt-viommu for other users (libvirt's own split
 * between its system and session runtime directories).  The kernel
 * drops it when the process ends, however it ends, so a killed command
 * leaves no stale lock behind; the file itself stays (removing it would
 * let a waiter lock a file that is no longer the lock).  A waiter gives
 * up after $VIRT_VIOMMU_LOCK_TIMEOUT seconds (default 30, libvirt's own
 * wait for a domain job) and names the holder.
 *
 * It serialises virt-viommu commands on this host only; against other
 * libvirt clients, and virt-viommu on other hosts talking to the same
 * daemon, the commands compare the definition before they write it.
 */

#define VIRT_VIOMMU_LOCK_TIMEOUT_DEFAULT 30

typedef struct _virtVIOMMULock virtVIOMMULock;

/* Take the lock of the domain with UUID @uuid (and, for messages, name
 * @name) for command @command, waiting as long as the timeout says.
 * Returns the lock, or NULL (reported). */
virtVIOMMULock *virtVIOMMULockAcquire(const char *uuid,
                                      const char *name,
                                      const char *command);

/* Release it (NULL is fine). */
void virtVIOMMULockRelease(virtVIOMMULock *lock);

/* The directory the lock files are in. */
char *virtVIOMMULockDir(void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virtVIOMMULock, virtVIOMMULockRelease);
