/*
 * qemu_viommu_rootbus.h: pcie.0's slots, filled the way libvirt fills
 *                        them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "qemu_viommu_addr.h"

/*
 * libvirt gives each PCI controller without an address a place on
 * pcie.0 in index order, after every address the definition gives:
 * a pcie-root-port takes the lowest free function of the first slot
 * that holds only root ports (so they gather eight to a slot), or the
 * first empty slot; a pcie-expander-bus or dmi-to-pci-bridge takes the
 * first empty slot.  Placing the planner's own controllers in the same
 * walk gives the new pxbs the slots libvirt would give them, and the
 * root ports that libvirt places there a slot each eight.
 */
typedef struct _qemuVIOMMURootBus qemuVIOMMURootBus;
struct _qemuVIOMMURootBus {
    guint8 functions[QEMU_VIOMMU_ADDR_SLOTS];
    guint32 shared;             /* slots that hold root ports only */
    guint32 skip;               /* slots libvirt keeps for other devices */
};

/* pcie.0 as the addresses of @def leave it.  On q35 libvirt keeps
 * 00:01 for the primary video card and 00:1f for the ICH9 functions. */
void qemuVIOMMURootBusInit(qemuVIOMMURootBus *rb,
                           const qemuVIOMMUDomain *def,
                           qemuVIOMMUAddrSet *addrs);

/* Place the next controller: a root port if @port, else a controller
 * that needs a slot of its own.  Returns -1 when pcie.0 is full. */
int qemuVIOMMURootBusPlace(qemuVIOMMURootBus *rb,
                           bool port,
                           unsigned int *slot,
                           unsigned int *function);

/* Count the slots nothing uses, and the root-port functions left in
 * shared slots. */
void qemuVIOMMURootBusCountFree(const qemuVIOMMURootBus *rb,
                                unsigned int *slots,
                                unsigned int *functions);
