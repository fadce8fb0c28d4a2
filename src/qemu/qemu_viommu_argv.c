/*
 * qemu_viommu_argv.c: the QEMU arguments of a planned vIOMMU topology,
 *                     as libvirt writes them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_argv.h"

#include <string.h>

#include "qemu_viommu_addr.h"
#include "qemu_viommu_conf.h"
#include "qemu_viommu_model.h"
#include "qemu_viommu_gpumem.h"
#include "qemu_viommu_window.h"
#include "qemu_viommu_xml.h"
#include "virerror.h"
#include "virjson.h"

/* The object @j (begun with virJSONBeginObject()) as the argument of
 * @opt, on one line, its keys in the order they were added: libvirt's. */
static void
qemuVIOMMUArgvAdd(GPtrArray *args, const char *opt, virJSONBuilder *j)
{
    virJSONEndObject(j);
    g_ptr_array_add(args, g_strdup(opt));
    g_ptr_array_add(args, virJSONFormatCompact(j));
}


static char *
qemuVIOMMUBusName(qemuVIOMMUDomain *def, unsigned int bus)
{
    qemuVIOMMUController *ctrl = qemuVIOMMUDomainFindController(def, bus);

    if (bus == 0 && (!ctrl || ctrl->model == QEMU_VIOMMU_CONTROLLER_PCIE_ROOT))
        return g_strdup("pcie.0");
    if (bus == 0)
        return g_strdup("pci.0");
    return g_strdup_printf("pci.%u", bus);
}


/* "bus", "multifunction" and "addr", as libvirt adds them last. */
static void
qemuVIOMMUArgvAddAddress(virJSONBuilder *j,
                         qemuVIOMMUDomain *def,
                         const qemuVIOMMUGuestAddress *addr)
{
    g_autofree char *bus = qemuVIOMMUBusName(def, addr->addr.bus);
    g_autofree char *where = NULL;

    virJSONAddString(j, "bus", bus);
    if (addr->multifunction)
        virJSONAddBool(j, "multifunction", true);
    if (addr->addr.function)
        where = g_strdup_printf("0x%x.0x%x", addr->addr.slot, addr->addr.function);
    else
        where = g_strdup_printf("0x%x", addr->addr.slot);
    virJSONAddString(j, "addr", where);
}


/* Is @ctrl part of the planned topology: a pxb or below one? */
static bool
qemuVIOMMUArgvWantController(qemuVIOMMUAddrSet *addrs,
                             qemuVIOMMUController *ctrl)
{
    qemuVIOMMUController *pxb;

    if (ctrl->model == QEMU_VIOMMU_CONTROLLER_PCIE_EXPANDER_BUS)
        return true;
    /* a chain that breaks off (a bus libvirt will add a root port for
     * on pcie.0) is not below a pxb */
    return ctrl->addr.set &&
        qemuVIOMMUAddrSetBusHome(addrs, ctrl->addr.addr.bus, &pxb) ==
        QEMU_VIOMMU_BUS_HOME_EXPANDER;
}


/* The QEMU device of @ctrl: its <model name>, else libvirt's default. */
static const char *
qemuVIOMMUArgvControllerDriver(qemuVIOMMUController *ctrl,
                               const char *dflt)
{
    if (ctrl->modelName == QEMU_VIOMMU_CONTROLLER_NAME_NONE)
        return dflt;
    return qemuVIOMMUControllerNameTypeToString(ctrl->modelName);
}


/* The properties before "bus" of a PCI controller below a pxb, as
 * libvirt 12.8 writes them (qemuBuildControllerPCIDevProps); the
 * defaults of chassis, port and chassisNr are those libvirt's read-back
 * shows for a controller without them (measured in the lab: a root
 * port's port is slot*8+function, a downstream port's its slot, chassis
 * and chassisNr the index).  Returns false for a model libvirt does not
 * put below a pcie-expander-bus. */
static bool
qemuVIOMMUArgvControllerProps(virJSONBuilder *j,
                              qemuVIOMMUController *ctrl,
                              const char *id)
{
    const virPCIDeviceAddress *a = &ctrl->addr.addr;

    switch (ctrl->model) {
    case QEMU_VIOMMU_CONTROLLER_PCIE_EXPANDER_BUS:
        virJSONAddString(j, "driver", "pxb-pcie");
        virJSONAddInt(j, "bus_nr", ctrl->busNr);
        virJSONAddString(j, "id", id);
        if (ctrl->numaNode >= 0)
            virJSONAddInt(j, "numa_node", ctrl->numaNode);
        return true;

    case QEMU_VIOMMU_CONTROLLER_PCIE_ROOT_PORT:
    case QEMU_VIOMMU_CONTROLLER_PCIE_SWITCH_DOWNSTREAM_PORT:
        if (ctrl->model == QEMU_VIOMMU_CONTROLLER_PCIE_ROOT_PORT) {
            /* ioh3420 or pcie-root-port, with the same properties */
            virJSONAddString(j, "driver",
                             qemuVIOMMUArgvControllerDriver(ctrl, "pcie-root-port"));
            virJSONAddInt(j, "port", ctrl->port >= 0 ? ctrl->port :
                          (int) (a->slot * 8 + a->function));
        } else {
            virJSONAddString(j, "driver",
                             qemuVIOMMUArgvControllerDriver(ctrl, "xio3130-downstream"));
            virJSONAddInt(j, "port", ctrl->port >= 0 ? ctrl->port : (int) a->slot);
        }
        virJSONAddInt(j, "chassis", ctrl->chassis >= 0 ? ctrl->chassis :
                      (int) ctrl->index);
        virJSONAddString(j, "id", id);
        if (ctrl->hotplugOff)
            virJSONAddBool(j, "hotplug", false);
        return true;

    case QEMU_VIOMMU_CONTROLLER_PCIE_SWITCH_UPSTREAM_PORT:
        virJSONAddString(j, "driver",
                         qemuVIOMMUArgvControllerDriver(ctrl, "x3130-upstream"));
        virJSONAddString(j, "id", id);
        return true;

    case QEMU_VIOMMU_CONTROLLER_PCIE_TO_PCI_BRIDGE:
        virJSONAddString(j, "driver",
                         qemuVIOMMUArgvControllerDriver(ctrl, "pcie-pci-bridge"));
        virJSONAddString(j, "id", id);
        return true;

    case QEMU_VIOMMU_CONTROLLER_PCI_BRIDGE:
        virJSONAddString(j, "driver",
                         qemuVIOMMUArgvControllerDriver(ctrl, "pci-bridge"));
        virJSONAddInt(j, "chassis_nr", ctrl->chassisNr > 0 ? ctrl->chassisNr :
                      (int) ctrl->index);
        virJSONAddString(j, "id", id);
        return true;

    case QEMU_VIOMMU_CONTROLLER_PCI_ROOT:
    case QEMU_VIOMMU_CONTROLLER_PCIE_ROOT:
    case QEMU_VIOMMU_CONTROLLER_DMI_TO_PCI_BRIDGE:
    case QEMU_VIOMMU_CONTROLLER_PCI_EXPANDER_BUS:
    case QEMU_VIOMMU_CONTROLLER_LAST:
        break;
    }
    return false;
}


static int
qemuVIOMMUArgvController(GPtrArray *args,
                         qemuVIOMMUDomain *def,
                         qemuVIOMMUController *ctrl)
{
    g_autofree char *path = qemuVIOMMUXMLNodePath(ctrl->node);
    g_autofree char *id = g_strdup_printf("pci.%u", ctrl->index);
    g_autoptr(virJSONBuilder) j = virJSONBuilderNew();

    if (!ctrl->addr.set) {
        virReportError(VIR_ERROR_NO_PLAN, _("%1$s: controller %2$u has no <address>; plan the domain first"),
                       path, ctrl->index);
        return -1;
    }
    if (ctrl->model == QEMU_VIOMMU_CONTROLLER_PCIE_EXPANDER_BUS && ctrl->busNr < 0) {
        virReportError(VIR_ERROR_NO_PLAN, _("%1$s: pcie-expander-bus %2$u has no <target busNr>; plan the domain first"),
                       path, ctrl->index);
        return -1;
    }

    virJSONBeginObject(j, NULL);
    if (!qemuVIOMMUArgvControllerProps(j, ctrl, id)) {
        virReportError(VIR_ERROR_NO_PLAN, _("%1$s: a %2$s cannot sit below a pcie-expander-bus; libvirt refuses it there"),
                       path, qemuVIOMMUControllerModelTypeToString(ctrl->model));
        return -1;
    }

    qemuVIOMMUArgvAddAddress(j, def, &ctrl->addr);
    qemuVIOMMUArgvAdd(args, "-device", j);
    return 0;
}


/* How libvirt passes an option to QEMU, in the order it writes them. */
typedef enum {
    QEMU_VIOMMU_OPT_STRING,     /* "on"/"off", or a number, as a string */
    QEMU_VIOMMU_OPT_BOOL,       /* on/off as true/false */
    QEMU_VIOMMU_OPT_INT,        /* a number */
} qemuVIOMMUOptType;

typedef struct _qemuVIOMMUOpt qemuVIOMMUOpt;
struct _qemuVIOMMUOpt {
    qemuVIOMMUOption opt;
    const char *qemu;
    qemuVIOMMUOptType type;
};

static const qemuVIOMMUOpt qemuVIOMMUSMMUv3Opts[] = {
    { QEMU_VIOMMU_OPTION_ACCEL, "accel", QEMU_VIOMMU_OPT_BOOL },
    { QEMU_VIOMMU_OPTION_ATS, "ats", QEMU_VIOMMU_OPT_STRING },
    { QEMU_VIOMMU_OPTION_RIL, "ril", QEMU_VIOMMU_OPT_STRING },
    { QEMU_VIOMMU_OPTION_SSIDSIZE, "ssidsize", QEMU_VIOMMU_OPT_STRING },
    { QEMU_VIOMMU_OPTION_OAS, "oas", QEMU_VIOMMU_OPT_STRING },
    { QEMU_VIOMMU_OPTION_CMDQV, "cmdqv", QEMU_VIOMMU_OPT_STRING },
};

static const qemuVIOMMUOpt qemuVIOMMUIntelOpts[] = {
    { QEMU_VIOMMU_OPTION_INTREMAP, "intremap", QEMU_VIOMMU_OPT_STRING },
    { QEMU_VIOMMU_OPTION_CACHING_MODE, "caching-mode", QEMU_VIOMMU_OPT_BOOL },
    { QEMU_VIOMMU_OPTION_EIM, "eim", QEMU_VIOMMU_OPT_STRING },
    { QEMU_VIOMMU_OPTION_IOTLB, "device-iotlb", QEMU_VIOMMU_OPT_BOOL },
    { QEMU_VIOMMU_OPTION_AW_BITS, "aw-bits", QEMU_VIOMMU_OPT_INT },
    { QEMU_VIOMMU_OPTION_DMA_TRANSLATION, "dma-translation", QEMU_VIOMMU_OPT_BOOL },
};


static int
qemuVIOMMUArgvAddOptions(virJSONBuilder *j,
                         qemuVIOMMUIOMMU *iommu,
                         const char *path,
                         const qemuVIOMMUOpt *opts,
                         size_t nopts)
{
    const qemuVIOMMUOptions *o = &iommu->options;
    unsigned int known = 0;
    size_t i;

    for (i = 0; i < nopts; i++)
        known |= 1U << opts[i].opt;
    for (i = 0; i < QEMU_VIOMMU_OPTION_LAST; i++) {
        if (qemuVIOMMUOptionsHas(o, i) && !(known & (1U << i))) {
            virReportError(VIR_ERROR_UNSUPPORTED, _("%1$s: <iommu model='%2$s'> driver option '%3$s' is not one virt-viommu knows how libvirt passes to QEMU"),
                           path, qemuVIOMMUModelTypeToString(iommu->model),
                           qemuVIOMMUOptionTypeToString(i));
            return -1;
        }
    }

    for (i = 0; i < nopts; i++) {
        unsigned int val = o->value[opts[i].opt];
        g_autofree char *str = NULL;

        if (!qemuVIOMMUOptionsHas(o, opts[i].opt))
            continue;
        switch (opts[i].type) {
        case QEMU_VIOMMU_OPT_STRING:
            str = qemuVIOMMUOptionValueString(opts[i].opt, val);
            virJSONAddString(j, opts[i].qemu, str);
            break;
        case QEMU_VIOMMU_OPT_BOOL:
            virJSONAddBool(j, opts[i].qemu, val != 0);
            break;
        case QEMU_VIOMMU_OPT_INT:
            virJSONAddInt(j, opts[i].qemu, val);
            break;
        }
    }
    return 0;
}


/* The vIOMMU models virt-viommu writes arguments for. */
typedef struct _qemuVIOMMUArgvModel qemuVIOMMUArgvModel;
struct _qemuVIOMMUArgvModel {
    qemuVIOMMUModel model;
    const char *driver;         /* QEMU device */
    bool primaryBus;            /* takes "primary-bus" from pciBus */
    const qemuVIOMMUOpt *opts;
    size_t nopts;
};

static const qemuVIOMMUArgvModel qemuVIOMMUArgvModels[] = {
    { QEMU_VIOMMU_MODEL_SMMUV3, "arm-smmuv3", true,
      qemuVIOMMUSMMUv3Opts, G_N_ELEMENTS(qemuVIOMMUSMMUv3Opts) },
    { QEMU_VIOMMU_MODEL_INTEL, "intel-iommu", false,
      qemuVIOMMUIntelOpts, G_N_ELEMENTS(qemuVIOMMUIntelOpts) },
};


static int
qemuVIOMMUArgvIOMMU(GPtrArray *args,
                    qemuVIOMMUDomain *def,
                    qemuVIOMMUIOMMU *iommu)
{
    g_autofree char *path = qemuVIOMMUXMLNodePath(iommu->node);
    g_autofree char *id = g_strdup_printf("iommu%u", iommu->alias);
    const qemuVIOMMUArgvModel *model = NULL;
    g_autoptr(virJSONBuilder) j = virJSONBuilderNew();
    size_t i;

    if (qemuVIOMMUIOMMUCheckMachine(def, iommu, path) < 0)
        return -1;
    for (i = 0; i < G_N_ELEMENTS(qemuVIOMMUArgvModels); i++) {
        if (iommu->model == qemuVIOMMUArgvModels[i].model)
            model = &qemuVIOMMUArgvModels[i];
    }
    if (!model) {
        virReportError(VIR_ERROR_UNSUPPORTED, _("%1$s: <iommu model='%2$s'> is not a vIOMMU virt-viommu writes arguments for (smmuv3, intel)"),
                       path, qemuVIOMMUModelTypeToString(iommu->model));
        return -1;
    }

    /* an smmuv3 without pciBus is the machine's own (-machine iommu=) */
    if (model->primaryBus && iommu->pciBus < 0)
        return 0;
    if (model->primaryBus && iommu->pciBus > 0 &&
        !qemuVIOMMUDomainFindController(def, iommu->pciBus)) {
        virReportError(VIR_ERROR_XML_INVALID, _("%1$s: pciBus='%2$d' names no PCI controller; point it at a pcie-expander-bus index"),
                       path, iommu->pciBus);
        return -1;
    }

    virJSONBeginObject(j, NULL);
    virJSONAddString(j, "driver", model->driver);
    if (model->primaryBus) {
        g_autofree char *bus = qemuVIOMMUBusName(def, iommu->pciBus);

        virJSONAddString(j, "primary-bus", bus);
    }
    virJSONAddString(j, "id", id);
    if (qemuVIOMMUArgvAddOptions(j, iommu, path, model->opts, model->nopts) < 0) {
        return -1;
    }

    qemuVIOMMUArgvAdd(args, "-device", j);
    return 0;
}


static bool
qemuVIOMMUHostdevUsesIOMMUFD(qemuVIOMMUDomain *def, qemuVIOMMUHostdev *hd)
{
    xmlNodePtr driver = qemuVIOMMUXMLChild(hd->node, "driver");
    g_autofree char *iommufd = driver ? qemuVIOMMUXMLProp(driver, "iommufd") : NULL;

    if (iommufd)
        return strcmp(iommufd, "yes") == 0;
    return def->iommufdEnabled;
}


/* One acpi-generic-initiator object per node of the <acpi nodeset> of
 * @hd, right after its device, as libvirt 12.8 writes them.  libvirt
 * numbers their ids "giN" with one counter for the whole daemon, so
 * only a daemon's first command line starts at gi0; these are numbered
 * as that one. */
static int
qemuVIOMMUArgvGenericInitiators(GPtrArray *args,
                                qemuVIOMMUHostdev *hd,
                                unsigned int *gi)
{
    g_autoptr(GArray) nodes = NULL;
    g_autofree char *dev = g_strdup_printf("hostdev%u", hd->alias);
    size_t i;

    if (qemuVIOMMUGPUMemNodeset(hd, &nodes) < 0)
        return -1;
    for (i = 0; nodes && i < nodes->len; i++) {
        g_autofree char *id = g_strdup_printf("gi%u", (*gi)++);
        g_autoptr(virJSONBuilder) j = virJSONBuilderNew();

        virJSONBeginObject(j, NULL);
        virJSONAddString(j, "qom-type", "acpi-generic-initiator");
        virJSONAddString(j, "id", id);
        virJSONAddString(j, "pci-dev", dev);
        virJSONAddInt(j, "node", g_array_index(nodes, unsigned int, i));
        qemuVIOMMUArgvAdd(args, "-object", j);
    }
    return 0;
}


static int
qemuVIOMMUArgvHostdev(GPtrArray *args,
                      qemuVIOMMUDomain *def,
                      qemuVIOMMUHostdev *hd,
                      const qemuVIOMMUArgvOptions *opts)
{
    g_autofree char *id = g_strdup_printf("hostdev%u", hd->alias);
    bool iommufd = qemuVIOMMUHostdevUsesIOMMUFD(def, hd);
    xmlNodePtr rom = qemuVIOMMUXMLChild(hd->node, "rom");
    xmlNodePtr boot = qemuVIOMMUXMLChild(hd->node, "boot");
    g_autoptr(virJSONBuilder) j = virJSONBuilderNew();

    if (!hd->addr.set) {
        virReportError(VIR_ERROR_NO_PLAN, _("%1$s: host device %2$s has no guest <address>; plan the domain first"),
                       qemuVIOMMUHostdevPath(hd), hd->sourceStr);
        return -1;
    }

    virJSONBeginObject(j, NULL);
    virJSONAddString(j, "driver", "vfio-pci");
    if (hd->isMdev) {
        g_autofree char *sysfsdev = g_strdup_printf("/sys/bus/mdev/devices/%s", hd->mdevUUID);

        virJSONAddString(j, "id", id);
        virJSONAddString(j, "sysfsdev", sysfsdev);
    } else {
        if (!iommufd || opts->standalone)
            virJSONAddString(j, "host", hd->sourceStr);
        virJSONAddString(j, "id", id);
    }
    /* libvirt: bootindex right after the id, rombar after the address */
    if (boot) {
        unsigned int order;

        if (qemuVIOMMUXMLPropUInt(boot, "order", G_MAXINT, "a <boot>", &order) == 1)
            virJSONAddInt(j, "bootindex", order);
    }
    if (iommufd)
        virJSONAddString(j, "iommufd", "iommufd0");
    qemuVIOMMUArgvAddAddress(j, def, &hd->addr);

    if (rom) {
        g_autofree char *bar = qemuVIOMMUXMLProp(rom, "bar");
        g_autofree char *file = qemuVIOMMUXMLProp(rom, "file");

        if (g_strcmp0(bar, "off") == 0)
            virJSONAddInt(j, "rombar", 0);
        else if (g_strcmp0(bar, "on") == 0)
            virJSONAddInt(j, "rombar", 1);
        if (file)
            virJSONAddString(j, "romfile", file);
    }

    qemuVIOMMUArgvAdd(args, "-device", j);
    return 0;
}


/* The 64-bit MMIO window of <pcihole64>, as libvirt 12.8 writes it:
 * on 'virt' the machine property highmem-mmio-size (libvirt appends it
 * to its one -machine, QEMU merges a second -machine into the first),
 * on q35 a -global of the host bridge; in KiB, with a 'K'. */
static int
qemuVIOMMUArgvWindow(GPtrArray *args, qemuVIOMMUDomain *def)
{
    unsigned long long bytes;
    int rc;

    if ((rc = qemuVIOMMUWindowGet(def, &bytes)) <= 0)
        return rc;

    switch (def->archKind) {
    case QEMU_VIOMMU_ARCH_AARCH64_VIRT:
        g_ptr_array_add(args, g_strdup("-machine"));
        g_ptr_array_add(args, g_strdup_printf("highmem-mmio-size=%lluK", bytes >> 10));
        break;
    case QEMU_VIOMMU_ARCH_X86_Q35:
        g_ptr_array_add(args, g_strdup("-global"));
        g_ptr_array_add(args, g_strdup_printf("q35-pcihost.pci-hole64-size=%lluK", bytes >> 10));
        break;
    case QEMU_VIOMMU_ARCH_LAST:
        break;
    }
    return 0;
}


int
qemuVIOMMUBuildArgv(xmlDocPtr doc,
                    const qemuVIOMMUArgvOptions *opts,
                    GPtrArray **ret)
{
    g_autoptr(qemuVIOMMUDomain) def = NULL;
    g_autoptr(qemuVIOMMUAddrSet) addrs = NULL;
    g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) ctrls = g_ptr_array_new();
    bool iommufd = false;
    unsigned int gi = 0;
    size_t i;

    if (!(def = qemuVIOMMUDomainParse(doc)) ||
        qemuVIOMMUAddrSetNew(def, &addrs) < 0)
        return -1;

    if (qemuVIOMMUArgvWindow(args, def) < 0)
        return -1;

    for (i = 0; i < def->controllers->len; i++) {
        qemuVIOMMUController *ctrl = g_ptr_array_index(def->controllers, i);

        if (qemuVIOMMUArgvWantController(addrs, ctrl))
            g_ptr_array_add(ctrls, ctrl);
    }
    /* libvirt writes PCI controllers in index order */
    for (i = 0; i < 256; i++) {
        qemuVIOMMUController *ctrl = qemuVIOMMUDomainFindController(def, i);

        if (ctrl && g_ptr_array_find(ctrls, ctrl, NULL) &&
            qemuVIOMMUArgvController(args, def, ctrl) < 0)
            return -1;
    }

    for (i = 0; i < def->iommus->len; i++) {
        if (qemuVIOMMUArgvIOMMU(args, def, g_ptr_array_index(def->iommus, i)) < 0)
            return -1;
    }

    for (i = 0; i < def->hostdevs->len; i++) {
        if (qemuVIOMMUHostdevUsesIOMMUFD(def, g_ptr_array_index(def->hostdevs, i)))
            iommufd = true;
    }
    if (iommufd) {
        g_autoptr(virJSONBuilder) j = virJSONBuilderNew();

        virJSONBeginObject(j, NULL);
        virJSONAddString(j, "qom-type", "iommufd");
        virJSONAddString(j, "id", "iommufd0");
        qemuVIOMMUArgvAdd(args, "-object", j);
    }

    for (i = 0; i < def->hostdevs->len; i++) {
        if (qemuVIOMMUArgvHostdev(args, def, g_ptr_array_index(def->hostdevs, i), opts) < 0 ||
            qemuVIOMMUArgvGenericInitiators(args, g_ptr_array_index(def->hostdevs, i), &gi) < 0)
            return -1;
    }

    *ret = g_steal_pointer(&args);
    return 0;
}


/* Quote @str for /bin/sh exactly as libvirt's virBufferEscapeShell()
 * does when virsh domxml-to-native prints a command line: as it is when
 * it holds no shell metacharacter, else in single quotes with each ' as
 * '\'' (close, escaped quote, reopen). */
static void
qemuVIOMMUArgvEscapeShell(GString *buf, const char *str)
{
    if (!*str) {
        g_string_append(buf, "''");
        return;
    }
    if (!strpbrk(str, "\r\t\n !\"#$&'()*;<>?[\\]^`{|}~")) {
        g_string_append(buf, str);
        return;
    }

    g_string_append_c(buf, '\'');
    for (; *str; str++) {
        if (*str == '\'')
            g_string_append(buf, "'\\''");
        else
            g_string_append_c(buf, *str);
    }
    g_string_append_c(buf, '\'');
}


char *
qemuVIOMMUArgvFormat(GPtrArray *args, bool continued)
{
    GString *buf = g_string_new(NULL);
    size_t i;

    for (i = 0; i + 1 < args->len; i += 2) {
        qemuVIOMMUArgvEscapeShell(buf, g_ptr_array_index(args, i));
        g_string_append_c(buf, ' ');
        qemuVIOMMUArgvEscapeShell(buf, g_ptr_array_index(args, i + 1));
        if (continued && i + 2 < args->len)
            g_string_append(buf, " \\");
        g_string_append_c(buf, '\n');
    }
    return g_string_free(buf, FALSE);
}
