/*
 * qemu_viommu_planpriv.h: the planner's state and decisions, shared by
 *                         its validation, allocation and writing steps
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "qemu_viommu_addr.h"
#include "qemu_viommu_conf.h"
#include "qemu_viommu_facts.h"
#include "qemu_viommu_meta.h"
#include "qemu_viommu_planopts.h"

/* One hostdev to place or to check, with what the host says of it. */
typedef struct _qemuVIOMMUItem qemuVIOMMUItem;
struct _qemuVIOMMUItem {
    qemuVIOMMUHostdev *hostdev;
    virSysIOMMUDevice *dev;     /* the host PCI device (an mdev's parent) */
    virSysIOMMU *iommu;
    bool move;                  /* placed behind the wrong vIOMMU: re-place */
};

/* Items of one host slot that go onto one root port together. */
typedef struct _qemuVIOMMUSlot qemuVIOMMUSlot;
struct _qemuVIOMMUSlot {
    GPtrArray *items;           /* qemuVIOMMUItem *, by host function */
    unsigned int port;          /* root port index, once allocated */
    unsigned int pxbSlot;       /* the new root port's slot on its pxb */
    qemuVIOMMUController *reuse; /* an existing spare root port */
};

/* A pcie-expander-bus the plan adds, with its spare root ports (the
 * root ports of its devices are the group's slots). */
typedef struct _qemuVIOMMUNewPxb qemuVIOMMUNewPxb;
struct _qemuVIOMMUNewPxb {
    unsigned int rootSlot;      /* its slot on the root bus */
    int busNr;
    int cell;                   /* guest NUMA cell, -1 */
    unsigned int nspare;        /* spare ports */
    unsigned int spareFirst;    /* index of the first spare */
    unsigned int spareSlot;     /* slot of the first spare */
};

/* The devices of one physical IOMMU that need a place, and where
 * they go. */
typedef struct _qemuVIOMMUGroup qemuVIOMMUGroup;
struct _qemuVIOMMUGroup {
    virSysIOMMU *iommu;
    GPtrArray *slots;           /* qemuVIOMMUSlot * */
    qemuVIOMMUController *pxb;  /* existing pxb, or NULL for a new one */
    unsigned int pxbIndex;
    qemuVIOMMUNewPxb newPxb;    /* when pxb is NULL */
    unsigned int newPorts;      /* existing pxb: root ports the plan adds */
    qemuVIOMMUMetaBus *meta;
};

/* A controller of the domain without an address that the plan gives
 * the slot of pcie.0 libvirt would give it. */
typedef struct _qemuVIOMMURootAddr qemuVIOMMURootAddr;
struct _qemuVIOMMURootAddr {
    qemuVIOMMUController *ctrl;
    unsigned int slot;
};

/* An existing pxb whose bus-number range the plan moves. */
typedef struct _qemuVIOMMURenumber qemuVIOMMURenumber;
struct _qemuVIOMMURenumber {
    qemuVIOMMUController *pxb;
    int busNr;
};

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
    qemuVIOMMUMeta *meta;           /* the record, as it will be written */

    /* the vIOMMU options: of the template, else of the domain's
     * vIOMMUs, else of the record, else the defaults */
    qemuVIOMMUIOMMU *tmpl;
    qemuVIOMMUModel model;
    qemuVIOMMUOptions options;
    const char *optionsFrom;        /* where they came from, as explained */
    bool accel;
    /* IOMMU name -> qemuVIOMMUOptions *: the options of its vSMMU, new
     * or brought up to date (qemu_viommu_caps.c) */
    GHashTable *iommuOptions;

    GPtrArray *items;               /* qemuVIOMMUItem *, all resolved */
    GHashTable *claims;             /* IOMMU name -> pxb index + 1 (0: root) */
    GHashTable *owners;             /* pxb index + 1 -> IOMMU name */
    bool failed;

    /* decisions */
    GPtrArray *groups;              /* qemuVIOMMUGroup * */
    GArray *renumber;               /* qemuVIOMMURenumber */
    GArray *rootAddrs;              /* qemuVIOMMURootAddr */
    unsigned int rootFirstNew;      /* the first index the plan may give */
    unsigned int nreserve;          /* free root ports for libvirt's devices */
    unsigned int reserveFirst;      /* index of the first of them */
    GPtrArray *update;              /* qemuVIOMMUIOMMU * to get the options */
    bool addIOMMU;                  /* q35: the one vIOMMU */
    bool removeTemplate;
    bool addIOMMUFD;
    unsigned long long windowNeed;  /* the 64-bit MMIO window the BARs need */
    unsigned long long windowSet;   /* bytes for <pcihole64>, 0: leave it */
    /* GPU memory as guest NUMA nodes (qemu_viommu_gpumem.c) */
    bool gpumemCell0;               /* add cell 0: all CPUs and memory */
    unsigned int gpumemFirst;       /* the first new memoryless cell */
    GArray *gpumemSets;             /* qemuVIOMMUGPUMemSet, new nodesets */
    bool changed;
};

/* A hostdev that gets <acpi nodeset='first-(first+count-1)'/>. */
typedef struct _qemuVIOMMUGPUMemSet qemuVIOMMUGPUMemSet;
struct _qemuVIOMMUGPUMemSet {
    qemuVIOMMUHostdev *hostdev;
    unsigned int first;
    unsigned int count;
};

/* qemu_viommu_alloc.c: the decisions, after qemu_viommu.c validated */
void qemuVIOMMUPlanGroup(qemuVIOMMUPlan *p);
int qemuVIOMMUPlanAllocate(qemuVIOMMUPlan *p);
void qemuVIOMMUPlanRecord(qemuVIOMMUPlan *p);

/* qemu_viommu_window.c: the 64-bit MMIO window, once placed */
int qemuVIOMMUPlanWindow(qemuVIOMMUPlan *p);
void qemuVIOMMUApplyWindow(qemuVIOMMUPlan *p);

/* qemu_viommu_gpumem.c: memoryless cells and <acpi nodeset> for the
 * devices whose memory the guest sees as NUMA nodes */
int qemuVIOMMUPlanGPUMem(qemuVIOMMUPlan *p);
void qemuVIOMMUApplyGPUMem(qemuVIOMMUPlan *p);

/* qemu_viommu_caps.c: each vSMMU's options from its SMMU's capabilities */
int qemuVIOMMUPlanDecideOptions(qemuVIOMMUPlan *p);
/* The options of the vSMMU of physical IOMMU @iommu (the plan's own
 * when it has none of its own). */
const qemuVIOMMUOptions *qemuVIOMMUPlanOptionsFor(qemuVIOMMUPlan *p,
                                                  const char *iommu);
