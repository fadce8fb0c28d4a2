/*
 * viriommucapstest.c: decoding IOMMU registers, and the fixture record
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "qemu_viommu_smmucompat.h"
#include "testutils.h"
#include "virerror.h"
#include "viriommucaps.h"
#include "virsysiommucaps.h"

#define CHECK_TRUE(cond) \
    do { \
        if (!(cond)) { \
            fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); \
            return -1; \
        } \
    } while (0)

/* The registers of QEMU 11.1's emulated SMMUv3 (accel off), as the lab
 * guest read them through iommufd (tests/lab/caps-probe), with
 * -global arm-smmuv3.stage=1, 2 and nested.  They agree with
 * smmuv3_init_id_regs() in QEMU's hw/arm/smmuv3.c: OAS 4 (44 bits),
 * SSIDSIZE 0, SIDSIZE 16, RIL, no ATS, 4K/16K/64K granules. */
#define QEMU_IDR0_S1 0xd44101aU
#define QEMU_IDR0_S2 0xd441019U
#define QEMU_IDR0_NESTED 0xd44101bU
#define QEMU_IDR1 0x2730010U
#define QEMU_IDR3 0x1404U
#define QEMU_IDR5 0x74U

static int
testDecodeQEMUSMMUv3(const void *opaque G_GNUC_UNUSED)
{
    virIOMMUCaps caps = { .type = VIR_IOMMU_CAPS_TYPE_SMMUV3,
                          .idr = { QEMU_IDR0_S1, QEMU_IDR1, 0, QEMU_IDR3, 0, QEMU_IDR5 } };
    virIOMMUSMMUv3Features f;

    virIOMMUCapsDecodeSMMUv3(&caps, &f);
    CHECK_TRUE(f.oasBits == 44);
    CHECK_TRUE(f.ssidSize == 0);
    CHECK_TRUE(f.sidSize == 16);
    CHECK_TRUE(f.ril);
    CHECK_TRUE(!f.ats);
    CHECK_TRUE(f.s1p && !f.s2p && !f.nesting);
    CHECK_TRUE(f.cohacc);
    CHECK_TRUE(f.granules == (4 | 16 | 64));
    CHECK_TRUE(f.oas == 4);
    /* 2-level stream tables, little-endian AArch64 tables only */
    CHECK_TRUE(f.stLevel == 1 && f.ttEndian == 2 && f.ttf == 2);

    /* stage=2: S2P instead of S1P; stage=nested: both */
    caps.idr[0] = QEMU_IDR0_S2;
    virIOMMUCapsDecodeSMMUv3(&caps, &f);
    CHECK_TRUE(!f.s1p && f.s2p && !f.nesting);
    caps.idr[0] = QEMU_IDR0_NESTED;
    virIOMMUCapsDecodeSMMUv3(&caps, &f);
    CHECK_TRUE(f.s1p && f.s2p && f.nesting);
    return 0;
}


/* What the host-side fields of a server SMMU look like: OAS 48 (5),
 * SSIDSIZE 20, ATS, both stages.  ATS stays the SMMU's IDR0.ATS when the
 * kernel says IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED for the device the
 * registers were read through: QEMU's smmuv3_accel_check_hw_compatible()
 * holds ats= against IDR0.ATS alone. */
static int
testDecodeSMMUv3ATS(const void *opaque G_GNUC_UNUSED)
{
    virIOMMUCaps caps = { .type = VIR_IOMMU_CAPS_TYPE_SMMUV3,
                          .idr = { QEMU_IDR0_S1 | 1U | (1U << 10),
                                   (20U << 6) | 20U, 0, 0, 0, 5U | (1U << 4) } };
    virIOMMUSMMUv3Features f;

    virIOMMUCapsDecodeSMMUv3(&caps, &f);
    CHECK_TRUE(f.oasBits == 48 && f.ssidSize == 20 && f.sidSize == 20);
    CHECK_TRUE(f.ats && !f.ril && f.nesting);
    caps.haveHWCaps = true;
    caps.hwCaps = VIR_IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED;
    virIOMMUCapsDecodeSMMUv3(&caps, &f);
    CHECK_TRUE(f.ats);
    caps.idr[0] &= ~(1U << 10);
    caps.hwCaps = 0;
    virIOMMUCapsDecodeSMMUv3(&caps, &f);
    CHECK_TRUE(!f.ats);

    CHECK_TRUE(virIOMMUSMMUv3OASBits(6) == 52);
    CHECK_TRUE(virIOMMUSMMUv3OASBits(7) == 56);
    CHECK_TRUE(virIOMMUSMMUv3OASBits(8) == 0);
    return 0;
}


/* The IDR fields QEMU's accelerated vSMMU holds a host SMMU against,
 * each at its own bits: IDR0.STLEVEL [28:27], TTENDIAN [22:21], TTF
 * [3:2]; IDR1.SIDSIZE [5:0], SSIDSIZE [10:6]; IDR5.OAS [2:0] raw and
 * GRAN4K/16K/64K [4]/[5]/[6]. */
static int
testDecodeSMMUv3Fields(const void *opaque G_GNUC_UNUSED)
{
    virIOMMUCaps caps = { .type = VIR_IOMMU_CAPS_TYPE_SMMUV3 };
    virIOMMUSMMUv3Features f;

    caps.idr[0] = (3U << 27) | (3U << 21) | (1U << 2);
    caps.idr[1] = (31U << 6) | 63U;
    caps.idr[5] = 7U | (1U << 5);
    virIOMMUCapsDecodeSMMUv3(&caps, &f);
    CHECK_TRUE(f.stLevel == 3 && f.ttEndian == 3 && f.ttf == 1);
    CHECK_TRUE(f.sidSize == 63 && f.ssidSize == 31);
    CHECK_TRUE(f.oas == 7 && f.oasBits == 56);
    CHECK_TRUE(f.granules == 16);
    CHECK_TRUE(!f.s1p && !f.s2p && !f.ats && !f.cohacc);

    caps.idr[0] = (1U << 21) | (3U << 2);
    caps.idr[5] = 3U | (1U << 4) | (1U << 6);
    virIOMMUCapsDecodeSMMUv3(&caps, &f);
    CHECK_TRUE(f.stLevel == 0 && f.ttEndian == 1 && f.ttf == 3);
    CHECK_TRUE(f.oas == 3 && f.oasBits == 42);
    CHECK_TRUE(f.granules == (4 | 64));
    return 0;
}


/* How many reasons qemuVIOMMUSMMUCompatHost() gives for @idr, and
 * whether the first names @field. */
static size_t
testCompatCount(const uint32_t idr[6], bool nesting, const char *field)
{
    virSysIOMMUCaps caps = { .regs = { .source = VIR_IOMMU_CAPS_SOURCE_IOMMUFD,
                                       .type = VIR_IOMMU_CAPS_TYPE_SMMUV3 } };
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    size_t n;

    memcpy(caps.regs.idr, idr, sizeof(caps.regs.idr));
    n = qemuVIOMMUSMMUCompatHost("smmu3.0x0000000011000000", &caps, nesting, problems);
    if (n != problems->len)
        return 100;
    if (n > 0 && field &&
        !strstr(g_ptr_array_index(problems, 0), field))
        return 200;
    return n;
}


/* Each rule of QEMU 11.1's smmuv3_accel_check_hw_compatible() that does
 * not depend on the vSMMU's options (hw/arm/smmuv3-accel.c), on the
 * registers of QEMU's own vSMMU: they pass, and each field moved past
 * what QEMU needs is one reason naming it.  Nesting: both stages, for
 * the nesting parent smmuv3_accel_get_viommu_flags() asks for. */
static int
testCompatHost(const void *opaque G_GNUC_UNUSED)
{
    const uint32_t qemu[6] = { QEMU_IDR0_NESTED, QEMU_IDR1, 0, QEMU_IDR3, 0, QEMU_IDR5 };
    uint32_t idr[6];
    virSysIOMMUCaps unknown = { 0 };
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);

    CHECK_TRUE(testCompatCount(qemu, true, NULL) == 0);

#define MOVED(_reg, _clear, _set, _field) \
    do { \
        memcpy(idr, qemu, sizeof(idr)); \
        idr[_reg] = (idr[_reg] & ~(uint32_t) (_clear)) | (_set); \
        CHECK_TRUE(testCompatCount(idr, true, _field) == 1); \
    } while (0)

    MOVED(0, 3U << 27, 0, "IDR0.STLEVEL is 0");          /* linear only */
    MOVED(0, 3U << 27, 2U << 27, "IDR0.STLEVEL is 2");   /* reserved */
    MOVED(0, 3U << 21, 3U << 21, "IDR0.TTENDIAN is 3");  /* big-endian only */
    MOVED(0, 3U << 2, 1U << 2, "IDR0.TTF is 1");         /* AArch32 only */
    MOVED(1, 0x3fU, 15U, "IDR1.SIDSIZE is 15");
    MOVED(5, 1U << 4, 0, "IDR5 has no GRAN4K");
    MOVED(5, 1U << 5, 0, "IDR5 has no GRAN16K");
    MOVED(5, 1U << 6, 0, "IDR5 has no GRAN64K");
    MOVED(5, 7U, 3U, "IDR5.OAS is 3 (42 bits)");
    MOVED(0, 1U, 0, "IDR0.S1P is 1 and IDR0.S2P is 0");

    /* what QEMU takes beside its own: mixed endianness, both table
     * formats, wider StreamIDs, more OAS */
    memcpy(idr, qemu, sizeof(idr));
    idr[0] = (idr[0] & ~(3U << 21)) | (3U << 2);
    idr[1] = (idr[1] & ~0x3fU) | 32U;
    idr[5] = (idr[5] & ~7U) | 6U;
    CHECK_TRUE(testCompatCount(idr, true, NULL) == 0);

    /* no S2P is not counted without @nesting; several faults, several
     * reasons */
    memcpy(idr, qemu, sizeof(idr));
    idr[0] = QEMU_IDR0_S1;
    CHECK_TRUE(testCompatCount(idr, false, NULL) == 0);
    idr[0] &= ~(3U << 27);
    idr[5] &= ~(3U << 4);
    CHECK_TRUE(testCompatCount(idr, true, "IDR0.STLEVEL") == 3);
    CHECK_TRUE(testCompatCount(idr, false, "IDR0.STLEVEL") == 2);
#undef MOVED

    /* unknown capabilities: nothing is claimed */
    CHECK_TRUE(qemuVIOMMUSMMUCompatHost("smmu3.0x0000000011000000", &unknown, true, problems) == 0);
    CHECK_TRUE(qemuVIOMMUSMMUCompatHost("smmu3.0x0000000011000000", NULL, true, problems) == 0);
    return 0;
}


/* QEMU 11.1's smmu_validate_property() (hw/arm/smmuv3.c): oas 44 or 48;
 * without accel, QEMU's defaults only.  And the ssidsize property's
 * range (SsidSizeMode, 0 to 20). */
static int
testCompatOptions(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    qemuVIOMMUOptions opts = { 0 };

    qemuVIOMMUOptionsSet(&opts, QEMU_VIOMMU_OPTION_ACCEL, 1);
    qemuVIOMMUOptionsSet(&opts, QEMU_VIOMMU_OPTION_ATS, 1);
    qemuVIOMMUOptionsSet(&opts, QEMU_VIOMMU_OPTION_RIL, 0);
    qemuVIOMMUOptionsSet(&opts, QEMU_VIOMMU_OPTION_SSIDSIZE, 20);
    qemuVIOMMUOptionsSet(&opts, QEMU_VIOMMU_OPTION_OAS, 48);
    CHECK_TRUE(qemuVIOMMUSMMUCompatOptions(&opts, "t", problems) == 0);
    qemuVIOMMUOptionsSet(&opts, QEMU_VIOMMU_OPTION_OAS, 44);
    CHECK_TRUE(qemuVIOMMUSMMUCompatOptions(&opts, "t", problems) == 0);
    qemuVIOMMUOptionsSet(&opts, QEMU_VIOMMU_OPTION_OAS, 52);
    CHECK_TRUE(qemuVIOMMUSMMUCompatOptions(&opts, "t", problems) == 1);
    CHECK_TRUE(strstr(g_ptr_array_index(problems, 0), "asks oas='52'"));
    /* SsidSizeMode: 0 to 20 */
    qemuVIOMMUOptionsSet(&opts, QEMU_VIOMMU_OPTION_OAS, 48);
    qemuVIOMMUOptionsSet(&opts, QEMU_VIOMMU_OPTION_SSIDSIZE, 21);
    CHECK_TRUE(qemuVIOMMUSMMUCompatOptions(&opts, "t", problems) == 1);
    CHECK_TRUE(strstr(g_ptr_array_index(problems, 1), "asks ssidsize='21'"));
    qemuVIOMMUOptionsSet(&opts, QEMU_VIOMMU_OPTION_SSIDSIZE, 20);

    /* accel off: ats on, ril off, oas 48, ssidsize above 0 */
    g_ptr_array_set_size(problems, 0);
    qemuVIOMMUOptionsSet(&opts, QEMU_VIOMMU_OPTION_ACCEL, 0);
    qemuVIOMMUOptionsSet(&opts, QEMU_VIOMMU_OPTION_OAS, 48);
    CHECK_TRUE(qemuVIOMMUSMMUCompatOptions(&opts, "t", problems) == 4);
    /* an oas QEMU never takes is one reason, not two */
    qemuVIOMMUOptionsSet(&opts, QEMU_VIOMMU_OPTION_OAS, 52);
    CHECK_TRUE(qemuVIOMMUSMMUCompatOptions(&opts, "t", problems) == 4);
    memset(&opts, 0, sizeof(opts));
    qemuVIOMMUOptionsSet(&opts, QEMU_VIOMMU_OPTION_ATS, 0);
    qemuVIOMMUOptionsSet(&opts, QEMU_VIOMMU_OPTION_RIL, 1);
    qemuVIOMMUOptionsSet(&opts, QEMU_VIOMMU_OPTION_SSIDSIZE, 0);
    qemuVIOMMUOptionsSet(&opts, QEMU_VIOMMU_OPTION_OAS, 44);
    CHECK_TRUE(qemuVIOMMUSMMUCompatOptions(&opts, "t", problems) == 0);
    return 0;
}


/* A Skylake-SP Xeon's DMAR unit (the tests/hosts/x86-intel-2dmar
 * values): 48-bit MGAW, no caching mode, device TLB, interrupt
 * remapping with x2APIC, no nesting and no PASID (legacy mode). */
static int
testDecodeVTdXeon(const void *opaque G_GNUC_UNUSED)
{
    virIOMMUCaps caps = { .type = VIR_IOMMU_CAPS_TYPE_INTEL_VTD,
                          .cap = 0x8d2078c106f0466ULL, .ecap = 0xf020dfULL };
    virIOMMUVTdFeatures f;

    virIOMMUCapsDecodeVTd(&caps, &f);
    CHECK_TRUE(f.mgaw == 48);
    CHECK_TRUE(f.sagaw == 0x4);
    CHECK_TRUE(!f.cachingMode);
    CHECK_TRUE(f.deviceTLB && f.intremap && f.eim);
    CHECK_TRUE(!f.nesting && !f.pasid && f.pasidBits == 0);
    CHECK_TRUE(!f.scalableMode && !f.firstLevel);
    return 0;
}


/* QEMU 11.1's intel-iommu as the lab's q35 guest read it through iommufd
 * (tests/lab/caps-probe --arch x86_64), equal to the guest kernel's own
 * boot line "dmar0: ... cap 80d2008c222f0686 ecap f00f4e": with
 * intremap=on,caching-mode=on,device-iotlb=on,aw-bits=48, then with all
 * off and aw-bits=39. */
static int
testDecodeVTdQEMU(const void *opaque G_GNUC_UNUSED)
{
    virIOMMUCaps caps = { .type = VIR_IOMMU_CAPS_TYPE_INTEL_VTD,
                          .cap = 0x80d2008c222f0686ULL, .ecap = 0xf00f4eULL };
    virIOMMUVTdFeatures f;

    virIOMMUCapsDecodeVTd(&caps, &f);
    CHECK_TRUE(f.mgaw == 48 && f.sagaw == 0x6);
    CHECK_TRUE(f.cachingMode && f.deviceTLB && f.intremap);
    CHECK_TRUE(!f.nesting && !f.pasid);

    caps.cap = 0x80d2008c22260206ULL;
    caps.ecap = 0xf42ULL;
    virIOMMUCapsDecodeVTd(&caps, &f);
    CHECK_TRUE(f.mgaw == 39 && f.sagaw == 0x2);
    CHECK_TRUE(!f.cachingMode && !f.deviceTLB && !f.intremap && !f.eim);
    CHECK_TRUE(!f.nesting);
    return 0;
}


/* An EPYC Rome IOMMU's EFR (tests/hosts/x86-amd-2ivhd). */
static int
testDecodeAMDRome(const void *opaque G_GNUC_UNUSED)
{
    virIOMMUCaps caps = { .type = VIR_IOMMU_CAPS_TYPE_AMD,
                          .efr = 0x58f77ef22294a5aULL };
    virIOMMUAMDFeatures f;

    virIOMMUCapsDecodeAMD(&caps, &f);
    CHECK_TRUE(f.ppr && f.guestTranslation && !f.guestAPIC && f.guestIO);
    CHECK_TRUE(f.pasMax == 15);
    return 0;
}


static virSysIOMMU *
testFakeIOMMU(const char *name, virSysIOMMUKind kind)
{
    virSysIOMMU *iommu = g_new0(virSysIOMMU, 1);

    iommu->name = g_strdup(name);
    iommu->kind = kind;
    iommu->devices = g_ptr_array_new();
    return iommu;
}


static void
testFreeFakeIOMMU(virSysIOMMU *iommu)
{
    virSysIOMMUCapsFree(iommu->caps);
    g_free(iommu->name);
    g_ptr_array_unref(iommu->devices);
    g_free(iommu);
}


/* The record of tests/hosts/aarch64-2smmu-caps read back. */
static int
testFixtureRecord(const void *opaque G_GNUC_UNUSED)
{
    g_autofree char *root = g_build_filename(virTestSrcDir(), "hosts",
                                             "aarch64-2smmu-caps", NULL);
    g_autoptr(virSysIOMMUHost) host = virSysIOMMUHostOpen(root);
    virSysIOMMU *a = testFakeIOMMU("smmu3.0x0000000011000000", VIR_SYS_IOMMU_KIND_SMMUV3);
    virSysIOMMU *b = testFakeIOMMU("smmu3.0x0000000012000000", VIR_SYS_IOMMU_KIND_SMMUV3);
    virSysIOMMU *c = testFakeIOMMU("smmu3.0x0000000013000000", VIR_SYS_IOMMU_KIND_SMMUV3);
    virSysIOMMUCaps *ca;
    virSysIOMMUCaps *cb;
    virSysIOMMUCaps *cc;
    virIOMMUSMMUv3Features fa;
    virIOMMUSMMUv3Features fb;
    int ret = -1;

    if (!host || !(ca = virSysIOMMUHostGetCaps(host, a, NULL)) ||
        !(cb = virSysIOMMUHostGetCaps(host, b, NULL)) ||
        !(cc = virSysIOMMUHostGetCaps(host, c, NULL)))
        goto cleanup;
    if (!virSysIOMMUCapsKnown(ca) || !virSysIOMMUCapsKnown(cb) ||
        virSysIOMMUCapsKnown(cc))
        goto cleanup;
    virIOMMUCapsDecodeSMMUv3(&ca->regs, &fa);
    virIOMMUCapsDecodeSMMUv3(&cb->regs, &fb);
    if (fa.oasBits != 48 || fa.ssidSize != 20 || !fa.ril || !fa.ats || !fa.nesting ||
        ca->regs.cmdqv != VIR_IOMMU_CAPS_CMDQV_PRESENT ||
        g_strcmp0(ca->via, "0000:01:00.0") != 0)
        goto cleanup;
    if (fb.oasBits != 44 || fb.ssidSize != 16 || fb.ril || fb.ats || !fb.nesting ||
        cb->regs.cmdqv != VIR_IOMMU_CAPS_CMDQV_ABSENT)
        goto cleanup;
    if (!strstr(cc->reason, "does not list it"))
        goto cleanup;
    ret = 0;

 cleanup:
    if (ret < 0)
        fprintf(stderr, "last error: %s\n", NULLSTR(virErrorGetLast()));
    testFreeFakeIOMMU(a);
    testFreeFakeIOMMU(b);
    testFreeFakeIOMMU(c);
    return ret;
}


/* A malformed record is an error naming the file; a missing file is
 * "unknown" with the way to get one. */
static int
testFixtureBad(const void *opaque G_GNUC_UNUSED)
{
    g_autofree char *dir = g_dir_make_tmp("viriommucaps-XXXXXX", NULL);
    g_autofree char *file = g_build_filename(dir, VIR_SYS_IOMMU_CAPS_FILE, NULL);
    g_autoptr(virSysIOMMUHost) host = virSysIOMMUHostOpen(dir);
    virSysIOMMU *a = testFakeIOMMU("smmu3.0x0000000011000000", VIR_SYS_IOMMU_KIND_SMMUV3);
    virSysIOMMUCaps *caps;
    int ret = -1;

    if (!host || !(caps = virSysIOMMUHostGetCaps(host, a, NULL)) ||
        virSysIOMMUCapsKnown(caps) || !strstr(caps->reason, "scan --save"))
        goto cleanup;
    virSysIOMMUCapsFree(g_steal_pointer(&a->caps));

    g_file_set_contents(file,
                        "{\"format\": \"virt-viommu-iommu-caps\", \"version\": 1, \"iommus\": ["
                        "{\"name\": \"smmu3.0x0000000011000000\", \"source\": \"iommufd\","
                        " \"type\": \"arm-smmuv3\", \"idr\": [\"0x1\"]}]}", -1, NULL);
    virErrorReset();
    if (virSysIOMMUHostGetCaps(host, a, NULL) ||
        !strstr(NULLSTR(virErrorGetLast()), "is malformed"))
        goto cleanup;
    ret = 0;

 cleanup:
    testFreeFakeIOMMU(a);
    g_unlink(file);
    g_rmdir(dir);
    return ret;
}


int
main(void)
{
    int failures = 0;

    virTestInit();

    failures += virTestRun("decode QEMU 11.1 emulated SMMUv3", testDecodeQEMUSMMUv3, NULL) < 0;
    failures += virTestRun("decode SMMUv3 ATS and OAS", testDecodeSMMUv3ATS, NULL) < 0;
    failures += virTestRun("decode SMMUv3 stream table, table format, granules", testDecodeSMMUv3Fields, NULL) < 0;
    failures += virTestRun("QEMU's host SMMU rules", testCompatHost, NULL) < 0;
    failures += virTestRun("QEMU's arm-smmuv3 option rules", testCompatOptions, NULL) < 0;
    failures += virTestRun("decode Xeon VT-d cap/ecap", testDecodeVTdXeon, NULL) < 0;
    failures += virTestRun("decode QEMU 11.1 intel-iommu cap/ecap", testDecodeVTdQEMU, NULL) < 0;
    failures += virTestRun("decode EPYC Rome EFR", testDecodeAMDRome, NULL) < 0;
    failures += virTestRun("fixture record read back", testFixtureRecord, NULL) < 0;
    failures += virTestRun("fixture record missing or malformed", testFixtureBad, NULL) < 0;

    return virTestResult(failures);
}
