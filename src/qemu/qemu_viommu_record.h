/*
 * qemu_viommu_record.h: the edits of the plan record that 'attach' and
 *                       'detach' make between two plans
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include <stdbool.h>

#include "qemu_viommu_meta.h"

/* The plan record of the domain @doc, or NULL (reported) when it has
 * none or it is damaged. */
qemuVIOMMUMeta *qemuVIOMMURecordRead(xmlDocPtr doc);

/* The <hostdev> element of @doc that assigns host device @source, or
 * NULL (also when @doc cannot be read; nothing reported). */
xmlNodePtr qemuVIOMMURecordFindHostdev(xmlDocPtr doc, const char *source);

/*
 * Where host device @source sits in @doc: the index of the recorded
 * root port, on the pxb whose vIOMMU serves @iommu, that its <hostdev>
 * is placed on, or -1 when it sits on none (nothing reported).
 * *recorded says whether the record lists it on that port.
 */
int qemuVIOMMURecordPlacedPort(xmlDocPtr doc,
                               const char *source,
                               const char *iommu,
                               bool *recorded);

/*
 * Record @source on the recorded root port @port of @meta, the plan
 * record of @doc (@port -1: forget it), with its IOMMU @group and NUMA
 * node @numaNode; entries of devices that @doc no longer assigns go
 * too.  0, or -1 (reported) when @doc cannot be read or the record has
 * no such port.
 */
int qemuVIOMMURecordSetDevice(xmlDocPtr doc,
                              qemuVIOMMUMeta *meta,
                              const char *source,
                              int port,
                              int group,
                              int numaNode);

/* Does @meta list @source on root port @port (@port -1: on none)? */
bool qemuVIOMMURecordHolds(qemuVIOMMUMeta *meta,
                           const char *source,
                           int port);
