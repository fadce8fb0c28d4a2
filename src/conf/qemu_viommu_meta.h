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
/* The recorded port of @bus whose root port is @controller, or NULL. */
qemuVIOMMUMetaPort *qemuVIOMMUMetaBusFindPort(const qemuVIOMMUMetaBus *bus,
                                              unsigned int controller);

/* The entry of @port for the device @source, or NULL. */
qemuVIOMMUMetaDevice *qemuVIOMMUMetaPortFindDevice(const qemuVIOMMUMetaPort *port,
                                                   const char *source);

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

/*
 * The one walk over the record: its entries in document order, each
 * bus followed by its ports, each port by its devices, as the record
 * is written out:
 *
 *     qemuVIOMMUMetaIter it;
 *     qemuVIOMMUMetaBus *bus;
 *     qemuVIOMMUMetaPort *port;
 *     qemuVIOMMUMetaDevice *dev;
 *
 *     qemuVIOMMUMetaIterInit(&it, meta);
 *     while (qemuVIOMMUMetaIterNextDevice(&it, &bus, &port, &dev))
 *         ... dev, on port of bus ...
 *
 * A NULL record is one without buses.  The fields are the walk's own.
 */
typedef struct _qemuVIOMMUMetaIter qemuVIOMMUMetaIter;
struct _qemuVIOMMUMetaIter {
    const qemuVIOMMUMeta *meta;
    unsigned int depth;         /* 0: the record, 1: a bus, 2: a port, 3: a device */
    size_t idx[3];              /* the entry's index at each depth */
    bool skipChildren;          /* the next step goes past the entry's children */
    bool removed;               /* the entry stepped on was removed */
    bool done;
};

/* Start a walk over @meta (NULL: an empty record). */
void qemuVIOMMUMetaIterInit(qemuVIOMMUMetaIter *it, const qemuVIOMMUMeta *meta);

/* Step to the next entry of the record, whatever it is: a bus sets
 * *port and *dev to NULL, a port sets *dev to NULL.  For the callers
 * that write every level out, spare ports and buses without ports
 * included.  Returns false, all three NULL, at the end. */
bool qemuVIOMMUMetaIterNext(qemuVIOMMUMetaIter *it,
                            qemuVIOMMUMetaBus **bus,
                            qemuVIOMMUMetaPort **port,
                            qemuVIOMMUMetaDevice **dev);

/* Step to the next port of any bus, spares included, and its bus.
 * Either pointer may be NULL.  Returns false at the end. */
bool qemuVIOMMUMetaIterNextPort(qemuVIOMMUMetaIter *it,
                                qemuVIOMMUMetaBus **bus,
                                qemuVIOMMUMetaPort **port);

/* Step to the next device of any port, with its port and bus.  Any of
 * the pointers may be NULL.  Returns false at the end. */
bool qemuVIOMMUMetaIterNextDevice(qemuVIOMMUMetaIter *it,
                                  qemuVIOMMUMetaBus **bus,
                                  qemuVIOMMUMetaPort **port,
                                  qemuVIOMMUMetaDevice **dev);

/* Remove (and free) the entry the last step returned, with whatever it
 * holds: a device, a port with its devices, or a bus with its ports.
 * The walk goes on with the entry after it.  Once per step; the record
 * must be the caller's to change. */
void qemuVIOMMUMetaIterRemove(qemuVIOMMUMetaIter *it);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuVIOMMUMeta, qemuVIOMMUMetaFree);
