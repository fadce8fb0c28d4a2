/*
 * virsysgpumem.h: devices whose memory a guest sees as NUMA nodes
 *                 (ACPI generic initiators), and the BARs VFIO really
 *                 gives a guest
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdbool.h>

#include "virenum.h"
#include "virjson.h"
#include "virsysiommu.h"

/* The fixture file beside sys/ that records what VFIO reported. */
#define VIR_SYS_VFIO_REGIONS_FILE "vfio-regions.json"

/* The VFIO variant driver of NVIDIA Grace GPUs (drivers/vfio/pci/
 * nvgrace-gpu; the module nvgrace-gpu-vfio-pci, whose driver the kernel
 * names with underscores): it shows the guest the GPU's coherent memory
 * as 64-bit prefetchable BARs 2 and 4, their sizes rounded up to a
 * power of two. */
#define VIR_SYS_GPUMEM_DRIVER "nvgrace_gpu_vfio_pci"

/* Generic-initiator nodes per GPU when the host does not show them:
 * the firmware of GH200 and GB200 gives each GPU's memory eight
 * proximity domains ("nvidia,gpu-mem-pxm-count" = 8), one per MIG
 * instance the GPU driver can online as its own node. */
#define VIR_SYS_GPUMEM_TABLE_NODES 8

/* The highest NUMA node number read (MAX_NUMNODES of arm64 is 64,
 * NODES_SHIFT up to 10). */
#define VIR_SYS_NODE_MAX 1024

/* Where the count of a device's generic-initiator nodes comes from. */
typedef enum {
    VIR_SYS_GPUMEM_SOURCE_NONE,     /* the device needs none */
    VIR_SYS_GPUMEM_SOURCE_HOST_GI,  /* its host node is a generic initiator */
    VIR_SYS_GPUMEM_SOURCE_HOST_NUMA, /* the host's CPU-less nodes, shared */
    VIR_SYS_GPUMEM_SOURCE_TABLE,    /* the per-device-ID table */

    VIR_SYS_GPUMEM_SOURCE_LAST
} virSysGPUMemSource;

VIR_ENUM_DECL(virSysGPUMemSource);

struct _virSysGPUMem {
    bool variant;               /* bound to VIR_SYS_GPUMEM_DRIVER */
    unsigned int nodes;         /* generic-initiator nodes it needs */
    virSysGPUMemSource source;
    char *why;                  /* one line: how the count was found */
};

/* Does the kernel's nvgrace-gpu ID table list @vendor:@device? */
bool virSysGPUMemKnownDevice(unsigned int vendor, unsigned int device);

/*
 * How many guest NUMA nodes @dev needs tied to it by ACPI generic
 * initiator affinity (read once, then kept with @dev):
 *  - a device whose host NUMA node is listed in
 *    sys/devices/system/node/has_generic_initiator: one (the host
 *    itself ties it to a generic-initiator domain);
 *  - a device bound to VIR_SYS_GPUMEM_DRIVER: the host's CPU-less
 *    nodes (possible but not has_cpu) divided evenly among the host's
 *    GPU-memory devices (bound to that driver or in its ID table),
 *    else VIR_SYS_GPUMEM_TABLE_NODES;
 *  - any other: none.
 * Returns NULL (reported) when sysfs cannot be read.
 */
virSysGPUMem *virSysIOMMUHostGetGPUMem(virSysIOMMUHost *host,
                                       virSysIOMMUDevice *dev);

/*
 * Read what VFIO reports of @dev's six BARs (dev->vfioBars, the sizes
 * a guest's BARs get): on the live host through the device's VFIO cdev
 * (bound to an iommufd, VFIO_DEVICE_GET_REGION_INFO, the BAR's type
 * bits from the config region), in a fixture from its
 * vfio-regions.json.  What cannot be read leaves dev->vfioBars NULL
 * with dev->vfioReason set.  Returns -1 (reported) only when a record
 * exists but cannot be read.
 */
int virSysIOMMUHostGetDeviceRegions(virSysIOMMUHost *host,
                                    virSysIOMMUDevice *dev);

/* The GPU memory nodes of @dev and, when it is bound to a VFIO driver,
 * its VFIO regions.  Returns 0 or -1. */
int virSysIOMMUHostReadDeviceGPUMem(virSysIOMMUHost *host,
                                    virSysIOMMUDevice *dev);

/* After a scan: the same for every device.  Returns 0 or -1. */
int virSysIOMMUHostReadGPUMem(virSysIOMMUHost *host);

/* The BARs a guest gets for @dev: VFIO's when read, else sysfs's. */
const GArray *virSysIOMMUDeviceGuestBars(const virSysIOMMUDevice *dev);

/* Write the VFIO regions of the scanned devices bound to a VFIO driver
 * into DIR/vfio-regions.json. */
int virSysIOMMUHostSaveRegions(virSysIOMMUHost *host, const char *dir);

/* One line for 'scan': "gpu-memory nodes=8 (host-numa: ...)"; NULL
 * when @dev has nothing to say.  And its JSON members. */
char *virSysGPUMemFormat(const virSysIOMMUDevice *dev);
void virSysGPUMemFormatJSON(virJSONBuilder *b, const virSysIOMMUDevice *dev);

void virSysGPUMemFree(virSysGPUMem *mem);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virSysGPUMem, virSysGPUMemFree);
