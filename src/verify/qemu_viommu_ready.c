/*
 * qemu_viommu_ready.c: would a domain start on this host?  The reasons
 *                      it would not, each with its fix
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_ready.h"

#include "qemu_viommu_addr.h"
#include "qemu_viommu_caps.h"
#include "qemu_viommu_conf.h"
#include "qemu_viommu_facts.h"
#include "qemu_viommu_vtd.h"
#include "qemu_viommu_window.h"
#include "qemu_viommu_xml.h"
#include "qemu_viommu_smmucompat.h"
#include "virerror.h"
#include "viriommucaps.h"
#include "virsysiommucaps.h"

VIR_ENUM_IMPL(qemuVIOMMUReadyReason,
              QEMU_VIOMMU_READY_LAST,
              "no-device",
              "not-vfio",
              "group-not-viable",
              "no-iommufd",
              "no-vfio-cdev",
              "no-nesting",
              "no-kvm",
              "no-caching-mode",
              "smmu-refused",
              "bar-refused",
              "options",
);


static void
qemuVIOMMUReadyProblemFree(qemuVIOMMUReadyProblem *prob)
{
    g_free(prob->message);
    g_free(prob);
}


static void
qemuVIOMMUReadyAdd(GPtrArray *list,
                   qemuVIOMMUReadyReason reason,
                   const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void
qemuVIOMMUReadyAdd(GPtrArray *list,
                   qemuVIOMMUReadyReason reason,
                   const char *fmt, ...)
{
    qemuVIOMMUReadyProblem *prob = g_new0(qemuVIOMMUReadyProblem, 1);
    va_list ap;

    va_start(ap, fmt);
    prob->reason = reason;
    prob->message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_ptr_array_add(list, prob);
}


/* ROOT/dev/@rel exists? */
static bool
qemuVIOMMUReadyHasDev(virSysIOMMUHost *host, const char *rel)
{
    g_autofree char *path = g_build_filename(virSysIOMMUHostGetRoot(host),
                                             "dev", rel, NULL);

    return g_file_test(path, G_FILE_TEST_EXISTS);
}


static bool
qemuVIOMMUReadyManaged(const qemuVIOMMUHostdev *hd)
{
    g_autofree char *managed = (char *) xmlGetProp(hd->node, BAD_CAST "managed");

    return g_strcmp0(managed, "yes") == 0;
}


/* The VFIO cdev of @dev (bound to vfio-pci): sys/bus/pci/devices/BDF/
 * vfio-dev/vfioN and dev/vfio/devices/vfioN. */
static int
qemuVIOMMUReadyCheckCdev(virSysIOMMUHost *host,
                         virSysIOMMUDevice *dev,
                         GPtrArray *list)
{
    g_autofree char *dir = g_strdup_printf("sys/bus/pci/devices/%s/vfio-dev", dev->bdf);
    g_autoptr(GPtrArray) names = NULL;
    g_autofree char *node = NULL;
    int rc;

    if ((rc = virSysfsRootListDir(virSysIOMMUHostGetSysfs(host), dir, &names)) < 0)
        return -1;
    if (rc == 0 || names->len == 0) {
        qemuVIOMMUReadyAdd(list, QEMU_VIOMMU_READY_NO_CDEV,
                           _("host device %1$s has no VFIO device cdev (no /%2$s): the kernel lacks CONFIG_VFIO_DEVICE_CDEV, which iommufd needs; boot a kernel that has it, or turn iommufd and accel off"),
                           dev->bdf, dir);
        return 0;
    }
    node = g_build_filename("vfio", "devices",
                            (const char *) g_ptr_array_index(names, 0), NULL);
    if (!qemuVIOMMUReadyHasDev(host, node))
        qemuVIOMMUReadyAdd(list, QEMU_VIOMMU_READY_NO_CDEV,
                           _("host device %1$s has the VFIO cdev %2$s in sysfs but no /dev/%3$s; mount devtmpfs on /dev or let udev create it"),
                           dev->bdf, (const char *) g_ptr_array_index(names, 0), node);
    return 0;
}


/* Endpoints of @dev's group the domain does not assign, bound to a
 * driver of the host: VFIO hands a guest whole groups. */
static void
qemuVIOMMUReadyCheckGroup(const qemuVIOMMUHostFacts *facts,
                          virSysIOMMUDevice *dev,
                          GHashTable *assigned,
                          GHashTable *reported,
                          GPtrArray *list)
{
    GPtrArray *members = qemuVIOMMUHostFactsGroup(facts, dev->group);
    size_t i;

    for (i = 0; members && i < members->len; i++) {
        virSysIOMMUDevice *other = g_ptr_array_index(members, i);

        if (g_hash_table_contains(assigned, other->bdf) ||
            g_hash_table_contains(reported, other->bdf))
            continue;
        if ((other->pciClass >> 8) == 0x0604 || !other->driver ||
            virSysIOMMUDeviceIsVFIO(other) || g_str_equal(other->driver, "pci-stub"))
            continue;
        g_hash_table_add(reported, other->bdf);
        qemuVIOMMUReadyAdd(list, QEMU_VIOMMU_READY_GROUP,
                           _("IOMMU group %1$d of host device %2$s is not viable: %3$s in it is bound to %4$s; bind %3$s to vfio-pci (or unbind it), or assign it too"),
                           dev->group, dev->bdf, other->bdf, other->driver);
    }
}


/* The physical SMMU @iommu of @dev, behind an accel='on' vSMMU: both
 * stages, and the registers QEMU holds it against. */
static void
qemuVIOMMUReadyCheckSMMU(virSysIOMMU *iommu,
                         virSysIOMMUDevice *dev,
                         GPtrArray *list)
{
    g_autoptr(GPtrArray) refused = g_ptr_array_new_with_free_func(g_free);
    virSysIOMMUCaps *caps = iommu->caps;
    virIOMMUSMMUv3Features f;
    size_t i;

    if (!virSysIOMMUCapsKnown(caps) ||
        caps->regs.type != VIR_IOMMU_CAPS_TYPE_SMMUV3)
        return;
    virIOMMUCapsDecodeSMMUv3(&caps->regs, &f);
    if (!f.nesting)
        qemuVIOMMUReadyAdd(list, QEMU_VIOMMU_READY_NO_NESTING,
                           _("host SMMU %1$s of %2$s has no nesting (stage 1 %3$s, stage 2 %4$s), which an accel='on' vSMMU needs; put the device behind a vSMMU with accel='off', or use another host"),
                           iommu->name, dev->bdf,
                           f.s1p ? "yes" : "no", f.s2p ? "yes" : "no");
    qemuVIOMMUSMMUCompatHost(iommu->name, caps, false, refused);
    for (i = 0; i < refused->len; i++)
        qemuVIOMMUReadyAdd(list, QEMU_VIOMMU_READY_SMMU, "%s",
                           (const char *) g_ptr_array_index(refused, i));
}


/* The options of the accel='on' vSMMU that @hd sits behind (the one
 * whose pciBus is the pcie-expander-bus above its guest address) above
 * what its physical SMMU @iommu has, by the rule plan and check apply
 * (qemuVIOMMUCapsCheck()); each vSMMU and SMMU pair once, by @seen. */
static void
qemuVIOMMUReadyCheckOptions(qemuVIOMMUDomain *def,
                            qemuVIOMMUAddrSet *addrs,
                            const qemuVIOMMUHostdev *hd,
                            virSysIOMMU *iommu,
                            GHashTable *seen,
                            GPtrArray *list)
{
    g_autoptr(GPtrArray) above = g_ptr_array_new_with_free_func(g_free);
    qemuVIOMMUController *pxb = NULL;
    qemuVIOMMUIOMMU *viommu;
    g_autofree char *who = NULL;
    size_t i;

    if (!hd->addr.set ||
        qemuVIOMMUAddrSetBusHome(addrs, hd->addr.addr.bus, &pxb) != QEMU_VIOMMU_BUS_HOME_EXPANDER ||
        !(viommu = qemuVIOMMUDomainFindIOMMUForBus(def, pxb->index)) ||
        viommu->model != QEMU_VIOMMU_MODEL_SMMUV3 ||
        !g_hash_table_add(seen, g_strdup_printf("%u %s", pxb->index, iommu->name)))
        return;
    who = g_strdup_printf(_("the vSMMU of pcie-expander-bus %1$u"), pxb->index);
    qemuVIOMMUCapsCheck(&viommu->options, who, iommu->name, iommu->caps, above);
    for (i = 0; i < above->len; i++)
        qemuVIOMMUReadyAdd(list, QEMU_VIOMMU_READY_OPTIONS, "%s",
                           (const char *) g_ptr_array_index(above, i));
}


/* What the whole domain needs: the caching mode of a q35 intel vIOMMU,
 * /dev/kvm and /dev/iommu; *accel says whether any vSMMU is accel='on',
 * *iommufd whether the domain uses iommufd. */
static void
qemuVIOMMUReadyCheckDomainWide(virSysIOMMUHost *host,
                               qemuVIOMMUDomain *def,
                               GPtrArray *list,
                               bool *accel,
                               bool *iommufd)
{
    g_autofree char *type = NULL;
    bool kvm;
    size_t i;

    *accel = false;
    for (i = 0; i < def->iommus->len; i++) {
        qemuVIOMMUIOMMU *iommu = g_ptr_array_index(def->iommus, i);
        qemuVIOMMUVTDCaching state = qemuVIOMMUVTDCachingMode(def, iommu);

        if (qemuVIOMMUOptionsIsOn(&iommu->options, QEMU_VIOMMU_OPTION_ACCEL))
            *accel = true;
        if (state != QEMU_VIOMMU_VTD_CACHING_FINE) {
            g_autofree char *path = qemuVIOMMUXMLNodePath(iommu->node);
            g_autofree char *msg = qemuVIOMMUVTDCachingMessage(def, path, state);

            qemuVIOMMUReadyAdd(list, QEMU_VIOMMU_READY_NO_CACHING_MODE, "%s", msg);
        }
    }
    type = (char *) xmlGetProp(def->root, BAD_CAST "type");
    kvm = g_strcmp0(type, "kvm") == 0 || *accel;
    *iommufd = def->iommufdEnabled || *accel;

    if (kvm && !qemuVIOMMUReadyHasDev(host, "kvm"))
        qemuVIOMMUReadyAdd(list, QEMU_VIOMMU_READY_NO_KVM, "%s",
                           _("no /dev/kvm: a KVM domain, and QEMU's accel='on' vSMMU, need KVM; load kvm (arm64: boot at EL2; x86: kvm_intel or kvm_amd) or use <domain type='qemu'> with accel='off'"));
    if (*iommufd && !qemuVIOMMUReadyHasDev(host, "iommu"))
        qemuVIOMMUReadyAdd(list, QEMU_VIOMMU_READY_NO_IOMMUFD, "%s",
                           _("no /dev/iommu: the kernel lacks CONFIG_IOMMUFD (Debian's own kernels are built without it), which <iommufd> and accel='on' vSMMUs need; boot a kernel with iommufd, or turn iommufd and accel off"));
}


int
qemuVIOMMUReadyCheck(virSysIOMMUHost *host,
                     xmlDocPtr doc,
                     GPtrArray **problems)
{
    g_autoptr(GPtrArray) list =
        g_ptr_array_new_with_free_func((GDestroyNotify) qemuVIOMMUReadyProblemFree);
    g_autoptr(qemuVIOMMUDomain) def = NULL;
    g_autoptr(qemuVIOMMUHostFacts) facts = NULL;
    g_autoptr(GHashTable) assigned = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) reported = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) smmus = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) vsmmus = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(qemuVIOMMUAddrSet) addrs = NULL;
    bool accel;
    bool iommufd;
    size_t i;

    if (!(def = qemuVIOMMUDomainParse(doc)) ||
        !(facts = qemuVIOMMUHostFactsCollect(host, def)) ||
        qemuVIOMMUAddrSetNew(def, &addrs) < 0)
        return -1;

    qemuVIOMMUReadyCheckDomainWide(host, def, list, &accel, &iommufd);

    for (i = 0; i < def->hostdevs->len; i++) {
        qemuVIOMMUHostdev *hd = g_ptr_array_index(def->hostdevs, i);
        const qemuVIOMMUHostdevFacts *hf = qemuVIOMMUHostFactsGet(facts, i);

        if (hf->state == QEMU_VIOMMU_HOSTDEV_FOUND && !hd->isMdev)
            g_hash_table_add(assigned, hf->dev->bdf);
    }

    for (i = 0; i < def->hostdevs->len; i++) {
        qemuVIOMMUHostdev *hd = g_ptr_array_index(def->hostdevs, i);
        const qemuVIOMMUHostdevFacts *hf = qemuVIOMMUHostFactsGet(facts, i);
        virSysIOMMUDevice *dev = hf->dev;

        if (hf->state != QEMU_VIOMMU_HOSTDEV_FOUND) {
            qemuVIOMMUReadyAdd(list, QEMU_VIOMMU_READY_NO_DEVICE,
                               _("host device %1$s (%2$s) is not on this host or has no IOMMU; plug it in, enable the IOMMU, or remove the <hostdev>"),
                               hd->sourceStr, qemuVIOMMUHostdevPath(hd));
            continue;
        }
        if (hd->isMdev)
            continue;
        if (!dev->detailed && virSysIOMMUHostGetDeviceDetails(host, dev) < 0)
            return -1;
        /* the rule plan applies: vfio-pci gives each BAR at its size */
        if (qemuVIOMMUWindowCheckBars(hd->sourceStr, dev->bars) < 0) {
            g_autofree char *msg = virErrorTakeLast();

            qemuVIOMMUReadyAdd(list, QEMU_VIOMMU_READY_BAR, "%s", msg);
        }

        if (!virSysIOMMUDeviceIsVFIO(dev)) {
            if (!qemuVIOMMUReadyManaged(hd))
                qemuVIOMMUReadyAdd(list, QEMU_VIOMMU_READY_NOT_VFIO,
                                   _("host device %1$s is bound to %2$s, not vfio-pci, and its <hostdev> is not managed='yes'; bind it to vfio-pci (e.g. driverctl set-override %1$s vfio-pci) or set managed='yes'"),
                                   dev->bdf, dev->driver ? dev->driver : "no driver");
        } else if (iommufd && qemuVIOMMUReadyCheckCdev(host, dev, list) < 0) {
            return -1;
        }

        if (dev->group >= 0)
            qemuVIOMMUReadyCheckGroup(facts, dev, assigned, reported, list);

        if (accel && hf->iommu && hf->iommu->kind == VIR_SYS_IOMMU_KIND_SMMUV3 &&
            !g_hash_table_contains(smmus, hf->iommu->name)) {
            g_hash_table_add(smmus, hf->iommu->name);
            qemuVIOMMUReadyCheckSMMU(hf->iommu, dev, list);
        }
        if (hf->iommu && hf->iommu->kind == VIR_SYS_IOMMU_KIND_SMMUV3)
            qemuVIOMMUReadyCheckOptions(def, addrs, hd, hf->iommu, vsmmus, list);
    }

    *problems = g_steal_pointer(&list);
    return (*problems)->len;
}
