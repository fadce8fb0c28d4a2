/*
 * qemu_viommu_rootbus.c: pcie.0's slots, filled the way libvirt fills
 *                        them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_rootbus.h"


void
qemuVIOMMURootBusInit(qemuVIOMMURootBus *rb,
                      const qemuVIOMMUDomain *def,
                      qemuVIOMMUAddrSet *addrs)
{
    size_t i;

    memset(rb, 0, sizeof(*rb));
    rb->skip = 1U << 0;
    if (def->archKind == QEMU_VIOMMU_ARCH_X86_Q35)
        rb->skip |= (1U << 1) | (1U << 0x1f);

    for (i = 0; i < QEMU_VIOMMU_ADDR_SLOTS; i++)
        rb->functions[i] = qemuVIOMMUAddrSetSlotFunctions(addrs, 0, i);

    /* a slot whose function 0 is a root port takes more of them */
    for (i = 0; i < def->controllers->len; i++) {
        qemuVIOMMUController *ctrl = g_ptr_array_index(def->controllers, i);

        if (ctrl->model == QEMU_VIOMMU_CONTROLLER_PCIE_ROOT_PORT &&
            ctrl->addr.set && ctrl->addr.addr.domain == 0 &&
            ctrl->addr.addr.bus == 0 && ctrl->addr.addr.function == 0)
            rb->shared |= 1U << ctrl->addr.addr.slot;
    }
}


int
qemuVIOMMURootBusPlace(qemuVIOMMURootBus *rb,
                       bool port,
                       unsigned int *slot,
                       unsigned int *function)
{
    unsigned int s;
    unsigned int f;

    for (s = 0; s < QEMU_VIOMMU_ADDR_SLOTS; s++) {
        if (rb->skip & (1U << s))
            continue;
        if (rb->functions[s] == 0) {
            rb->functions[s] = 1;
            if (port)
                rb->shared |= 1U << s;
            *slot = s;
            *function = 0;
            return 0;
        }
        if (!port || !(rb->shared & (1U << s)))
            continue;
        for (f = 0; f < 8; f++) {
            if (!(rb->functions[s] & (1U << f))) {
                rb->functions[s] |= 1U << f;
                *slot = s;
                *function = f;
                return 0;
            }
        }
    }
    return -1;
}


void
qemuVIOMMURootBusCountFree(const qemuVIOMMURootBus *rb,
                           unsigned int *slots,
                           unsigned int *functions)
{
    unsigned int s;

    *slots = *functions = 0;
    for (s = 0; s < QEMU_VIOMMU_ADDR_SLOTS; s++) {
        if (rb->skip & (1U << s))
            continue;
        if (rb->functions[s] == 0)
            (*slots)++;
        else if (rb->shared & (1U << s))
            *functions += 8 - __builtin_popcount(rb->functions[s]);
    }
}
