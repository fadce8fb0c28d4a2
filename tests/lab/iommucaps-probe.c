/*
 * iommucaps-probe.c: read the IOMMU registers behind PCI devices through
 * iommufd with virt-viommu's own reader (src/util/viriommucaps.c), for a
 * test guest.  Built static (no GLib), see tests/lab/caps-probe.
 *
 *   iommucaps-probe [--root DIR] BDF...
 *
 * For each BDF (already bound to vfio-pci) prints one line:
 *   @@ C <BDF> <iommu> ok type=<t> idr=<6 words> iidr= aidr= hwcaps=
 *        oas= ssidsize= ril= ats= s1p= s2p= nesting= cmdqv=
 *   @@ C <BDF> <iommu> error <reason>
 * Exit 0 when every device was read.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "viriommucaps.h"

static int
probeOne(const char *root, const char *bdf)
{
    char path[PATH_MAX];
    char link[PATH_MAX];
    char cdev[PATH_MAX];
    char iommuDev[PATH_MAX];
    char err[512] = "";
    const char *iommu = "none";
    virIOMMUCaps caps;
    virIOMMUSMMUv3Features f;
    struct dirent *ent;
    DIR *dir;
    ssize_t n;

    snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/iommu", root, bdf);
    if ((n = readlink(path, link, sizeof(link) - 1)) > 0) {
        link[n] = '\0';
        iommu = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
    }

    snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/vfio-dev", root, bdf);
    cdev[0] = '\0';
    if ((dir = opendir(path))) {
        while ((ent = readdir(dir))) {
            if (strncmp(ent->d_name, "vfio", 4) == 0) {
                snprintf(cdev, sizeof(cdev), "%s/dev/vfio/devices/%s", root, ent->d_name);
                break;
            }
        }
        closedir(dir);
    }
    if (!cdev[0]) {
        printf("@@ C %s %s error no VFIO cdev under %s\n", bdf, iommu, path);
        return -1;
    }

    snprintf(iommuDev, sizeof(iommuDev), "%s/dev/iommu", root);
    if (virIOMMUCapsReadIOMMUFD(iommuDev, cdev, &caps, err, sizeof(err)) < 0) {
        printf("@@ C %s %s error %s\n", bdf, iommu, err);
        return -1;
    }

    printf("@@ C %s %s ok type=%s", bdf, iommu, virIOMMUCapsTypeToString(caps.type));
    if (caps.type == VIR_IOMMU_CAPS_TYPE_SMMUV3) {
        virIOMMUCapsDecodeSMMUv3(&caps, &f);
        printf(" idr=0x%x,0x%x,0x%x,0x%x,0x%x,0x%x iidr=0x%x aidr=0x%x hwcaps=0x%llx"
               " oas=%u ssidsize=%u ril=%d ats=%d s1p=%d s2p=%d nesting=%d cmdqv=%s",
               caps.idr[0], caps.idr[1], caps.idr[2], caps.idr[3], caps.idr[4],
               caps.idr[5], caps.iidr, caps.aidr, (unsigned long long) caps.hwCaps,
               f.oasBits, f.ssidSize, f.ril, f.ats, f.s1p, f.s2p, f.nesting,
               caps.cmdqv == VIR_IOMMU_CAPS_CMDQV_PRESENT ? "yes" :
               caps.cmdqv == VIR_IOMMU_CAPS_CMDQV_ABSENT ? "no" : "unknown");
    } else if (caps.type == VIR_IOMMU_CAPS_TYPE_INTEL_VTD) {
        virIOMMUVTdFeatures v;

        virIOMMUCapsDecodeVTd(&caps, &v);
        printf(" cap=0x%llx ecap=0x%llx hwcaps=0x%llx aw_bits=%u sagaw=0x%x caching_mode=%d"
               " iotlb=%d intremap=%d nesting=%d",
               (unsigned long long) caps.cap, (unsigned long long) caps.ecap,
               (unsigned long long) caps.hwCaps, v.mgaw, v.sagaw, v.cachingMode,
               v.deviceTLB, v.intremap, v.nesting);
    }
    printf("\n");
    return 0;
}


int
main(int argc, char **argv)
{
    const char *root = "";
    int ret = 0;
    int i = 1;

    if (argc > 2 && strcmp(argv[1], "--root") == 0) {
        root = argv[2];
        i = 3;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: %s [--root DIR] BDF...\n", argv[0]);
        return 2;
    }
    for (; i < argc; i++) {
        if (probeOne(root, argv[i]) < 0)
            ret = 1;
    }
    fflush(stdout);
    return ret;
}
