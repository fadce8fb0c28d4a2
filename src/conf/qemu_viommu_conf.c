/*
 * qemu_viommu_conf.c: the parts of a libvirt domain definition that the
 *                     vIOMMU planner reads and writes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_conf.h"

#include <string.h>

#include "qemu_viommu_xml.h"
#include "virerror.h"

VIR_ENUM_IMPL(qemuVIOMMUControllerModel,
              QEMU_VIOMMU_CONTROLLER_LAST,
              "pci-root",
              "pcie-root",
              "pci-bridge",
              "dmi-to-pci-bridge",
              "pcie-root-port",
              "pcie-switch-upstream-port",
              "pcie-switch-downstream-port",
              "pci-expander-bus",
              "pcie-expander-bus",
              "pcie-to-pci-bridge",
);


VIR_ENUM_IMPL(qemuVIOMMUControllerName,
              QEMU_VIOMMU_CONTROLLER_NAME_LAST,
              "none",
              "pci-bridge",
              "i82801b11-bridge",
              "ioh3420",
              "x3130-upstream",
              "xio3130-downstream",
              "pxb",
              "pxb-pcie",
              "pcie-root-port",
              "spapr-pci-host-bridge",
              "pcie-pci-bridge",
);


qemuVIOMMUBusKind
qemuVIOMMUControllerModelBusKind(qemuVIOMMUControllerModel model)
{
    switch (model) {
    case QEMU_VIOMMU_CONTROLLER_PCI_ROOT:
    case QEMU_VIOMMU_CONTROLLER_PCIE_ROOT:
        return QEMU_VIOMMU_BUS_KIND_ROOT;
    case QEMU_VIOMMU_CONTROLLER_PCI_EXPANDER_BUS:
    case QEMU_VIOMMU_CONTROLLER_PCIE_EXPANDER_BUS:
        return QEMU_VIOMMU_BUS_KIND_EXPANDER;
    case QEMU_VIOMMU_CONTROLLER_PCI_BRIDGE:
    case QEMU_VIOMMU_CONTROLLER_DMI_TO_PCI_BRIDGE:
    case QEMU_VIOMMU_CONTROLLER_PCIE_ROOT_PORT:
    case QEMU_VIOMMU_CONTROLLER_PCIE_SWITCH_UPSTREAM_PORT:
    case QEMU_VIOMMU_CONTROLLER_PCIE_SWITCH_DOWNSTREAM_PORT:
    case QEMU_VIOMMU_CONTROLLER_PCIE_TO_PCI_BRIDGE:
    case QEMU_VIOMMU_CONTROLLER_LAST:
        break;
    }
    return QEMU_VIOMMU_BUS_KIND_BRIDGE;
}


VIR_ENUM_IMPL(qemuVIOMMUModel,
              QEMU_VIOMMU_MODEL_LAST,
              "intel",
              "smmuv3",
              "virtio",
              "amd",
);

VIR_ENUM_IMPL(qemuVIOMMUOption,
              QEMU_VIOMMU_OPTION_LAST,
              "intremap",
              "caching_mode",
              "eim",
              "iotlb",
              "aw_bits",
              "dma_translation",
              "accel",
              "ats",
              "ril",
              "ssidsize",
              "oas",
              "cmdqv",
);


bool
qemuVIOMMUOptionIsSwitch(qemuVIOMMUOption opt)
{
    switch (opt) {
    case QEMU_VIOMMU_OPTION_AW_BITS:
    case QEMU_VIOMMU_OPTION_SSIDSIZE:
    case QEMU_VIOMMU_OPTION_OAS:
        return false;
    case QEMU_VIOMMU_OPTION_INTREMAP:
    case QEMU_VIOMMU_OPTION_CACHING_MODE:
    case QEMU_VIOMMU_OPTION_EIM:
    case QEMU_VIOMMU_OPTION_IOTLB:
    case QEMU_VIOMMU_OPTION_DMA_TRANSLATION:
    case QEMU_VIOMMU_OPTION_ACCEL:
    case QEMU_VIOMMU_OPTION_ATS:
    case QEMU_VIOMMU_OPTION_RIL:
    case QEMU_VIOMMU_OPTION_CMDQV:
    case QEMU_VIOMMU_OPTION_LAST:
        break;
    }
    return true;
}


bool
qemuVIOMMUOptionsHas(const qemuVIOMMUOptions *opts, qemuVIOMMUOption opt)
{
    return (opts->present & (1U << opt)) != 0;
}


void
qemuVIOMMUOptionsSet(qemuVIOMMUOptions *opts,
                     qemuVIOMMUOption opt,
                     unsigned int value)
{
    opts->present |= 1U << opt;
    opts->value[opt] = value;
}


bool
qemuVIOMMUOptionsIsOn(const qemuVIOMMUOptions *opts, qemuVIOMMUOption opt)
{
    return qemuVIOMMUOptionsHas(opts, opt) && opts->value[opt] == 1;
}


bool
qemuVIOMMUOptionsEqual(const qemuVIOMMUOptions *a,
                       const qemuVIOMMUOptions *b)
{
    size_t i;

    if (a->present != b->present)
        return false;
    for (i = 0; i < QEMU_VIOMMU_OPTION_LAST; i++) {
        if (qemuVIOMMUOptionsHas(a, i) && a->value[i] != b->value[i])
            return false;
    }
    return true;
}


static int
qemuVIOMMUOptionParseValue(qemuVIOMMUOption opt,
                           const char *val,
                           const char *who,
                           unsigned int *out)
{
    const char *name = qemuVIOMMUOptionTypeToString(opt);
    guint64 num;

    if (qemuVIOMMUOptionIsSwitch(opt)) {
        if (g_str_equal(val, "on") || g_str_equal(val, "off")) {
            *out = g_str_equal(val, "on");
            return 0;
        }
        virReportError(VIR_ERROR_XML_INVALID, _("%1$s: <iommu> driver option %2$s='%3$.40s' must be 'on' or 'off'"),
                       who, name, val);
        return -1;
    }
    if (!g_ascii_string_to_unsigned(val, 10, 0, 255, &num, NULL)) {
        virReportError(VIR_ERROR_XML_INVALID, _("%1$s: <iommu> driver option %2$s='%3$.40s' must be a number from 0 to 255"),
                       who, name, val);
        return -1;
    }
    *out = num;
    return 0;
}


int
qemuVIOMMUOptionsParse(xmlNodePtr node,
                       const char *who,
                       const char * const *skip,
                       qemuVIOMMUOptions *opts)
{
    xmlAttrPtr attr;

    memset(opts, 0, sizeof(*opts));
    for (attr = node ? node->properties : NULL; attr; attr = attr->next) {
        const char *name = (const char *) attr->name;
        g_autofree char *val = NULL;
        unsigned int value;
        int opt;

        if (skip && g_strv_contains(skip, name))
            continue;
        if ((opt = qemuVIOMMUOptionTypeFromString(name)) < 0) {
            virReportError(VIR_ERROR_UNSUPPORTED, _("%1$s: '%2$.40s' is not a vIOMMU driver option virt-viommu knows how libvirt passes to QEMU"),
                           who, name);
            return -1;
        }
        val = qemuVIOMMUXMLProp(node, name);
        if (qemuVIOMMUOptionParseValue(opt, val, who, &value) < 0)
            return -1;
        qemuVIOMMUOptionsSet(opts, opt, value);
    }
    return 0;
}


char *
qemuVIOMMUOptionValueString(qemuVIOMMUOption opt, unsigned int value)
{
    if (qemuVIOMMUOptionIsSwitch(opt))
        return g_strdup(value ? "on" : "off");
    return g_strdup_printf("%u", value);
}


void
qemuVIOMMUOptionsFormat(const qemuVIOMMUOptions *opts, xmlNodePtr node)
{
    size_t i;

    for (i = 0; i < QEMU_VIOMMU_OPTION_LAST; i++) {
        g_autofree char *value = NULL;

        if (!qemuVIOMMUOptionsHas(opts, i))
            continue;
        value = qemuVIOMMUOptionValueString(i, opts->value[i]);
        xmlSetProp(node, BAD_CAST qemuVIOMMUOptionTypeToString(i), BAD_CAST value);
    }
}


static void
qemuVIOMMUHostdevFree(qemuVIOMMUHostdev *dev)
{
    g_free(dev->mdevUUID);
    g_free(dev->sourceStr);
    g_free(dev->path);
    g_free(dev);
}


void
qemuVIOMMUDomainFree(qemuVIOMMUDomain *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_free(def->arch);
    g_free(def->machine);
    if (def->controllers)
        g_ptr_array_unref(def->controllers);
    if (def->hostdevs)
        g_ptr_array_unref(def->hostdevs);
    if (def->iommus)
        g_ptr_array_unref(def->iommus);
    if (def->others)
        g_ptr_array_unref(def->others);
    if (def->numaCells)
        g_array_unref(def->numaCells);
    if (def->memnodes)
        g_hash_table_unref(def->memnodes);
    g_free(def);
}


int
qemuVIOMMUParseGuestAddress(xmlNodePtr node,
                            qemuVIOMMUGuestAddress *addr)
{
    xmlNodePtr cur;
    g_autofree char *type = NULL;
    g_autofree char *mf = NULL;
    unsigned int v;
    int rc;

    memset(addr, 0, sizeof(*addr));

    for (cur = node->children; cur; cur = cur->next) {
        if (cur->type == XML_ELEMENT_NODE &&
            xmlStrEqual(cur->name, BAD_CAST "address"))
            break;
    }
    if (!cur)
        return 0;

    type = qemuVIOMMUXMLProp(cur, "type");
    if (g_strcmp0(type, "pci") != 0)
        return 0;

    if ((rc = qemuVIOMMUXMLPropUInt(cur, "domain", 0xffff, "a PCI address", &v)) < 0)
        return -1;
    addr->addr.domain = rc ? v : 0;
    if ((rc = qemuVIOMMUXMLPropUInt(cur, "bus", 0xff, "a PCI address", &v)) < 0)
        return -1;
    addr->addr.bus = rc ? v : 0;
    if ((rc = qemuVIOMMUXMLPropUInt(cur, "slot", 0x1f, "a PCI address", &v)) < 0)
        return -1;
    addr->addr.slot = rc ? v : 0;
    if ((rc = qemuVIOMMUXMLPropUInt(cur, "function", 7, "a PCI address", &v)) < 0)
        return -1;
    addr->addr.function = rc ? v : 0;

    mf = qemuVIOMMUXMLProp(cur, "multifunction");
    addr->multifunction = g_strcmp0(mf, "on") == 0;
    /* libvirt assigns an address whose domain, bus and slot are all 0
     * (virt-install writes <address type='pci'/> for that):
     * virDeviceInfoPCIAddressWanted, virPCIDeviceAddressIsEmpty */
    addr->set = addr->addr.domain || addr->addr.bus || addr->addr.slot;
    if (!addr->set)
        memset(addr, 0, sizeof(*addr));
    return 0;
}


bool
qemuVIOMMUAddressWanted(xmlNodePtr node)
{
    xmlNodePtr addr = qemuVIOMMUXMLChild(node, "address");
    g_autofree char *type = NULL;
    qemuVIOMMUGuestAddress guest;

    if (!addr)
        return true;
    type = qemuVIOMMUXMLProp(addr, "type");
    if (g_strcmp0(type, "pci") != 0)
        return false;
    /* an address that does not parse is reported by the parser */
    return qemuVIOMMUParseGuestAddress(node, &guest) == 0 && !guest.set;
}


/* The path of @node for a message, made on first use. */
static const char *
qemuVIOMMULazyPath(xmlNodePtr node, char **cache)
{
    if (!*cache)
        *cache = qemuVIOMMUXMLNodePath(node);
    return *cache;
}


/* The <target> of PCI controller @ctrl: busNr, chassis, port,
 * chassisNr, hotplug and the NUMA <node>. */
static int
qemuVIOMMUParseControllerTarget(qemuVIOMMUController *ctrl,
                                xmlNodePtr node,
                                char **path)
{
    xmlNodePtr target = qemuVIOMMUXMLChild(node, "target");
    g_autofree char *hotplug = NULL;
    xmlNodePtr numa;
    unsigned int v;
    int rc;

    if (!target)
        return 0;

    if ((rc = qemuVIOMMUXMLPropUInt(target, "busNr", 255, "a PCI controller target", &v)) < 0)
        return -1;
    if (rc)
        ctrl->busNr = v;
    if ((rc = qemuVIOMMUXMLPropUInt(target, "chassis", 255, "a PCI controller target", &v)) < 0)
        return -1;
    if (rc)
        ctrl->chassis = v;
    if ((rc = qemuVIOMMUXMLPropUInt(target, "port", 255, "a PCI controller target", &v)) < 0)
        return -1;
    if (rc)
        ctrl->port = v;
    if ((rc = qemuVIOMMUXMLPropUInt(target, "chassisNr", 255, "a PCI controller target", &v)) < 0)
        return -1;
    if (rc)
        ctrl->chassisNr = v;
    hotplug = qemuVIOMMUXMLProp(target, "hotplug");
    ctrl->hotplugOff = g_strcmp0(hotplug, "off") == 0;

    if ((numa = qemuVIOMMUXMLChild(target, "node"))) {
        g_autofree char *text = (char *) xmlNodeGetContent(numa);
        guint64 n;

        if (!text || !g_ascii_string_to_unsigned(g_strstrip(text), 10, 0, 1023, &n, NULL)) {
            virReportError(VIR_ERROR_XML_INVALID, _("%1$s: <node> of PCI controller %2$u is not a NUMA cell number"),
                           qemuVIOMMULazyPath(node, path), ctrl->index);
            return -1;
        }
        ctrl->numaNode = n;
    }
    return 0;
}


/* <model name=...>: the QEMU device libvirt uses for the controller. */
static int
qemuVIOMMUParseControllerName(qemuVIOMMUController *ctrl,
                              xmlNodePtr node,
                              char **path)
{
    g_autofree char *name = qemuVIOMMUXMLProp(qemuVIOMMUXMLChild(node, "model"), "name");
    int n;

    if (!name)
        return 0;
    if ((n = qemuVIOMMUControllerNameTypeFromString(name)) <= 0) {
        virReportError(VIR_ERROR_XML_INVALID, _("%1$s: unknown PCI controller <model name='%2$.40s'>"),
                       qemuVIOMMULazyPath(node, path), name);
        return -1;
    }
    ctrl->modelName = n;
    return 0;
}


static int
qemuVIOMMUParseController(qemuVIOMMUDomain *def, xmlNodePtr node)
{
    g_autofree char *type = qemuVIOMMUXMLProp(node, "type");
    g_autofree char *model = NULL;
    g_autofree char *path = NULL;
    g_autofree qemuVIOMMUController *ctrl = NULL;
    int rc;
    size_t i;

    if (g_strcmp0(type, "pci") != 0)
        return 1;

    ctrl = g_new0(qemuVIOMMUController, 1);
    ctrl->node = node;
    ctrl->busNr = ctrl->numaNode = ctrl->chassis = ctrl->port = ctrl->chassisNr = -1;

    if ((rc = qemuVIOMMUXMLPropUInt(node, "index", 255, "a PCI controller", &ctrl->index)) < 0)
        return -1;
    ctrl->implicitIndex = rc == 0;

    model = qemuVIOMMUXMLProp(node, "model");
    if (!model) {
        if (ctrl->index != 0 || ctrl->implicitIndex) {
            virReportError(VIR_ERROR_XML_INVALID, _("%1$s: a PCI controller other than the root (index='0') needs a model"),
                           qemuVIOMMULazyPath(node, &path));
            return -1;
        }
        /* both machines virt-viommu plans for are PCI Express */
        ctrl->model = QEMU_VIOMMU_CONTROLLER_PCIE_ROOT;
    } else if ((int) (ctrl->model = qemuVIOMMUControllerModelTypeFromString(model)) < 0) {
        virReportError(VIR_ERROR_XML_INVALID, _("%1$s: unknown PCI controller model '%2$s'"),
                       qemuVIOMMULazyPath(node, &path), model);
        return -1;
    }

    if (qemuVIOMMUParseGuestAddress(node, &ctrl->addr) < 0)
        return -1;

    if (qemuVIOMMUParseControllerTarget(ctrl, node, &path) < 0 ||
        qemuVIOMMUParseControllerName(ctrl, node, &path) < 0)
        return -1;

    for (i = 0; i < def->controllers->len && !ctrl->implicitIndex; i++) {
        qemuVIOMMUController *other = g_ptr_array_index(def->controllers, i);

        if (!other->implicitIndex && other->index == ctrl->index) {
            virReportError(VIR_ERROR_CONFLICT, _("%1$s: PCI controller index %2$u is used twice; each PCI controller needs its own index"),
                           qemuVIOMMULazyPath(node, &path), ctrl->index);
            return -1;
        }
    }

    g_ptr_array_add(def->controllers, g_steal_pointer(&ctrl));
    return 0;
}


/*
 * Give each PCI controller without an index the one libvirt 12.8 gives
 * it: in document order, the lowest index no PCI controller has, the
 * explicit indexes of controllers later in the document included (seen
 * with 'virsh define' and 'dumpxml': with index='2' and index='7' given,
 * four controllers without one get 1, 3, 4 and 5 after pcie-root's 0).
 * libvirt refuses a domain whose index 0 goes to anything but the root,
 * so the planner does too.
 */
static int
qemuVIOMMUAssignIndexes(qemuVIOMMUDomain *def)
{
    bool used[256] = { false };
    unsigned int next = 0;
    size_t i;

    for (i = 0; i < def->controllers->len; i++) {
        qemuVIOMMUController *ctrl = g_ptr_array_index(def->controllers, i);

        if (!ctrl->implicitIndex)
            used[ctrl->index] = true;
    }
    for (i = 0; i < def->controllers->len; i++) {
        qemuVIOMMUController *ctrl = g_ptr_array_index(def->controllers, i);
        g_autofree char *path = NULL;

        if (!ctrl->implicitIndex)
            continue;
        while (next < G_N_ELEMENTS(used) && used[next])
            next++;
        if (next == G_N_ELEMENTS(used)) {
            virReportError(VIR_ERROR_EXHAUSTED, _("%1$s: no PCI controller index from 0 to 255 is left for this controller without one"),
                           qemuVIOMMULazyPath(ctrl->node, &path));
            return -1;
        }
        if (next == 0 &&
            qemuVIOMMUControllerModelBusKind(ctrl->model) != QEMU_VIOMMU_BUS_KIND_ROOT) {
            virReportError(VIR_ERROR_XML_INVALID, _("%1$s: this %2$s has no index, so libvirt gives it index 0, which is the root bus's; put <controller type='pci' model='pcie-root'/> before it or give it an index"),
                           qemuVIOMMULazyPath(ctrl->node, &path),
                           qemuVIOMMUControllerModelTypeToString(ctrl->model));
            return -1;
        }
        ctrl->index = next;
        used[next] = true;
    }
    return 0;
}


/* <source><address uuid='...'> of a mediated device. */
static int
qemuVIOMMUParseHostdevMdev(qemuVIOMMUHostdev *dev, xmlNodePtr addr)
{
    g_autofree char *uuid = qemuVIOMMUXMLProp(addr, "uuid");

    if (!uuid || !g_uuid_string_is_valid(uuid)) {
        virReportError(VIR_ERROR_XML_INVALID, _("%1$s: mediated device <source><address uuid='%2$.40s'> is not a UUID"),
                       qemuVIOMMUHostdevPath(dev), uuid ? uuid : "");
        return -1;
    }
    dev->isMdev = true;
    dev->mdevUUID = g_ascii_strdown(uuid, -1);
    dev->sourceStr = g_strdup(dev->mdevUUID);
    return 0;
}


/* <source><address domain= bus= slot= function=> of a PCI device; only
 * the domain may be left out. */
static int
qemuVIOMMUParseHostdevPCI(qemuVIOMMUHostdev *dev, xmlNodePtr addr)
{
    unsigned int v[4];
    const char *names[] = { "domain", "bus", "slot", "function" };
    const unsigned int max[] = { 0xffff, 0xff, 0x1f, 7 };
    size_t i;

    for (i = 0; i < 4; i++) {
        int rc = qemuVIOMMUXMLPropUInt(addr, names[i], max[i],
                                       "a host PCI address", &v[i]);
        if (rc < 0)
            return -1;
        if (rc == 0 && i > 0) {
            virReportError(VIR_ERROR_XML_INVALID, _("%1$s: <source><address> lacks '%2$s'; give the host device as domain, bus, slot and function"),
                           qemuVIOMMUHostdevPath(dev), names[i]);
            return -1;
        }
        if (rc == 0)
            v[i] = 0;
    }
    dev->source.domain = v[0];
    dev->source.bus = v[1];
    dev->source.slot = v[2];
    dev->source.function = v[3];
    dev->sourceStr = virPCIDeviceAddressAsString(&dev->source);
    return 0;
}


/* A hostdev's guest address is a PCI one or none; anything else would
 * be planned over and over. */
static int
qemuVIOMMUCheckHostdevAddressType(qemuVIOMMUHostdev *dev, xmlNodePtr node)
{
    xmlNodePtr addr;

    for (addr = node->children; addr; addr = addr->next) {
        g_autofree char *atype = NULL;

        if (addr->type != XML_ELEMENT_NODE ||
            !xmlStrEqual(addr->name, BAD_CAST "address"))
            continue;
        atype = qemuVIOMMUXMLProp(addr, "type");
        if (g_strcmp0(atype, "pci") != 0) {
            virReportError(VIR_ERROR_XML_INVALID, _("%1$s: guest <address type='%2$.20s'> of a PCI host device; give it type='pci' or remove it to let virt-viommu place the device"),
                           qemuVIOMMUHostdevPath(dev), atype ? atype : "");
            return -1;
        }
    }
    return 0;
}


static int
qemuVIOMMUParseHostdev(qemuVIOMMUDomain *def, xmlNodePtr node)
{
    g_autofree char *mode = qemuVIOMMUXMLProp(node, "mode");
    g_autofree char *type = qemuVIOMMUXMLProp(node, "type");
    qemuVIOMMUHostdev *dev;
    xmlNodePtr source;
    xmlNodePtr addr;
    unsigned int alias = def->nhostdevAliases++;

    if (g_strcmp0(mode, "subsystem") != 0 && mode)
        return 1;
    if (g_strcmp0(type, "pci") != 0 && g_strcmp0(type, "mdev") != 0)
        return 1;

    dev = g_new0(qemuVIOMMUHostdev, 1);
    dev->node = node;
    dev->alias = alias;
    g_ptr_array_add(def->hostdevs, dev);

    source = qemuVIOMMUXMLChild(node, "source");
    addr = qemuVIOMMUXMLChild(source, "address");
    if (!addr) {
        virReportError(VIR_ERROR_XML_INVALID, _("%1$s: <hostdev type='%2$s'> has no <source><address>; say which host device to assign"),
                       qemuVIOMMUHostdevPath(dev), type);
        return -1;
    }

    if (g_strcmp0(type, "mdev") == 0) {
        if (qemuVIOMMUParseHostdevMdev(dev, addr) < 0)
            return -1;
    } else if (qemuVIOMMUParseHostdevPCI(dev, addr) < 0) {
        return -1;
    }

    if (qemuVIOMMUCheckHostdevAddressType(dev, node) < 0)
        return -1;

    return qemuVIOMMUParseGuestAddress(node, &dev->addr);
}


static int
qemuVIOMMUParseIOMMU(qemuVIOMMUDomain *def, xmlNodePtr node)
{
    static const char * const skip[] = { "pciBus", NULL };
    g_autofree qemuVIOMMUIOMMU *iommu = g_new0(qemuVIOMMUIOMMU, 1);
    g_autofree char *model = qemuVIOMMUXMLProp(node, "model");
    g_autofree char *path = NULL;
    xmlNodePtr driver;
    unsigned int bus;
    int rc;

    iommu->node = node;
    iommu->alias = def->iommus->len;
    iommu->pciBus = -1;

    if (!model || (int) (iommu->model = qemuVIOMMUModelTypeFromString(model)) < 0) {
        virReportError(VIR_ERROR_XML_INVALID, _("%1$s: <iommu model='%2$.40s'> is not a vIOMMU model libvirt knows (intel, smmuv3, virtio, amd)"),
                       qemuVIOMMULazyPath(node, &path), model ? model : "");
        return -1;
    }

    if ((driver = qemuVIOMMUXMLChild(node, "driver"))) {
        if ((rc = qemuVIOMMUXMLPropUInt(driver, "pciBus", 255, "an <iommu> driver", &bus)) < 0)
            return -1;
        if (rc == 1)
            iommu->pciBus = bus;
        if (qemuVIOMMUOptionsParse(driver, qemuVIOMMULazyPath(node, &path),
                                   skip, &iommu->options) < 0)
            return -1;
    }

    g_ptr_array_add(def->iommus, g_steal_pointer(&iommu));
    return 0;
}


static int
qemuVIOMMUParseArch(qemuVIOMMUDomain *def)
{
    xmlNodePtr os = qemuVIOMMUXMLChild(def->root, "os");
    xmlNodePtr type = qemuVIOMMUXMLChild(os, "type");

    if (type) {
        def->arch = qemuVIOMMUXMLProp(type, "arch");
        def->machine = qemuVIOMMUXMLProp(type, "machine");
    }

    if (!def->arch) {
        virReportError(VIR_ERROR_UNSUPPORTED, "%s", _("<os><type> has no arch; virt-viommu needs arch='aarch64' machine='virt' or arch='x86_64' machine='q35'"));
        return -1;
    }

    if (strcmp(def->arch, "aarch64") == 0 &&
        (!def->machine || g_str_has_prefix(def->machine, "virt"))) {
        def->archKind = QEMU_VIOMMU_ARCH_AARCH64_VIRT;
    } else if (strcmp(def->arch, "x86_64") == 0 && def->machine &&
               strstr(def->machine, "q35")) {
        def->archKind = QEMU_VIOMMU_ARCH_X86_Q35;
    } else {
        virReportError(VIR_ERROR_UNSUPPORTED, _("unsupported machine '%1$s' for arch '%2$s': virt-viommu plans aarch64 'virt' and x86_64 'q35' guests (PCI Express with pcie-expander-bus)"),
                       def->machine ? def->machine : "(none)", def->arch);
        return -1;
    }
    return 0;
}


static void
qemuVIOMMUParseNuma(qemuVIOMMUDomain *def)
{
    xmlNodePtr numa = qemuVIOMMUXMLChild(qemuVIOMMUXMLChild(def->root, "cpu"), "numa");
    xmlNodePtr numatune = qemuVIOMMUXMLChild(def->root, "numatune");
    xmlNodePtr cur;

    for (cur = numa ? numa->children : NULL; cur; cur = cur->next) {
        unsigned int id;

        if (cur->type != XML_ELEMENT_NODE ||
            !xmlStrEqual(cur->name, BAD_CAST "cell"))
            continue;
        if (qemuVIOMMUXMLPropUInt(cur, "id", 1023, "a NUMA cell", &id) == 1)
            g_array_append_val(def->numaCells, id);
    }

    for (cur = numatune ? numatune->children : NULL; cur; cur = cur->next) {
        unsigned int id;
        char *nodeset;

        if (cur->type != XML_ELEMENT_NODE ||
            !xmlStrEqual(cur->name, BAD_CAST "memnode"))
            continue;
        if (qemuVIOMMUXMLPropUInt(cur, "cellid", 1023, "a <memnode>", &id) != 1)
            continue;
        if (!(nodeset = qemuVIOMMUXMLProp(cur, "nodeset")))
            continue;
        g_hash_table_insert(def->memnodes, GUINT_TO_POINTER(id + 1), nodeset);
    }
}


/* A device element the planner only accounts for: its guest PCI
 * address, if it has one. */
static int
qemuVIOMMUParseOther(qemuVIOMMUDomain *def, xmlNodePtr node)
{
    qemuVIOMMUGuestAddress addr;
    qemuVIOMMUOther *other;

    if (qemuVIOMMUParseGuestAddress(node, &addr) < 0)
        return -1;
    if (!addr.set)
        return 0;
    other = g_new0(qemuVIOMMUOther, 1);
    other->node = node;
    other->addr = addr;
    g_ptr_array_add(def->others, other);
    return 0;
}


qemuVIOMMUDomain *
qemuVIOMMUDomainParse(xmlDocPtr doc)
{
    g_autoptr(qemuVIOMMUDomain) def = g_new0(qemuVIOMMUDomain, 1);
    xmlNodePtr cur;
    xmlNodePtr name;
    bool failed = false;

    def->doc = doc;
    def->root = xmlDocGetRootElement(doc);
    def->controllers = g_ptr_array_new_with_free_func(g_free);
    def->hostdevs = g_ptr_array_new_with_free_func((GDestroyNotify) qemuVIOMMUHostdevFree);
    def->iommus = g_ptr_array_new_with_free_func(g_free);
    def->others = g_ptr_array_new_with_free_func(g_free);
    def->numaCells = g_array_new(FALSE, FALSE, sizeof(unsigned int));
    def->memnodes = g_hash_table_new_full(NULL, NULL, NULL, g_free);

    if ((name = qemuVIOMMUXMLChild(def->root, "name")))
        def->name = (char *) xmlNodeGetContent(name);

    if (qemuVIOMMUParseArch(def) < 0)
        return NULL;

    if ((def->iommufd = qemuVIOMMUXMLChild(def->root, "iommufd"))) {
        g_autofree char *enabled = qemuVIOMMUXMLProp(def->iommufd, "enabled");

        def->iommufdEnabled = g_strcmp0(enabled, "yes") == 0;
    }

    qemuVIOMMUParseNuma(def);

    def->devices = qemuVIOMMUXMLChild(def->root, "devices");
    for (cur = def->devices ? def->devices->children : NULL; cur; cur = cur->next) {
        int rc = 0;

        if (cur->type != XML_ELEMENT_NODE)
            continue;

        if (xmlStrEqual(cur->name, BAD_CAST "controller"))
            rc = qemuVIOMMUParseController(def, cur);
        else if (xmlStrEqual(cur->name, BAD_CAST "hostdev"))
            rc = qemuVIOMMUParseHostdev(def, cur);
        else if (xmlStrEqual(cur->name, BAD_CAST "iommu"))
            rc = qemuVIOMMUParseIOMMU(def, cur);
        else
            rc = 1;
        /* a USB, SCSI, ... controller is a device like any other */
        if (rc > 0)
            rc = qemuVIOMMUParseOther(def, cur);
        if (rc < 0)
            failed = true;
    }

    if (failed || qemuVIOMMUAssignIndexes(def) < 0)
        return NULL;
    return g_steal_pointer(&def);
}


const char *
qemuVIOMMUHostdevPath(qemuVIOMMUHostdev *dev)
{
    if (!dev->path)
        dev->path = qemuVIOMMUXMLNodePath(dev->node);
    return dev->path;
}


qemuVIOMMUController *
qemuVIOMMUDomainFindController(const qemuVIOMMUDomain *def, unsigned int index)
{
    size_t i;

    for (i = 0; i < def->controllers->len; i++) {
        qemuVIOMMUController *ctrl = g_ptr_array_index(def->controllers, i);

        if (ctrl->index == index)
            return ctrl;
    }
    return NULL;
}


qemuVIOMMUHostdev *
qemuVIOMMUDomainFindHostdev(const qemuVIOMMUDomain *def, const char *source)
{
    size_t i;

    for (i = 0; i < def->hostdevs->len; i++) {
        qemuVIOMMUHostdev *hd = g_ptr_array_index(def->hostdevs, i);

        if (g_strcmp0(hd->sourceStr, source) == 0)
            return hd;
    }
    return NULL;
}


qemuVIOMMUIOMMU *
qemuVIOMMUDomainFindIOMMUForBus(const qemuVIOMMUDomain *def, unsigned int index)
{
    size_t i;

    for (i = 0; i < def->iommus->len; i++) {
        qemuVIOMMUIOMMU *iommu = g_ptr_array_index(def->iommus, i);

        if (iommu->pciBus == (int) index)
            return iommu;
    }
    return NULL;
}


/* Does the libvirt nodeset string ("0-3,^2,5") hold @node? */
static bool
qemuVIOMMUNodesetHas(const char *nodeset, int node)
{
    g_auto(GStrv) parts = g_strsplit(nodeset, ",", -1);
    bool in = false;
    size_t i;

    for (i = 0; parts[i]; i++) {
        char *p = g_strstrip(parts[i]);
        bool neg = false;
        guint64 lo;
        guint64 hi;
        char *dash;

        if (*p == '^') {
            neg = true;
            p++;
        }
        if ((dash = strchr(p, '-'))) {
            *dash = '\0';
            if (!g_ascii_string_to_unsigned(p, 10, 0, 1023, &lo, NULL) ||
                !g_ascii_string_to_unsigned(dash + 1, 10, 0, 1023, &hi, NULL))
                continue;
        } else {
            if (!g_ascii_string_to_unsigned(p, 10, 0, 1023, &lo, NULL))
                continue;
            hi = lo;
        }
        if ((guint64) node >= lo && (guint64) node <= hi)
            in = !neg;
    }
    return in;
}


int
qemuVIOMMUDomainGuestCellForHostNode(const qemuVIOMMUDomain *def, int hostNode)
{
    size_t i;

    if (def->numaCells->len == 0 || hostNode < 0)
        return -1;

    for (i = 0; i < def->numaCells->len; i++) {
        unsigned int cell = g_array_index(def->numaCells, unsigned int, i);
        const char *nodeset = g_hash_table_lookup(def->memnodes,
                                                  GUINT_TO_POINTER(cell + 1));

        if (nodeset && qemuVIOMMUNodesetHas(nodeset, hostNode))
            return cell;
    }
    return -1;
}
