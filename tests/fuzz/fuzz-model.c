/*
 * fuzz-model.c: libFuzzer harness for the domain model reader
 *
 * The input is a domain XML document; it is read into the model, its
 * address set and its plan record, without any host.  Every question
 * the address set answers is asked of every bus, and the options of
 * each vIOMMU must read back the same once written out.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <stdint.h>
#include <stdlib.h>

#include "qemu_viommu_addr.h"
#include "qemu_viommu_conf.h"
#include "qemu_viommu_meta.h"
#include "qemu_viommu_xml.h"
#include "virerror.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/* Written out and read back, options stay the same. */
static void
fuzzOptionsRoundTrip(const qemuVIOMMUOptions *opts)
{
    g_autoptr(xmlDoc) doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr node = xmlNewDocNode(doc, NULL, BAD_CAST "driver", NULL);
    qemuVIOMMUOptions back;

    xmlDocSetRootElement(doc, node);
    qemuVIOMMUOptionsFormat(opts, node);
    if (qemuVIOMMUOptionsParse(node, "fuzz", NULL, &back) < 0 ||
        !qemuVIOMMUOptionsEqual(opts, &back))
        abort();
}


static void
fuzzAddrSet(qemuVIOMMUAddrSet *set)
{
    unsigned int bus;

    for (bus = 0; bus < QEMU_VIOMMU_ADDR_BUSES; bus++) {
        qemuVIOMMUController *pxb = NULL;
        qemuVIOMMUBusHome home = qemuVIOMMUAddrSetBusHome(set, bus, &pxb);
        int slot = qemuVIOMMUAddrSetNextFreeSlot(set, bus, 0, 0);

        if ((home == QEMU_VIOMMU_BUS_HOME_EXPANDER) != (pxb != NULL))
            abort();
        if (slot >= 0 && qemuVIOMMUAddrSetSlotUsed(set, bus, slot))
            abort();
    }
    if (qemuVIOMMUAddrSetRootBuses(set) > QEMU_VIOMMU_ADDR_BUSES)
        abort();
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(qemuVIOMMUDomain) def = NULL;
    g_autoptr(qemuVIOMMUAddrSet) set = NULL;
    g_autoptr(qemuVIOMMUMeta) meta = NULL;
    size_t i;

    if ((doc = qemuVIOMMUXMLParse((const char *) data, size, "fuzz")) &&
        (def = qemuVIOMMUDomainParse(doc))) {
        for (i = 0; i < def->iommus->len; i++) {
            qemuVIOMMUIOMMU *iommu = g_ptr_array_index(def->iommus, i);

            fuzzOptionsRoundTrip(&iommu->options);
        }
        qemuVIOMMUAddrSetNew(def, &set);
        if (!set)
            abort();
        fuzzAddrSet(set);
        if (qemuVIOMMUMetaParse(def->root, &meta) == 1 && meta->hasOptions)
            fuzzOptionsRoundTrip(&meta->options);
    }

    virErrorReset();
    virWarningReset();
    return 0;
}
