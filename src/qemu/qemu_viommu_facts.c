/*
 * qemu_viommu_facts.c: what the host says of the devices a domain
 *                      assigns, read before planning
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_facts.h"

#include "virerror.h"
#include "virsysgpumem.h"
#include "virsysiommucaps.h"


void
qemuVIOMMUHostFactsFree(qemuVIOMMUHostFacts *facts)
{
    if (!facts)
        return;
    if (facts->hostdevs)
        g_ptr_array_unref(facts->hostdevs);
    if (facts->groups)
        g_hash_table_unref(facts->groups);
    g_free(facts);
}


const qemuVIOMMUHostdevFacts *
qemuVIOMMUHostFactsGet(const qemuVIOMMUHostFacts *facts, size_t i)
{
    return g_ptr_array_index(facts->hostdevs, i);
}


GPtrArray *
qemuVIOMMUHostFactsGroup(const qemuVIOMMUHostFacts *facts, int group)
{
    return g_hash_table_lookup(facts->groups, GINT_TO_POINTER(group + 1));
}


/* Find the device of @hd and its IOMMU.  Returns 0 with @hf filled
 * (its state says what was found), -1 when sysfs could not be read. */
static int
qemuVIOMMUHostFactsHostdev(virSysIOMMUHost *host,
                           qemuVIOMMUHostdev *hd,
                           qemuVIOMMUHostdevFacts *hf)
{
    virPCIDeviceAddress addr = hd->source;
    int rc;

    if (hd->isMdev) {
        if ((rc = virSysIOMMUHostGetMdevParent(host, hd->mdevUUID, &addr)) <= 0) {
            hf->state = QEMU_VIOMMU_HOSTDEV_NO_MDEV;
            return rc;
        }
    }
    if ((rc = virSysIOMMUHostGetDevice(host, &addr, &hf->dev)) <= 0) {
        hf->state = QEMU_VIOMMU_HOSTDEV_NO_DEVICE;
        return rc;
    }
    if (!hf->dev->iommu) {
        hf->state = QEMU_VIOMMU_HOSTDEV_NO_IOMMU;
        return 0;
    }
    if ((rc = virSysIOMMUHostGetIOMMU(host, hf->dev->iommu, &hf->iommu)) <= 0) {
        hf->state = QEMU_VIOMMU_HOSTDEV_IOMMU_UNLISTED;
        return rc;
    }
    /* the BARs size the guest's 64-bit MMIO window, and the driver
     * says whether the guest sees other ones; an mdev's are not its
     * parent's */
    if (!hd->isMdev && virSysIOMMUHostGetDeviceDetails(host, hf->dev) < 0)
        return -1;
    /* the guest NUMA nodes of its memory, and the BARs VFIO gives it */
    if (!hd->isMdev && virSysIOMMUHostReadDeviceGPUMem(host, hf->dev) < 0)
        return -1;
    hf->state = QEMU_VIOMMU_HOSTDEV_FOUND;
    return 0;
}


/* Read the members of IOMMU group @group, and the drivers of those
 * that are not in @assigned (the domain's own devices need none). */
static int
qemuVIOMMUHostFactsGroupRead(virSysIOMMUHost *host,
                             qemuVIOMMUHostFacts *facts,
                             GHashTable *assigned,
                             int group)
{
    g_autoptr(GPtrArray) bdfs = NULL;
    g_autoptr(GPtrArray) members = g_ptr_array_new();
    size_t i;
    int rc;

    if (group < 0 || qemuVIOMMUHostFactsGroup(facts, group))
        return 0;
    if ((rc = virSysIOMMUHostGetGroupDevices(host, group, &bdfs)) <= 0)
        return rc;

    for (i = 0; i < bdfs->len; i++) {
        const char *bdf = g_ptr_array_index(bdfs, i);
        virPCIDeviceAddress addr;
        virSysIOMMUDevice *dev = NULL;

        /* the kernel lists only PCI devices in a group of PCI devices */
        if (virPCIDeviceAddressParse(bdf, &addr) < 0)
            continue;
        if ((rc = virSysIOMMUHostGetDevice(host, &addr, &dev)) < 0 ||
            (rc == 1 && !g_hash_table_contains(assigned, dev->bdf) &&
             virSysIOMMUHostGetDeviceDetails(host, dev) < 0))
            return -1;
        if (rc == 1)
            g_ptr_array_add(members, dev);
    }
    g_hash_table_insert(facts->groups, GINT_TO_POINTER(group + 1),
                        g_steal_pointer(&members));
    return 0;
}


/* The capabilities of the IOMMUs of the domain's devices, read (on a
 * live host) through the domain's own devices bound to vfio-pci. */
static int
qemuVIOMMUHostFactsCaps(virSysIOMMUHost *host,
                        qemuVIOMMUHostFacts *facts)
{
    g_autoptr(GPtrArray) devs = g_ptr_array_new();
    size_t i;

    for (i = 0; i < facts->hostdevs->len; i++) {
        qemuVIOMMUHostdevFacts *hf = g_ptr_array_index(facts->hostdevs, i);

        if (hf->state == QEMU_VIOMMU_HOSTDEV_FOUND)
            g_ptr_array_add(devs, hf->dev);
    }
    for (i = 0; i < facts->hostdevs->len; i++) {
        qemuVIOMMUHostdevFacts *hf = g_ptr_array_index(facts->hostdevs, i);

        if (hf->state == QEMU_VIOMMU_HOSTDEV_FOUND &&
            !virSysIOMMUHostGetCaps(host, hf->iommu, devs))
            return -1;
    }
    return 0;
}


qemuVIOMMUHostFacts *
qemuVIOMMUHostFactsCollect(virSysIOMMUHost *host,
                           qemuVIOMMUDomain *def)
{
    g_autoptr(qemuVIOMMUHostFacts) facts = g_new0(qemuVIOMMUHostFacts, 1);
    g_autoptr(GHashTable) assigned = g_hash_table_new(g_str_hash, g_str_equal);
    bool failed = false;
    size_t i;

    facts->hostdevs = g_ptr_array_new_with_free_func(g_free);
    facts->groups = g_hash_table_new_full(NULL, NULL, NULL,
                                          (GDestroyNotify) g_ptr_array_unref);

    for (i = 0; i < def->hostdevs->len; i++) {
        qemuVIOMMUHostdev *hd = g_ptr_array_index(def->hostdevs, i);
        qemuVIOMMUHostdevFacts *hf = g_new0(qemuVIOMMUHostdevFacts, 1);

        g_ptr_array_add(facts->hostdevs, hf);
        if (qemuVIOMMUHostFactsHostdev(host, hd, hf) < 0)
            failed = true;
        else if (hf->state == QEMU_VIOMMU_HOSTDEV_FOUND)
            g_hash_table_add(assigned, hf->dev->bdf);
    }

    for (i = 0; i < def->hostdevs->len && !failed; i++) {
        qemuVIOMMUHostdev *hd = g_ptr_array_index(def->hostdevs, i);
        qemuVIOMMUHostdevFacts *hf = g_ptr_array_index(facts->hostdevs, i);

        if (hf->state == QEMU_VIOMMU_HOSTDEV_FOUND && !hd->isMdev &&
            qemuVIOMMUHostFactsGroupRead(host, facts, assigned, hf->dev->group) < 0)
            failed = true;
    }

    if (!failed && qemuVIOMMUHostFactsCaps(host, facts) < 0)
        failed = true;

    if (failed)
        return NULL;
    return g_steal_pointer(&facts);
}
