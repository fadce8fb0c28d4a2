/*
 * qemu_viommu_gpumem.h: a device's memory as guest NUMA nodes, tied to
 *                       it by ACPI generic initiator affinity
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "qemu_viommu_conf.h"

/* The guest NUMA nodes of <acpi nodeset> of @hd (unsigned int, in
 * order), or NULL when it has none; -1 (reported) when malformed. */
int qemuVIOMMUGPUMemNodeset(qemuVIOMMUHostdev *hd, GArray **nodes);
