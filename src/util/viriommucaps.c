/*
 * viriommucaps.c: what a physical IOMMU can do, from its own registers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "viriommucaps.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/*
 * The iommufd and VFIO ioctls used here.  Build hosts with older kernel
 * headers (Debian 12's linux-libc-dev is 6.1) lack them, so the few
 * layouts needed are written out; they are the user ABI of Linux 7.2
 * (include/uapi/linux/iommufd.h, vfio.h), where these ioctls have kept
 * their numbers and leading fields since Linux 6.6 (vfio cdev) and 6.8
 * (SMMUv3 hw_info).  Sizes are passed in each struct, so a kernel with
 * longer structs accepts these.
 */
#define VIR_IOMMUFD_TYPE ';'
#define VIR_IOMMU_GET_HW_INFO _IO(VIR_IOMMUFD_TYPE, 0x8a)
#define VIR_VFIO_DEVICE_BIND_IOMMUFD _IO(VIR_IOMMUFD_TYPE, 100 + 18)
#define VIR_IOMMU_HW_INFO_FLAG_INPUT_TYPE (1U << 0)
#define VIR_IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV 3

struct virVFIODeviceBindIOMMUFD {
    uint32_t argsz;
    uint32_t flags;
    int32_t iommufd;
    uint32_t outDevID;
};

struct virIOMMUHWInfo {
    uint32_t size;
    uint32_t flags;
    uint32_t devID;
    uint32_t dataLen;
    uint64_t dataPtr;
    uint32_t dataType;          /* in and out */
    uint8_t outMaxPasidLog2;
    uint8_t reserved[3];
    uint64_t outCapabilities;
};

struct virIOMMUHWInfoSMMUv3 {
    uint32_t flags;
    uint32_t reserved;
    uint32_t idr[6];
    uint32_t iidr;
    uint32_t aidr;
};

struct virIOMMUHWInfoVTd {
    uint32_t flags;
    uint32_t reserved;
    uint64_t cap;
    uint64_t ecap;
};

struct virIOMMUHWInfoAMD {
    uint64_t efr;
    uint64_t efr2;
};

struct virIOMMUHWInfoCMDQV {
    uint32_t flags;
    uint8_t version;
    uint8_t log2VCMDQs;
    uint8_t log2VSIDs;
    uint8_t reserved;
};

/* What IOMMU_GET_HW_INFO writes, by the type it reports. */
typedef union {
    struct virIOMMUHWInfoSMMUv3 smmu;
    struct virIOMMUHWInfoVTd vtd;
    struct virIOMMUHWInfoAMD amd;
    struct virIOMMUHWInfoCMDQV cmdqv;
    unsigned char raw[256];
} virIOMMUHWInfoData;


#define VIR_FIELD(reg, hi, lo) \
    ((unsigned int) (((reg) >> (lo)) & ((1ULL << ((hi) - (lo) + 1)) - 1)))
#define VIR_BIT(reg, bit) (((reg) >> (bit)) & 1)


unsigned int
virIOMMUSMMUv3OASBits(unsigned int field)
{
    /* SMMUv3 architecture, SMMU_IDR5.OAS: 0b110 since SMMUv3.1,
     * 0b111 (56 bits, with 128-bit descriptors) since SMMUv3.4 */
    static const unsigned int bits[] = { 32, 36, 40, 42, 44, 48, 52, 56 };

    if (field >= sizeof(bits) / sizeof(bits[0]))
        return 0;
    return bits[field];
}


void
virIOMMUCapsDecodeSMMUv3(const virIOMMUCaps *caps,
                         virIOMMUSMMUv3Features *feat)
{
    uint32_t idr0 = caps->idr[0];

    memset(feat, 0, sizeof(*feat));
    feat->s2p = VIR_BIT(idr0, 0);
    feat->s1p = VIR_BIT(idr0, 1);
    feat->ttf = VIR_FIELD(idr0, 3, 2);
    feat->cohacc = VIR_BIT(idr0, 4);
    /* The SMMU's own ATS: what a vSMMU's ats= is held against.  The
     * kernel's per-device IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED in hwCaps
     * is about the device the registers were read through, not the
     * SMMU, so it does not count here. */
    feat->ats = VIR_BIT(idr0, 10);
    feat->ttEndian = VIR_FIELD(idr0, 22, 21);
    feat->stLevel = VIR_FIELD(idr0, 28, 27);
    feat->nesting = feat->s1p && feat->s2p;
    feat->sidSize = VIR_FIELD(caps->idr[1], 5, 0);
    feat->ssidSize = VIR_FIELD(caps->idr[1], 10, 6);
    feat->ril = VIR_BIT(caps->idr[3], 10);
    feat->oas = VIR_FIELD(caps->idr[5], 2, 0);
    feat->oasBits = virIOMMUSMMUv3OASBits(feat->oas);
    if (VIR_BIT(caps->idr[5], 4))
        feat->granules |= 4;
    if (VIR_BIT(caps->idr[5], 5))
        feat->granules |= 16;
    if (VIR_BIT(caps->idr[5], 6))
        feat->granules |= 64;
}


void
virIOMMUCapsDecodeVTd(const virIOMMUCaps *caps,
                      virIOMMUVTdFeatures *feat)
{
    memset(feat, 0, sizeof(*feat));
    /* VT-d specification 11.4.2 and 11.4.3 */
    feat->mgaw = VIR_FIELD(caps->cap, 21, 16) + 1;
    feat->sagaw = VIR_FIELD(caps->cap, 12, 8);
    feat->cachingMode = VIR_BIT(caps->cap, 7);
    feat->deviceTLB = VIR_BIT(caps->ecap, 2);
    feat->intremap = VIR_BIT(caps->ecap, 3);
    feat->eim = VIR_BIT(caps->ecap, 4);
    feat->nesting = VIR_BIT(caps->ecap, 26);
    feat->pasid = VIR_BIT(caps->ecap, 40);
    if (feat->pasid)
        feat->pasidBits = VIR_FIELD(caps->ecap, 39, 35) + 1;
    feat->scalableMode = VIR_BIT(caps->ecap, 43);
    feat->firstLevel = VIR_BIT(caps->ecap, 47);
}


void
virIOMMUCapsDecodeAMD(const virIOMMUCaps *caps,
                      virIOMMUAMDFeatures *feat)
{
    memset(feat, 0, sizeof(*feat));
    /* AMD IOMMU specification, MMIO offset 0030h */
    feat->ppr = VIR_BIT(caps->efr, 1);
    feat->guestTranslation = VIR_BIT(caps->efr, 4);
    feat->guestAPIC = VIR_BIT(caps->efr, 7);
    feat->pasMax = VIR_FIELD(caps->efr, 36, 32);
    feat->guestIO = VIR_BIT(caps->efr, 48);
}


VIR_ENUM_IMPL(virIOMMUCapsSource,
              VIR_IOMMU_CAPS_SOURCE_LAST,
              "unknown",
              "iommufd",
              "sysfs",
);

/* The kernel's numbering, with its hole (3 is not an IOMMU type). */
VIR_ENUM_IMPL(virIOMMUCaps,
              VIR_IOMMU_CAPS_TYPE_LAST,
              "none",
              "intel-vtd",
              "arm-smmuv3",
              NULL,
              "amd",
);


static int
virIOMMUCapsGetHWInfo(int iommufd,
                      uint32_t devID,
                      uint32_t askType,
                      void *data,
                      size_t len,
                      struct virIOMMUHWInfo *info)
{
    memset(info, 0, sizeof(*info));
    memset(data, 0, len);
    info->size = sizeof(*info);
    info->devID = devID;
    info->dataLen = len;
    info->dataPtr = (uintptr_t) data;
    if (askType) {
        info->flags = VIR_IOMMU_HW_INFO_FLAG_INPUT_TYPE;
        info->dataType = askType;
    }
    return ioctl(iommufd, VIR_IOMMU_GET_HW_INFO, info);
}


int
virIOMMUCapsBindIOMMUFD(const char *iommuDev,
                        const char *vfioCdev,
                        int *iommufd,
                        int *devfd,
                        uint32_t *devID,
                        char *err,
                        size_t errlen)
{
    struct virVFIODeviceBindIOMMUFD bind = { 0 };

    if ((*iommufd = open(iommuDev, O_RDWR | O_CLOEXEC)) < 0) {
        snprintf(err, errlen, "cannot open '%s': %s%s", iommuDev,
                 strerror(errno),
                 errno == ENOENT ? " (a kernel without CONFIG_IOMMUFD)" : "");
        return -1;
    }
    if ((*devfd = open(vfioCdev, O_RDWR | O_CLOEXEC)) < 0) {
        snprintf(err, errlen, "cannot open '%s': %s%s", vfioCdev,
                 strerror(errno),
                 errno == EBUSY ? " (the device is in use)" : "");
        return -1;
    }

    bind.argsz = sizeof(bind);
    bind.iommufd = *iommufd;
    if (ioctl(*devfd, VIR_VFIO_DEVICE_BIND_IOMMUFD, &bind) < 0) {
        snprintf(err, errlen, "cannot bind '%s' to '%s' (VFIO_DEVICE_BIND_IOMMUFD): %s",
                 vfioCdev, iommuDev, strerror(errno));
        return -1;
    }
    *devID = bind.outDevID;
    return 0;
}


/* A Tegra241 CMDQV beside the SMMUv3 of device @devID.  A CMDQV answers
 * only when asked for by type, which kernels before 6.17 cannot do:
 * they refuse the flag itself, so ask for the SMMUv3 type that way
 * first to tell the two apart (unknown when even that fails). */
static void
virIOMMUCapsReadCMDQV(int iommufd, uint32_t devID, virIOMMUCaps *caps)
{
    struct virIOMMUHWInfo info;
    virIOMMUHWInfoData data;

    if (virIOMMUCapsGetHWInfo(iommufd, devID, VIR_IOMMU_CAPS_TYPE_SMMUV3,
                              &data, sizeof(data), &info) < 0)
        return;
    if (virIOMMUCapsGetHWInfo(iommufd, devID,
                              VIR_IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV,
                              &data, sizeof(data), &info) == 0) {
        if (info.dataType == VIR_IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV) {
            caps->cmdqv = VIR_IOMMU_CAPS_CMDQV_PRESENT;
            caps->cmdqvVersion = data.cmdqv.version;
            caps->cmdqvLog2VCMDQs = data.cmdqv.log2VCMDQs;
            caps->cmdqvLog2VSIDs = data.cmdqv.log2VSIDs;
        }
    } else if (errno == EOPNOTSUPP) {
        caps->cmdqv = VIR_IOMMU_CAPS_CMDQV_ABSENT;
    }
}


/* The registers of the type IOMMU_GET_HW_INFO reported; -1 when it
 * reported none this reader knows. */
static int
virIOMMUCapsCopyRegs(uint32_t dataType,
                     const virIOMMUHWInfoData *data,
                     virIOMMUCaps *caps)
{
    switch (dataType) {
    case VIR_IOMMU_CAPS_TYPE_SMMUV3:
        memcpy(caps->idr, data->smmu.idr, sizeof(caps->idr));
        caps->iidr = data->smmu.iidr;
        caps->aidr = data->smmu.aidr;
        return 0;
    case VIR_IOMMU_CAPS_TYPE_INTEL_VTD:
        caps->cap = data->vtd.cap;
        caps->ecap = data->vtd.ecap;
        return 0;
    case VIR_IOMMU_CAPS_TYPE_AMD:
        caps->efr = data->amd.efr;
        caps->efr2 = data->amd.efr2;
        return 0;
    default:
        return -1;
    }
}


int
virIOMMUCapsReadIOMMUFD(const char *iommuDev,
                        const char *vfioCdev,
                        virIOMMUCaps *caps,
                        char *err,
                        size_t errlen)
{
    struct virIOMMUHWInfo info;
    virIOMMUHWInfoData data;
    uint32_t devID = 0;
    int iommufd = -1;
    int devfd = -1;
    int ret = -1;

    memset(caps, 0, sizeof(*caps));

    if (virIOMMUCapsBindIOMMUFD(iommuDev, vfioCdev, &iommufd, &devfd,
                                &devID, err, errlen) < 0)
        goto cleanup;

    if (virIOMMUCapsGetHWInfo(iommufd, devID, 0,
                              &data, sizeof(data), &info) < 0) {
        snprintf(err, errlen, "IOMMU_GET_HW_INFO for '%s' failed: %s",
                 vfioCdev, strerror(errno));
        goto cleanup;
    }

    caps->haveHWCaps = true;
    caps->hwCaps = info.outCapabilities;
    caps->maxPasidLog2 = info.outMaxPasidLog2;
    caps->type = info.dataType;

    if (virIOMMUCapsCopyRegs(info.dataType, &data, caps) < 0) {
        snprintf(err, errlen, "the IOMMU behind '%s' reports no registers (hw_info type %u)",
                 vfioCdev, info.dataType);
        caps->type = VIR_IOMMU_CAPS_TYPE_NONE;
        goto cleanup;
    }
    if (caps->type == VIR_IOMMU_CAPS_TYPE_SMMUV3)
        virIOMMUCapsReadCMDQV(iommufd, devID, caps);
    caps->source = VIR_IOMMU_CAPS_SOURCE_IOMMUFD;
    ret = 0;

 cleanup:
    if (devfd >= 0)
        close(devfd);
    if (iommufd >= 0)
        close(iommufd);
    return ret;
}
