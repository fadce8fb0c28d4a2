/*
 * virsysiommufmt.h: the host's IOMMUs as text, JSON and Graphviz
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "virpciids.h"
#include "virsysiommu.h"

/* Each takes a scanned host; @ids may be NULL (numbers only). */

/* IOMMU -> group -> device, one device a line. */
char *virSysIOMMUHostFormatText(virSysIOMMUHost *host, virPCIIDs *ids);

/* {"format": "virt-viommu-scan", "version": 1, "iommus": [...],
 *  "devices_without_iommu": [...]}; see virt-viommu(1). */
char *virSysIOMMUHostFormatJSON(virSysIOMMUHost *host, virPCIIDs *ids);

/* A Graphviz digraph of IOMMUs, groups and devices. */
char *virSysIOMMUHostFormatDot(virSysIOMMUHost *host, virPCIIDs *ids);

/* @str as a double-quoted DOT string. */
char *virDotQuote(const char *str);
