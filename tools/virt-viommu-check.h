/*
 * virt-viommu-check.h: the result of 'check', for a domain read from a
 *                      file (virt-viommu) or from libvirt (its module)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <libxml/tree.h>

#include "virt-viommu-util.h"

/* Compare the plan recorded in @doc, read from @name, with the host and
 * print the result; returns the exit status ('check'). */
int virtVIOMMUCheckPrint(const virtVIOMMULibvirtArgs *args,
                         const char *name,
                         xmlDocPtr doc);
