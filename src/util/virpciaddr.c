/*
 * virpciaddr.c: PCI addresses (domain:bus:slot.function)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virpciaddr.h"

#include <string.h>


static int
virPCIHexField(const char *str, size_t len, unsigned int max, unsigned int *val)
{
    unsigned int v = 0;
    size_t i;

    if (len == 0)
        return -1;
    for (i = 0; i < len; i++) {
        int d = g_ascii_xdigit_value(str[i]);

        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    if (v > max)
        return -1;
    *val = v;
    return 0;
}


int
virPCIDeviceAddressParse(const char *str, virPCIDeviceAddress *addr)
{
    virPCIDeviceAddress tmp = { 0 };
    size_t len;

    if (!str)
        return -1;

    len = strlen(str);
    if (len == 12) {
        if (str[4] != ':' ||
            virPCIHexField(str, 4, 0xffff, &tmp.domain) < 0)
            return -1;
        str += 5;
        len -= 5;
    }
    if (len != 7 || str[2] != ':' || str[5] != '.')
        return -1;
    if (virPCIHexField(str, 2, 0xff, &tmp.bus) < 0 ||
        virPCIHexField(str + 3, 2, 0x1f, &tmp.slot) < 0 ||
        virPCIHexField(str + 6, 1, 7, &tmp.function) < 0)
        return -1;

    *addr = tmp;
    return 0;
}


const char *
virPCIDeviceAddressFormat(const virPCIDeviceAddress *addr,
                          char buf[VIR_PCI_DEVICE_ADDRESS_BUFLEN])
{
    g_snprintf(buf, VIR_PCI_DEVICE_ADDRESS_BUFLEN, "%04x:%02x:%02x.%x",
               addr->domain, addr->bus, addr->slot, addr->function);
    return buf;
}


char *
virPCIDeviceAddressAsString(const virPCIDeviceAddress *addr)
{
    char buf[VIR_PCI_DEVICE_ADDRESS_BUFLEN];

    return g_strdup(virPCIDeviceAddressFormat(addr, buf));
}


int
virPCIDeviceAddressCompare(const virPCIDeviceAddress *a,
                           const virPCIDeviceAddress *b)
{
    if (a->domain != b->domain)
        return a->domain < b->domain ? -1 : 1;
    if (a->bus != b->bus)
        return a->bus < b->bus ? -1 : 1;
    if (a->slot != b->slot)
        return a->slot < b->slot ? -1 : 1;
    if (a->function != b->function)
        return a->function < b->function ? -1 : 1;
    return 0;
}


bool
virPCIDeviceAddressEqual(const virPCIDeviceAddress *a,
                         const virPCIDeviceAddress *b)
{
    return virPCIDeviceAddressCompare(a, b) == 0;
}


bool
virPCIDeviceAddressSameSlot(const virPCIDeviceAddress *a,
                            const virPCIDeviceAddress *b)
{
    return a->domain == b->domain && a->bus == b->bus && a->slot == b->slot;
}
