/*
 * qemu_viommu_addr.h: the guest PCI addresses of a domain, accounted
 *                     for once and asked, never rescanned
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdbool.h>

#include "qemu_viommu_conf.h"

/* Slots of a PCI Express bus, and so root ports of one pxb. */
#define QEMU_VIOMMU_ADDR_SLOTS 32

/* Buses of PCI domain 0: bus numbers and controller indexes alike. */
#define QEMU_VIOMMU_ADDR_BUSES 256

/* Where a guest bus sits in the hierarchy. */
typedef enum {
    QEMU_VIOMMU_BUS_HOME_ROOT,      /* in pcie.0's own hierarchy */
    QEMU_VIOMMU_BUS_HOME_EXPANDER,  /* below a pcie-expander-bus */
    QEMU_VIOMMU_BUS_HOME_MISSING,   /* names a bus no controller has */
    QEMU_VIOMMU_BUS_HOME_LOOP,      /* its controllers form a loop */

    QEMU_VIOMMU_BUS_HOME_LAST
} qemuVIOMMUBusHome;

typedef struct _qemuVIOMMUAddrSet qemuVIOMMUAddrSet;

/*
 * Account for every guest PCI address of @def: the buses its
 * controllers provide, and the slots and functions its controllers,
 * host devices and other devices take.  *set is always filled; every
 * address given twice is reported, and -1 returned then.
 */
int qemuVIOMMUAddrSetNew(const qemuVIOMMUDomain *def, qemuVIOMMUAddrSet **set);
void qemuVIOMMUAddrSetFree(qemuVIOMMUAddrSet *set);

/* Take @addr for @who (an element path, for messages).  Returns -1
 * with a conflict reported when something has it already. */
int qemuVIOMMUAddrSetReserve(qemuVIOMMUAddrSet *set,
                             const virPCIDeviceAddress *addr,
                             const char *who);

/* Does anything use any function of slot @slot of bus @bus? */
bool qemuVIOMMUAddrSetSlotUsed(qemuVIOMMUAddrSet *set,
                               unsigned int bus,
                               unsigned int slot);

/* The functions of slot @slot of bus @bus in use, one bit each. */
guint8 qemuVIOMMUAddrSetSlotFunctions(qemuVIOMMUAddrSet *set,
                                      unsigned int bus,
                                      unsigned int slot);

/* The first slot of bus @bus from @from on that nothing uses and that
 * is not in @skip (a mask of slots), or -1 when there is none. */
int qemuVIOMMUAddrSetNextFreeSlot(qemuVIOMMUAddrSet *set,
                                  unsigned int bus,
                                  unsigned int from,
                                  guint32 skip);

/* The lowest controller index above every index and every bus number
 * an address names (libvirt adds a controller for a named bus that
 * has none) and every index taken before, taken for a new controller.
 * It may exceed 255: the caller checks qemuVIOMMUAddrSetPeekIndex()
 * once, to report how many the plan needs. */
unsigned int qemuVIOMMUAddrSetNewIndex(qemuVIOMMUAddrSet *set);

/* The index the next qemuVIOMMUAddrSetNewIndex() will return. */
unsigned int qemuVIOMMUAddrSetPeekIndex(qemuVIOMMUAddrSet *set);

/* Where bus @bus sits; with QEMU_VIOMMU_BUS_HOME_EXPANDER, *pxb is the
 * pcie-expander-bus above it, else NULL. */
qemuVIOMMUBusHome qemuVIOMMUAddrSetBusHome(qemuVIOMMUAddrSet *set,
                                           unsigned int bus,
                                           qemuVIOMMUController **pxb);

/* Report why bus @bus has no home, naming @who, and return -1. */
int qemuVIOMMUAddrSetReportHome(qemuVIOMMUAddrSet *set,
                                unsigned int bus,
                                const char *who);

/* Bus numbers pcie.0's own hierarchy takes: the root itself and one
 * for every bus-providing controller not below an expander bus. */
unsigned int qemuVIOMMUAddrSetRootBuses(qemuVIOMMUAddrSet *set);

/* Bus numbers expander bus @pxb's hierarchy takes: its own bus and one
 * for every bus-providing controller below it (root ports, and the
 * switches and bridges below them). */
unsigned int qemuVIOMMUAddrSetExpanderBuses(qemuVIOMMUAddrSet *set,
                                            const qemuVIOMMUController *pxb);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuVIOMMUAddrSet, qemuVIOMMUAddrSetFree);
