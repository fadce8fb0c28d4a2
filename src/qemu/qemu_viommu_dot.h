/*
 * qemu_viommu_dot.h: a Graphviz picture of a planned topology
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "virsysiommu.h"

/* Host IOMMU -> vIOMMU -> pcie-expander-bus -> root port -> device, for
 * the planned domain @doc, with NUMA nodes; @host names the devices'
 * IOMMUs and nodes.  Returns NULL (reported) when @doc has no plan. */
char *qemuVIOMMUPlanFormatDot(virSysIOMMUHost *host, xmlDocPtr doc);
