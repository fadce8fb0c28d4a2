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
    char *uuid;
};


const char *
virtVIOMMULockUUID(const virtVIOMMULock *lock)
{
    return lock->uuid;
}


virtVIOMMULockScope
virtVIOMMULockScopeForURI(const char *uri)
{
    g_autoptr(GUri) parsed = NULL;
    const char *path;

    if (!uri || !(parsed = g_uri_parse(uri, G_URI_FLAGS_NON_DNS, NULL)))
        return VIRT_VIOMMU_LOCK_SCOPE_USER;
    path = g_uri_get_path(parsed);
    /* the driver's system and session daemons, local or remote
     * (qemu:///system, qemu+ssh://host/system, qemu:///session) */
    if (g_strcmp0(path, "/system") == 0)
        return VIRT_VIOMMU_LOCK_SCOPE_SYSTEM;
    if (g_strcmp0(path, "/session") == 0)
        return VIRT_VIOMMU_LOCK_SCOPE_SESSION;
    return VIRT_VIOMMU_LOCK_SCOPE_USER;
}


char *
virtVIOMMULockDir(const char *uri)
{
    const char *env = g_getenv("VIRT_VIOMMU_RUNTIME_DIR");
    virtVIOMMULockScope scope = virtVIOMMULockScopeForURI(uri);

    if (env && *env)
        return g_strdup(env);
    switch (scope) {
    case VIRT_VIOMMU_LOCK_SCOPE_SYSTEM:
        return g_strdup(VIRT_VIOMMU_LOCK_SYSTEM_DIR);
    case VIRT_VIOMMU_LOCK_SCOPE_SESSION:
        break;
    case VIRT_VIOMMU_LOCK_SCOPE_USER:
    case VIRT_VIOMMU_LOCK_SCOPE_LAST:
        if (geteuid() == 0)
            return g_strdup(VIRT_VIOMMU_LOCK_SYSTEM_DIR);
        break;
    }
    return g_build_filename(g_get_user_runtime_dir(), "virt-viommu", NULL);
}


/* The group that may use the system daemon: the group of its socket,
 * when the socket lets that group in (Debian's unix_sock_group
 * 'libvirt', mode 0770).  Its members lock in the system directory too.
 * (gid_t) -1 when there is none but root. */
static gid_t
virtVIOMMULockSystemGroup(void)
{
    static const char *sockets[] = {
        "/run/libvirt/virtqemud-sock",
        "/run/libvirt/libvirt-sock",
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(sockets); i++) {
        struct stat sb;

        if (stat(sockets[i], &sb) == 0 && S_ISSOCK(sb.st_mode) &&
            sb.st_gid != 0 && (sb.st_mode & S_IRWXG) == S_IRWXG)
            return sb.st_gid;
    }
    return (gid_t) -1;
}


/* Create the lock directory @dir.  The system one, made by root, is
 * shared with the group of the system daemon's socket: owned by it,
 * setgid so that the lock files get that group too, and 2770. */
static int
virtVIOMMULockMakeDir(const char *dir, bool system)
{
    gid_t gid;

    if (g_mkdir_with_parents(dir, 0755) < 0) {
        if (system && errno == EACCES)
            virReportSystemError(errno, _("cannot create the lock directory '%1$s' of the system daemon's domains; run a virt-viommu command on them as root once, which creates it for the group of libvirt's socket"),
                                 dir);
        else
            virReportSystemError(errno, _("cannot create the lock directory '%1$s'"), dir);
        return -1;
    }
    if (!system || geteuid() != 0 || (gid = virtVIOMMULockSystemGroup()) == (gid_t) -1)
        return 0;
    if (chown(dir, 0, gid) < 0 || chmod(dir, 02770) < 0) {
        virReportSystemError(errno, _("cannot give the lock directory '%1$s' to the group of libvirt's socket"), dir);
        return -1;
    }
    return 0;
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
        virReportError(VIR_ERROR_OPERATION_INVALID, _("VIRT_VIOMMU_LOCK_TIMEOUT='%1$s' is not a number of seconds from 0 to 86400; set it to one, or unset it to wait %2$d s"),
                       env, VIRT_VIOMMU_LOCK_TIMEOUT_DEFAULT);
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


/* Who holds the lock, from what the holder wrote into the file: a
 * process that wrote nothing there (flock(1), or a virt-viommu between
 * taking the lock and writing its note) is named by the file. */
static char *
virtVIOMMULockHolder(int fd, const char *path)
{
    char buf[256];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

    if (n > 0) {
        buf[n] = '\0';
        g_strstrip(buf);
    }
    if (n <= 0 || !*buf)
        return g_strdup_printf(_("the process that holds the lock '%s'"), path);
    return g_strdup(buf);
}


/* Open (or create) the lock file @path.  In a directory of the group
 * of the system daemon's socket (setgid), a file is 0660 so that every
 * member can lock it; elsewhere the umask decides, within 0660. */
static int
virtVIOMMULockOpen(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    struct stat sb;
    int fd;

    /* O_CLOEXEC: a child libvirt starts (ssh for a remote URI) must not
     * keep the lock after we are gone */
    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0660)) < 0) {
        if (errno == EACCES)
            virReportSystemError(errno, _("cannot open the lock file '%1$s'; it belongs to another user: let root run a virt-viommu command on the domain once, which makes the lock directory that of the group of libvirt's socket, or remove the file"),
                                 path);
        else
            virReportSystemError(errno, _("cannot open the lock file '%1$s'"), path);
        return -1;
    }
    if (stat(dir, &sb) == 0 && (sb.st_mode & S_ISGID) && sb.st_gid != 0) {
        /* best effort: the lock holds all the same for us */
        if (fchmod(fd, 0660) < 0) {
        }
    }
    return fd;
}


virtVIOMMULock *
virtVIOMMULockAcquire(const char *uri,
                      const char *uuid,
                      const char *name,
                      const char *command)
{
    g_autofree char *dir = virtVIOMMULockDir(uri);
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

    if (virtVIOMMULockMakeDir(dir, strcmp(dir, VIRT_VIOMMU_LOCK_SYSTEM_DIR) == 0) < 0)
        return NULL;
    path = g_strdup_printf("%s/domain-%s.lock", dir, uuid);
    if ((fd = virtVIOMMULockOpen(path)) < 0)
        return NULL;

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
            g_autofree char *holder = virtVIOMMULockHolder(fd, path);

            virReportError(VIR_ERROR_BUSY, _("domain '%1$s' is being changed by %2$s; gave up waiting after %3$lld s (VIRT_VIOMMU_LOCK_TIMEOUT): try again when it is done, or wait longer with a larger VIRT_VIOMMU_LOCK_TIMEOUT"),
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
    lock->uuid = g_strdup(uuid);
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
    g_free(lock->uuid);
    g_free(lock);
}
