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
 * The lock is an flock(2) on RUNDIR/domain-UUID.lock.  RUNDIR follows
 * the libvirt connection, not the user: the domains of a system daemon
 * (a URI whose path is /system: qemu:///system, qemu+ssh://host/system)
 * lock in /run/virt-viommu, whoever runs the command, so that root and
 * a member of the daemon's socket group exclude each other; those of a
 * session daemon (/session) in $XDG_RUNTIME_DIR/virt-viommu, as the
 * session daemon is the user's own; any other URI (test:///default) in
 * the one or the other by the euid.  $VIRT_VIOMMU_RUNTIME_DIR overrides
 * them all.  Root makes the system directory that of the group of
 * libvirt's socket (setgid, 2770), and its lock files are 0660.  The kernel
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

/* The lock directory of a system daemon's domains. */
#define VIRT_VIOMMU_LOCK_SYSTEM_DIR "/run/virt-viommu"

/* Whose domains a libvirt connection reaches, for the lock directory. */
typedef enum {
    VIRT_VIOMMU_LOCK_SCOPE_SYSTEM,  /* a system daemon's: shared */
    VIRT_VIOMMU_LOCK_SCOPE_SESSION, /* a session daemon's: the user's */
    VIRT_VIOMMU_LOCK_SCOPE_USER,    /* another driver's: by the euid */

    VIRT_VIOMMU_LOCK_SCOPE_LAST
} virtVIOMMULockScope;

typedef struct _virtVIOMMULock virtVIOMMULock;

/* Take the lock of the domain with UUID @uuid (and, for messages, name
 * @name) of the libvirt connection to @uri (virConnectGetURI) for
 * command @command, waiting as long as the timeout says.  Returns the
 * lock, or NULL (reported). */
virtVIOMMULock *virtVIOMMULockAcquire(const char *uri,
                                      const char *uuid,
                                      const char *name,
                                      const char *command);

/* Release it (NULL is fine). */
void virtVIOMMULockRelease(virtVIOMMULock *lock);

/* The UUID of the domain whose lock @lock is. */
const char *virtVIOMMULockUUID(const virtVIOMMULock *lock);

/* Whose domains the connection to @uri (NULL: unknown) reaches. */
virtVIOMMULockScope virtVIOMMULockScopeForURI(const char *uri);

/* The directory the lock files of the domains of the connection to
 * @uri are in. */
char *virtVIOMMULockDir(const char *uri);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virtVIOMMULock, virtVIOMMULockRelease);
