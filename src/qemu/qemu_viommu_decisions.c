/*
 * qemu_viommu_decisions.c: the record of a plan's decisions, and
 *                          whether it changes anything
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_decisions.h"


static void
qemuVIOMMUGroupFree(qemuVIOMMUGroup *group)
{
    g_ptr_array_unref(group->slots);
    g_free(group);
}


void
qemuVIOMMUDecisionsInit(qemuVIOMMUDecisions *dec)
{
    memset(dec, 0, sizeof(*dec));
    dec->place.groups = g_ptr_array_new_with_free_func((GDestroyNotify) qemuVIOMMUGroupFree);
    dec->place.renumber = g_array_new(FALSE, FALSE, sizeof(qemuVIOMMURenumber));
    dec->place.rootAddrs = g_array_new(FALSE, FALSE, sizeof(qemuVIOMMURootAddr));
    dec->iommus.update = g_ptr_array_new();
    dec->iommuOptions = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    dec->gpumem.sets = g_array_new(FALSE, FALSE, sizeof(qemuVIOMMUGPUMemSet));
}


void
qemuVIOMMUDecisionsClear(qemuVIOMMUDecisions *dec)
{
    g_clear_pointer(&dec->place.groups, g_ptr_array_unref);
    g_clear_pointer(&dec->place.renumber, g_array_unref);
    g_clear_pointer(&dec->place.rootAddrs, g_array_unref);
    g_clear_pointer(&dec->iommus.update, g_ptr_array_unref);
    g_clear_pointer(&dec->iommuOptions, g_hash_table_unref);
    g_clear_pointer(&dec->gpumem.sets, g_array_unref);
    g_clear_pointer(&dec->recordBase, qemuVIOMMUMetaFree);
    g_clear_pointer(&dec->record, qemuVIOMMUMetaFree);
}


bool
qemuVIOMMUDecisionsEmpty(const qemuVIOMMUDecisions *dec)
{
    return dec->place.groups->len == 0 &&
        dec->place.renumber->len == 0 &&
        dec->place.rootAddrs->len == 0 &&
        dec->place.nreserve == 0 &&
        dec->iommus.update->len == 0 &&
        !dec->iommus.addIOMMU &&
        !dec->iommus.removeIOMMU &&
        !dec->iommus.addIOMMUFD &&
        dec->window.set == 0 &&
        !dec->gpumem.cell0 &&
        dec->gpumem.sets->len == 0 &&
        (!dec->record || qemuVIOMMUMetaSamePlacement(dec->recordBase, dec->record));
}


bool
qemuVIOMMUDecisionsAccel(const qemuVIOMMUDecisions *dec)
{
    return qemuVIOMMUOptionsIsOn(&dec->viommu.options, QEMU_VIOMMU_OPTION_ACCEL);
}


const qemuVIOMMUOptions *
qemuVIOMMUDecisionsOptionsFor(const qemuVIOMMUDecisions *dec,
                              const char *iommu)
{
    const qemuVIOMMUOptions *opts = NULL;

    if (iommu && dec->iommuOptions)
        opts = g_hash_table_lookup(dec->iommuOptions, iommu);
    return opts ? opts : &dec->viommu.options;
}


int
qemuVIOMMUDecisionsPxbCell(const qemuVIOMMUDecisions *dec,
                           const qemuVIOMMUGroup *group)
{
    if (group->newPxb.cell >= 0)
        return group->newPxb.cell;
    return dec->gpumem.cell0 ? 0 : -1;
}


bool
qemuVIOMMUDecisionsFindPlacement(const qemuVIOMMUDecisions *dec,
                                 const qemuVIOMMUHostdev *hostdev,
                                 const qemuVIOMMUGroup **group,
                                 const qemuVIOMMUSlot **slot,
                                 const qemuVIOMMUItem **item)
{
    size_t i;
    size_t j;
    size_t k;

    for (i = 0; i < dec->place.groups->len; i++) {
        const qemuVIOMMUGroup *g = g_ptr_array_index(dec->place.groups, i);

        for (j = 0; j < g->slots->len; j++) {
            const qemuVIOMMUSlot *s = g_ptr_array_index(g->slots, j);

            for (k = 0; k < s->items->len; k++) {
                const qemuVIOMMUItem *it = g_ptr_array_index(s->items, k);

                if (it->hostdev != hostdev)
                    continue;
                *group = g;
                *slot = s;
                *item = it;
                return true;
            }
        }
    }
    return false;
}
