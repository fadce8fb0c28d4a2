/*
 * virtviommulocktest.c: where a virt-viommu command locks a domain
 *
 * The lock directory follows the libvirt connection, not the user: root
 * and a user of qemu:///system must land on the same lock file, as
 * libvirt's own system and session runtime directories split by daemon.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutils.h"
#include "virt-viommu-lock.h"

typedef struct _testInfo testInfo;
struct _testInfo {
    const char *uri;
    virtVIOMMULockScope scope;
};


static int
testScope(const void *opaque)
{
    const testInfo *info = opaque;
    virtVIOMMULockScope scope = virtVIOMMULockScopeForURI(info->uri);

    if (scope != info->scope) {
        printf("  '%s': scope %d, expected %d\n", info->uri ? info->uri : "(null)",
               scope, info->scope);
        return -1;
    }
    return 0;
}


/* The directory itself, for root and for a user, without
 * $VIRT_VIOMMU_RUNTIME_DIR. */
static int
testDir(const void *opaque)
{
    const testInfo *info = opaque;
    g_autofree char *dir = virtVIOMMULockDir(info->uri);
    g_autofree char *user = g_build_filename(g_get_user_runtime_dir(), "virt-viommu", NULL);
    const char *expect = user;

    if (info->scope == VIRT_VIOMMU_LOCK_SCOPE_SYSTEM ||
        (info->scope == VIRT_VIOMMU_LOCK_SCOPE_USER && geteuid() == 0))
        expect = VIRT_VIOMMU_LOCK_SYSTEM_DIR;
    if (strcmp(dir, expect) != 0) {
        printf("  '%s': '%s', expected '%s'\n", info->uri ? info->uri : "(null)",
               dir, expect);
        return -1;
    }
    return 0;
}


/* A user other than root on qemu:///system locks where root does (it
 * used to lock in its own $XDG_RUNTIME_DIR, so root and it did not
 * exclude each other).  Run as root, the test checks it as 'nobody'. */
static int
testSystemAsUser(const void *opaque G_GNUC_UNUSED)
{
    int status;
    pid_t pid;

    if (geteuid() != 0)
        return testDir(&(testInfo) { "qemu:///system", VIRT_VIOMMU_LOCK_SCOPE_SYSTEM });
    if ((pid = fork()) < 0)
        return -1;
    if (pid == 0) {
        char *dir;
        int same;

        if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
            _exit(2);
        dir = virtVIOMMULockDir("qemu:///system");
        same = strcmp(dir, VIRT_VIOMMU_LOCK_SYSTEM_DIR) == 0;
        g_free(dir);
        _exit(same ? 0 : 1);
    }
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("  uid 65534 on qemu:///system does not lock in %s\n",
               VIRT_VIOMMU_LOCK_SYSTEM_DIR);
        return -1;
    }
    return 0;
}


static int
testOverride(const void *opaque G_GNUC_UNUSED)
{
    g_autofree char *dir = NULL;

    g_setenv("VIRT_VIOMMU_RUNTIME_DIR", "/tmp/elsewhere", TRUE);
    dir = virtVIOMMULockDir("qemu:///system");
    g_unsetenv("VIRT_VIOMMU_RUNTIME_DIR");
    if (strcmp(dir, "/tmp/elsewhere") != 0) {
        printf("  VIRT_VIOMMU_RUNTIME_DIR is not used: '%s'\n", dir);
        return -1;
    }
    return 0;
}


int
main(void)
{
    int failures = 0;

    virTestInit();
    g_unsetenv("VIRT_VIOMMU_RUNTIME_DIR");

#define DO_TEST(_uri, _scope) \
    do { \
        static const testInfo info = { _uri, _scope }; \
        if (virTestRun("scope of " #_uri, testScope, &info) < 0) \
            failures++; \
        if (virTestRun("directory of " #_uri, testDir, &info) < 0) \
            failures++; \
    } while (0)

    /* the system daemon's domains, whoever asks, local or remote */
    DO_TEST("qemu:///system", VIRT_VIOMMU_LOCK_SCOPE_SYSTEM);
    DO_TEST("qemu:///system?socket=/var/cache/lab/run/libvirt/libvirt-sock",
            VIRT_VIOMMU_LOCK_SCOPE_SYSTEM);
    DO_TEST("qemu+unix:///system", VIRT_VIOMMU_LOCK_SCOPE_SYSTEM);
    DO_TEST("qemu+ssh://root@host.example/system", VIRT_VIOMMU_LOCK_SCOPE_SYSTEM);
    DO_TEST("qemu+tls://[2001:db8::1]:16514/system", VIRT_VIOMMU_LOCK_SCOPE_SYSTEM);
    /* a session daemon is the user's own */
    DO_TEST("qemu:///session", VIRT_VIOMMU_LOCK_SCOPE_SESSION);
    DO_TEST("qemu+ssh://user@host.example/session", VIRT_VIOMMU_LOCK_SCOPE_SESSION);
    /* other drivers, and a URI libvirt could not give: by the euid */
    DO_TEST("test:///default", VIRT_VIOMMU_LOCK_SCOPE_USER);
    DO_TEST("test:///tmp/node.xml", VIRT_VIOMMU_LOCK_SCOPE_USER);
    DO_TEST("qemu:///systemd", VIRT_VIOMMU_LOCK_SCOPE_USER);
    DO_TEST("not a URI", VIRT_VIOMMU_LOCK_SCOPE_USER);
    DO_TEST(NULL, VIRT_VIOMMU_LOCK_SCOPE_USER);

    if (virTestRun("qemu:///system as another user", testSystemAsUser, NULL) < 0)
        failures++;
    if (virTestRun("VIRT_VIOMMU_RUNTIME_DIR overrides", testOverride, NULL) < 0)
        failures++;

    return virTestResult(failures);
}
