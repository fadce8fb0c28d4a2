/*
 * fuzz-scan.c: libFuzzer harness, a sysfs tree -> scan, save, rescan
 *
 * The input describes a small tree, one entry a line:
 *   D path            a directory
 *   F path content    a file (content to the end of the line)
 *   L path target     a symbolic link
 * Paths are made relative to a fresh temporary root; '..' and absolute
 * link targets are kept, so links that try to leave the root are part
 * of what is fuzzed.  The tree is scanned (both resolvers), printed,
 * saved as a fixture and the fixture scanned again.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virerror.h"
#include "virsysiommu.h"
#include "virsysiommufmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void
fuzzRemoveTree(const char *path)
{
    g_autoptr(GDir) dh = g_dir_open(path, 0, NULL);
    const char *name;

    if (dh) {
        while ((name = g_dir_read_name(dh))) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            struct stat sb;

            if (lstat(child, &sb) == 0 && S_ISDIR(sb.st_mode))
                fuzzRemoveTree(child);
            else
                unlink(child);
        }
    }
    rmdir(path);
}


/* Keep entries inside the root: no absolute paths, no "..". */
static char *
fuzzEntryPath(const char *root, const char *path)
{
    g_auto(GStrv) comps = g_strsplit(path, "/", -1);
    g_autoptr(GString) out = g_string_new(root);
    size_t i;

    for (i = 0; comps[i]; i++) {
        if (!*comps[i] || strcmp(comps[i], ".") == 0 || strcmp(comps[i], "..") == 0)
            continue;
        g_string_append_c(out, '/');
        g_string_append(out, comps[i]);
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}


static void
fuzzBuild(const char *root, const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", 512);
    size_t i;

    for (i = 0; lines[i]; i++) {
        char *line = lines[i];
        char *arg;
        g_autofree char *path = NULL;
        g_autofree char *parent = NULL;

        if (strlen(line) < 3 || line[1] != ' ')
            continue;
        if ((arg = strchr(line + 2, ' ')))
            *arg++ = '\0';
        path = fuzzEntryPath(root, line + 2);
        parent = g_path_get_dirname(path);
        g_mkdir_with_parents(parent, 0755);

        switch (line[0]) {
        case 'D':
            g_mkdir_with_parents(path, 0755);
            break;
        case 'F':
            g_file_set_contents(path, arg ? arg : "", -1, NULL);
            break;
        case 'L':
            if (arg && symlink(arg, path) < 0)
                (void) errno;
            break;
        default:
            break;
        }
    }
}


static char *
fuzzScan(const char *root, bool portable)
{
    g_autoptr(virSysIOMMUHost) host = virSysIOMMUHostOpen(root);
    g_autofree char *json = NULL;
    g_autofree char *dot = NULL;

    if (!host)
        return NULL;
    virSysfsRootSetPortable(virSysIOMMUHostGetSysfs(host), portable);
    if (virSysIOMMUHostScan(host) < 0)
        return NULL;
    json = virSysIOMMUHostFormatJSON(host, NULL);
    dot = virSysIOMMUHostFormatDot(host, NULL);
    return virSysIOMMUHostFormatText(host, NULL);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *) data, size);
    g_autofree char *root = g_dir_make_tmp("fuzz-scan-XXXXXX", NULL);
    g_autofree char *saved = NULL;
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    g_autofree char *c = NULL;

    if (!root)
        abort();
    fuzzBuild(root, text);

    a = fuzzScan(root, false);
    virErrorReset();
    b = fuzzScan(root, true);
    virErrorReset();

    /* where both resolvers read the tree, they read it alike */
    if (a && b && strcmp(a, b) != 0)
        abort();

    if (a) {
        g_autoptr(virSysIOMMUHost) host = virSysIOMMUHostOpen(root);

        saved = g_strdup_printf("%s.saved", root);
        if (host && virSysIOMMUHostSave(host, saved) == 0) {
            c = fuzzScan(saved, false);
            /* a saved fixture scans as the original did */
            if (!c || strcmp(a, c) != 0)
                abort();
        }
        virErrorReset();
        fuzzRemoveTree(saved);
    }

    fuzzRemoveTree(root);
    return 0;
}
