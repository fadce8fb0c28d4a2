/*
 * viriommucaps.h: what a physical IOMMU can do, from its own registers
 *
 * Plain C and libc only (no GLib), so that the reader can also be built
 * as a small static program for a test guest (tests/lab/iommucaps-probe.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virenum.h"

/* Where a capability set came from. */
typedef enum {
    VIR_IOMMU_CAPS_SOURCE_NONE,     /* unknown: nothing could be read */
    VIR_IOMMU_CAPS_SOURCE_IOMMUFD,  /* IOMMU_GET_HW_INFO on a live host */
    VIR_IOMMU_CAPS_SOURCE_SYSFS,    /* intel-iommu/, amd-iommu/ files */

    VIR_IOMMU_CAPS_SOURCE_LAST
} virIOMMUCapsSource;

/* Which registers the set holds; the numbers are the kernel's
 * enum iommu_hw_info_type (Linux 6.6 and later). */
typedef enum {
    VIR_IOMMU_CAPS_TYPE_NONE = 0,
    VIR_IOMMU_CAPS_TYPE_INTEL_VTD = 1,
    VIR_IOMMU_CAPS_TYPE_SMMUV3 = 2,
    VIR_IOMMU_CAPS_TYPE_AMD = 4,

    VIR_IOMMU_CAPS_TYPE_LAST
} virIOMMUCapsType;

/* A CMDQV (Tegra241 command queue virtualisation) beside an SMMUv3. */
typedef enum {
    VIR_IOMMU_CAPS_CMDQV_UNKNOWN,
    VIR_IOMMU_CAPS_CMDQV_ABSENT,
    VIR_IOMMU_CAPS_CMDQV_PRESENT,
} virIOMMUCapsCMDQV;

/* iommu_hw_info.out_capabilities bits (Linux 6.6, 7.0) */
#define VIR_IOMMU_HW_CAP_DIRTY_TRACKING (1ULL << 0)
#define VIR_IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED (1ULL << 3)

/* The raw registers.  Decoding is separate, so that a saved fixture
 * holds what the hardware said, not what this version made of it. */
typedef struct _virIOMMUCaps virIOMMUCaps;
struct _virIOMMUCaps {
    virIOMMUCapsSource source;
    virIOMMUCapsType type;
    uint32_t idr[6];            /* SMMUv3 SMMU_IDR0..5 */
    uint32_t iidr;
    uint32_t aidr;
    uint64_t cap;               /* VT-d capability register */
    uint64_t ecap;              /* VT-d extended capability register */
    uint64_t efr;               /* AMD extended feature register */
    uint64_t efr2;
    bool haveHWCaps;            /* out_capabilities below is valid */
    uint64_t hwCaps;            /* of the device the read went through */
    unsigned int maxPasidLog2;
    virIOMMUCapsCMDQV cmdqv;
    unsigned int cmdqvVersion;
    unsigned int cmdqvLog2VCMDQs;
    unsigned int cmdqvLog2VSIDs;
};

/* What the vSMMU options need from an SMMUv3 (SMMUv3 architecture,
 * SMMU_IDR0..5). */
typedef struct _virIOMMUSMMUv3Features virIOMMUSMMUv3Features;
struct _virIOMMUSMMUv3Features {
    unsigned int oas;           /* IDR5.OAS, the raw field */
    unsigned int oasBits;       /* IDR5.OAS as bits (0: no such encoding) */
    unsigned int ssidSize;      /* IDR1.SSIDSIZE */
    unsigned int sidSize;       /* IDR1.SIDSIZE */
    unsigned int stLevel;       /* IDR0.STLEVEL: 0 linear, 1 also 2-level */
    unsigned int ttEndian;      /* IDR0.TTENDIAN: 0 mixed, 2 little, 3 big */
    unsigned int ttf;           /* IDR0.TTF: 1 AArch32, 2 AArch64, 3 both */
    bool ril;                   /* IDR3.RIL: range invalidation */
    bool ats;                   /* IDR0.ATS: the SMMU's, whatever a device's */
    bool s1p;                   /* IDR0.S1P */
    bool s2p;                   /* IDR0.S2P */
    bool nesting;               /* both stages: what nested vSMMUs need */
    bool cohacc;                /* IDR0.COHACC */
    unsigned int granules;      /* IDR5.GRAN4K|16K|64K as 4|16|64 bit set */
};

/* What an Intel VT-d unit offers a vIOMMU. */
typedef struct _virIOMMUVTdFeatures virIOMMUVTdFeatures;
struct _virIOMMUVTdFeatures {
    unsigned int mgaw;          /* cap.MGAW + 1: guest address width */
    unsigned int sagaw;         /* cap.SAGAW bit set */
    bool cachingMode;           /* cap.CM */
    bool nesting;               /* ecap.NEST */
    bool pasid;                 /* ecap.PASID */
    unsigned int pasidBits;     /* ecap.PSS + 1 when pasid */
    bool deviceTLB;             /* ecap.DT: ATS */
    bool intremap;              /* ecap.IR */
    bool eim;                   /* ecap.EIM */
    bool scalableMode;          /* ecap.SMTS */
    bool firstLevel;            /* ecap.FLTS */
};

/* What an AMD IOMMU offers. */
typedef struct _virIOMMUAMDFeatures virIOMMUAMDFeatures;
struct _virIOMMUAMDFeatures {
    bool ppr;                   /* EFR.PPRSup */
    bool guestTranslation;      /* EFR.GTSup */
    bool guestAPIC;             /* EFR.GASup */
    bool guestIO;               /* EFR.GIOSup */
    unsigned int pasMax;        /* EFR.PASmax */
};

/* Open @iommuDev and @vfioCdev and bind the device to the iommufd
 * (VFIO_DEVICE_BIND_IOMMUFD, which a VFIO cdev asks before any other
 * ioctl): its ID in *devID.  The descriptors opened are in *iommufd and
 * *devfd (-1 otherwise), for the caller to close, even on error, which
 * is written into @err.  0 or -1. */
int virIOMMUCapsBindIOMMUFD(const char *iommuDev,
                            const char *vfioCdev,
                            int *iommufd,
                            int *devfd,
                            uint32_t *devID,
                            char *err,
                            size_t errlen);

/* SMMU_IDR5.OAS as bits; 0 for no such encoding. */
unsigned int virIOMMUSMMUv3OASBits(unsigned int field);

void virIOMMUCapsDecodeSMMUv3(const virIOMMUCaps *caps,
                              virIOMMUSMMUv3Features *feat);
void virIOMMUCapsDecodeVTd(const virIOMMUCaps *caps,
                           virIOMMUVTdFeatures *feat);
void virIOMMUCapsDecodeAMD(const virIOMMUCaps *caps,
                           virIOMMUAMDFeatures *feat);

/* "unknown", "iommufd", "sysfs" */
VIR_ENUM_DECL(virIOMMUCapsSource);
/* virIOMMUCapsTypeToString(): "none", "intel-vtd", "arm-smmuv3", "amd" */
VIR_ENUM_DECL(virIOMMUCaps);

/*
 * Read the registers of the IOMMU behind a PCI device through iommufd:
 * open @iommuDev ("/dev/iommu") and the device's VFIO cdev @vfioCdev
 * ("/dev/vfio/devices/vfio3"), bind the device to the iommufd
 * (VFIO_DEVICE_BIND_IOMMUFD), then IOMMU_GET_HW_INFO; for an SMMUv3 ask
 * once more for a Tegra241 CMDQV.  Both files are closed again.
 * Returns 0, or -1 with the reason (naming the file and errno) in @err.
 */
int virIOMMUCapsReadIOMMUFD(const char *iommuDev,
                            const char *vfioCdev,
                            virIOMMUCaps *caps,
                            char *err,
                            size_t errlen);
