/*
 * virt-viommu-util.c: what every virt-viommu command uses, in the
 *                     program and in its libvirt module alike
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virt-viommu-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "qemu_viommu.h"
#include "virerror.h"


void
virtVIOMMUWarn(void)
{
    virWarningDispatch(VIRT_VIOMMU_PROGRAM);
}


int
virtVIOMMUFail(void)
{
    /* on failure, the errors alone: one line per problem */
    virWarningReset();
    virErrorDispatch(VIRT_VIOMMU_PROGRAM);
    return VIRT_VIOMMU_EXIT_ERROR;
}


const char *
virtVIOMMUSysfsRoot(const char *opt)
{
    const char *env;

    if (opt)
        return opt;
    if ((env = g_getenv("VIRT_VIOMMU_SYSFS_ROOT")) && *env)
        return env;
    return "/";
}


int
virtVIOMMUWriteOutput(const char *path, const char *data, size_t len)
{
    g_autofree char *tmp = NULL;
    g_autofree char *dir = NULL;
    size_t done = 0;
    int fd;

    if (!path || strcmp(path, "-") == 0) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
            virReportSystemError(errno, "%s", _("cannot write to standard output"));
            return -1;
        }
        return 0;
    }

    tmp = g_strdup_printf("%s.XXXXXX", path);
    if ((fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644)) < 0) {
        dir = g_path_get_dirname(path);
        virReportSystemError(errno, _("cannot create a temporary file in '%1$s' for '%2$s'"),
                             dir, path);
        return -1;
    }

    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            goto error;
        }
        done += n;
    }
    if (fsync(fd) < 0)
        goto error;
    if (close(fd) < 0) {
        fd = -1;
        goto error;
    }
    fd = -1;
    if (rename(tmp, path) < 0)
        goto error;
    return 0;

 error:
    virReportSystemError(errno, _("cannot write '%1$s'"), path);
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return -1;
}


/* Read all of @path ("-": standard input), at most 64 MiB and a byte. */
static int
virtVIOMMUReadInput(const char *path, char **data, size_t *len)
{
    g_autoptr(GError) err = NULL;
    gsize glen = 0;

    if (strcmp(path, "-") == 0) {
        g_autoptr(GString) buf = g_string_new(NULL);
        char chunk[65536];
        ssize_t n;

        while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) != 0) {
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                virReportSystemError(errno, "%s", _("cannot read standard input"));
                return -1;
            }
            g_string_append_len(buf, chunk, n);
            if (buf->len > 64 * 1024 * 1024) {
                virReportError(VIR_ERROR_SYSTEM, "%s", _("standard input holds more than 64 MiB; that is no domain XML"));
                return -1;
            }
        }
        *len = buf->len;
        *data = g_string_free(g_steal_pointer(&buf), FALSE);
        return 0;
    }

    if (!g_file_get_contents(path, data, &glen, &err)) {
        virReportError(VIR_ERROR_SYSTEM, _("cannot read domain XML: %1$s"), err->message);
        return -1;
    }
    *len = glen;
    return 0;
}


bool
virtVIOMMUArgIsFile(const char *arg)
{
    return strcmp(arg, "-") == 0 ||
           strchr(arg, '/') ||
           g_str_has_suffix(arg, ".xml") ||
           g_file_test(arg, G_FILE_TEST_EXISTS);
}


xmlDocPtr
virtVIOMMUReadDomain(const char *path)
{
    g_autofree char *data = NULL;
    size_t len;

    if (virtVIOMMUReadInput(path, &data, &len) < 0)
        return NULL;
    return qemuVIOMMUXMLParse(data, len, strcmp(path, "-") == 0 ? "stdin" : path);
}


int
virtVIOMMUPlanFile(const char *path,
                   const char *sysfsRoot,
                   const qemuVIOMMUPlanOptions *opts,
                   xmlDocPtr *docOut,
                   virSysIOMMUHost **hostOut,
                   char **unchanged)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(virSysIOMMUHost) host = NULL;
    g_autofree char *data = NULL;
    size_t len;
    bool changed;

    if (virtVIOMMUReadInput(path, &data, &len) < 0)
        return -1;
    if (!(doc = qemuVIOMMUXMLParse(data, len, strcmp(path, "-") == 0 ? "stdin" : path)))
        return -1;
    if (!(host = virSysIOMMUHostOpen(sysfsRoot)))
        return -1;
    if (qemuVIOMMUPlanDomain(host, doc, opts, &changed) < 0)
        return -1;

    *docOut = g_steal_pointer(&doc);
    if (hostOut)
        *hostOut = g_steal_pointer(&host);
    if (unchanged)
        *unchanged = changed ? NULL : g_steal_pointer(&data);
    virtVIOMMUWarn();
    return 0;
}
