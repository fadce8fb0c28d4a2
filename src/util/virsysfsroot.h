/*
 * virsysfsroot.h: read a sysfs tree below a root directory, never
 *                 leaving it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdbool.h>

/*
 * Every path handed to these functions is relative to the root
 * ("sys/bus/pci/devices").  Symbolic links are followed only while they
 * stay below the root: the kernel enforces it with openat2(2)
 * RESOLVE_BENEATH; where openat2 is missing (old kernels, valgrind) the
 * same rule is applied by resolving each component in user space.
 * A link that would leave the root is an error, never followed.
 *
 * Nothing here writes to the tree or keeps state between calls but
 * open descriptors and whether openat2 works.
 *
 * The tri-state functions return 1 when the thing was found and read,
 * 0 when it does not exist (nothing reported), and -1 on any other
 * failure (reported).
 */

typedef struct _virSysfsRoot virSysfsRoot;
typedef struct _virSysfsDir virSysfsDir;

virSysfsRoot *virSysfsRootOpen(const char *path);
void virSysfsRootFree(virSysfsRoot *root);

const char *virSysfsRootGetPath(const virSysfsRoot *root);

/* Force the user-space resolver even where openat2 works (tests). */
void virSysfsRootSetPortable(virSysfsRoot *root, bool portable);
bool virSysfsRootIsPortable(const virSysfsRoot *root);

/* Open directory @path, following links below the root.  On success
 * *dir holds its canonical path (no links, no "..") for messages and
 * for resolving the links found inside it. */
int virSysfsRootOpenDir(virSysfsRoot *root,
                        const char *path,
                        virSysfsDir **dir);

/* Resolve the link @path (not following its last component) to the
 * canonical root-relative path of its target. */
int virSysfsRootReadLink(virSysfsRoot *root,
                         const char *path,
                         char **target);

int virSysfsRootListDir(virSysfsRoot *root,
                        const char *path,
                        GPtrArray **names);

void virSysfsDirFree(virSysfsDir *dir);

const char *virSysfsDirGetPath(const virSysfsDir *dir);

/* Read the attribute @name (a regular file, at most 64 KiB) with
 * trailing newlines removed. */
int virSysfsDirRead(virSysfsDir *dir,
                    const char *name,
                    char **content);

/* Like virSysfsDirRead, then parse an integer ("0x10de", "-1", "17"). */
int virSysfsDirReadInt(virSysfsDir *dir,
                       const char *name,
                       int base,
                       long long *value);

/* Resolve the link @name inside @dir to the canonical root-relative
 * path of its target, without following it.  A directory named @name
 * counts as absent (returns 0). */
int virSysfsDirReadLink(virSysfsDir *dir,
                        const char *name,
                        char **target);

/* Sorted (version order: "virtfn2" before "virtfn10") entry names of
 * the subdirectory @name of @dir, or of @dir itself if @name is NULL.
 * "." and ".." are left out. */
int virSysfsDirList(virSysfsDir *dir,
                    const char *name,
                    GPtrArray **names);

/* Join @base and the relative link text @rel and fold "." and "..".
 * Returns NULL when the result would leave the root or @rel is
 * absolute. */
char *virSysfsPathResolve(const char *base, const char *rel);

/* The relative link text that leads from directory @from to @to, both
 * canonical root-relative paths: what the kernel writes in its links. */
char *virSysfsPathRelative(const char *from, const char *to);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virSysfsRoot, virSysfsRootFree);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virSysfsDir, virSysfsDirFree);
