/*
 * qemu_viommu.h: plan the guest PCI topology so each assigned device sits
 *                behind the vIOMMU of its physical IOMMU
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include <stdbool.h>

#include "qemu_viommu_conf.h"
#include "qemu_viommu_facts.h"
#include "qemu_viommu_meta.h"
#include "qemu_viommu_planopts.h"
#include "virsysiommu.h"

/*
 * Decide where the hostdevs of @def go, from the host @facts alone: no
 * file, clock or libvirt is read, and nothing of @def or its document
 * is changed.  Returns the plan, or NULL with every problem found
 * reported.  @def, @facts and @opts must outlive the plan.
 */
qemuVIOMMUPlan *qemuVIOMMUPlanBuild(const qemuVIOMMUDomain *def,
                                    const qemuVIOMMUHostFacts *facts,
                                    const qemuVIOMMUPlanOptions *opts);

/*
 * Plan the domain of @doc against @host: parse it, collect what the
 * host says of its devices and build the plan, which owns the model
 * and the facts.  Nothing is written.  Returns the plan, or NULL with
 * every problem found reported.  @doc and @opts must outlive the plan.
 */
qemuVIOMMUPlan *qemuVIOMMUPlanDocument(virSysIOMMUHost *host,
                                       xmlDocPtr doc,
                                       const qemuVIOMMUPlanOptions *opts);

/* Does applying @plan change the document? */
bool qemuVIOMMUPlanChanged(const qemuVIOMMUPlan *plan);

/* Write @plan, made by qemuVIOMMUPlanDocument(), into its document:
 * new controllers, guest addresses, vIOMMUs and the record, as minimal
 * edits.  Cannot fail.  The plan is stale afterwards. */
void qemuVIOMMUPlanApply(qemuVIOMMUPlan *plan);

void qemuVIOMMUPlanFree(qemuVIOMMUPlan *plan);

/*
 * Plan the domain @doc in place against @host (parse, collect the
 * host facts, build, apply):
 *  - every PCI or mdev <hostdev> without a guest address is put on a
 *    new pcie-root-port below the pcie-expander-bus of its physical
 *    IOMMU (created with its vIOMMU when the domain has none yet);
 *  - every hostdev with an address is checked to sit behind the vIOMMU
 *    of its own physical IOMMU;
 *  - the plan is recorded in <metadata>.
 * Nothing else in the document changes.  A document that needs no
 * change is left byte for byte as it was, and *changed is false.
 *
 * Returns 0, or -1 with every problem found reported; the document is
 * then as it was.
 */
int qemuVIOMMUPlanDomain(virSysIOMMUHost *host,
                         xmlDocPtr doc,
                         const qemuVIOMMUPlanOptions *opts,
                         bool *changed);

/*
 * Plan @doc against @host as qemuVIOMMUPlanDomain() does, but leave
 * @doc as it is and return the plan in words (qemu_viommu_explain.h):
 * for each device its physical IOMMU, NUMA node, expander bus and port
 * and why, then where the window and the options come from.  NULL with
 * every problem reported.
 */
char *qemuVIOMMUPlanExplainDomain(virSysIOMMUHost *host,
                                  xmlDocPtr doc,
                                  const qemuVIOMMUPlanOptions *opts);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuVIOMMUPlan, qemuVIOMMUPlanFree);

/* The root port of @def that the recorded port @port names, if it still
 * stands on its pxb @bus; else NULL. */
qemuVIOMMUController *qemuVIOMMUMetaPortController(const qemuVIOMMUDomain *def,
                                                   qemuVIOMMUMetaBus *bus,
                                                   qemuVIOMMUMetaPort *port);

/* A spare root port of the plan recorded in @doc, behind the vIOMMU of
 * physical IOMMU @iommu: one no device sits on.  Returns 1 with its
 * controller index in *port, 0 when there is none (or no vIOMMU for
 * @iommu), -1 (reported) when @doc cannot be read. */
int qemuVIOMMUPlanFindSparePort(xmlDocPtr doc,
                                const char *iommu,
                                unsigned int *port);
