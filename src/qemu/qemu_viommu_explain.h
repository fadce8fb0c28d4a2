/*
 * qemu_viommu_explain.h: a plan in words: where each device goes and why
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <libxml/tree.h>

#include "qemu_viommu.h"
#include "qemu_viommu_addr.h"
#include "qemu_viommu_decisions.h"

/*
 * The text of 'plan --explain': for each assigned device of @plan, in
 * the domain's order, its physical IOMMU, host NUMA node, IOMMU group,
 * expander bus and root port and why; then where the 64-bit MMIO
 * window and each vIOMMU option come from.  Deterministic; cannot fail.
 */
char *qemuVIOMMUPlanFormatExplain(const qemuVIOMMUPlan *plan);

/* The same text from the decisions @dec made for @def against @facts,
 * with @addrs the address set they were made with; reads them only. */
char *qemuVIOMMUDecisionsFormatExplain(const qemuVIOMMUDecisions *dec,
                                       const qemuVIOMMUDomain *def,
                                       const qemuVIOMMUHostFacts *facts,
                                       qemuVIOMMUAddrSet *addrs);

/* Plan @doc against @host as qemuVIOMMUPlanDomain() does, but leave
 * @doc as it is and return the plan's explanation; NULL with every
 * problem reported. */
char *qemuVIOMMUPlanExplainDomain(virSysIOMMUHost *host,
                                  xmlDocPtr doc,
                                  const qemuVIOMMUPlanOptions *opts);
