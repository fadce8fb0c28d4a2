/*
 * qemu_viommu_autopci.c: the devices libvirt gives a guest PCI address
 *                        of its own choosing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_autopci.h"

#include "qemu_viommu_xml.h"


static bool
qemuVIOMMUPropIs(xmlNodePtr node, const char *name, const char *value)
{
    g_autofree char *prop = qemuVIOMMUXMLProp(node, name);

    return g_strcmp0(prop, value) == 0;
}


static bool
qemuVIOMMUPropIn(xmlNodePtr node, const char *name, const char * const *values)
{
    g_autofree char *prop = qemuVIOMMUXMLProp(node, name);

    return prop && g_strv_contains(values, prop);
}


/* A virtio disk: its target's bus, or for a target without one the
 * bus libvirt derives from the "vd" prefix of its name. */
static bool
qemuVIOMMUDiskWantsPCI(xmlNodePtr node)
{
    xmlNodePtr target = qemuVIOMMUXMLChild(node, "target");
    g_autofree char *bus = qemuVIOMMUXMLProp(target, "bus");
    g_autofree char *dev = NULL;

    if (bus)
        return g_str_equal(bus, "virtio");
    dev = qemuVIOMMUXMLProp(target, "dev");
    return dev && g_str_has_prefix(dev, "vd");
}


/* Of the PCI controllers, those that plug into a root port: the root
 * ports and pxbs themselves go onto pcie.0, which the planner
 * accounts for on its own. */
static bool
qemuVIOMMUControllerWantsPCI(xmlNodePtr node)
{
    static const char * const never[] = {
        "ide", "fdc", "ccid", "xenbus", "isa", NULL,
    };
    static const char * const noModel[] = { "none", "ibmvscsi", NULL };
    static const char * const belowPort[] = {
        "pcie-to-pci-bridge", "pcie-switch-upstream-port", "pci-bridge", NULL,
    };

    if (qemuVIOMMUPropIs(node, "type", "pci"))
        return qemuVIOMMUPropIn(node, "model", belowPort);
    return !qemuVIOMMUPropIn(node, "type", never) &&
        !qemuVIOMMUPropIn(node, "model", noModel);
}


static bool
qemuVIOMMUSoundWantsPCI(xmlNodePtr node)
{
    static const char * const never[] = { "sb16", "pcspk", "usb", NULL };

    return !qemuVIOMMUPropIn(node, "model", never);
}


static bool
qemuVIOMMUVideoWantsPCI(xmlNodePtr node)
{
    static const char * const never[] = { "none", "ramfb", NULL };

    return !qemuVIOMMUPropIn(qemuVIOMMUXMLChild(node, "model"), "type", never);
}


static bool
qemuVIOMMUWatchdogWantsPCI(xmlNodePtr node)
{
    return qemuVIOMMUPropIs(node, "model", "i6300esb");
}


static bool
qemuVIOMMUMemballoonWantsPCI(xmlNodePtr node)
{
    static const char * const never[] = { "none", "xen", NULL };

    return !qemuVIOMMUPropIn(node, "model", never);
}


static bool
qemuVIOMMUInputWantsPCI(xmlNodePtr node)
{
    return qemuVIOMMUPropIs(node, "bus", "virtio");
}


static bool
qemuVIOMMUMemoryWantsPCI(xmlNodePtr node)
{
    static const char * const pci[] = { "virtio-pmem", "virtio-mem", NULL };

    return qemuVIOMMUPropIn(node, "model", pci);
}


static bool
qemuVIOMMUIOMMUWantsPCI(xmlNodePtr node)
{
    return qemuVIOMMUPropIs(node, "model", "virtio");
}


/* Assigned PCI devices are the planner's own; USB and SCSI ones sit on
 * their controllers. */
static bool
qemuVIOMMUNever(xmlNodePtr node G_GNUC_UNUSED)
{
    return false;
}


static bool
qemuVIOMMUAlways(xmlNodePtr node G_GNUC_UNUSED)
{
    return true;
}


typedef struct _qemuVIOMMUAutoPCIRule qemuVIOMMUAutoPCIRule;
struct _qemuVIOMMUAutoPCIRule {
    const char *element;
    bool (*wants)(xmlNodePtr node);
};

/* Device elements by what libvirt does with them.  An element not
 * listed is taken to want a PCI slot: a device type newer than this
 * table then costs a free root port, never a spare. */
static const qemuVIOMMUAutoPCIRule qemuVIOMMUAutoPCIRules[] = {
    { "disk", qemuVIOMMUDiskWantsPCI },
    { "controller", qemuVIOMMUControllerWantsPCI },
    { "sound", qemuVIOMMUSoundWantsPCI },
    { "video", qemuVIOMMUVideoWantsPCI },
    { "watchdog", qemuVIOMMUWatchdogWantsPCI },
    { "memballoon", qemuVIOMMUMemballoonWantsPCI },
    { "input", qemuVIOMMUInputWantsPCI },
    { "memory", qemuVIOMMUMemoryWantsPCI },
    { "iommu", qemuVIOMMUIOMMUWantsPCI },
    { "interface", qemuVIOMMUAlways },
    { "hostdev", qemuVIOMMUNever },
    { "emulator", qemuVIOMMUNever },
    { "graphics", qemuVIOMMUNever },
    { "serial", qemuVIOMMUNever },
    { "parallel", qemuVIOMMUNever },
    { "console", qemuVIOMMUNever },
    { "channel", qemuVIOMMUNever },
    { "smartcard", qemuVIOMMUNever },
    { "redirdev", qemuVIOMMUNever },
    { "redirfilter", qemuVIOMMUNever },
    { "hub", qemuVIOMMUNever },
    { "tpm", qemuVIOMMUNever },
    { "lease", qemuVIOMMUNever },
    { "audio", qemuVIOMMUNever },
    { "nvram", qemuVIOMMUNever },
};


bool
qemuVIOMMUDeviceWantsPCI(xmlNodePtr node)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(qemuVIOMMUAutoPCIRules); i++) {
        if (xmlStrEqual(node->name, BAD_CAST qemuVIOMMUAutoPCIRules[i].element))
            return qemuVIOMMUAutoPCIRules[i].wants(node);
    }
    return true;
}


/* What the domain has, for the devices libvirt adds by itself. */
typedef struct _qemuVIOMMUAutoPCIHave qemuVIOMMUAutoPCIHave;
struct _qemuVIOMMUAutoPCIHave {
    bool memballoon;
    bool video;
    bool graphics;
    bool usbController;
    bool serialController;
    bool virtioChannel;
};


static void
qemuVIOMMUAutoPCINote(qemuVIOMMUAutoPCIHave *have, xmlNodePtr node)
{
    const char *name = (const char *) node->name;

    if (g_str_equal(name, "memballoon")) {
        have->memballoon = true;
    } else if (g_str_equal(name, "video")) {
        have->video = true;
    } else if (g_str_equal(name, "graphics")) {
        have->graphics = true;
    } else if (g_str_equal(name, "controller")) {
        have->usbController |= qemuVIOMMUPropIs(node, "type", "usb");
        have->serialController |= qemuVIOMMUPropIs(node, "type", "virtio-serial");
    } else if (g_str_equal(name, "channel") || g_str_equal(name, "console")) {
        have->virtioChannel |= qemuVIOMMUPropIs(qemuVIOMMUXMLChild(node, "target"),
                                                "type", "virtio");
    }
}


unsigned int
qemuVIOMMUDomainCountAutoPCI(const qemuVIOMMUDomain *def)
{
    qemuVIOMMUAutoPCIHave have = { 0 };
    unsigned int n = 0;
    xmlNodePtr cur;

    for (cur = def->devices ? def->devices->children : NULL; cur; cur = cur->next) {
        if (cur->type != XML_ELEMENT_NODE)
            continue;
        qemuVIOMMUAutoPCINote(&have, cur);
        if (qemuVIOMMUAddressWanted(cur) &&
            (qemuVIOMMUXMLChild(cur, "address") || qemuVIOMMUDeviceWantsPCI(cur)))
            n++;
    }

    /* libvirt 12.8 adds a virtio memballoon to x86 domains, not to
     * aarch64 ones (seen in the lab's dumpxml of both) */
    n += !have.memballoon && def->archKind == QEMU_VIOMMU_ARCH_X86_Q35;
    n += have.graphics && !have.video;
    n += have.virtioChannel && !have.serialController;
    n += def->archKind == QEMU_VIOMMU_ARCH_X86_Q35 && !have.usbController;
    return n;
}
