/*
 * virt-viommu-libvirt.h: between virt-viommu and its libvirt module
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "virlog.h"
#include "virpciaddr.h"
#include "virt-viommu-util.h"

/*
 * The commands that talk to libvirt (define, start, attach, detach and
 * check of a domain name) live in a module, virt-viommu-libvirt.so,
 * linked with libvirt the ordinary way and loaded only when one of them
 * runs, so that scan, plan and argv do not start up libvirt and its
 * dozens of libraries.  virt-viommu parses their command lines (--help
 * and usage errors need no libvirt); the module runs them, from the
 * host scan to the exit status, and prints its own errors: it has its
 * own copy of the project's library, so its errors are reported into
 * its own list.
 */

#define VIRT_VIOMMU_LIBVIRT_MODULE "virt-viommu-libvirt.so"

/* The one symbol the module exports. */
#define VIRT_VIOMMU_LIBVIRT_ENTRY "virtVIOMMULibvirtModule"

/* Each returns the exit status, its errors printed. */
typedef struct _virtVIOMMULibvirtCommands virtVIOMMULibvirtCommands;
struct _virtVIOMMULibvirtCommands {
    /* PACKAGE_VERSION of the module's build, checked before anything
     * else is used: keep it the first member */
    const char *version;
    int (*define)(const virtVIOMMULibvirtArgs *args, const char *path);
    int (*start)(const virtVIOMMULibvirtArgs *args, const char *path);
    int (*attach)(const virtVIOMMULibvirtArgs *args,
                  const char *domain,
                  const virPCIDeviceAddress *addr);
    int (*detach)(const virtVIOMMULibvirtArgs *args,
                  const char *domain,
                  const virPCIDeviceAddress *addr);
    int (*check)(const virtVIOMMULibvirtArgs *args, const char *domain);
    /* The module has its own copy of the project's library, and so of
     * the debug level: virt-viommu hands its level over with this. */
    void (*setLogLevel)(virLogPriority level);
};

typedef const virtVIOMMULibvirtCommands *(*virtVIOMMULibvirtModuleFunc)(void);

/* The entry point, VIRT_VIOMMU_LIBVIRT_ENTRY, defined in the module. */
const virtVIOMMULibvirtCommands *virtVIOMMULibvirtModule(void);
