/*
 * qemu_viommu_smmucompat.c: the host SMMUs and vSMMU options QEMU's
 *                           arm-smmuv3 refuses
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_smmucompat.h"

#include "virerror.h"


/* @what is the field, the host's value and QEMU's need; @where the
 * QEMU function that refuses. */
static void
qemuVIOMMUSMMUCompatAdd(GPtrArray *problems,
                        const char *iommu,
                        const char *where,
                        const char *what)
{
    g_ptr_array_add(problems,
                    g_strdup_printf(_("host SMMU %1$s: %2$s; QEMU refuses to attach its devices to an accel='on' vSMMU (%3$s), so the domain does not start and a hot-plug fails; plan it with a template <iommu model='smmuv3'><driver accel='off'/></iommu>, or on another host"),
                                    iommu, what, where));
}


static const char *
qemuVIOMMUSMMUCompatSTLevel(unsigned int val)
{
    return val == 0 ? _("linear stream table only") : _("a reserved value");
}


static const char *
qemuVIOMMUSMMUCompatTTF(unsigned int val)
{
    return val == 1 ? _("AArch32 tables only") : _("a reserved value");
}


/* IDR5.GRAN4K/16K/64K QEMU's vSMMU has that the host lacks, as
 * "GRAN16K" or "GRAN4K and GRAN16K". */
static char *
qemuVIOMMUSMMUCompatMissingGranules(unsigned int host)
{
    static const unsigned int sizes[] = { 4, 16, 64 };
    g_autoptr(GString) buf = g_string_new(NULL);
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(sizes); i++) {
        if (!(QEMU_VIOMMU_SMMU_GRANULES & sizes[i]) || (host & sizes[i]))
            continue;
        if (buf->len)
            g_string_append(buf, _(" and "));
        g_string_append_printf(buf, "GRAN%uK", sizes[i]);
    }
    return g_string_free(g_steal_pointer(&buf), FALSE);
}


/* smmuv3_accel_check_hw_compatible(), the fields that do not depend on
 * the vSMMU's options, in its order. */
static void
qemuVIOMMUSMMUCompatRegisters(const char *iommu,
                              const virIOMMUSMMUv3Features *f,
                              GPtrArray *problems)
{
    const char *where = "smmuv3_accel_check_hw_compatible";
    g_autofree char *missing = NULL;
    g_autofree char *what = NULL;

    if (f->stLevel != QEMU_VIOMMU_SMMU_STLEVEL) {
        what = g_strdup_printf(_("IDR0.STLEVEL is %1$u (%2$s), but QEMU's vSMMU has %3$u (2-level stream tables) and needs the host's to be the same"),
                               f->stLevel, qemuVIOMMUSMMUCompatSTLevel(f->stLevel),
                               QEMU_VIOMMU_SMMU_STLEVEL);
        qemuVIOMMUSMMUCompatAdd(problems, iommu, where, what);
        g_clear_pointer(&what, g_free);
    }
    if (f->ttEndian > QEMU_VIOMMU_SMMU_TTENDIAN) {
        what = g_strdup_printf(_("IDR0.TTENDIAN is %1$u (big-endian translation tables only), but QEMU's vSMMU walks little-endian tables only and needs 0 (mixed) or %2$u (little-endian)"),
                               f->ttEndian, QEMU_VIOMMU_SMMU_TTENDIAN);
        qemuVIOMMUSMMUCompatAdd(problems, iommu, where, what);
        g_clear_pointer(&what, g_free);
    }
    if (f->ttf < QEMU_VIOMMU_SMMU_TTF) {
        what = g_strdup_printf(_("IDR0.TTF is %1$u (%2$s), but QEMU's vSMMU has AArch64 tables only and needs %3$u (AArch64) or 3 (both)"),
                               f->ttf, qemuVIOMMUSMMUCompatTTF(f->ttf),
                               QEMU_VIOMMU_SMMU_TTF);
        qemuVIOMMUSMMUCompatAdd(problems, iommu, where, what);
        g_clear_pointer(&what, g_free);
    }
    if (f->sidSize < QEMU_VIOMMU_SMMU_SIDSIZE) {
        what = g_strdup_printf(_("IDR1.SIDSIZE is %1$u, but QEMU's vSMMU has %2$u-bit StreamIDs and needs at least %2$u"),
                               f->sidSize, QEMU_VIOMMU_SMMU_SIDSIZE);
        qemuVIOMMUSMMUCompatAdd(problems, iommu, where, what);
        g_clear_pointer(&what, g_free);
    }
    if (f->oas < QEMU_VIOMMU_SMMU_OAS_FIELD_MIN) {
        what = g_strdup_printf(_("IDR5.OAS is %1$u (%2$u bits), but QEMU's vSMMU takes oas 44 or 48 and needs at least IDR5.OAS %3$u (44 bits)"),
                               f->oas, f->oasBits, QEMU_VIOMMU_SMMU_OAS_FIELD_MIN);
        qemuVIOMMUSMMUCompatAdd(problems, iommu, where, what);
        g_clear_pointer(&what, g_free);
    }
    if (f->granules != QEMU_VIOMMU_SMMU_GRANULES) {
        missing = qemuVIOMMUSMMUCompatMissingGranules(f->granules);
        what = g_strdup_printf(_("IDR5 has no %1$s, but QEMU's vSMMU has GRAN4K, GRAN16K and GRAN64K and needs the host's granules to be the same"),
                               missing);
        qemuVIOMMUSMMUCompatAdd(problems, iommu, where, what);
    }
}


size_t
qemuVIOMMUSMMUCompatHost(const char *iommu,
                         const virSysIOMMUCaps *caps,
                         bool nesting,
                         GPtrArray *problems)
{
    virIOMMUSMMUv3Features f;
    guint before = problems->len;

    if (!virSysIOMMUCapsKnown(caps) ||
        caps->regs.type != VIR_IOMMU_CAPS_TYPE_SMMUV3)
        return 0;
    virIOMMUCapsDecodeSMMUv3(&caps->regs, &f);

    qemuVIOMMUSMMUCompatRegisters(iommu, &f, problems);
    if (nesting && !f.nesting) {
        g_autofree char *what = g_strdup_printf(_("IDR0.S1P is %1$u and IDR0.S2P is %2$u, but an accel='on' vSMMU nests the guest's stage 1 over a host stage 2 and needs both"),
                                                f.s1p, f.s2p);

        /* QEMU asks iommufd for a nesting parent, which the kernel
         * allocates only on an SMMU with both stages */
        qemuVIOMMUSMMUCompatAdd(problems, iommu,
                                "the kernel gives no nesting parent, which smmuv3_accel_get_viommu_flags asks for",
                                what);
    }
    return problems->len - before;
}


/* With accel off, smmu_validate_property() takes only QEMU's defaults. */
static void
qemuVIOMMUSMMUCompatAccelOff(const qemuVIOMMUOptions *opts,
                             const char *who,
                             GPtrArray *problems)
{
    static const struct {
        qemuVIOMMUOption opt;
        bool above;             /* refused above @value, else at it */
        unsigned int value;
    } rules[] = {
        { QEMU_VIOMMU_OPTION_RIL, false, 0 },
        { QEMU_VIOMMU_OPTION_ATS, false, 1 },
        /* other values than 44 and 48 are refused anyway */
        { QEMU_VIOMMU_OPTION_OAS, false, QEMU_VIOMMU_SMMU_OAS_MAX },
        { QEMU_VIOMMU_OPTION_SSIDSIZE, true, 0 },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(rules); i++) {
        qemuVIOMMUOption opt = rules[i].opt;
        const char *name = qemuVIOMMUOptionTypeToString(opt);
        unsigned int val = opts->value[opt];
        g_autofree char *str = NULL;

        if (!qemuVIOMMUOptionsHas(opts, opt) ||
            (rules[i].above ? val <= rules[i].value : val != rules[i].value))
            continue;
        str = qemuVIOMMUOptionValueString(opt, val);
        g_ptr_array_add(problems,
                        g_strdup_printf(_("%1$s asks %2$s='%3$s' without accel='on', which QEMU's arm-smmuv3 takes only with accel='on' (smmu_validate_property), so the domain does not start; leave %2$s out, or set accel='on'"),
                                        who, name, str));
    }
}


size_t
qemuVIOMMUSMMUCompatOptions(const qemuVIOMMUOptions *opts,
                            const char *who,
                            GPtrArray *problems)
{
    guint before = problems->len;
    unsigned int oas = opts->value[QEMU_VIOMMU_OPTION_OAS];

    if (qemuVIOMMUOptionsHas(opts, QEMU_VIOMMU_OPTION_OAS) &&
        oas != QEMU_VIOMMU_SMMU_OAS_MIN && oas != QEMU_VIOMMU_SMMU_OAS_MAX)
        g_ptr_array_add(problems,
                        g_strdup_printf(_("%1$s asks oas='%2$u', but QEMU's arm-smmuv3 takes only oas %3$d or %4$d (smmu_validate_property), so the domain does not start; set oas='%3$d' or oas='%4$d', or leave it out"),
                                        who, oas, QEMU_VIOMMU_SMMU_OAS_MIN,
                                        QEMU_VIOMMU_SMMU_OAS_MAX));
    /* the property itself (QEMU's SsidSizeMode) takes 0 to 20 */
    if (qemuVIOMMUOptionsHas(opts, QEMU_VIOMMU_OPTION_SSIDSIZE) &&
        opts->value[QEMU_VIOMMU_OPTION_SSIDSIZE] > QEMU_VIOMMU_SMMU_SSIDSIZE_MAX)
        g_ptr_array_add(problems,
                        g_strdup_printf(_("%1$s asks ssidsize='%2$u', but QEMU's arm-smmuv3 takes ssidsize 0 to %3$d only, so the domain does not start; set it to %3$d or less, or leave it out"),
                                        who, opts->value[QEMU_VIOMMU_OPTION_SSIDSIZE],
                                        QEMU_VIOMMU_SMMU_SSIDSIZE_MAX));
    if (!qemuVIOMMUOptionsIsOn(opts, QEMU_VIOMMU_OPTION_ACCEL))
        qemuVIOMMUSMMUCompatAccelOff(opts, who, problems);
    /* libvirt writes no stage=, so an accel=on arm-smmuv3 is stage 1:
     * the only stage smmu_validate_property() takes with accel=on */
    return problems->len - before;
}
