/*
 * virt-viommu-lock.c: one virt-viommu command at a time changes a domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virt-viommu-lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virerror.h"

struct _virtVIOMMULock {
    int fd;
    char *path;
};


char *
virtVIOMMULockDir(void)
{
    const char *env = g_getenv("VIRT_VIOMMU_RUNTIME_DIR");

    if (env && *env)
        return g_strdup(env);
    if (geteuid() == 0)
        return g_strdup("/run/virt-viommu");
    return g_build_filename(g_get_user_runtime_dir(), "virt-viommu", NULL);
}


/* The wait in milliseconds: $VIRT_VIOMMU_LOCK_TIMEOUT seconds, or the
 * default.  -1 (reported) when the variable is not a number. */
static gint64
virtVIOMMULockTimeout(void)
{
    const char *env = g_getenv("VIRT_VIOMMU_LOCK_TIMEOUT");
    guint64 secs;

    if (!env || !*env)
        return VIRT_VIOMMU_LOCK_TIMEOUT_DEFAULT * G_GINT64_CONSTANT(1000);
    if (!g_ascii_string_to_unsigned(env, 10, 0, 24 * 3600, &secs, NULL)) {
        virReportError(VIR_ERROR_OPERATION_INVALID, _("VIRT_VIOMMU_LOCK_TIMEOUT='%1$s' is not a number of seconds from 0 to 86400"),
                       env);
        return -1;
    }
    return secs * 1000;
}


/* A UUID as libvirt formats it: the lock file is named after it. */
static bool
virtVIOMMULockUUIDValid(const char *uuid)
{
    size_t i;

    if (strlen(uuid) != 36)
        return false;
    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (uuid[i] != '-')
                return false;
        } else if (!g_ascii_isxdigit(uuid[i]) || g_ascii_isupper(uuid[i])) {
            return false;
        }
    }
    return true;
}


/* Who holds the lock, from what the holder wrote into the file. */
static char *
virtVIOMMULockHolder(int fd)
{
    char buf[256];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

    if (n <= 0)
        return g_strdup(_("another virt-viommu command"));
    buf[n] = '\0';
    return g_strdup(g_strstrip(buf));
}


virtVIOMMULock *
virtVIOMMULockAcquire(const char *uuid,
                      const char *name,
                      const char *command)
{
    g_autofree char *dir = virtVIOMMULockDir();
    g_autofree char *path = NULL;
    g_autofree char *note = NULL;
    virtVIOMMULock *lock;
    gint64 timeout;
    gint64 deadline;
    gulong pause = 2000;
    int fd;

    if (!virtVIOMMULockUUIDValid(uuid)) {
        virReportError(VIR_ERROR_INTERNAL, _("internal error: '%1$s' is no UUID to lock"), uuid);
        return NULL;
    }
    if ((timeout = virtVIOMMULockTimeout()) < 0)
        return NULL;

    if (g_mkdir_with_parents(dir, 0755) < 0) {
        virReportSystemError(errno, _("cannot create the lock directory '%1$s'"), dir);
        return NULL;
    }
    path = g_strdup_printf("%s/domain-%s.lock", dir, uuid);
    /* O_CLOEXEC: a child libvirt starts (ssh for a remote URI) must not
     * keep the lock after we are gone */
    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
        virReportSystemError(errno, _("cannot open the lock file '%1$s'"), path);
        return NULL;
    }

    deadline = g_get_monotonic_time() + timeout * 1000;
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK) {
            virReportSystemError(errno, _("cannot lock '%1$s'"), path);
            close(fd);
            return NULL;
        }
        if (g_get_monotonic_time() >= deadline) {
            g_autofree char *holder = virtVIOMMULockHolder(fd);

            virReportError(VIR_ERROR_BUSY, _("domain '%1$s' is being changed by %2$s; gave up waiting after %3$lld s (VIRT_VIOMMU_LOCK_TIMEOUT), try again when it is done"),
                           name, holder, (long long) (timeout / 1000));
            close(fd);
            return NULL;
        }
        /* short waits first: a command holds the lock for a fraction of
         * a second; the jitter keeps waiters from waking in step */
        g_usleep(pause + g_random_int_range(0, pause / 2 + 1));
        pause = MIN(pause * 2, 50000);
    }

    /* for the message of a waiter that gives up */
    note = g_strdup_printf("virt-viommu %s (pid %lld)\n", command, (long long) getpid());
    if (ftruncate(fd, 0) < 0 ||
        pwrite(fd, note, strlen(note), 0) < 0) {
        /* the lock holds all the same; only the note is missing */
    }

    lock = g_new0(virtVIOMMULock, 1);
    lock->fd = fd;
    lock->path = g_steal_pointer(&path);
    return lock;
}


void
virtVIOMMULockRelease(virtVIOMMULock *lock)
{
    if (!lock)
        return;
    /* the note goes first, so that nobody names us after we are gone */
    if (ftruncate(lock->fd, 0) < 0) {
        /* nothing to do about it */
    }
    close(lock->fd);
    g_free(lock->path);
    g_free(lock);
}
