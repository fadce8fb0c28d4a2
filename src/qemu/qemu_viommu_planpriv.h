/*
 * qemu_viommu_planpriv.h: the planner's working state, shared by its
 *                         phases only (qemu_viommu.c, qemu_viommu_alloc.c,
 *                         qemu_viommu_gpumem.c, qemu_viommu_window.c,
 *                         qemu_viommu_caps.c); the writers read the
 *                         decisions alone (qemu_viommu_decisions.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "qemu_viommu_addr.h"
#include "qemu_viommu_claims.h"
#include "qemu_viommu_decisions.h"
#include "qemu_viommu_facts.h"
#include "qemu_viommu_planopts.h"

/*
 * A plan: the planner's view of the domain, its working state and,
 * once built, its decisions.  Building reads the domain model and the
 * host facts and changes none of them (they are const here); only
 * qemuVIOMMUDecisionsApply() writes, into the document, and reads
 * nothing here but the decisions.
 */
struct _qemuVIOMMUPlan {
    /* the inputs */
    const qemuVIOMMUPlanOptions *opts;
    const qemuVIOMMUDomain *def;
    const qemuVIOMMUHostFacts *facts;
    /* the model and facts of a plan made of a document, which it owns
     * and writes into (qemuVIOMMUPlanDocument()); else NULL */
    qemuVIOMMUDomain *ownDef;
    qemuVIOMMUHostFacts *ownFacts;

    /* working state: filled in by 'check', read by the phases after it
     * (the address set also by 'allocate', which takes from it) */
    GPtrArray *items;               /* qemuVIOMMUItem *, all resolved */
    qemuVIOMMUClaims *claims;       /* which bus serves which IOMMU */
    qemuVIOMMUAddrSet *addrs;
    /* the record as it still holds (phase 'check'): without the entries
     * of pxbs, vIOMMUs, ports and devices that are gone or moved, with
     * the devices placed on recorded ports; the 'record' phase makes
     * the decisions' record of it */
    qemuVIOMMUMeta *live;
    bool failed;

    qemuVIOMMUDecisions dec;        /* what the writers act on */
};

/*
 * The phases of qemuVIOMMUPlanBuild(), in the order it runs them.  Each
 * fills in its part of the plan's decisions from the domain model, the
 * host facts, the options and what the phases before it decided; run
 * one at a time (qemuVIOMMUPlanRunPhase()) they can be tested alone.
 */
typedef enum {
    QEMU_VIOMMU_PLAN_PHASE_OPTIONS,  /* the vIOMMU model and options */
    QEMU_VIOMMU_PLAN_PHASE_CHECK,    /* the domain's placements (no decision) */
    QEMU_VIOMMU_PLAN_PHASE_GROUP,    /* groups and slots of the unplaced */
    QEMU_VIOMMU_PLAN_PHASE_ALLOCATE, /* new pxbs, ports, renumber, root addrs */
    QEMU_VIOMMU_PLAN_PHASE_GPUMEM,   /* GPU memory as guest NUMA nodes */
    QEMU_VIOMMU_PLAN_PHASE_WINDOW,   /* the 64-bit MMIO window */
    QEMU_VIOMMU_PLAN_PHASE_CAPS,     /* each vSMMU's options */
    QEMU_VIOMMU_PLAN_PHASE_RECORD,   /* vIOMMU add/update/remove, iommufd, record */

    QEMU_VIOMMU_PLAN_PHASE_LAST
} qemuVIOMMUPlanPhase;

/* A plan of @def against @facts before any phase ran, with the record
 * as the domain has it; NULL (reported) when the record is malformed. */
qemuVIOMMUPlan *qemuVIOMMUPlanNew(const qemuVIOMMUDomain *def,
                                  const qemuVIOMMUHostFacts *facts,
                                  const qemuVIOMMUPlanOptions *opts);

/* Run @phase on @p.  Returns 0, or -1 with the problems reported. */
int qemuVIOMMUPlanRunPhase(qemuVIOMMUPlan *p, qemuVIOMMUPlanPhase phase);

/*
 * The phases in files of their own.  Each reads the plan const and
 * writes only what it is passed on its own: its part of the decisions,
 * and for 'allocate' also the address set it takes indexes, slots and
 * bus numbers from.  (The compiler refuses a write to the plan's
 * fields, though not to the objects its arrays hold.)  'check', in
 * qemu_viommu.c, fills in the working state and decides nothing.
 */

/* qemu_viommu_alloc.c: the placements, after qemu_viommu.c validated */
void qemuVIOMMUPlanGroup(const qemuVIOMMUPlan *p, GPtrArray *groups);
int qemuVIOMMUPlanAllocate(const qemuVIOMMUPlan *p,
                           qemuVIOMMUAddrSet *addrs,
                           qemuVIOMMUPlacement *place);
void qemuVIOMMUPlanRecord(const qemuVIOMMUPlan *p, qemuVIOMMUMeta *record);
void qemuVIOMMUPlanDecideIOMMUChanges(const qemuVIOMMUPlan *p,
                                      qemuVIOMMUIOMMUChanges *out);

/* qemu_viommu_window.c: the 64-bit MMIO window, once placed */
int qemuVIOMMUPlanWindow(const qemuVIOMMUPlan *p, qemuVIOMMUWindowDecision *out);

/* qemu_viommu_gpumem.c: memoryless cells and <acpi nodeset> for the
 * devices whose memory the guest sees as NUMA nodes */
int qemuVIOMMUPlanGPUMem(const qemuVIOMMUPlan *p, qemuVIOMMUGPUMemDecision *out);

/* qemu_viommu_caps.c: each vSMMU's options from its SMMU's capabilities */
int qemuVIOMMUPlanDecideOptions(const qemuVIOMMUPlan *p, GHashTable *iommuOptions);
