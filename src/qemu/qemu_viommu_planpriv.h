/*
 * qemu_viommu_planpriv.h: the planner's state and decisions, shared by
 *                         its validation, allocation and writing steps
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "qemu_viommu_addr.h"
#include "qemu_viommu_decisions.h"
#include "qemu_viommu_facts.h"
#include "qemu_viommu_planopts.h"

/*
 * A plan: the planner's view of the domain and, once built, its
 * decisions.  Building reads the domain model, the address set and
 * the host facts and changes none of them; only
 * qemuVIOMMUPlanApply() writes, into the document.
 */
struct _qemuVIOMMUPlan {
    const qemuVIOMMUPlanOptions *opts;
    qemuVIOMMUDomain *def;          /* borrowed */
    const qemuVIOMMUHostFacts *facts; /* borrowed */
    qemuVIOMMUAddrSet *addrs;
    bool accel;                     /* the decided options say accel='on' */

    /* working state of the phases */
    GPtrArray *items;               /* qemuVIOMMUItem *, all resolved */
    GHashTable *claims;             /* IOMMU name -> pxb index + 1 (0: root) */
    GHashTable *owners;             /* pxb index + 1 -> IOMMU name */
    unsigned int rootFirstNew;      /* the first index the plan may give */
    bool failed;

    qemuVIOMMUDecisions dec;        /* what the writers act on */
};

/* qemu_viommu_alloc.c: the decisions, after qemu_viommu.c validated */
void qemuVIOMMUPlanGroup(qemuVIOMMUPlan *p);
int qemuVIOMMUPlanAllocate(qemuVIOMMUPlan *p);
void qemuVIOMMUPlanRecord(qemuVIOMMUPlan *p);

/* qemu_viommu_window.c: the 64-bit MMIO window, once placed */
int qemuVIOMMUPlanWindow(qemuVIOMMUPlan *p);

/* qemu_viommu_gpumem.c: memoryless cells and <acpi nodeset> for the
 * devices whose memory the guest sees as NUMA nodes */
int qemuVIOMMUPlanGPUMem(qemuVIOMMUPlan *p);

/* qemu_viommu_caps.c: each vSMMU's options from its SMMU's capabilities */
int qemuVIOMMUPlanDecideOptions(qemuVIOMMUPlan *p);
