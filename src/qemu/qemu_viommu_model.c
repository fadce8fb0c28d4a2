/*
 * qemu_viommu_model.c: which <iommu> models fit which machine, for
 *                      'plan' and 'argv' alike
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_model.h"

#include "virerror.h"

/*
 * What libvirt 12.8 does with each model on the two machines, read in
 * the lab with 'virsh define' and 'domxml-to-native' (the template form
 * is an <iommu> without pciBus, the other one with pciBus on a pxb):
 *
 *            aarch64 'virt'                  x86_64 'q35'
 *   smmuv3   both: -machine iommu=smmuv3,    refused: "only supported
 *            arm-smmuv3 primary-bus=pxb      with ARM Virt machines"
 *   intel    refused: "only supported with   template: intel-iommu;
 *            Q35 machines"                   pciBus refused
 *   amd      as intel                        template: AMDVI-PCI on a
 *                                            pcie.0 slot + amd-iommu;
 *                                            pciBus refused
 *   virtio   template: virtio-iommu on a     as on 'virt'
 *            pcie.0 slot; pciBus refused
 *
 * pciBus is refused by the parser ("iommu model '...' doesn't support
 * some additional attributes") for every model but smmuv3.
 *
 * Planned end to end: smmuv3 on 'virt' and the intel template on q35.
 * The virtio-iommu and AMDVI-PCI functions are PCI devices that
 * libvirt places on pcie.0 itself, which the plan would have to leave
 * a slot for and argv to predict; neither does, so they are refused
 * with the model to write instead.
 */

static int
qemuVIOMMUIOMMUCheckVirt(const qemuVIOMMUIOMMU *iommu, const char *path)
{
    const char *model = qemuVIOMMUModelTypeToString(iommu->model);

    switch (iommu->model) {
    case QEMU_VIOMMU_MODEL_SMMUV3:
        return 0;
    case QEMU_VIOMMU_MODEL_INTEL:
    case QEMU_VIOMMU_MODEL_AMD:
        virReportError(VIR_ERROR_UNSUPPORTED, _("%1$s: <iommu model='%2$s'> on an aarch64 'virt' guest, which libvirt refuses (qemuValidateDomainDeviceDefIOMMU: only q35 machines take it); write <iommu model='smmuv3'> or remove it, virt-viommu adds one per physical SMMU"),
                       path, model);
        return -1;
    case QEMU_VIOMMU_MODEL_VIRTIO:
        if (iommu->pciBus >= 0) {
            virReportError(VIR_ERROR_UNSUPPORTED, _("%1$s: <iommu model='virtio'> with pciBus on an aarch64 'virt' guest, which libvirt refuses (pciBus is for model='smmuv3' only); write <iommu model='smmuv3'> or remove it, virt-viommu adds one per physical SMMU"),
                           path);
            return -1;
        }
        virReportError(VIR_ERROR_UNSUPPORTED, _("%1$s: <iommu model='virtio'> on an aarch64 'virt' guest: one virtio-iommu, which libvirt places on pcie.0 itself, cannot be bound to each physical SMMU as virt-viommu plans; write <iommu model='smmuv3'> or remove it, virt-viommu adds one per physical SMMU"),
                       path);
        return -1;
    case QEMU_VIOMMU_MODEL_LAST:
        break;
    }
    return 0;
}


static int
qemuVIOMMUIOMMUCheckQ35(const qemuVIOMMUIOMMU *iommu, const char *path)
{
    const char *model = qemuVIOMMUModelTypeToString(iommu->model);

    switch (iommu->model) {
    case QEMU_VIOMMU_MODEL_SMMUV3:
        virReportError(VIR_ERROR_UNSUPPORTED, _("%1$s: <iommu model='smmuv3'> on an x86_64 'q35' guest, which libvirt refuses (qemuValidateDomainDeviceDefIOMMU: only ARM 'virt' machines take it); write <iommu model='intel'/> or remove it, virt-viommu adds one"),
                       path);
        return -1;
    case QEMU_VIOMMU_MODEL_INTEL:
        break;
    case QEMU_VIOMMU_MODEL_AMD:
    case QEMU_VIOMMU_MODEL_VIRTIO:
        if (iommu->pciBus >= 0)
            break;
        virReportError(VIR_ERROR_UNSUPPORTED, _("%1$s: <iommu model='%2$s'> on an x86_64 'q35' guest: libvirt places its PCI function on a pcie.0 slot of its own choosing, which virt-viommu neither plans nor writes in argv; write <iommu model='intel'/> (it serves AMD hosts too) or remove it, virt-viommu adds one"),
                       path, model);
        return -1;
    case QEMU_VIOMMU_MODEL_LAST:
        break;
    }

    if (iommu->pciBus >= 0) {
        virReportError(VIR_ERROR_UNSUPPORTED, _("%1$s: <iommu model='%2$s'> with pciBus on an x86_64 'q35' guest, which libvirt refuses (pciBus is for model='smmuv3' only); the one vIOMMU of q35 covers every bus: write <iommu model='intel'/> without pciBus"),
                       path, model);
        return -1;
    }
    return 0;
}


int
qemuVIOMMUIOMMUCheckMachine(const qemuVIOMMUDomain *def,
                            const qemuVIOMMUIOMMU *iommu,
                            const char *path)
{
    switch (def->archKind) {
    case QEMU_VIOMMU_ARCH_AARCH64_VIRT:
        return qemuVIOMMUIOMMUCheckVirt(iommu, path);
    case QEMU_VIOMMU_ARCH_X86_Q35:
        return qemuVIOMMUIOMMUCheckQ35(iommu, path);
    case QEMU_VIOMMU_ARCH_LAST:
        break;
    }
    return 0;
}
