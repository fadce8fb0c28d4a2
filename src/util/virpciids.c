/*
 * virpciids.c: PCI vendor and device names from the udev hwdb
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virpciids.h"

#include <string.h>

#if WITH_UDEV
# include <libudev.h>
#endif

struct _virPCIIDs {
#if WITH_UDEV
    struct udev *udev;
    struct udev_hwdb *hwdb;
#endif
    /* a host has thousands of devices but a handful of distinct IDs,
     * and each hwdb query is a glob match over the database: answer
     * each modalias once (value NULL: not in the database) */
    GHashTable *cache;
};


virPCIIDs *
virPCIIDsOpen(void)
{
#if WITH_UDEV
    g_autoptr(virPCIIDs) ids = g_new0(virPCIIDs, 1);

    ids->cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    if (!(ids->udev = udev_new()))
        return NULL;
    if (!(ids->hwdb = udev_hwdb_new(ids->udev)))
        return NULL;
    return g_steal_pointer(&ids);
#else
    return NULL;
#endif
}


void
virPCIIDsFree(virPCIIDs *ids)
{
    if (!ids)
        return;
#if WITH_UDEV
    if (ids->hwdb)
        udev_hwdb_unref(ids->hwdb);
    if (ids->udev)
        udev_unref(ids->udev);
#endif
    if (ids->cache)
        g_hash_table_unref(ids->cache);
    g_free(ids);
}


#if WITH_UDEV
static char *
virPCIIDsQuery(virPCIIDs *ids, const char *modalias, const char *key)
{
    struct udev_list_entry *ent;
    g_autofree char *cacheKey = g_strdup_printf("%s %s", key, modalias);
    gpointer cached;
    char *value = NULL;

    if (g_hash_table_lookup_extended(ids->cache, cacheKey, NULL, &cached))
        return g_strdup(cached);

    udev_list_entry_foreach(ent, udev_hwdb_get_properties_list_entry(ids->hwdb, modalias, 0)) {
        if (strcmp(udev_list_entry_get_name(ent), key) == 0) {
            value = g_strdup(udev_list_entry_get_value(ent));
            break;
        }
    }
    g_hash_table_insert(ids->cache, g_steal_pointer(&cacheKey), g_strdup(value));
    return value;
}
#endif


char *
virPCIIDsGetVendor(virPCIIDs *ids, unsigned int vendor)
{
#if WITH_UDEV
    g_autofree char *modalias = g_strdup_printf("pci:v%08X*", vendor);

    if (!ids)
        return NULL;
    return virPCIIDsQuery(ids, modalias, "ID_VENDOR_FROM_DATABASE");
#else
    return NULL;
#endif
}


char *
virPCIIDsGetDevice(virPCIIDs *ids, unsigned int vendor, unsigned int device)
{
#if WITH_UDEV
    g_autofree char *modalias = g_strdup_printf("pci:v%08Xd%08X*", vendor, device);

    if (!ids)
        return NULL;
    return virPCIIDsQuery(ids, modalias, "ID_MODEL_FROM_DATABASE");
#else
    return NULL;
#endif
}
