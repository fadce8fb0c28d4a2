/*
 * virsysfsroot.c: read a sysfs tree below a root directory, never
 *                 leaving it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virsysfsroot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "virerror.h"

#define VIR_SYSFS_ATTR_MAX (64 * 1024)
#define VIR_SYSFS_MAX_LINKS 40

struct _virSysfsRoot {
    char *path;
    int fd;
    bool portable;      /* resolve in user space instead of openat2 */
};

struct _virSysfsDir {
    virSysfsRoot *root; /* borrowed */
    char *path;         /* canonical, relative to the root; "" is the root */
    int fd;
};


static char *
virSysfsJoin(const char *dir, const char *name)
{
    if (!dir || !*dir)
        return g_strdup(name);
    return g_strdup_printf("%s/%s", dir, name);
}


/* Append the components of @path to @out (of length *len): empty ones
 * and "." are dropped; with @fold, ".." removes the last one and fails
 * when there is none. */
static bool
virSysfsPathAppend(char *out, size_t *len, const char *path, bool fold)
{
    const char *p = path;

    while (*p) {
        const char *end = strchrnul(p, '/');
        size_t n = end - p;

        if (n == 0 || (n == 1 && p[0] == '.')) {
            /* nothing */
        } else if (fold && n == 2 && p[0] == '.' && p[1] == '.') {
            const char *slash;

            if (*len == 0)
                return false;
            slash = memrchr(out, '/', *len);
            *len = slash ? (size_t) (slash - out) : 0;
        } else {
            if (*len > 0)
                out[(*len)++] = '/';
            memcpy(out + *len, p, n);
            *len += n;
        }
        p = *end ? end + 1 : end;
    }
    return true;
}


char *
virSysfsPathResolve(const char *base, const char *rel)
{
    g_autofree char *out = NULL;
    size_t len = 0;

    if (!rel || rel[0] == '/')
        return NULL;
    if (!base)
        base = "";

    /* one buffer: folding never makes the path longer than the two */
    out = g_malloc(strlen(base) + strlen(rel) + 2);
    virSysfsPathAppend(out, &len, base, false);
    if (!virSysfsPathAppend(out, &len, rel, true))
        return NULL;
    out[len] = '\0';
    return g_steal_pointer(&out);
}


char *
virSysfsPathRelative(const char *from, const char *to)
{
    g_auto(GStrv) f = g_strsplit(from, "/", -1);
    g_auto(GStrv) t = g_strsplit(to, "/", -1);
    GString *out = g_string_new(NULL);
    size_t common = 0;
    size_t i;

    while (f[common] && t[common] && strcmp(f[common], t[common]) == 0)
        common++;
    for (i = common; f[i]; i++) {
        if (*f[i])
            g_string_append(out, "../");
    }
    for (i = common; t[i]; i++) {
        if (!*t[i])
            continue;
        g_string_append(out, t[i]);
        if (t[i + 1])
            g_string_append_c(out, '/');
    }
    return g_string_free(out, FALSE);
}


virSysfsRoot *
virSysfsRootOpen(const char *path)
{
    g_autoptr(virSysfsRoot) root = g_new0(virSysfsRoot, 1);

    root->fd = -1;
    root->path = g_strdup(path && *path ? path : "/");
    root->fd = open(root->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root->fd < 0) {
        virReportSystemError(errno, _("cannot open sysfs root '%1$s'"),
                             root->path);
        return NULL;
    }
    return g_steal_pointer(&root);
}


void
virSysfsRootFree(virSysfsRoot *root)
{
    if (!root)
        return;
    if (root->fd >= 0)
        close(root->fd);
    g_free(root->path);
    g_free(root);
}


const char *
virSysfsRootGetPath(const virSysfsRoot *root)
{
    return root->path;
}


void
virSysfsRootSetPortable(virSysfsRoot *root, bool portable)
{
    root->portable = portable;
}


bool
virSysfsRootIsPortable(const virSysfsRoot *root)
{
    return root->portable;
}


/*
 * Resolve @path below the root in user space, one component at a
 * time, following links while they stay inside.  With @followLast
 * false a link in the last component is kept as it is.  Returns 0 with
 * *canon set, or -1 with errno (ENOENT, EXDEV for an escape, ELOOP).
 */
static int
virSysfsResolvePortable(virSysfsRoot *root,
                        const char *path,
                        bool followLast,
                        char **canon)
{
    g_autoptr(GQueue) todo = g_queue_new();
    g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) comps = g_strsplit(path, "/", -1);
    unsigned int links = 0;
    GString *cur;
    size_t i;

    for (i = 0; comps[i]; i++)
        g_queue_push_tail(todo, g_strdup(comps[i]));

    while (!g_queue_is_empty(todo)) {
        g_autofree char *c = g_queue_pop_head(todo);
        g_autofree char *candidate = NULL;
        g_autofree char *prefix = NULL;
        char text[PATH_MAX];
        struct stat sb;
        ssize_t len;
        g_auto(GStrv) linkComps = NULL;
        size_t j;

        if (!*c || strcmp(c, ".") == 0)
            continue;
        if (strcmp(c, "..") == 0) {
            if (done->len == 0) {
                g_queue_free_full(g_steal_pointer(&todo), g_free);
                errno = EXDEV;
                return -1;
            }
            g_ptr_array_remove_index(done, done->len - 1);
            continue;
        }

        g_ptr_array_add(done, NULL);
        prefix = g_strjoinv("/", (char **) done->pdata);
        g_ptr_array_remove_index(done, done->len - 1);
        candidate = virSysfsJoin(prefix, c);

        if (fstatat(root->fd, candidate, &sb, AT_SYMLINK_NOFOLLOW) < 0)
            goto error;

        if (!S_ISLNK(sb.st_mode) ||
            (!followLast && g_queue_is_empty(todo))) {
            g_ptr_array_add(done, g_steal_pointer(&c));
            continue;
        }

        if (++links > VIR_SYSFS_MAX_LINKS) {
            errno = ELOOP;
            goto error;
        }
        if ((len = readlinkat(root->fd, candidate, text, sizeof(text) - 1)) < 0)
            goto error;
        text[len] = '\0';
        if (text[0] == '/') {
            errno = EXDEV;
            goto error;
        }
        linkComps = g_strsplit(text, "/", -1);
        for (j = g_strv_length(linkComps); j > 0; j--)
            g_queue_push_head(todo, g_strdup(linkComps[j - 1]));
    }

    cur = g_string_new(NULL);
    for (i = 0; i < done->len; i++) {
        if (i > 0)
            g_string_append_c(cur, '/');
        g_string_append(cur, g_ptr_array_index(done, i));
    }
    *canon = g_string_free(cur, FALSE);
    return 0;

 error:
    {
        int save = errno;
        g_queue_free_full(g_steal_pointer(&todo), g_free);
        errno = save;
    }
    return -1;
}


/* Open @name relative to directory @dirfd (whose canonical path is
 * @dirpath), without leaving the root.  Returns the fd or -1 with
 * errno. */
static int
virSysfsOpenBeneath(virSysfsRoot *root,
                    int dirfd,
                    const char *dirpath,
                    const char *name,
                    int flags)
{
    g_autofree char *full = NULL;
    g_autofree char *canon = NULL;

    if (!virSysfsRootIsPortable(root)) {
        struct open_how how = {
            .flags = flags | O_CLOEXEC,
            .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
        };
        long fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));

        if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
            return fd;
        /* openat2 missing or filtered: resolve in user space from now on */
        virSysfsRootSetPortable(root, true);
    }

    full = virSysfsJoin(dirpath, name);
    if (virSysfsResolvePortable(root, full, true, &canon) < 0)
        return -1;
    return openat(root->fd, *canon ? canon : ".",
                  flags | O_NOFOLLOW | O_CLOEXEC);
}


static void
virSysfsReportOpenError(virSysfsRoot *root, int errnum, const char *path)
{
    if (errnum == EXDEV) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("'%1$s' leads outside the sysfs root '%2$s'; refusing to follow it"),
                       path, root->path);
    } else if (errnum == ELOOP) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("'%1$s' below sysfs root '%2$s' is a loop of symbolic links"),
                       path, root->path);
    } else {
        virReportSystemError(errnum, _("cannot open '%1$s' below sysfs root '%2$s'"),
                             path, root->path);
    }
}


static bool
virSysfsErrnoIsAbsent(int errnum)
{
    return errnum == ENOENT || errnum == ENOTDIR;
}


/* Open the directory at the canonical path @canon with no link on the
 * way; -1 with errno ELOOP when a component is a link. */
static int
virSysfsOpenCanonicalDir(virSysfsRoot *root, const char *canon)
{
    const char *p = *canon ? canon : ".";

    if (!virSysfsRootIsPortable(root)) {
        struct open_how how = {
            .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
            .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
        };
        long fd = syscall(SYS_openat2, root->fd, p, &how, sizeof(how));

        if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
            return fd;
        virSysfsRootSetPortable(root, true);
    }
    return -2;
}


int
virSysfsRootOpenDir(virSysfsRoot *root,
                    const char *path,
                    virSysfsDir **dir)
{
    g_autoptr(virSysfsDir) ret = g_new0(virSysfsDir, 1);
    g_autofree char *lexical = virSysfsPathResolve("", path);

    ret->root = root;
    ret->fd = -1;

    /* Fast path: @path is already canonical, one openat2 call. */
    if (lexical) {
        ret->fd = virSysfsOpenCanonicalDir(root, lexical);
        if (ret->fd >= 0) {
            ret->path = g_steal_pointer(&lexical);
            *dir = g_steal_pointer(&ret);
            return 1;
        }
        if (ret->fd == -1 && errno != ELOOP) {
            if (virSysfsErrnoIsAbsent(errno))
                return 0;
            virSysfsReportOpenError(root, errno, path);
            return -1;
        }
        ret->fd = -1;
    }

    /* Links on the way (or no openat2): find the canonical path. */
    if (virSysfsResolvePortable(root, path, true, &ret->path) < 0) {
        if (virSysfsErrnoIsAbsent(errno))
            return 0;
        virSysfsReportOpenError(root, errno, path);
        return -1;
    }

    ret->fd = openat(root->fd, *ret->path ? ret->path : ".",
                     O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (ret->fd < 0) {
        if (virSysfsErrnoIsAbsent(errno))
            return 0;
        virSysfsReportOpenError(root, errno, path);
        return -1;
    }

    *dir = g_steal_pointer(&ret);
    return 1;
}


void
virSysfsDirFree(virSysfsDir *dir)
{
    if (!dir)
        return;
    if (dir->fd >= 0)
        close(dir->fd);
    g_free(dir->path);
    g_free(dir);
}


const char *
virSysfsDirGetPath(const virSysfsDir *dir)
{
    return dir->path;
}


/* Read what @fd holds, up to @size bytes, into @buf.  Returns 0 with
 * *got set, or the errno of a failed read().  sysfs hands out a whole
 * attribute in the first read(), so a read that does not fill the
 * buffer is taken as the end: one system call per attribute, not two. */
static int
virSysfsReadFd(int fd, char *buf, size_t size, size_t *got)
{
    *got = 0;
    while (*got < size) {
        ssize_t n = read(fd, buf + *got, size - *got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        *got += n;
        if (n == 0 || *got < size)
            break;
    }
    return 0;
}


/* Check what virSysfsReadFd() read of @name: something (a FIFO opened
 * O_NONBLOCK reads empty), no more than an attribute holds, no NUL
 * inside once the trailing newline (or NUL) is dropped from *got.
 * Returns 0, or -1 with the problem reported. */
static int
virSysfsCheckAttr(virSysfsDir *dir, const char *name, int fd,
                  const char *buf, size_t *got)
{
    g_autofree char *full = virSysfsJoin(dir->path, name);
    struct stat sb;

    if (*got == 0 && (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("'%1$s' below sysfs root '%2$s' is not a regular file"),
                       full, dir->root->path);
        return -1;
    }
    if (*got > VIR_SYSFS_ATTR_MAX) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("'%1$s' below sysfs root '%2$s' is larger than %3$d bytes; not a sysfs attribute"),
                       full, dir->root->path, VIR_SYSFS_ATTR_MAX);
        return -1;
    }
    while (*got > 0 && (buf[*got - 1] == '\n' || buf[*got - 1] == '\0'))
        (*got)--;
    if (memchr(buf, '\0', *got)) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("'%1$s' below sysfs root '%2$s' holds binary data"),
                       full, dir->root->path);
        return -1;
    }
    return 0;
}


int
virSysfsDirRead(virSysfsDir *dir,
                const char *name,
                char **content)
{
    g_autofree char *buf = NULL;
    size_t got;
    int err;
    int ok;
    int fd;

    fd = virSysfsOpenBeneath(dir->root, dir->fd, dir->path, name,
                             O_RDONLY | O_NONBLOCK);
    if (fd < 0) {
        g_autofree char *full = NULL;

        if (virSysfsErrnoIsAbsent(errno))
            return 0;
        full = virSysfsJoin(dir->path, name);
        virSysfsReportOpenError(dir->root, errno, full);
        return -1;
    }

    buf = g_malloc(VIR_SYSFS_ATTR_MAX + 1);
    err = virSysfsReadFd(fd, buf, VIR_SYSFS_ATTR_MAX + 1, &got);
    ok = err == 0 ? virSysfsCheckAttr(dir, name, fd, buf, &got) : -1;
    close(fd);

    if (err != 0) {
        g_autofree char *full = virSysfsJoin(dir->path, name);

        if (err == EISDIR)
            virReportError(VIR_ERROR_HOST_SYSFS, _("'%1$s' below sysfs root '%2$s' is not a regular file"),
                           full, dir->root->path);
        else
            virReportSystemError(err, _("cannot read '%1$s' below sysfs root '%2$s'"),
                                 full, dir->root->path);
        return -1;
    }
    if (ok < 0)
        return -1;

    *content = g_strndup(buf, got);
    return 1;
}


int
virSysfsDirReadInt(virSysfsDir *dir,
                   const char *name,
                   int base,
                   long long *value)
{
    g_autofree char *str = NULL;
    g_autofree char *full = NULL;
    gint64 v;
    int rc;

    if ((rc = virSysfsDirRead(dir, name, &str)) <= 0)
        return rc;

    if (base == 16 && (g_str_has_prefix(str, "0x") || g_str_has_prefix(str, "0X"))) {
        if (!g_ascii_string_to_unsigned(str + 2, 16, 0, G_MAXINT64,
                                        (guint64 *) &v, NULL))
            goto invalid;
    } else if (!g_ascii_string_to_signed(str, base, G_MININT64, G_MAXINT64,
                                         &v, NULL)) {
        goto invalid;
    }

    *value = v;
    return 1;

 invalid:
    full = virSysfsJoin(dir->path, name);
    virReportError(VIR_ERROR_HOST_SYSFS, _("'%1$s' below sysfs root '%2$s' holds '%3$s', not a number"),
                   full, dir->root->path, str);
    return -1;
}


int
virSysfsDirReadLink(virSysfsDir *dir,
                    const char *name,
                    char **target)
{
    g_autofree char *full = NULL;
    char text[PATH_MAX];
    ssize_t len;
    char *resolved;

    if (strchr(name, '/')) {
        virReportError(VIR_ERROR_INTERNAL, _("internal error: link name '%1$s' has a '/'"), name);
        return -1;
    }

    if ((len = readlinkat(dir->fd, name, text, sizeof(text) - 1)) < 0) {
        int err = errno;
        struct stat sb;

        if (virSysfsErrnoIsAbsent(err))
            return 0;
        full = virSysfsJoin(dir->path, name);
        if (err != EINVAL) {
            virReportSystemError(err, _("cannot read link '%1$s' below sysfs root '%2$s'"),
                                 full, dir->root->path);
            return -1;
        }
        /* A directory in place of the link is not a link at all: the
         * PCI function of an AMD IOMMU holds its own 'iommu' class
         * directory where other devices have an 'iommu' link. */
        if (fstatat(dir->fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISDIR(sb.st_mode))
            return 0;
        virReportError(VIR_ERROR_HOST_SYSFS, _("'%1$s' below sysfs root '%2$s' should be a symbolic link"),
                       full, dir->root->path);
        return -1;
    }
    text[len] = '\0';

    if (!(resolved = virSysfsPathResolve(dir->path, text))) {
        full = virSysfsJoin(dir->path, name);
        virReportError(VIR_ERROR_HOST_SYSFS, _("link '%1$s' -> '%2$s' leads outside the sysfs root '%3$s'; refusing to follow it"),
                       full, text, dir->root->path);
        return -1;
    }
    *target = resolved;
    return 1;
}


int
virSysfsRootReadLink(virSysfsRoot *root,
                     const char *path,
                     char **target)
{
    g_autofree char *parent = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    g_autoptr(virSysfsDir) dir = NULL;
    int rc;

    if ((rc = virSysfsRootOpenDir(root, strcmp(parent, ".") == 0 ? "" : parent,
                                  &dir)) <= 0)
        return rc;
    return virSysfsDirReadLink(dir, base, target);
}


static gint
virSysfsNameCompare(gconstpointer a, gconstpointer b)
{
    return strverscmp(*(const char * const *) a, *(const char * const *) b);
}


/* List the directory open at @fd (taken over and closed), named
 * @full in messages. */
static int
virSysfsListFd(virSysfsRoot *root, int fd, const char *full, GPtrArray **names)
{
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(g_free);
    DIR *dirp;
    struct dirent *ent;
    int err;

    if (!(dirp = fdopendir(fd))) {
        err = errno;
        close(fd);
        virReportSystemError(err, _("cannot list '%1$s' below sysfs root '%2$s'"),
                             full, root->path);
        return -1;
    }

    while (true) {
        errno = 0;
        if (!(ent = readdir(dirp)))
            break;
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        g_ptr_array_add(list, g_strdup(ent->d_name));
    }
    err = errno;
    closedir(dirp);
    if (err != 0) {
        virReportSystemError(err, _("cannot list '%1$s' below sysfs root '%2$s'"),
                             full, root->path);
        return -1;
    }

    g_ptr_array_sort(list, virSysfsNameCompare);
    *names = g_steal_pointer(&list);
    return 1;
}


int
virSysfsDirList(virSysfsDir *dir,
                const char *name,
                GPtrArray **names)
{
    g_autofree char *full = name ? virSysfsJoin(dir->path, name) : g_strdup(dir->path);
    int fd;

    fd = virSysfsOpenBeneath(dir->root, dir->fd, dir->path, name ? name : ".",
                             O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        if (virSysfsErrnoIsAbsent(errno))
            return 0;
        virSysfsReportOpenError(dir->root, errno, full);
        return -1;
    }
    return virSysfsListFd(dir->root, fd, full, names);
}


int
virSysfsRootListDir(virSysfsRoot *root,
                    const char *path,
                    GPtrArray **names)
{
    g_autoptr(virSysfsDir) dir = NULL;
    int rc;

    /* one open where openat2 can do it */
    if (!virSysfsRootIsPortable(root)) {
        int fd = virSysfsOpenBeneath(root, root->fd, "", path, O_RDONLY | O_DIRECTORY);

        if (fd >= 0)
            return virSysfsListFd(root, fd, path, names);
        if (virSysfsErrnoIsAbsent(errno))
            return 0;
        if (!virSysfsRootIsPortable(root)) {
            virSysfsReportOpenError(root, errno, path);
            return -1;
        }
    }

    if ((rc = virSysfsRootOpenDir(root, path, &dir)) <= 0)
        return rc;
    return virSysfsDirList(dir, NULL, names);
}
