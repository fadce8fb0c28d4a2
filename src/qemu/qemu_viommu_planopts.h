/*
 * qemu_viommu_planopts.h: what a caller asks of the planner, and the
 *                         plan's name, shared by the public planner
 *                         (qemu_viommu.h) and its phases
 *                         (qemu_viommu_planpriv.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdbool.h>

typedef struct _qemuVIOMMUPlanOptions qemuVIOMMUPlanOptions;
struct _qemuVIOMMUPlanOptions {
    unsigned int sparePorts;    /* empty root ports per new pxb */
    bool move;                  /* move hostdevs placed behind the wrong
                                 * vIOMMU (or none) behind the right one */
    bool refreshOptions;        /* bring the options of existing vSMMUs
                                 * to the template and the host again */
};

/* The most spare ports a pxb gets: its 32 slots less one device. */
#define QEMU_VIOMMU_MAX_SPARE_PORTS 31

/* The plan: its fields are the phases' (qemu_viommu_planpriv.h). */
typedef struct _qemuVIOMMUPlan qemuVIOMMUPlan;
