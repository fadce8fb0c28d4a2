/*
 * qemu_viommu_meta.h: the plan record kept in the domain's <metadata>
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "qemu_viommu_conf.h"

/*
 * The record says which physical IOMMU each generated pcie-expander-bus
 * serves and which host device sat on each generated root port when
 * the plan was made, with the device's IOMMU group and NUMA node then.
 * It makes planning idempotent (a planned domain is recognised and left
 * as it is), lets 'attach' find a free port behind the right vIOMMU and
 * lets 'check' tell when the host changed under a defined domain.
 *
 *   <metadata>
 *     <viommu:plan xmlns:viommu='urn:virt-viommu:plan:1'>
 *       <viommu:options model='smmuv3' accel='on'/>
 *       <viommu:bus iommu='smmu3.0x0000000011000000' kind='smmuv3' controller='1'>
 *         <viommu:port controller='3'>
 *           <viommu:device source='0009:01:00.0' group='7' node='0'/>
 *         </viommu:port>
 *         <viommu:port controller='4'/>          (a spare port)
 *       </viommu:bus>
 *     </viommu:plan>
 *   </metadata>
 */

#define QEMU_VIOMMU_META_NS "urn:virt-viommu:plan:1"
#define QEMU_VIOMMU_META_PREFIX "viommu"

typedef struct _qemuVIOMMUMetaDevice qemuVIOMMUMetaDevice;
struct _qemuVIOMMUMetaDevice {
    char *source;               /* host BDF or mdev UUID */
    int group;                  /* -1 when it had none */
    int numaNode;               /* -1 when unknown */
};

typedef struct _qemuVIOMMUMetaPort qemuVIOMMUMetaPort;
struct _qemuVIOMMUMetaPort {
    unsigned int controller;    /* pcie-root-port index */
    GPtrArray *devices;         /* qemuVIOMMUMetaDevice *; empty: spare */
};

typedef struct _qemuVIOMMUMetaBus qemuVIOMMUMetaBus;
struct _qemuVIOMMUMetaBus {
    char *iommu;                /* physical IOMMU name */
    char *kind;                 /* its kind, "smmuv3" */
    unsigned int controller;    /* pcie-expander-bus index */
    GPtrArray *ports;           /* qemuVIOMMUMetaPort * */
};

typedef struct _qemuVIOMMUMeta qemuVIOMMUMeta;
struct _qemuVIOMMUMeta {
    bool hasOptions;            /* <viommu:options> was there */
    qemuVIOMMUModel model;      /* the vIOMMUs' model and options */
    qemuVIOMMUOptions options;
    GPtrArray *buses;           /* qemuVIOMMUMetaBus * */
};

qemuVIOMMUMeta *qemuVIOMMUMetaNew(void);
void qemuVIOMMUMetaFree(qemuVIOMMUMeta *meta);

qemuVIOMMUMetaBus *qemuVIOMMUMetaAddBus(qemuVIOMMUMeta *meta,
                                        const char *iommu,
                                        const char *kind,
                                        unsigned int controller);
qemuVIOMMUMetaPort *qemuVIOMMUMetaBusAddPort(qemuVIOMMUMetaBus *bus,
                                             unsigned int controller);
void qemuVIOMMUMetaPortAddDevice(qemuVIOMMUMetaPort *port,
                                 const char *source,
                                 int group,
                                 int numaNode);

qemuVIOMMUMetaBus *qemuVIOMMUMetaFindBus(qemuVIOMMUMeta *meta,
                                         const char *iommu);
qemuVIOMMUMetaBus *qemuVIOMMUMetaFindBusByController(qemuVIOMMUMeta *meta,
                                                     unsigned int controller);

/* Do @a and @b record the same buses, ports and devices, in the same
 * order?  The options are not compared.  NULL is a record without
 * buses. */
bool qemuVIOMMUMetaSamePlacement(const qemuVIOMMUMeta *a,
                                 const qemuVIOMMUMeta *b);

/* Read the record of domain @root.  Returns 1 with *meta, 0 when the
 * domain has none, -1 (reported) when it is damaged. */
int qemuVIOMMUMetaParse(xmlNodePtr root, qemuVIOMMUMeta **meta);

/* Write @meta into the <metadata> of domain @root, replacing an older
 * record in place (creating <metadata> if needed). */
void qemuVIOMMUMetaFormat(const qemuVIOMMUMeta *meta, xmlNodePtr root);

/* The record as a standalone <plan xmlns='urn:virt-viommu:plan:1'>
 * element, for virDomainSetMetadata(), which adds the prefix. */
char *qemuVIOMMUMetaFormatString(const qemuVIOMMUMeta *meta);

/* Record @source on the recorded port @controller, or forget it from
 * every port when @controller is -1.  Returns 0, or -1 when there is no
 * such port (nothing reported). */
int qemuVIOMMUMetaSetDevice(qemuVIOMMUMeta *meta,
                            const char *source,
                            int controller,
                            int group,
                            int numaNode);

/* The recorded port that lists @source, and its bus in *bus (if @bus is
 * not NULL); NULL when the record does not list it. */
qemuVIOMMUMetaPort *qemuVIOMMUMetaFindDevice(qemuVIOMMUMeta *meta,
                                             const char *source,
                                             qemuVIOMMUMetaBus **bus);

/* Forget every device that @assigned (a set of sources) does not hold:
 * the record of a device detached since.  Returns how many entries it
 * dropped. */
size_t qemuVIOMMUMetaForgetUnassigned(qemuVIOMMUMeta *meta,
                                      GHashTable *assigned);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuVIOMMUMeta, qemuVIOMMUMetaFree);
