/*
 * qemu_viommu_window.h: size the guest's 64-bit PCI MMIO window so
 *                       that every assigned device's large BARs fit
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <libxml/tree.h>

#include "qemu_viommu_conf.h"
#include "virsysiommu.h"

/* QEMU 11.1's own window when <pcihole64> is absent (measured with
 * qom-get): aarch64 'virt' highmem-mmio-size, q35 pci-hole64-size. */
#define QEMU_VIOMMU_WINDOW_DEFAULT_VIRT (512ULL << 30)
#define QEMU_VIOMMU_WINDOW_DEFAULT_Q35 (32ULL << 30)

/* The guest physical address width assumed when the domain does not
 * give one (<cpu><maxphysaddr bits=.../>). */
#define QEMU_VIOMMU_WINDOW_PHYS_BITS 48

/* Room kept in pcie.0's window for emulated devices that libvirt puts
 * on root ports of pcie.0: a virtio device behind one takes 2 MiB of
 * 64-bit prefetchable space (measured), and pcie.0 has 32 slots. */
#define QEMU_VIOMMU_WINDOW_ROOT_MARGIN (32ULL * (2ULL << 20))


unsigned long long qemuVIOMMUWindowDefault(qemuVIOMMUArch arch);

/* The bytes of a unit of libvirt's virScaledValue (NULL: KiB), 0 for
 * one it does not know. */
unsigned long long qemuVIOMMUWindowUnit(const char *unit);

/* The <pcihole64> of the root controller of @def, in bytes: 1 with
 * *bytes set, 0 when there is none, -1 (reported) when it cannot be
 * read. */
int qemuVIOMMUWindowGet(const qemuVIOMMUDomain *def, unsigned long long *bytes);

/* Set the root controller's <pcihole64 unit='KiB'> to @bytes, adding a
 * pcie-root controller when the domain has none. */
void qemuVIOMMUWindowSet(qemuVIOMMUDomain *def, unsigned long long bytes);

/* The guest physical address width of @def: its <maxphysaddr bits>,
 * else QEMU_VIOMMU_WINDOW_PHYS_BITS. */
unsigned int qemuVIOMMUWindowPhysBits(const qemuVIOMMUDomain *def);

/* Can QEMU's vfio-pci give the guest the BARs @bars of the assigned
 * host device @source (its <hostdev> source, for the message)?  Not
 * one whose size is no power of two (PCI Enhanced Allocation), which
 * pci_register_bar() asserts.  Returns 0, or -1 with the reason
 * reported; plan, check and check --ready all ask this. */
int qemuVIOMMUWindowCheckBars(const char *source,
                              const GArray *bars);

/* Does the window of the planned domain @def (its <pcihole64>, else
 * the machine's default, in *have) still hold what the 64-bit
 * prefetchable BARs that @host shows for its assigned devices need
 * (*need, by the planning rule, from the guest addresses @def gives
 * them)?  Returns 1 when it does not, 0 when it does or nothing needs
 * it, -1 (reported) when the host cannot be read. */
int qemuVIOMMUWindowCheck(qemuVIOMMUDomain *def,
                          virSysIOMMUHost *host,
                          unsigned long long *need,
                          unsigned long long *have);
