/*
 * qemu_viommu_conf.h: the parts of a libvirt domain definition that the
 *                     vIOMMU planner reads and writes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include <stdbool.h>

#include "virenum.h"
#include "virpciaddr.h"

/* PCI controller models, spelled as in libvirt's domain XML. */
typedef enum {
    QEMU_VIOMMU_CONTROLLER_PCI_ROOT,
    QEMU_VIOMMU_CONTROLLER_PCIE_ROOT,
    QEMU_VIOMMU_CONTROLLER_PCI_BRIDGE,
    QEMU_VIOMMU_CONTROLLER_DMI_TO_PCI_BRIDGE,
    QEMU_VIOMMU_CONTROLLER_PCIE_ROOT_PORT,
    QEMU_VIOMMU_CONTROLLER_PCIE_SWITCH_UPSTREAM_PORT,
    QEMU_VIOMMU_CONTROLLER_PCIE_SWITCH_DOWNSTREAM_PORT,
    QEMU_VIOMMU_CONTROLLER_PCI_EXPANDER_BUS,
    QEMU_VIOMMU_CONTROLLER_PCIE_EXPANDER_BUS,
    QEMU_VIOMMU_CONTROLLER_PCIE_TO_PCI_BRIDGE,

    QEMU_VIOMMU_CONTROLLER_LAST
} qemuVIOMMUControllerModel;

VIR_ENUM_DECL(qemuVIOMMUControllerModel);

/* The QEMU device of a PCI controller, <model name=...>, as libvirt
 * spells it. */
typedef enum {
    QEMU_VIOMMU_CONTROLLER_NAME_NONE,   /* no <model name>: the default */
    QEMU_VIOMMU_CONTROLLER_NAME_PCI_BRIDGE,
    QEMU_VIOMMU_CONTROLLER_NAME_I82801B11_BRIDGE,
    QEMU_VIOMMU_CONTROLLER_NAME_IOH3420,
    QEMU_VIOMMU_CONTROLLER_NAME_X3130_UPSTREAM,
    QEMU_VIOMMU_CONTROLLER_NAME_XIO3130_DOWNSTREAM,
    QEMU_VIOMMU_CONTROLLER_NAME_PXB,
    QEMU_VIOMMU_CONTROLLER_NAME_PXB_PCIE,
    QEMU_VIOMMU_CONTROLLER_NAME_PCIE_ROOT_PORT,
    QEMU_VIOMMU_CONTROLLER_NAME_SPAPR_PCI_HOST_BRIDGE,
    QEMU_VIOMMU_CONTROLLER_NAME_PCIE_PCI_BRIDGE,

    QEMU_VIOMMU_CONTROLLER_NAME_LAST
} qemuVIOMMUControllerName;

VIR_ENUM_DECL(qemuVIOMMUControllerName);

/* Where the bus a PCI controller provides hangs. */
typedef enum {
    QEMU_VIOMMU_BUS_KIND_ROOT,      /* a root bus: pcie.0 */
    QEMU_VIOMMU_BUS_KIND_EXPANDER,  /* a root bus of its own: pxb, pxb-pcie */
    QEMU_VIOMMU_BUS_KIND_BRIDGE,    /* behind a bridge or port on another bus */

    QEMU_VIOMMU_BUS_KIND_LAST
} qemuVIOMMUBusKind;

qemuVIOMMUBusKind qemuVIOMMUControllerModelBusKind(qemuVIOMMUControllerModel model);

/* What kind of guest vIOMMU a domain's architecture takes. */
typedef enum {
    QEMU_VIOMMU_ARCH_AARCH64_VIRT,  /* one arm-smmuv3 per pxb */
    QEMU_VIOMMU_ARCH_X86_Q35,       /* one vIOMMU for the whole guest */

    QEMU_VIOMMU_ARCH_LAST
} qemuVIOMMUArch;

/* vIOMMU models of <iommu model=...>, spelled as in libvirt. */
typedef enum {
    QEMU_VIOMMU_MODEL_INTEL,
    QEMU_VIOMMU_MODEL_SMMUV3,
    QEMU_VIOMMU_MODEL_VIRTIO,
    QEMU_VIOMMU_MODEL_AMD,

    QEMU_VIOMMU_MODEL_LAST
} qemuVIOMMUModel;

VIR_ENUM_DECL(qemuVIOMMUModel);

/* The options of an <iommu><driver>, as its attributes are spelled, in
 * the order they are written: libvirt's order within each model. */
typedef enum {
    QEMU_VIOMMU_OPTION_INTREMAP,
    QEMU_VIOMMU_OPTION_CACHING_MODE,
    QEMU_VIOMMU_OPTION_EIM,
    QEMU_VIOMMU_OPTION_IOTLB,
    QEMU_VIOMMU_OPTION_AW_BITS,
    QEMU_VIOMMU_OPTION_DMA_TRANSLATION,
    QEMU_VIOMMU_OPTION_ACCEL,
    QEMU_VIOMMU_OPTION_ATS,
    QEMU_VIOMMU_OPTION_RIL,
    QEMU_VIOMMU_OPTION_SSIDSIZE,
    QEMU_VIOMMU_OPTION_OAS,
    QEMU_VIOMMU_OPTION_CMDQV,

    QEMU_VIOMMU_OPTION_LAST
} qemuVIOMMUOption;

VIR_ENUM_DECL(qemuVIOMMUOption);

/* Is option @opt an on/off switch (else a number)? */
bool qemuVIOMMUOptionIsSwitch(qemuVIOMMUOption opt);

/* Value @value of option @opt as the XML writes it: "on"/"off" for a
 * switch, else the number. */
char *qemuVIOMMUOptionValueString(qemuVIOMMUOption opt, unsigned int value);

/* The options a vIOMMU's <driver> sets.  A switch's value is 1 for
 * 'on' and 0 for 'off'; an option not in @present is not written. */
typedef struct _qemuVIOMMUOptions qemuVIOMMUOptions;
struct _qemuVIOMMUOptions {
    unsigned int present;       /* 1 << qemuVIOMMUOption */
    unsigned int value[QEMU_VIOMMU_OPTION_LAST];
};

bool qemuVIOMMUOptionsHas(const qemuVIOMMUOptions *opts, qemuVIOMMUOption opt);
void qemuVIOMMUOptionsSet(qemuVIOMMUOptions *opts,
                          qemuVIOMMUOption opt,
                          unsigned int value);
bool qemuVIOMMUOptionsEqual(const qemuVIOMMUOptions *a,
                            const qemuVIOMMUOptions *b);

/* Is switch @opt present and on? */
bool qemuVIOMMUOptionsIsOn(const qemuVIOMMUOptions *opts, qemuVIOMMUOption opt);

/* Read the options from the attributes of @node, skipping those named
 * in @skip (NULL-terminated).  An attribute that is no option, or a
 * value that does not fit it, is reported naming @who. */
int qemuVIOMMUOptionsParse(xmlNodePtr node,
                           const char *who,
                           const char * const *skip,
                           qemuVIOMMUOptions *opts);

/* Write the options as attributes of @node, in the enum's order. */
void qemuVIOMMUOptionsFormat(const qemuVIOMMUOptions *opts, xmlNodePtr node);

typedef struct _qemuVIOMMUGuestAddress qemuVIOMMUGuestAddress;
struct _qemuVIOMMUGuestAddress {
    bool set;                   /* an <address type='pci'> is present */
    virPCIDeviceAddress addr;
    bool multifunction;
};

typedef struct _qemuVIOMMUController qemuVIOMMUController;
struct _qemuVIOMMUController {
    xmlNodePtr node;
    unsigned int index;
    bool implicitIndex;         /* no index='': the one libvirt gives it */
    qemuVIOMMUControllerModel model;
    qemuVIOMMUControllerName modelName;
    qemuVIOMMUGuestAddress addr;
    int busNr;                  /* -1 when absent */
    int numaNode;               /* <target><node>, -1 when absent */
    int chassis;                /* -1 when absent */
    int port;                   /* -1 when absent */
    int chassisNr;              /* a pci-bridge's, -1 when absent */
    bool hotplugOff;            /* <target hotplug='off'/> */
};

typedef struct _qemuVIOMMUHostdev qemuVIOMMUHostdev;
struct _qemuVIOMMUHostdev {
    xmlNodePtr node;
    unsigned int alias;         /* N of libvirt's "hostdevN" */
    bool isMdev;
    char *mdevUUID;             /* type='mdev' */
    virPCIDeviceAddress source; /* type='pci' */
    char *sourceStr;            /* "0009:01:00.0", or the mdev UUID */
    qemuVIOMMUGuestAddress addr;
    char *path;                 /* for messages: use qemuVIOMMUHostdevPath() */
};

/* Any other device element that has a guest PCI address. */
typedef struct _qemuVIOMMUOther qemuVIOMMUOther;
struct _qemuVIOMMUOther {
    xmlNodePtr node;
    qemuVIOMMUGuestAddress addr;
};

typedef struct _qemuVIOMMUIOMMU qemuVIOMMUIOMMU;
struct _qemuVIOMMUIOMMU {
    xmlNodePtr node;
    unsigned int alias;         /* N of libvirt's "iommuN" */
    qemuVIOMMUModel model;
    int pciBus;                 /* -1 when absent */
    qemuVIOMMUOptions options;  /* the other <driver> attributes */
};

typedef struct _qemuVIOMMUDomain qemuVIOMMUDomain;
struct _qemuVIOMMUDomain {
    xmlDocPtr doc;              /* borrowed */
    xmlNodePtr root;
    xmlNodePtr devices;
    char *name;
    char *arch;
    char *machine;
    qemuVIOMMUArch archKind;
    GPtrArray *controllers;     /* qemuVIOMMUController *, document order */
    GPtrArray *hostdevs;        /* qemuVIOMMUHostdev *, PCI and mdev ones */
    GPtrArray *iommus;          /* qemuVIOMMUIOMMU * */
    GPtrArray *others;          /* qemuVIOMMUOther *, in document order */
    unsigned int nhostdevAliases; /* all <hostdev> elements */
    xmlNodePtr iommufd;         /* <iommufd>, or NULL */
    bool iommufdEnabled;
    GArray *numaCells;          /* guest NUMA cell ids (unsigned int) */
    GHashTable *memnodes;       /* cell id -> host nodeset string */
};

/* Read the model from @doc (which must outlive it).  Reports every
 * problem it finds, then returns NULL. */
qemuVIOMMUDomain *qemuVIOMMUDomainParse(xmlDocPtr doc);
void qemuVIOMMUDomainFree(qemuVIOMMUDomain *def);

qemuVIOMMUController *qemuVIOMMUDomainFindController(const qemuVIOMMUDomain *def,
                                                     unsigned int index);

/* The <hostdev> of host device @source (a BDF or an mdev UUID), or NULL. */
qemuVIOMMUHostdev *qemuVIOMMUDomainFindHostdev(const qemuVIOMMUDomain *def,
                                               const char *source);

/* The vIOMMU bound to bus @index with pciBus, or NULL. */
qemuVIOMMUIOMMU *qemuVIOMMUDomainFindIOMMUForBus(const qemuVIOMMUDomain *def,
                                                 unsigned int index);

/* The guest NUMA cell whose <numatune><memnode> holds host node
 * @hostNode, or -1 (no guest NUMA, or no cell maps it). */
int qemuVIOMMUDomainGuestCellForHostNode(const qemuVIOMMUDomain *def, int hostNode);

/* The "/domain/devices/hostdev[3]" path of @dev, for messages; made on
 * first use, as it costs a walk over the element's siblings. */
const char *qemuVIOMMUHostdevPath(qemuVIOMMUHostdev *dev);

/* Parse <address type='pci' .../> under @node, if any. */
int qemuVIOMMUParseGuestAddress(xmlNodePtr node,
                                qemuVIOMMUGuestAddress *addr);
/* Does libvirt give the device element @node a guest address of its
 * own: no <address>, or an empty <address type='pci'/>? */
bool qemuVIOMMUAddressWanted(xmlNodePtr node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuVIOMMUDomain, qemuVIOMMUDomainFree);
