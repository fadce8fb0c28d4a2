/*
 * virsysiommu.h: the host's physical IOMMUs and the PCI devices behind
 *                them, read from sysfs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdbool.h>

#include "virenum.h"
#include "virpciaddr.h"
#include "virsysfsroot.h"

typedef enum {
    VIR_SYS_IOMMU_KIND_SMMUV3,
    VIR_SYS_IOMMU_KIND_INTEL,
    VIR_SYS_IOMMU_KIND_AMD,
    VIR_SYS_IOMMU_KIND_VIRTIO,
    VIR_SYS_IOMMU_KIND_OTHER,

    VIR_SYS_IOMMU_KIND_LAST
} virSysIOMMUKind;

VIR_ENUM_DECL(virSysIOMMUKind);

typedef struct _virSysIOMMUDevice virSysIOMMUDevice;
typedef struct _virSysIOMMU virSysIOMMU;
typedef struct _virSysIOMMUHost virSysIOMMUHost;
typedef struct _virSysIOMMUCaps virSysIOMMUCaps; /* virsysiommucaps.h */
typedef struct _virSysGPUMem virSysGPUMem;       /* virsysgpumem.h */

/* A device looked up alone has its placement read (sysfsPath, iommu,
 * group, numaNode, physfn); the fields from vendor to numvfs are read
 * by virSysIOMMUHostGetDeviceDetails() or a scan. */
struct _virSysIOMMUDevice {
    char *bdf;                  /* "0009:01:00.0" */
    virPCIDeviceAddress addr;
    char *sysfsPath;            /* canonical, relative to the root */
    unsigned int vendor;
    unsigned int device;
    unsigned int pciClass;      /* 24 bits: class, subclass, prog-if */
    char *driver;               /* NULL when no driver is bound */
    char *iommu;                /* physical IOMMU name, NULL if none */
    int group;                  /* IOMMU group, -1 if none */
    int numaNode;               /* -1 when the host does not say */
    char *physfn;               /* BDF of the SR-IOV PF for a VF */
    GPtrArray *virtfns;         /* BDFs of the VFs of a PF (char *) */
    unsigned int numvfs;        /* its sriov_numvfs */
    bool detailed;              /* vendor .. numvfs are read */
    GArray *bars;               /* virPCIBar from 'resource', or NULL
                                 * when not read or sysfs has none */
    bool barsRead;
    GArray *vfioBars;           /* virPCIBar as VFIO reports them, NULL
                                 * when not read or not readable */
    char *vfioReason;           /* why vfioBars is NULL, once read */
    bool vfioRead;
    /* Owned by the GPU-memory reader above this scanner (once read:
     * virSysIOMMUHostGetGPUMem()), which also sets gpumemFree; the
     * scanner only calls gpumemFree on it when the device goes. */
    virSysGPUMem *gpumem;
    GDestroyNotify gpumemFree;
};

struct _virSysIOMMU {
    char *name;                 /* "smmu3.0x0000000011000000", "dmar0" */
    virSysIOMMUKind kind;
    char *sysfsPath;            /* canonical class device directory */
    char *parent;               /* the device providing it, base name */
    int numaNode;               /* -1 when unknown; after a scan, also the
                                 * node all its devices agree on */
    char *compat;               /* NULL when sysfs exposes nothing */
    GPtrArray *devices;         /* virSysIOMMUDevice *, borrowed, by BDF */
    /* Owned by the capability reader above this scanner (once read:
     * virSysIOMMUHostGetCaps()), which also sets capsFree; the scanner
     * only calls capsFree on it when the IOMMU goes. */
    virSysIOMMUCaps *caps;
    GDestroyNotify capsFree;
};

/* Open the host whose sysfs is below @root ("/" for the running host).
 * Nothing is read until asked for. */
virSysIOMMUHost *virSysIOMMUHostOpen(const char *root);
void virSysIOMMUHostFree(virSysIOMMUHost *host);

const char *virSysIOMMUHostGetRoot(const virSysIOMMUHost *host);
virSysfsRoot *virSysIOMMUHostGetSysfs(virSysIOMMUHost *host);

/* Look up one device by address, reading only what places that
 * device (see struct _virSysIOMMUDevice).  Returns 1
 * with *dev set (owned by @host), 0 when the host has no such device
 * (nothing reported: the caller knows why it asked), -1 on error. */
int virSysIOMMUHostGetDevice(virSysIOMMUHost *host,
                             const virPCIDeviceAddress *addr,
                             virSysIOMMUDevice **dev);

/* Read the BARs of @dev from its 'resource' (dev->bars; NULL when the
 * tree has no such file, as fixtures made before it was read).
 * Returns 0 or -1. */
int virSysIOMMUHostGetDeviceBars(virSysIOMMUHost *host,
                                 virSysIOMMUDevice *dev);

/* Is @dev bound to VFIO: to vfio-pci, or to one of its variant drivers,
 * which the kernel names after their module (nvgrace_gpu_vfio_pci,
 * mlx5_vfio_pci, ...)?  Either gives QEMU a VFIO device and a cdev. */
bool virSysIOMMUDeviceIsVFIO(const virSysIOMMUDevice *dev);

/* Read the rest of what sysfs says of @dev (its BARs included).
 * Returns 0 or -1. */
int virSysIOMMUHostGetDeviceDetails(virSysIOMMUHost *host,
                                    virSysIOMMUDevice *dev);

/* The parent PCI device of the mediated device @uuid (from the link
 * sys/bus/mdev/devices/<uuid>); same return convention. */
int virSysIOMMUHostGetMdevParent(virSysIOMMUHost *host,
                                 const char *uuid,
                                 virPCIDeviceAddress *parent);

/* The BDFs in IOMMU group @group (sys/kernel/iommu_groups/N/devices),
 * sorted; same return convention. */
int virSysIOMMUHostGetGroupDevices(virSysIOMMUHost *host,
                                   int group,
                                   GPtrArray **bdfs);

/* Look up one IOMMU by name; same return convention. */
int virSysIOMMUHostGetIOMMU(virSysIOMMUHost *host,
                            const char *name,
                            virSysIOMMU **iommu);

/* Read every PCI device and every IOMMU and link them. */
int virSysIOMMUHostScan(virSysIOMMUHost *host);

/* After a scan: IOMMUs in name order (version order, so dmar2 comes
 * before dmar10), and devices with no IOMMU in address order. */
GPtrArray *virSysIOMMUHostGetIOMMUs(virSysIOMMUHost *host);
GPtrArray *virSysIOMMUHostGetUnmanaged(virSysIOMMUHost *host);

/* All devices read so far in address order. */
GPtrArray *virSysIOMMUHostGetDevices(virSysIOMMUHost *host);

/* Copy what the scanner read of a scanned host into a new fixture
 * directory @dir (which must not exist), links as the kernel made them. */
int virSysIOMMUHostSave(virSysIOMMUHost *host, const char *dir);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virSysIOMMUHost, virSysIOMMUHostFree);
