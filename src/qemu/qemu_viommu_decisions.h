/*
 * qemu_viommu_decisions.h: what a plan decided, as one record that the
 *                          writers read and never change
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "qemu_viommu_conf.h"
#include "qemu_viommu_meta.h"
#include "virsysiommu.h"

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

/* A hostdev that gets <acpi nodeset='first-(first+count-1)'/>. */
typedef struct _qemuVIOMMUGPUMemSet qemuVIOMMUGPUMemSet;
struct _qemuVIOMMUGPUMemSet {
    qemuVIOMMUHostdev *hostdev;
    unsigned int first;
    unsigned int count;
};

/* Where the devices to place go, with the new pxbs and root ports they
 * need, and what else of pcie.0's hierarchy the plan addresses. */
typedef struct _qemuVIOMMUPlacement qemuVIOMMUPlacement;
struct _qemuVIOMMUPlacement {
    GPtrArray *groups;              /* qemuVIOMMUGroup * */
    GArray *renumber;               /* qemuVIOMMURenumber */
    GArray *rootAddrs;              /* qemuVIOMMURootAddr */
    unsigned int nreserve;          /* free root ports for libvirt's devices */
    unsigned int reserveFirst;      /* index of the first of them */
};

/* The vIOMMU model and options the plan follows: of the template, else
 * of the record, else of the domain's vIOMMUs, else the defaults. */
typedef struct _qemuVIOMMUChoice qemuVIOMMUChoice;
struct _qemuVIOMMUChoice {
    qemuVIOMMUIOMMU *tmpl;          /* the template <iommu>, or NULL */
    qemuVIOMMUModel model;
    qemuVIOMMUOptions options;
    const char *from;               /* where they came from, as explained */
    bool cachingAdded;              /* q35: caching_mode='on' the plan adds,
                                     * as QEMU needs it for assigned devices */
};

/* The vIOMMUs of the domain the plan adds, brings up to date or
 * removes, and <iommufd> (the new vSMMUs of aarch64 come with their
 * new pxbs). */
typedef struct _qemuVIOMMUIOMMUChanges qemuVIOMMUIOMMUChanges;
struct _qemuVIOMMUIOMMUChanges {
    GPtrArray *update;              /* qemuVIOMMUIOMMU * to get the options */
    bool addIOMMU;                  /* q35: the one vIOMMU */
    qemuVIOMMUIOMMU *removeIOMMU;   /* the template, to remove; or NULL */
    bool addIOMMUFD;
};

/* The 64-bit MMIO window (qemu_viommu_window.c). */
typedef struct _qemuVIOMMUWindowDecision qemuVIOMMUWindowDecision;
struct _qemuVIOMMUWindowDecision {
    unsigned long long need;        /* what the BARs need (explained) */
    unsigned long long set;         /* bytes for <pcihole64>, 0: leave it */
};

/* GPU memory as guest NUMA nodes (qemu_viommu_gpumem.c). */
typedef struct _qemuVIOMMUGPUMemDecision qemuVIOMMUGPUMemDecision;
struct _qemuVIOMMUGPUMemDecision {
    bool cell0;                     /* add cell 0: all CPUs and memory */
    unsigned int first;             /* the first new memoryless cell */
    GArray *sets;                   /* qemuVIOMMUGPUMemSet, new nodesets */
};

/*
 * The decisions of a plan: everything qemuVIOMMUDecisionsApply() (and
 * 'plan --explain') acts on.  The planning phases fill it in; whether
 * the document changes is derived from it (qemuVIOMMUDecisionsEmpty()),
 * so a decision cannot be made and then dropped by a forgotten flag.
 */
typedef struct _qemuVIOMMUDecisions qemuVIOMMUDecisions;
struct _qemuVIOMMUDecisions {
    qemuVIOMMUPlacement place;      /* phases 'group' and 'allocate' */

    qemuVIOMMUChoice viommu;        /* phase 'options' */
    /* IOMMU name -> qemuVIOMMUOptions *: the options of its vSMMU, new
     * or brought up to date (qemu_viommu_caps.c) */
    GHashTable *iommuOptions;

    qemuVIOMMUIOMMUChanges iommus;  /* phase 'record' */

    qemuVIOMMUWindowDecision window; /* phase 'window' */
    qemuVIOMMUGPUMemDecision gpumem; /* phase 'gpumem' */

    /* the record: as the domain had it, and as it will be written */
    qemuVIOMMUMeta *recordBase;     /* NULL: the domain had none */
    qemuVIOMMUMeta *record;         /* NULL until the 'record' phase */
};

void qemuVIOMMUDecisionsInit(qemuVIOMMUDecisions *dec);
void qemuVIOMMUDecisionsClear(qemuVIOMMUDecisions *dec);

/* Does @dec leave the document as it is?  True when it decides nothing
 * to add, move, renumber, update or remove, and the record's buses,
 * ports and devices are those the domain had. */
bool qemuVIOMMUDecisionsEmpty(const qemuVIOMMUDecisions *dec);

/* Do the options @dec follows say accel='on'? */
bool qemuVIOMMUDecisionsAccel(const qemuVIOMMUDecisions *dec);

/* The options of the vSMMU of physical IOMMU @iommu (the plan's own
 * when it has none of its own). */
const qemuVIOMMUOptions *qemuVIOMMUDecisionsOptionsFor(const qemuVIOMMUDecisions *dec,
                                                       const char *iommu);

/* Where @dec places @hostdev: true with its group, slot (root port) and
 * item; false when it is not placed (it keeps its address). */
bool qemuVIOMMUDecisionsFindPlacement(const qemuVIOMMUDecisions *dec,
                                      const qemuVIOMMUHostdev *hostdev,
                                      const qemuVIOMMUGroup **group,
                                      const qemuVIOMMUSlot **slot,
                                      const qemuVIOMMUItem **item);

/* The guest NUMA cell of the new pxb of @group: the cell of its host
 * node, else cell 0 when the plan adds cell 0 (every host node is then
 * guest cell 0), else -1 (none). */
int qemuVIOMMUDecisionsPxbCell(const qemuVIOMMUDecisions *dec,
                               const qemuVIOMMUGroup *group);

/* Write @dec into the document of @def: new controllers, guest
 * addresses, vIOMMUs and the record, as minimal edits; nothing when
 * @dec is empty.  Cannot fail.  @def is stale afterwards. */
void qemuVIOMMUDecisionsApply(const qemuVIOMMUDecisions *dec,
                              qemuVIOMMUDomain *def);

/* The writers of qemu_viommu_window.c and qemu_viommu_gpumem.c that
 * qemuVIOMMUDecisionsApply() calls. */
void qemuVIOMMUApplyWindow(const qemuVIOMMUDecisions *dec,
                           qemuVIOMMUDomain *def);
void qemuVIOMMUApplyGPUMem(const qemuVIOMMUDecisions *dec,
                           qemuVIOMMUDomain *def);
