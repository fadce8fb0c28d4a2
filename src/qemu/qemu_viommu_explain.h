/*
 * qemu_viommu_explain.h: a plan in words: where each device goes and why
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "qemu_viommu_addr.h"
#include "qemu_viommu_decisions.h"
#include "qemu_viommu_facts.h"

/*
 * The text of 'plan --explain' for the decisions @dec made for @def
 * against @facts, with @addrs the address set they were made with: for
 * each assigned device, in the domain's order, its physical IOMMU,
 * host NUMA node, IOMMU group, expander bus and root port and why;
 * then where the 64-bit MMIO window and each vIOMMU option come from.
 * Reads them only; deterministic; cannot fail.
 */
char *qemuVIOMMUDecisionsFormatExplain(const qemuVIOMMUDecisions *dec,
                                       const qemuVIOMMUDomain *def,
                                       const qemuVIOMMUHostFacts *facts,
                                       qemuVIOMMUAddrSet *addrs);
