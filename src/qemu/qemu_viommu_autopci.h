/*
 * qemu_viommu_autopci.h: the devices libvirt gives a guest PCI address
 *                        of its own choosing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "qemu_viommu_conf.h"

/* How many devices of @def libvirt will place on a PCI bus itself: the
 * elements without an <address> that it puts on a root port, and the
 * devices it adds to the definition on its own (q35's memballoon and USB
 * controller, a disk's or SCSI hostdev's controller, the
 * pcie-to-pci-bridge of conventional PCI devices, ...), all as the
 * table generated in the lab says (qemu_viommu_autopci_table.h).
 * Elements the table has no row for count as one each, so that a port
 * too many stays empty rather than one too few losing a spare.  The
 * SCSI and SATA controllers libvirt adds are counted one for each
 * index up to the highest its disks and SCSI hostdevs need (a drive
 * address's controller, or a disk's target index / 7 or / 6) that the
 * domain has no <controller> for.  The planner keeps as many free root
 * ports ahead of its spare ports. */
unsigned int qemuVIOMMUDomainCountAutoPCI(const qemuVIOMMUDomain *def);
