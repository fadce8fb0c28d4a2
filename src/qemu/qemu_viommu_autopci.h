/*
 * qemu_viommu_autopci.h: the devices libvirt gives a guest PCI address
 *                        of its own choosing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "qemu_viommu_conf.h"

/* Does libvirt put device element @node, which has no <address>, on a
 * guest PCI bus when it defines the domain? */
bool qemuVIOMMUDeviceWantsPCI(xmlNodePtr node);

/* How many devices of @def libvirt will place on a PCI bus itself: the
 * elements without an <address> that it puts on one, and the devices
 * it adds to the definition on its own (q35's memballoon and USB
 * controller, the virtio-serial controller of virtio channels, a video
 * card for graphics).  The count errs high, never low:
 * the planner keeps as many free root ports ahead of its spare ports,
 * and a port too many stays empty where one too few loses a spare. */
unsigned int qemuVIOMMUDomainCountAutoPCI(const qemuVIOMMUDomain *def);
