/*
 * qemu_viommu_vtd.c: what QEMU's intel-iommu needs of its options
 *                    before it takes assigned devices
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_vtd.h"

#include "qemu_viommu_xml.h"
#include "virerror.h"

/*
 * QEMU 11.1 refuses a vfio-pci device behind an intel-iommu whose
 * caching-mode is off, which is its default and what libvirt 12.8
 * writes for an <iommu model='intel'> without <driver caching_mode>
 * (qemuBuildIOMMUCommandLine sets the property only when the attribute
 * is there: the lab's domxml-to-native writes a bare
 * {"driver":"intel-iommu","id":"iommu0"} for it):
 *
 *   vtd_dev_set_iommu_device(), when a vfio-pci device is realized,
 *   cold- or hot-plugged, with the legacy VFIO backend or iommufd,
 *   x-flts or not: "Device assignment is not allowed without enabling
 *   caching-mode=on for Intel IOMMU."  The start fails.
 *
 *   vtd_iommu_notify_flag_changed(), for a device whose DMA map
 *   notifier is registered without that (an mdev): "device BB.DD.F
 *   requires caching mode", when the guest turns translation on.
 *
 * Without caching mode a guest does not tell the vIOMMU of the
 * mappings it makes, and VFIO has to mirror them into the host IOMMU.
 * The other refusals of those functions depend on no <driver> option
 * libvirt writes for a vfio-pci device: "requires device IOTLB mode"
 * is for vhost's device-IOTLB notifier, snoop-control and x-flts are
 * not libvirt options, and vtd_check_hiod()'s "aw-bits %d > host
 * aw-bits %d" compares aw_bits with the IOVA ranges the host kernel
 * gives VFIO, which sysfs does not show.
 */
qemuVIOMMUVTDCaching
qemuVIOMMUVTDCachingMode(const qemuVIOMMUDomain *def,
                         const qemuVIOMMUIOMMU *iommu)
{
    if (def->archKind != QEMU_VIOMMU_ARCH_X86_Q35 ||
        iommu->model != QEMU_VIOMMU_MODEL_INTEL ||
        def->hostdevs->len == 0 ||
        qemuVIOMMUOptionsIsOn(&iommu->options, QEMU_VIOMMU_OPTION_CACHING_MODE))
        return QEMU_VIOMMU_VTD_CACHING_FINE;
    if (qemuVIOMMUOptionsHas(&iommu->options, QEMU_VIOMMU_OPTION_CACHING_MODE))
        return QEMU_VIOMMU_VTD_CACHING_OFF;
    return QEMU_VIOMMU_VTD_CACHING_ABSENT;
}


char *
qemuVIOMMUVTDCachingMessage(const qemuVIOMMUDomain *def,
                            const char *path,
                            qemuVIOMMUVTDCaching state)
{
    unsigned int n = def->hostdevs->len;

    switch (state) {
    case QEMU_VIOMMU_VTD_CACHING_OFF:
        return g_strdup_printf(_("%1$s: <iommu model='intel'> has caching_mode='off' and %2$u assigned device(s) behind it, which QEMU refuses (vtd_dev_set_iommu_device: \"Device assignment is not allowed without enabling caching-mode=on for Intel IOMMU\"); write <driver caching_mode='on'/>"),
                               path, n);
    case QEMU_VIOMMU_VTD_CACHING_ABSENT:
        return g_strdup_printf(_("%1$s: <iommu model='intel'> lacks caching_mode='on' (QEMU's default is off) and has %2$u assigned device(s) behind it, which QEMU refuses (vtd_dev_set_iommu_device: \"Device assignment is not allowed without enabling caching-mode=on for Intel IOMMU\"); write <driver caching_mode='on'/>, or plan the domain again, which writes it"),
                               path, n);
    case QEMU_VIOMMU_VTD_CACHING_FINE:
    case QEMU_VIOMMU_VTD_CACHING_LAST:
        break;
    }
    return NULL;
}


int
qemuVIOMMUVTDAttachLacksCaching(xmlDocPtr doc, char **path)
{
    g_autoptr(qemuVIOMMUDomain) def = NULL;
    size_t i;

    if (!(def = qemuVIOMMUDomainParse(doc)))
        return -1;
    if (def->archKind != QEMU_VIOMMU_ARCH_X86_Q35)
        return 0;
    for (i = 0; i < def->iommus->len; i++) {
        qemuVIOMMUIOMMU *iommu = g_ptr_array_index(def->iommus, i);

        if (iommu->model == QEMU_VIOMMU_MODEL_INTEL &&
            !qemuVIOMMUOptionsIsOn(&iommu->options, QEMU_VIOMMU_OPTION_CACHING_MODE)) {
            *path = qemuVIOMMUXMLNodePath(iommu->node);
            return 1;
        }
    }
    return 0;
}
