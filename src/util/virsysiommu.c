/*
 * virsysiommu.c: the host's physical IOMMUs and the PCI devices behind
 *                them, read from sysfs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virsysiommu.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virerror.h"
#include "virpcibar.h"

VIR_ENUM_IMPL(virSysIOMMUKind,
              VIR_SYS_IOMMU_KIND_LAST,
              "smmuv3",
              "intel",
              "amd",
              "virtio",
              "other",
);

#define VIR_SYS_PCI_DEVICES "sys/bus/pci/devices"
#define VIR_SYS_CLASS_IOMMU "sys/class/iommu"

struct _virSysIOMMUHost {
    virSysfsRoot *sysfs;
    virSysfsDir *pciDir;        /* sys/bus/pci/devices, opened on demand */
    virSysfsDir *iommuDir;      /* sys/class/iommu, opened on demand */
    GHashTable *devices;        /* bdf -> virSysIOMMUDevice * (owned) */
    GHashTable *iommus;         /* name -> virSysIOMMU * (owned) */
    GHashTable *groups;         /* group + 1 -> GPtrArray of BDFs (owned) */
    GPtrArray *iommuList;       /* after a scan, sorted by name */
    GPtrArray *unmanaged;       /* after a scan, devices without IOMMU */
    bool scanned;
};

/* The attributes of a PCI device that the scanner reads or a saved
 * fixture keeps.  One list serves both, so a fixture made with
 * virSysIOMMUHostSave always holds what a scan needs. */
static const char *virSysIOMMUDeviceFiles[] = {
    "vendor", "device", "class", "subsystem_vendor", "subsystem_device",
    "revision", "numa_node", "sriov_totalvfs", "sriov_numvfs", "resource",
};
static const char *virSysIOMMUDeviceLinks[] = {
    "iommu", "iommu_group", "driver", "physfn",
};
/* The node states of sys/devices/system/node (drivers/base/node.c)
 * that tell CPU-less and generic-initiator nodes apart. */
static const char *virSysIOMMUNodeFiles[] = {
    "possible", "online", "has_normal_memory", "has_memory", "has_cpu",
    "has_generic_initiator",
};
static const char *virSysIOMMUIntelFiles[] = {
    "address", "cap", "ecap", "version",
};
static const char *virSysIOMMUAMDFiles[] = {
    "cap", "features",
};


static void
virSysIOMMUDeviceFree(virSysIOMMUDevice *dev)
{
    if (!dev)
        return;
    g_free(dev->bdf);
    g_free(dev->sysfsPath);
    g_free(dev->driver);
    g_free(dev->iommu);
    g_free(dev->physfn);
    if (dev->virtfns)
        g_ptr_array_unref(dev->virtfns);
    if (dev->bars)
        g_array_unref(dev->bars);
    if (dev->vfioBars)
        g_array_unref(dev->vfioBars);
    g_free(dev->vfioReason);
    if (dev->gpumemFree)
        dev->gpumemFree(dev->gpumem);
    g_free(dev);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virSysIOMMUDevice, virSysIOMMUDeviceFree);


static void
virSysIOMMUFree(virSysIOMMU *iommu)
{
    if (!iommu)
        return;
    g_free(iommu->name);
    g_free(iommu->sysfsPath);
    g_free(iommu->parent);
    g_free(iommu->compat);
    if (iommu->capsFree)
        iommu->capsFree(iommu->caps);
    g_ptr_array_unref(iommu->devices);
    g_free(iommu);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virSysIOMMU, virSysIOMMUFree);


virSysIOMMUHost *
virSysIOMMUHostOpen(const char *root)
{
    g_autoptr(virSysIOMMUHost) host = g_new0(virSysIOMMUHost, 1);

    if (!(host->sysfs = virSysfsRootOpen(root)))
        return NULL;

    host->devices = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify) virSysIOMMUDeviceFree);
    host->iommus = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) virSysIOMMUFree);
    host->groups = g_hash_table_new_full(NULL, NULL, NULL,
                                         (GDestroyNotify) g_ptr_array_unref);
    return g_steal_pointer(&host);
}


void
virSysIOMMUHostFree(virSysIOMMUHost *host)
{
    if (!host)
        return;
    if (host->iommuList)
        g_ptr_array_unref(host->iommuList);
    if (host->unmanaged)
        g_ptr_array_unref(host->unmanaged);
    if (host->devices)
        g_hash_table_unref(host->devices);
    if (host->iommus)
        g_hash_table_unref(host->iommus);
    if (host->groups)
        g_hash_table_unref(host->groups);
    virSysfsDirFree(host->pciDir);
    virSysfsDirFree(host->iommuDir);
    virSysfsRootFree(host->sysfs);
    g_free(host);
}


const char *
virSysIOMMUHostGetRoot(const virSysIOMMUHost *host)
{
    return virSysfsRootGetPath(host->sysfs);
}


virSysfsRoot *
virSysIOMMUHostGetSysfs(virSysIOMMUHost *host)
{
    return host->sysfs;
}


/* Open one of the host's top directories once.  Returns 1, or 0 when
 * the host lacks it (reported when @required), or -1. */
static int
virSysIOMMUHostOpenTop(virSysIOMMUHost *host,
                       const char *path,
                       virSysfsDir **dir,
                       bool required)
{
    int rc;

    if (*dir)
        return 1;
    if ((rc = virSysfsRootOpenDir(host->sysfs, path, dir)) < 0)
        return -1;
    if (rc == 0 && required) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("'%1$s' has no '%2$s': not a sysfs tree; point --sysfs-root at the directory that holds 'sys'"),
                       virSysfsRootGetPath(host->sysfs), path);
        return -1;
    }
    return rc;
}


/* The base name of the link @name in @dir, or NULL if absent.
 * Returns 1/0/-1. */
static int
virSysIOMMUReadLinkName(virSysfsDir *dir,
                        const char *name,
                        char **base)
{
    g_autofree char *target = NULL;
    int rc;

    if ((rc = virSysfsDirReadLink(dir, name, &target)) <= 0)
        return rc;
    *base = g_path_get_basename(target);
    return 1;
}


/* The name of the driver that the 'driver' link in @dir points to, or
 * NULL when there is none.  The kernel's link always leads to a driver
 * directory, sys/bus/BUS/drivers/NAME; anything else is a broken tree
 * (saved as it is, it would make directories elsewhere).  Returns
 * 1/0/-1. */
static int
virSysIOMMUReadDriver(virSysfsDir *dir, char **driver)
{
    g_autofree char *target = NULL;
    g_auto(GStrv) comps = NULL;
    int rc;

    if ((rc = virSysfsDirReadLink(dir, "driver", &target)) <= 0)
        return rc;
    comps = g_strsplit(target, "/", -1);
    if (g_strv_length(comps) != 5 || !g_str_equal(comps[0], "sys") ||
        !g_str_equal(comps[1], "bus") || !g_str_equal(comps[3], "drivers") ||
        !*comps[2] || !*comps[4]) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("'%1$s/driver' links to '%2$s', not to a driver in sys/bus/BUS/drivers"),
                       virSysfsDirGetPath(dir), target);
        return -1;
    }
    *driver = g_strdup(comps[4]);
    return 1;
}


static int
virSysIOMMUDeviceReadHex(virSysfsDir *dir,
                         const virSysIOMMUDevice *dev,
                         const char *name,
                         unsigned int max,
                         unsigned int *value)
{
    long long v;
    int rc;

    if ((rc = virSysfsDirReadInt(dir, name, 16, &v)) < 0)
        return -1;
    if (rc == 0) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("PCI device '%1$s' has no '%2$s' attribute in '%3$s'"),
                       dev->bdf, name, virSysfsDirGetPath(dir));
        return -1;
    }
    if (v < 0 || v > max) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("PCI device '%1$s' has '%2$s' 0x%3$llx, out of range"),
                       dev->bdf, name, v);
        return -1;
    }
    *value = v;
    return 0;
}


/* What places the device: its IOMMU, group, NUMA node and PF. */
static int
virSysIOMMUDeviceLoadPlacement(virSysIOMMUDevice *dev,
                               virSysfsDir *dir)
{
    g_autofree char *group = NULL;
    g_autofree char *physfn = NULL;
    virPCIDeviceAddress pf;
    long long numa;
    int rc;

    dev->numaNode = -1;
    if ((rc = virSysfsDirReadInt(dir, "numa_node", 10, &numa)) < 0)
        return -1;
    if (rc == 1) {
        if (numa < -1 || numa > 1023) {
            virReportError(VIR_ERROR_HOST_SYSFS, _("PCI device '%1$s' has numa_node %2$lld, not a NUMA node number"),
                           dev->bdf, numa);
            return -1;
        }
        dev->numaNode = numa;
    }

    if (virSysIOMMUReadLinkName(dir, "iommu", &dev->iommu) < 0 ||
        virSysIOMMUReadLinkName(dir, "iommu_group", &group) < 0 ||
        virSysIOMMUReadLinkName(dir, "physfn", &physfn) < 0)
        return -1;

    dev->group = -1;
    if (group) {
        guint64 g;

        if (!g_ascii_string_to_unsigned(group, 10, 0, G_MAXINT, &g, NULL)) {
            virReportError(VIR_ERROR_HOST_SYSFS, _("PCI device '%1$s' has an iommu_group link to '%2$s', not a group number"),
                           dev->bdf, group);
            return -1;
        }
        dev->group = g;
    }

    if (physfn) {
        if (virPCIDeviceAddressParse(physfn, &pf) < 0) {
            virReportError(VIR_ERROR_HOST_SYSFS, _("PCI device '%1$s' has a physfn link to '%2$s', not a PCI device"),
                           dev->bdf, physfn);
            return -1;
        }
        dev->physfn = virPCIDeviceAddressAsString(&pf);
    }
    return 0;
}


/* The BARs, from 'resource' (see virpcibar.h). */
static int
virSysIOMMUDeviceLoadBars(virSysIOMMUDevice *dev,
                          virSysfsDir *dir)
{
    g_autofree char *text = NULL;
    int rc;

    if (dev->barsRead)
        return 0;
    if ((rc = virSysfsDirRead(dir, "resource", &text)) < 0)
        return -1;
    if (rc == 1 && virPCIBarParseResource(dev->bdf, text, &dev->bars) < 0)
        return -1;
    dev->barsRead = true;
    return 0;
}


/* The rest: IDs, class, driver, SR-IOV VFs and BARs. */
static int
virSysIOMMUDeviceLoadDetails(virSysIOMMUDevice *dev,
                             virSysfsDir *dir)
{
    long long numvfs = 0;
    long long i;
    int rc;

    if (virSysIOMMUDeviceLoadBars(dev, dir) < 0)
        return -1;
    if (virSysIOMMUDeviceReadHex(dir, dev, "vendor", 0xffff, &dev->vendor) < 0 ||
        virSysIOMMUDeviceReadHex(dir, dev, "device", 0xffff, &dev->device) < 0 ||
        virSysIOMMUDeviceReadHex(dir, dev, "class", 0xffffff, &dev->pciClass) < 0 ||
        virSysIOMMUReadDriver(dir, &dev->driver) < 0)
        return -1;

    if ((rc = virSysfsDirReadInt(dir, "sriov_numvfs", 10, &numvfs)) < 0)
        return -1;
    if (numvfs < 0 || numvfs > 65535) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("PCI device '%1$s' has sriov_numvfs %2$lld, out of range"),
                       dev->bdf, numvfs);
        return -1;
    }
    dev->numvfs = numvfs;
    if (numvfs > 0) {
        dev->virtfns = g_ptr_array_new_with_free_func(g_free);
        for (i = 0; i < numvfs; i++) {
            g_autofree char *link = g_strdup_printf("virtfn%lld", i);
            g_autofree char *vf = NULL;
            virPCIDeviceAddress vfaddr;

            if ((rc = virSysIOMMUReadLinkName(dir, link, &vf)) < 0)
                return -1;
            if (rc == 0)
                continue;
            if (virPCIDeviceAddressParse(vf, &vfaddr) < 0) {
                virReportError(VIR_ERROR_HOST_SYSFS, _("PCI device '%1$s' has a %2$s link to '%3$s', not a PCI device"),
                               dev->bdf, link, vf);
                return -1;
            }
            g_ptr_array_add(dev->virtfns, virPCIDeviceAddressAsString(&vfaddr));
        }
    }
    dev->detailed = true;
    return 0;
}


/* The sysfs directory of @dev, which must still be there. */
static virSysfsDir *
virSysIOMMUHostOpenDevice(virSysIOMMUHost *host,
                          virSysIOMMUDevice *dev)
{
    virSysfsDir *dir = NULL;
    int rc;

    if ((rc = virSysfsRootOpenDir(host->sysfs, dev->sysfsPath, &dir)) < 0)
        return NULL;
    if (rc == 0) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("PCI device '%1$s' vanished from '%2$s'"),
                       dev->bdf, dev->sysfsPath);
        return NULL;
    }
    return dir;
}


int
virSysIOMMUHostGetDeviceBars(virSysIOMMUHost *host,
                             virSysIOMMUDevice *dev)
{
    g_autoptr(virSysfsDir) dir = NULL;

    if (dev->barsRead)
        return 0;
    if (!(dir = virSysIOMMUHostOpenDevice(host, dev)))
        return -1;
    return virSysIOMMUDeviceLoadBars(dev, dir);
}


bool
virSysIOMMUDeviceIsVFIO(const virSysIOMMUDevice *dev)
{
    return dev->driver && (g_str_equal(dev->driver, "vfio-pci") ||
                           g_str_has_suffix(dev->driver, "_vfio_pci"));
}


int
virSysIOMMUHostGetDeviceDetails(virSysIOMMUHost *host,
                                virSysIOMMUDevice *dev)
{
    g_autoptr(virSysfsDir) dir = NULL;

    if (dev->detailed)
        return 0;
    if (!(dir = virSysIOMMUHostOpenDevice(host, dev)))
        return -1;
    return virSysIOMMUDeviceLoadDetails(dev, dir);
}


/* Read a device from sysfs, and with @details all of it while its
 * directory is open, into a new *ret that the caller caches.
 * @host->pciDir must be open. */
static int
virSysIOMMUHostReadDevice(virSysIOMMUHost *host,
                          const virPCIDeviceAddress *addr,
                          bool details,
                          virSysIOMMUDevice **ret)
{
    g_autoptr(virSysIOMMUDevice) dev = g_new0(virSysIOMMUDevice, 1);
    g_autoptr(virSysfsDir) dir = NULL;
    int rc;

    dev->addr = *addr;
    dev->bdf = virPCIDeviceAddressAsString(addr);

    if ((rc = virSysfsDirReadLink(host->pciDir, dev->bdf, &dev->sysfsPath)) <= 0)
        return rc;
    if ((rc = virSysfsRootOpenDir(host->sysfs, dev->sysfsPath, &dir)) < 0)
        return -1;
    if (rc == 0) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("PCI device '%1$s' is listed in '%2$s' but its directory '%3$s' is missing"),
                       dev->bdf, VIR_SYS_PCI_DEVICES, dev->sysfsPath);
        return -1;
    }

    if (virSysIOMMUDeviceLoadPlacement(dev, dir) < 0 ||
        (details && virSysIOMMUDeviceLoadDetails(dev, dir) < 0))
        return -1;

    *ret = g_steal_pointer(&dev);
    return 1;
}


/* Look up a device, and with @details read all of it while its
 * directory is open. */
static int
virSysIOMMUHostLoadDevice(virSysIOMMUHost *host,
                          const virPCIDeviceAddress *addr,
                          bool details,
                          virSysIOMMUDevice **ret)
{
    char bdf[VIR_PCI_DEVICE_ADDRESS_BUFLEN];
    virSysIOMMUDevice *dev;
    int rc;

    virPCIDeviceAddressFormat(addr, bdf);
    if ((dev = g_hash_table_lookup(host->devices, bdf))) {
        if (details && virSysIOMMUHostGetDeviceDetails(host, dev) < 0)
            return -1;
        *ret = dev;
        return 1;
    }

    if (virSysIOMMUHostOpenTop(host, VIR_SYS_PCI_DEVICES, &host->pciDir, true) < 0)
        return -1;
    if ((rc = virSysIOMMUHostReadDevice(host, addr, details, &dev)) <= 0)
        return rc;

    g_hash_table_insert(host->devices, dev->bdf, dev);
    *ret = dev;
    return 1;
}


int
virSysIOMMUHostGetDevice(virSysIOMMUHost *host,
                         const virPCIDeviceAddress *addr,
                         virSysIOMMUDevice **ret)
{
    return virSysIOMMUHostLoadDevice(host, addr, false, ret);
}


static int
virSysIOMMUHostReadGroup(virSysIOMMUHost *host,
                         int group,
                         GPtrArray **bdfs)
{
    g_autofree char *path = g_strdup_printf("sys/kernel/iommu_groups/%d/devices", group);

    return virSysfsRootListDir(host->sysfs, path, bdfs);
}


/* Keep the member list @list of @group, read just now, in the cache,
 * unless an earlier one is there.  Returns the cached list. */
static GPtrArray *
virSysIOMMUHostCacheGroup(virSysIOMMUHost *host, int group, GPtrArray *list)
{
    GPtrArray *cached = g_hash_table_lookup(host->groups, GINT_TO_POINTER(group + 1));

    if (cached) {
        g_ptr_array_unref(list);
        return cached;
    }
    g_hash_table_insert(host->groups, GINT_TO_POINTER(group + 1), list);
    return list;
}


int
virSysIOMMUHostGetGroupDevices(virSysIOMMUHost *host,
                               int group,
                               GPtrArray **bdfs)
{
    GPtrArray *list;
    int rc;

    if (group < 0)
        return 0;
    if (!(list = g_hash_table_lookup(host->groups, GINT_TO_POINTER(group + 1)))) {
        if ((rc = virSysIOMMUHostReadGroup(host, group, &list)) <= 0)
            return rc;
        list = virSysIOMMUHostCacheGroup(host, group, list);
    }
    *bdfs = g_ptr_array_ref(list);
    return 1;
}


int
virSysIOMMUHostGetMdevParent(virSysIOMMUHost *host,
                             const char *uuid,
                             virPCIDeviceAddress *parent)
{
    g_autofree char *path = NULL;
    g_autofree char *target = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *base = NULL;
    int rc;

    if (!g_uuid_string_is_valid(uuid))
        return 0;

    path = g_strdup_printf("sys/bus/mdev/devices/%s", uuid);
    if ((rc = virSysfsRootReadLink(host->sysfs, path, &target)) <= 0)
        return rc;

    dir = g_path_get_dirname(target);
    base = g_path_get_basename(dir);
    if (virPCIDeviceAddressParse(base, parent) < 0) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("mediated device '%1$s' hangs below '%2$s', not below a PCI device"),
                       uuid, dir);
        return -1;
    }
    return 1;
}


/* Read the capability files of @subdir into iommu->compat.  Returns 1
 * when @subdir holds any of @files (the IOMMU is of that kind), 0 if
 * not, -1. */
static int
virSysIOMMULoadCompat(virSysIOMMUHost *host,
                      virSysIOMMU *iommu,
                      const char *subdir,
                      const char **files,
                      size_t nfiles)
{
    g_autoptr(GString) buf = g_string_new(NULL);
    g_autofree char *path = g_strdup_printf("%s/%s", iommu->sysfsPath, subdir);
    g_autoptr(virSysfsDir) dir = NULL;
    bool found = false;
    size_t i;
    int rc;

    /* one open rules the other kinds out; the files only of this one */
    if ((rc = virSysfsRootOpenDir(host->sysfs, path, &dir)) <= 0)
        return rc;

    for (i = 0; i < nfiles; i++) {
        g_autofree char *val = NULL;

        if ((rc = virSysfsDirRead(dir, files[i], &val)) < 0)
            return -1;
        if (rc == 0)
            continue;
        found = true;
        /* the MMIO address and version tell units apart, not features */
        if (strcmp(files[i], "address") == 0 || strcmp(files[i], "version") == 0)
            continue;
        if (buf->len > 0)
            g_string_append_c(buf, ',');
        g_string_append_printf(buf, "%s=%s", files[i], g_strstrip(val));
    }

    if (buf->len > 0)
        iommu->compat = g_string_free(g_steal_pointer(&buf), FALSE);
    /* an empty directory makes no kind: the kernel always fills it */
    return found ? 1 : 0;
}


static int
virSysIOMMULoad(virSysIOMMUHost *host,
                virSysIOMMU *iommu)
{
    g_autofree char *glue = g_path_get_dirname(iommu->sysfsPath);
    g_autofree char *glueName = g_path_get_basename(glue);
    g_autofree char *parentPath = g_path_get_dirname(glue);
    g_autoptr(virSysfsDir) parent = NULL;
    g_autofree char *parentDriver = NULL;
    int rc;

    iommu->numaNode = -1;

    /* A class device with a parent lives in "<parent>/iommu/<name>";
     * Intel's DMAR units have none and sit in "devices/virtual/iommu". */
    if (strcmp(glueName, "iommu") == 0 &&
        strcmp(parentPath, "sys/devices/virtual") != 0) {
        long long numa;

        if ((rc = virSysfsRootOpenDir(host->sysfs, parentPath, &parent)) < 0)
            return -1;
        if (rc == 1) {
            iommu->parent = g_path_get_basename(parentPath);
            if ((rc = virSysfsDirReadInt(parent, "numa_node", 10, &numa)) < 0)
                return -1;
            if (rc == 1 && numa >= 0 && numa <= 1023)
                iommu->numaNode = numa;
            if (virSysIOMMUReadDriver(parent, &parentDriver) < 0)
                return -1;
        }
    }

    if ((rc = virSysIOMMULoadCompat(host, iommu, "intel-iommu",
                                    virSysIOMMUIntelFiles,
                                    G_N_ELEMENTS(virSysIOMMUIntelFiles))) != 0) {
        iommu->kind = VIR_SYS_IOMMU_KIND_INTEL;
        return rc < 0 ? -1 : 0;
    }
    if ((rc = virSysIOMMULoadCompat(host, iommu, "amd-iommu",
                                    virSysIOMMUAMDFiles,
                                    G_N_ELEMENTS(virSysIOMMUAMDFiles))) != 0) {
        iommu->kind = VIR_SYS_IOMMU_KIND_AMD;
        return rc < 0 ? -1 : 0;
    }

    if (g_str_has_prefix(iommu->name, "smmu3.") ||
        g_strcmp0(parentDriver, "arm-smmu-v3") == 0)
        iommu->kind = VIR_SYS_IOMMU_KIND_SMMUV3;
    else if (g_strcmp0(parentDriver, "virtio_iommu") == 0)
        iommu->kind = VIR_SYS_IOMMU_KIND_VIRTIO;
    else
        iommu->kind = VIR_SYS_IOMMU_KIND_OTHER;
    return 0;
}


static bool
virSysIOMMUNameIsValid(const char *name)
{
    return name && *name && !strchr(name, '/') &&
        strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}


/* Read the IOMMU @name from sysfs into a new *ret, touching no cache.
 * @host->iommuDir must be open. */
static int
virSysIOMMUHostReadIOMMU(virSysIOMMUHost *host,
                         const char *name,
                         virSysIOMMU **ret)
{
    g_autoptr(virSysIOMMU) iommu = g_new0(virSysIOMMU, 1);
    g_autoptr(virSysfsDir) dir = NULL;
    int rc;

    iommu->name = g_strdup(name);
    iommu->devices = g_ptr_array_new();

    if ((rc = virSysfsDirReadLink(host->iommuDir, name, &iommu->sysfsPath)) <= 0)
        return rc;
    if ((rc = virSysfsRootOpenDir(host->sysfs, iommu->sysfsPath, &dir)) < 0)
        return -1;
    if (rc == 0) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("IOMMU '%1$s' is listed in '%2$s' but its directory '%3$s' is missing"),
                       name, VIR_SYS_CLASS_IOMMU, iommu->sysfsPath);
        return -1;
    }

    if (virSysIOMMULoad(host, iommu) < 0)
        return -1;

    *ret = g_steal_pointer(&iommu);
    return 1;
}


int
virSysIOMMUHostGetIOMMU(virSysIOMMUHost *host,
                        const char *name,
                        virSysIOMMU **ret)
{
    virSysIOMMU *iommu;
    int rc;

    if ((iommu = g_hash_table_lookup(host->iommus, name))) {
        *ret = iommu;
        return 1;
    }
    if (!virSysIOMMUNameIsValid(name))
        return 0;

    if ((rc = virSysIOMMUHostOpenTop(host, VIR_SYS_CLASS_IOMMU,
                                     &host->iommuDir, false)) <= 0)
        return rc;
    if ((rc = virSysIOMMUHostReadIOMMU(host, name, &iommu)) <= 0)
        return rc;

    g_hash_table_insert(host->iommus, iommu->name, iommu);
    *ret = iommu;
    return 1;
}


static gint
virSysIOMMUDeviceCompare(gconstpointer a, gconstpointer b)
{
    const virSysIOMMUDevice *da = *(const virSysIOMMUDevice * const *) a;
    const virSysIOMMUDevice *db = *(const virSysIOMMUDevice * const *) b;

    return virPCIDeviceAddressCompare(&da->addr, &db->addr);
}


static gint
virSysIOMMUCompare(gconstpointer a, gconstpointer b)
{
    const virSysIOMMU *ia = *(const virSysIOMMU * const *) a;
    const virSysIOMMU *ib = *(const virSysIOMMU * const *) b;

    return strverscmp(ia->name, ib->name);
}


/* Read every PCI device of the host. */
static int
virSysIOMMUHostScanDevices(virSysIOMMUHost *host)
{
    g_autoptr(GPtrArray) bdfs = NULL;
    size_t i;

    if (virSysIOMMUHostOpenTop(host, VIR_SYS_PCI_DEVICES, &host->pciDir, true) < 0 ||
        virSysfsDirList(host->pciDir, NULL, &bdfs) < 0)
        return -1;

    for (i = 0; i < bdfs->len; i++) {
        const char *name = g_ptr_array_index(bdfs, i);
        virSysIOMMUDevice *dev;
        virPCIDeviceAddress addr;

        if (virPCIDeviceAddressParse(name, &addr) < 0) {
            virReportError(VIR_ERROR_HOST_SYSFS, _("'%1$s/%2$s' is not named like a PCI device (DDDD:BB:SS.F)"),
                           VIR_SYS_PCI_DEVICES, name);
            return -1;
        }
        if (virSysIOMMUHostLoadDevice(host, &addr, true, &dev) < 0)
            return -1;
    }
    return 0;
}


/* Read every IOMMU of sys/class/iommu into @iommus, sorted. */
static int
virSysIOMMUHostScanIOMMUs(virSysIOMMUHost *host, GPtrArray *iommus)
{
    g_autoptr(GPtrArray) names = NULL;
    size_t i;
    int rc;

    if ((rc = virSysIOMMUHostOpenTop(host, VIR_SYS_CLASS_IOMMU,
                                     &host->iommuDir, false)) < 0)
        return -1;
    if (rc == 1 && virSysfsDirList(host->iommuDir, NULL, &names) < 0)
        return -1;

    for (i = 0; names && i < names->len; i++) {
        virSysIOMMU *iommu;

        if ((rc = virSysIOMMUHostGetIOMMU(host, g_ptr_array_index(names, i),
                                          &iommu)) < 0)
            return -1;
        if (rc == 0) {
            virReportError(VIR_ERROR_HOST_SYSFS, _("'%1$s/%2$s' is not a valid IOMMU entry"),
                           VIR_SYS_CLASS_IOMMU,
                           (const char *) g_ptr_array_index(names, i));
            return -1;
        }
        g_ptr_array_add(iommus, iommu);
    }
    g_ptr_array_sort(iommus, virSysIOMMUCompare);
    return 0;
}


/* Put every device behind its IOMMU, or in @unmanaged. */
static int
virSysIOMMUHostScanLink(virSysIOMMUHost *host, GPtrArray *unmanaged)
{
    g_autoptr(GPtrArray) devices = virSysIOMMUHostGetDevices(host);
    size_t i;
    int rc;

    for (i = 0; i < devices->len; i++) {
        virSysIOMMUDevice *dev = g_ptr_array_index(devices, i);
        virSysIOMMU *iommu = NULL;

        if (!dev->iommu) {
            g_ptr_array_add(unmanaged, dev);
            continue;
        }
        if ((rc = virSysIOMMUHostGetIOMMU(host, dev->iommu, &iommu)) < 0)
            return -1;
        if (rc == 0) {
            virReportError(VIR_ERROR_HOST_SYSFS, _("PCI device '%1$s' is behind IOMMU '%2$s', which is missing from '%3$s'"),
                           dev->bdf, dev->iommu, VIR_SYS_CLASS_IOMMU);
            return -1;
        }
        g_ptr_array_add(iommu->devices, dev);
    }
    return 0;
}


/* SMMUs and DMAR units have no numa_node of their own in sysfs (an
 * AMD IOMMU, a PCI function, has); where every device behind one
 * that knows its node agrees, that node is the IOMMU's. */
static void
virSysIOMMUDeriveNode(virSysIOMMU *iommu)
{
    int node = -1;
    size_t j;

    if (iommu->numaNode >= 0)
        return;
    for (j = 0; j < iommu->devices->len; j++) {
        virSysIOMMUDevice *dev = g_ptr_array_index(iommu->devices, j);

        if (dev->numaNode < 0)
            continue;
        if (node >= 0 && node != dev->numaNode)
            return;
        node = dev->numaNode;
    }
    iommu->numaNode = node;
}


int
virSysIOMMUHostScan(virSysIOMMUHost *host)
{
    g_autoptr(GPtrArray) iommus = g_ptr_array_new();
    g_autoptr(GPtrArray) unmanaged = g_ptr_array_new();
    size_t i;

    if (host->scanned)
        return 0;

    if (virSysIOMMUHostScanDevices(host) < 0 ||
        virSysIOMMUHostScanIOMMUs(host, iommus) < 0 ||
        virSysIOMMUHostScanLink(host, unmanaged) < 0)
        return -1;

    for (i = 0; i < iommus->len; i++)
        virSysIOMMUDeriveNode(g_ptr_array_index(iommus, i));

    host->iommuList = g_steal_pointer(&iommus);
    host->unmanaged = g_steal_pointer(&unmanaged);
    host->scanned = true;
    return 0;
}


GPtrArray *
virSysIOMMUHostGetIOMMUs(virSysIOMMUHost *host)
{
    return host->iommuList;
}


GPtrArray *
virSysIOMMUHostGetUnmanaged(virSysIOMMUHost *host)
{
    return host->unmanaged;
}


GPtrArray *
virSysIOMMUHostGetDevices(virSysIOMMUHost *host)
{
    GPtrArray *list = g_ptr_array_new();
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, host->devices);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_add(list, value);
    g_ptr_array_sort(list, virSysIOMMUDeviceCompare);
    return list;
}


/* ---- saving a fixture ---- */

typedef struct _virSysIOMMUSaver virSysIOMMUSaver;
struct _virSysIOMMUSaver {
    virSysIOMMUHost *host;
    char *dest;                 /* temporary directory being filled */
};


static int
virSysIOMMUSaveMkdir(virSysIOMMUSaver *s, const char *rel)
{
    g_autofree char *path = g_build_filename(s->dest, rel, NULL);

    if (g_mkdir_with_parents(path, 0755) < 0) {
        virReportSystemError(errno, _("cannot create directory '%1$s'"), path);
        return -1;
    }
    return 0;
}


static int
virSysIOMMUSaveWrite(virSysIOMMUSaver *s,
                     const char *dir,
                     const char *name,
                     const char *content)
{
    g_autofree char *path = g_build_filename(s->dest, dir, name, NULL);
    g_autofree char *parent = g_path_get_dirname(path);
    g_autofree char *data = g_strdup_printf("%s\n", content);
    g_autoptr(GError) err = NULL;

    if (g_mkdir_with_parents(parent, 0755) < 0) {
        virReportSystemError(errno, _("cannot create directory '%1$s'"), parent);
        return -1;
    }
    if (!g_file_set_contents(path, data, -1, &err)) {
        virReportError(VIR_ERROR_SYSTEM, _("cannot write '%1$s': %2$s"), path, err->message);
        return -1;
    }
    return 0;
}


/* Create the link @dir/@name -> @target (canonical paths) the way the
 * kernel does: relative, shortest. */
static int
virSysIOMMUSaveLink(virSysIOMMUSaver *s,
                    const char *dir,
                    const char *name,
                    const char *target)
{
    g_autofree char *path = g_build_filename(s->dest, dir, name, NULL);
    g_autofree char *text = virSysfsPathRelative(dir, target);

    if (virSysIOMMUSaveMkdir(s, dir) < 0)
        return -1;
    if (symlink(text, path) < 0 && errno != EEXIST) {
        virReportSystemError(errno, _("cannot create link '%1$s'"), path);
        return -1;
    }
    return 0;
}


static int
virSysIOMMUSaveFiles(virSysIOMMUSaver *s,
                     virSysfsDir *dir,
                     const char *sub,
                     const char **files,
                     size_t nfiles)
{
    size_t i;

    for (i = 0; i < nfiles; i++) {
        g_autofree char *name = sub ? g_strdup_printf("%s/%s", sub, files[i])
                                    : g_strdup(files[i]);
        g_autofree char *val = NULL;
        int rc;

        if ((rc = virSysfsDirRead(dir, name, &val)) < 0)
            return -1;
        if (rc == 1 &&
            virSysIOMMUSaveWrite(s, virSysfsDirGetPath(dir), name, val) < 0)
            return -1;
    }
    return 0;
}


/* Copy the link @name of @dir; when @mkTarget, also create its target
 * directory (a driver or group that nothing else writes). */
static int
virSysIOMMUSaveCopyLink(virSysIOMMUSaver *s,
                        virSysfsDir *dir,
                        const char *name,
                        bool mkTarget,
                        char **targetOut)
{
    g_autofree char *target = NULL;
    int rc;

    if ((rc = virSysfsDirReadLink(dir, name, &target)) <= 0)
        return rc;
    if (virSysIOMMUSaveLink(s, virSysfsDirGetPath(dir), name, target) < 0)
        return -1;
    if (mkTarget && virSysIOMMUSaveMkdir(s, target) < 0)
        return -1;
    if (targetOut)
        *targetOut = g_steal_pointer(&target);
    return 1;
}


static int
virSysIOMMUSaveDevice(virSysIOMMUSaver *s, virSysIOMMUDevice *dev)
{
    g_autoptr(virSysfsDir) dir = NULL;
    g_autofree char *driver = NULL;
    g_autofree char *group = NULL;
    size_t i;

    if (virSysfsRootOpenDir(s->host->sysfs, dev->sysfsPath, &dir) <= 0) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("PCI device '%1$s' vanished while saving"), dev->bdf);
        return -1;
    }

    if (virSysIOMMUSaveMkdir(s, dev->sysfsPath) < 0 ||
        virSysIOMMUSaveFiles(s, dir, NULL, virSysIOMMUDeviceFiles,
                             G_N_ELEMENTS(virSysIOMMUDeviceFiles)) < 0 ||
        virSysIOMMUSaveLink(s, VIR_SYS_PCI_DEVICES, dev->bdf, dev->sysfsPath) < 0)
        return -1;

    for (i = 0; i < G_N_ELEMENTS(virSysIOMMUDeviceLinks); i++) {
        const char *name = virSysIOMMUDeviceLinks[i];
        char **out = NULL;

        if (strcmp(name, "driver") == 0)
            out = &driver;
        else if (strcmp(name, "iommu_group") == 0)
            out = &group;
        if (virSysIOMMUSaveCopyLink(s, dir, name, out != NULL, out) < 0)
            return -1;
    }
    for (i = 0; i < dev->numvfs; i++) {
        g_autofree char *link = g_strdup_printf("virtfn%zu", i);

        if (virSysIOMMUSaveCopyLink(s, dir, link, false, NULL) < 0)
            return -1;
    }

    if (driver &&
        virSysIOMMUSaveLink(s, driver, dev->bdf, dev->sysfsPath) < 0)
        return -1;

    if (group) {
        g_autofree char *devices = g_build_filename(group, "devices", NULL);
        g_autoptr(virSysfsDir) gdir = NULL;
        const char *typeFile[] = { "type" };

        if (virSysIOMMUSaveLink(s, devices, dev->bdf, dev->sysfsPath) < 0)
            return -1;
        if (virSysfsRootOpenDir(s->host->sysfs, group, &gdir) < 0)
            return -1;
        if (gdir &&
            virSysIOMMUSaveFiles(s, gdir, NULL, typeFile, 1) < 0)
            return -1;
    }
    return 0;
}


static int
virSysIOMMUSaveIOMMU(virSysIOMMUSaver *s, virSysIOMMU *iommu)
{
    g_autoptr(virSysfsDir) dir = NULL;
    g_autofree char *devices = g_build_filename(iommu->sysfsPath, "devices", NULL);
    size_t i;

    if (virSysfsRootOpenDir(s->host->sysfs, iommu->sysfsPath, &dir) <= 0) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("IOMMU '%1$s' vanished while saving"), iommu->name);
        return -1;
    }

    if (virSysIOMMUSaveMkdir(s, devices) < 0 ||
        virSysIOMMUSaveLink(s, VIR_SYS_CLASS_IOMMU, iommu->name,
                            iommu->sysfsPath) < 0 ||
        virSysIOMMUSaveFiles(s, dir, "intel-iommu", virSysIOMMUIntelFiles,
                             G_N_ELEMENTS(virSysIOMMUIntelFiles)) < 0 ||
        virSysIOMMUSaveFiles(s, dir, "amd-iommu", virSysIOMMUAMDFiles,
                             G_N_ELEMENTS(virSysIOMMUAMDFiles)) < 0)
        return -1;

    for (i = 0; i < iommu->devices->len; i++) {
        virSysIOMMUDevice *dev = g_ptr_array_index(iommu->devices, i);

        if (virSysIOMMUSaveLink(s, devices, dev->bdf, dev->sysfsPath) < 0)
            return -1;
    }

    if (iommu->parent) {
        g_autofree char *glue = g_path_get_dirname(iommu->sysfsPath);
        g_autofree char *parentPath = g_path_get_dirname(glue);
        g_autoptr(virSysfsDir) pdir = NULL;
        const char *numaFile[] = { "numa_node" };

        if (virSysfsRootOpenDir(s->host->sysfs, parentPath, &pdir) <= 0)
            return -1;
        if (virSysIOMMUSaveFiles(s, pdir, NULL, numaFile, 1) < 0 ||
            virSysIOMMUSaveCopyLink(s, pdir, "driver", true, NULL) < 0)
            return -1;
    }
    return 0;
}


static int
virSysIOMMURemoveTree(const char *path)
{
    g_autoptr(GDir) dh = g_dir_open(path, 0, NULL);
    const char *name;

    if (dh) {
        while ((name = g_dir_read_name(dh))) {
            g_autofree char *child = g_build_filename(path, name, NULL);

            if (!g_file_test(child, G_FILE_TEST_IS_SYMLINK) &&
                g_file_test(child, G_FILE_TEST_IS_DIR))
                virSysIOMMURemoveTree(child);
            else
                unlink(child);
        }
    }
    return rmdir(path);
}


/* The host's NUMA node states, when it has them. */
static int
virSysIOMMUSaveNodes(virSysIOMMUSaver *s)
{
    g_autoptr(virSysfsDir) dir = NULL;
    int rc;

    if ((rc = virSysfsRootOpenDir(s->host->sysfs, "sys/devices/system/node", &dir)) <= 0)
        return rc;
    return virSysIOMMUSaveFiles(s, dir, NULL, virSysIOMMUNodeFiles,
                                G_N_ELEMENTS(virSysIOMMUNodeFiles));
}


int
virSysIOMMUHostSave(virSysIOMMUHost *host, const char *dir)
{
    virSysIOMMUSaver s = { .host = host };
    g_autofree char *tmpl = NULL;
    g_autoptr(GPtrArray) devices = NULL;
    size_t i;

    if (virSysIOMMUHostScan(host) < 0)
        return -1;

    if (g_file_test(dir, G_FILE_TEST_EXISTS)) {
        virReportError(VIR_ERROR_SYSTEM, _("'%1$s' already exists; --save writes a new directory, remove it or choose another name"),
                       dir);
        return -1;
    }

    tmpl = g_strdup_printf("%s.tmp-XXXXXX", dir);
    if (!(s.dest = g_mkdtemp(tmpl))) {
        virReportSystemError(errno, _("cannot create a directory next to '%1$s'"),
                             dir);
        return -1;
    }
    tmpl = NULL;

    /* the top directories exist even when empty: a host without PCI
     * devices is still a host */
    if (virSysIOMMUSaveMkdir(&s, VIR_SYS_PCI_DEVICES) < 0 ||
        virSysIOMMUSaveMkdir(&s, VIR_SYS_CLASS_IOMMU) < 0)
        goto error;

    devices = virSysIOMMUHostGetDevices(host);
    for (i = 0; i < devices->len; i++) {
        if (virSysIOMMUSaveDevice(&s, g_ptr_array_index(devices, i)) < 0)
            goto error;
    }
    for (i = 0; i < host->iommuList->len; i++) {
        if (virSysIOMMUSaveIOMMU(&s, g_ptr_array_index(host->iommuList, i)) < 0)
            goto error;
    }
    if (virSysIOMMUSaveNodes(&s) < 0)
        goto error;

    if (rename(s.dest, dir) < 0) {
        virReportSystemError(errno, _("cannot rename '%1$s' to '%2$s'"),
                             s.dest, dir);
        goto error;
    }
    g_free(s.dest);
    return 0;

 error:
    virSysIOMMURemoveTree(s.dest);
    g_free(s.dest);
    return -1;
}
