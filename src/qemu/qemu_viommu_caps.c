/*
 * qemu_viommu_caps.c: vSMMU options from the capabilities of the
 *                     physical SMMU behind each vSMMU
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_caps.h"

#include <string.h>

#include "qemu_viommu_planpriv.h"
#include "qemu_viommu_smmucompat.h"
#include "virerror.h"
#include "virlog.h"

VIR_LOG_INIT("plan");


/* What the host allows for one option, and what an unset one gets. */
typedef struct _qemuVIOMMUCapsLimit qemuVIOMMUCapsLimit;
struct _qemuVIOMMUCapsLimit {
    qemuVIOMMUOption opt;
    bool known;                 /* the host says */
    unsigned int max;           /* the most the host allows (switch: 0/1) */
    unsigned int value;         /* what an unset option gets */
    const char *field;          /* where the host says it */
};


/* OAS: QEMU takes 44 or 48 with accel; the highest of them the host
 * reaches (an SMMU below 44 bits is refused by qemuVIOMMUSMMUCompatHost). */
static void
qemuVIOMMUCapsLimits(const virSysIOMMUCaps *caps,
                     qemuVIOMMUCapsLimit *lim,
                     size_t *nlim)
{
    virIOMMUSMMUv3Features f;
    size_t n = 0;

    virIOMMUCapsDecodeSMMUv3(&caps->regs, &f);

    lim[n++] = (qemuVIOMMUCapsLimit) { QEMU_VIOMMU_OPTION_ATS, true, f.ats, f.ats, "IDR0.ATS" };
    lim[n++] = (qemuVIOMMUCapsLimit) { QEMU_VIOMMU_OPTION_RIL, true, f.ril, f.ril, "IDR3.RIL" };
    lim[n++] = (qemuVIOMMUCapsLimit) { QEMU_VIOMMU_OPTION_SSIDSIZE, true, f.ssidSize,
                                       MIN(f.ssidSize, QEMU_VIOMMU_SMMU_SSIDSIZE_MAX), "IDR1.SSIDSIZE" };
    lim[n++] = (qemuVIOMMUCapsLimit) { QEMU_VIOMMU_OPTION_OAS, true, f.oasBits,
                                       f.oasBits >= QEMU_VIOMMU_SMMU_OAS_MAX ?
                                       QEMU_VIOMMU_SMMU_OAS_MAX : QEMU_VIOMMU_SMMU_OAS_MIN,
                                       "IDR5.OAS" };
    lim[n++] = (qemuVIOMMUCapsLimit) { QEMU_VIOMMU_OPTION_CMDQV,
                                       caps->regs.cmdqv != VIR_IOMMU_CAPS_CMDQV_UNKNOWN,
                                       caps->regs.cmdqv == VIR_IOMMU_CAPS_CMDQV_PRESENT,
                                       caps->regs.cmdqv == VIR_IOMMU_CAPS_CMDQV_PRESENT, NULL };
    *nlim = n;
}


static bool
qemuVIOMMUCapsApplies(const qemuVIOMMUOptions *opts,
                      const virSysIOMMUCaps *caps)
{
    return qemuVIOMMUOptionsIsOn(opts, QEMU_VIOMMU_OPTION_ACCEL) &&
        virSysIOMMUCapsKnown(caps) &&
        caps->regs.type == VIR_IOMMU_CAPS_TYPE_SMMUV3;
}


/* The host's side of @lim, as its register says it. */
static char *
qemuVIOMMUCapsHostValue(const qemuVIOMMUCapsLimit *lim,
                        const virSysIOMMUCaps *caps)
{
    if (!lim->field)
        return g_strdup(_("no CMDQV"));
    if (lim->opt == QEMU_VIOMMU_OPTION_OAS)
        return g_strdup_printf(_("%1$s %2$u (%3$u bits)"), lim->field,
                               caps->regs.idr[5] & 7, lim->max);
    return g_strdup_printf("%s %u", lim->field, lim->max);
}


size_t
qemuVIOMMUCapsCheck(const qemuVIOMMUOptions *opts,
                    const char *who,
                    const char *iommu,
                    const virSysIOMMUCaps *caps,
                    GPtrArray *problems)
{
    qemuVIOMMUCapsLimit lim[8];
    size_t nlim;
    size_t count = 0;
    size_t i;

    if (!qemuVIOMMUCapsApplies(opts, caps))
        return 0;

    qemuVIOMMUCapsLimits(caps, lim, &nlim);
    for (i = 0; i < nlim; i++) {
        const char *name = qemuVIOMMUOptionTypeToString(lim[i].opt);
        unsigned int asked = opts->value[lim[i].opt];
        g_autofree char *host = NULL;

        if (!lim[i].known || !qemuVIOMMUOptionsHas(opts, lim[i].opt) ||
            asked <= lim[i].max)
            continue;
        host = qemuVIOMMUCapsHostValue(&lim[i], caps);
        if (qemuVIOMMUOptionIsSwitch(lim[i].opt))
            g_ptr_array_add(problems,
                            g_strdup_printf(_("%1$s asks %2$s='on', but the host SMMU %3$s has %4$s; QEMU refuses to attach its devices to that vSMMU (smmuv3_accel_check_hw_compatible), so the domain does not start and a hot-plug fails; set %2$s='off' or leave it out"),
                                            who, name, iommu, host));
        else
            g_ptr_array_add(problems,
                            g_strdup_printf(_("%1$s asks %2$s='%3$u', but the host SMMU %4$s has %5$s; QEMU refuses to attach its devices to that vSMMU (smmuv3_accel_check_hw_compatible), so the domain does not start and a hot-plug fails; set it to %6$u or less, or leave it out"),
                                            who, name, asked, iommu, host, lim[i].max));
        count++;
    }
    return count;
}


int
qemuVIOMMUCapsOptions(const qemuVIOMMUOptions *base,
                      const char *iommu,
                      const virSysIOMMUCaps *caps,
                      qemuVIOMMUOptions *out,
                      bool *unknown)
{
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    qemuVIOMMUCapsLimit lim[8];
    size_t nlim;
    size_t i;

    *out = *base;
    if (!qemuVIOMMUOptionsIsOn(base, QEMU_VIOMMU_OPTION_ACCEL))
        return 0;
    if (!virSysIOMMUCapsKnown(caps) ||
        caps->regs.type != VIR_IOMMU_CAPS_TYPE_SMMUV3) {
        *unknown = true;
        return 0;
    }

    qemuVIOMMUSMMUCompatHost(iommu, caps, true, problems);
    qemuVIOMMUCapsCheck(base, _("the vIOMMU template"), iommu, caps, problems);
    if (problems->len > 0) {
        for (i = 0; i < problems->len; i++)
            virReportError(VIR_ERROR_HOST_IOMMU, "%s",
                           (const char *) g_ptr_array_index(problems, i));
        return -1;
    }

    qemuVIOMMUCapsLimits(caps, lim, &nlim);
    for (i = 0; i < nlim; i++) {
        if (!lim[i].known || qemuVIOMMUOptionsHas(base, lim[i].opt))
            continue;
        /* cmdqv is written only where there is one */
        if (lim[i].opt == QEMU_VIOMMU_OPTION_CMDQV && !lim[i].value)
            continue;
        qemuVIOMMUOptionsSet(out, lim[i].opt, lim[i].value);
    }
    return 0;
}


/* The physical IOMMU named @name among the domain's devices, or NULL. */
static virSysIOMMU *
qemuVIOMMUPlanFindHostIOMMU(const qemuVIOMMUPlan *p, const char *name)
{
    size_t i;

    for (i = 0; i < p->facts->hostdevs->len; i++) {
        const qemuVIOMMUHostdevFacts *hf = qemuVIOMMUHostFactsGet(p->facts, i);

        if (hf->state == QEMU_VIOMMU_HOSTDEV_FOUND && hf->iommu &&
            g_strcmp0(hf->iommu->name, name) == 0)
            return hf->iommu;
    }
    return NULL;
}


static int
qemuVIOMMUPlanAddOptions(const qemuVIOMMUPlan *p,
                         const char *name,
                         GHashTable *iommuOptions,
                         GPtrArray *unknown)
{
    virSysIOMMU *iommu;
    g_autofree qemuVIOMMUOptions *opts = g_new0(qemuVIOMMUOptions, 1);
    bool unk = false;

    if (g_hash_table_contains(iommuOptions, name))
        return 0;
    if (!(iommu = qemuVIOMMUPlanFindHostIOMMU(p, name)) ||
        iommu->kind != VIR_SYS_IOMMU_KIND_SMMUV3) {
        *opts = p->dec.viommu.options;
    } else if (qemuVIOMMUCapsOptions(&p->dec.viommu.options, name, iommu->caps, opts, &unk) < 0) {
        return -1;
    }
    if (unk)
        g_ptr_array_add(unknown, iommu);
    VIR_DEBUG("%s: vSMMU options from the %s%s", name, p->dec.viommu.from,
              !iommu || iommu->kind != VIR_SYS_IOMMU_KIND_SMMUV3 ? " (not an SMMUv3)"
              : unk ? " (capabilities unknown)" : " and the host SMMU's capabilities");
    g_hash_table_insert(iommuOptions, (gpointer) name, g_steal_pointer(&opts));
    return 0;
}


static const char *
qemuVIOMMUCapsUnknownReason(virSysIOMMU *iommu)
{
    return iommu->caps && iommu->caps->reason ? iommu->caps->reason : "not read";
}


/* One short warning line per reason that SMMUs' capabilities are
 * unknown, naming the SMMUs it holds for. */
static void
qemuVIOMMUPlanWarnUnknown(GPtrArray *unknown)
{
    g_autofree bool *done = g_new0(bool, unknown->len);
    size_t i;
    size_t j;

    for (i = 0; i < unknown->len; i++) {
        const char *reason = qemuVIOMMUCapsUnknownReason(g_ptr_array_index(unknown, i));
        g_autoptr(GString) names = g_string_new(NULL);

        if (done[i])
            continue;
        for (j = i; j < unknown->len; j++) {
            virSysIOMMU *iommu = g_ptr_array_index(unknown, j);

            if (done[j] || strcmp(reason, qemuVIOMMUCapsUnknownReason(iommu)) != 0)
                continue;
            done[j] = true;
            g_string_append_printf(names, "%s%s", names->len ? ", " : "", iommu->name);
        }
        virReportWarning(VIR_ERROR_HOST_IOMMU, _("capabilities unknown for host SMMU %1$s (%2$s): their vSMMUs get only the template's options, and whether QEMU accepts these SMMUs behind accel='on' is unchecked; give ats, ril, ssidsize and oas there, or plan with a device of each SMMU on vfio-pci"),
                         names->str, reason);
    }
}


/* The options every new vSMMU gets, against what QEMU's arm-smmuv3
 * takes whatever the host. */
static int
qemuVIOMMUPlanCheckTemplate(const qemuVIOMMUPlan *p)
{
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    size_t i;

    if (qemuVIOMMUSMMUCompatOptions(&p->dec.viommu.options,
                                    p->dec.viommu.tmpl ? _("the vIOMMU template")
                                            : _("the options of the planned vSMMUs"),
                                    problems) == 0)
        return 0;
    for (i = 0; i < problems->len; i++)
        virReportError(VIR_ERROR_XML_INVALID, "%s",
                       (const char *) g_ptr_array_index(problems, i));
    return -1;
}


int
qemuVIOMMUPlanDecideOptions(const qemuVIOMMUPlan *p, GHashTable *iommuOptions)
{
    g_autoptr(GPtrArray) unknown = g_ptr_array_new();
    bool failed = false;
    size_t i;

    if (p->def->archKind != QEMU_VIOMMU_ARCH_AARCH64_VIRT ||
        p->dec.viommu.model != QEMU_VIOMMU_MODEL_SMMUV3)
        return 0;

    if (qemuVIOMMUPlanCheckTemplate(p) < 0)
        return -1;

    /* new vSMMUs */
    for (i = 0; i < p->dec.place.groups->len; i++) {
        qemuVIOMMUGroup *group = g_ptr_array_index(p->dec.place.groups, i);

        if (!group->pxb &&
            qemuVIOMMUPlanAddOptions(p, group->iommu->name, iommuOptions, unknown) < 0)
            failed = true;
    }

    /* vSMMUs of earlier plans change only when asked to */
    for (i = 0; p->live && (p->dec.viommu.tmpl || p->opts->refreshOptions) &&
         i < p->live->buses->len; i++) {
        qemuVIOMMUMetaBus *bus = g_ptr_array_index(p->live->buses, i);

        if (qemuVIOMMUPlanAddOptions(p, bus->iommu, iommuOptions, unknown) < 0)
            failed = true;
    }
    if (failed)
        return -1;

    if (unknown->len > 0)
        qemuVIOMMUPlanWarnUnknown(unknown);
    return 0;
}
