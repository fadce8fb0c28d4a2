/*
 * qemu_viommu_model.h: which <iommu> models fit which machine, for
 *                      'plan' and 'argv' alike
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "qemu_viommu_conf.h"

/*
 * Can @iommu (at @path) of @def be planned and written as QEMU
 * arguments?  Mirrors libvirt 12.8's qemuValidateDomainDeviceDefIOMMU()
 * and its XML parser, and refuses as well what libvirt accepts but
 * virt-viommu does not plan.  Returns 0, or -1 with one error that
 * names the model, the machine and what to write instead.
 */
int qemuVIOMMUIOMMUCheckMachine(const qemuVIOMMUDomain *def,
                                const qemuVIOMMUIOMMU *iommu,
                                const char *path);
