/*
 * virpciaddr.h: PCI addresses (domain:bus:slot.function)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdbool.h>

typedef struct _virPCIDeviceAddress virPCIDeviceAddress;
struct _virPCIDeviceAddress {
    unsigned int domain;    /* 0 - 0xffff */
    unsigned int bus;       /* 0 - 0xff */
    unsigned int slot;      /* 0 - 0x1f */
    unsigned int function;  /* 0 - 7 */
};

/* "DDDD:BB:SS.F", 12 characters and a NUL */
#define VIR_PCI_DEVICE_ADDRESS_BUFLEN 13

/* Parse the kernel's BDF form, "0009:01:00.0" (also "01:00.0" meaning
 * domain 0).  Returns 0 on success, -1 if @str is not a BDF; reports
 * nothing, callers know what the string was supposed to be. */
int virPCIDeviceAddressParse(const char *str, virPCIDeviceAddress *addr);

/* Format as "0009:01:00.0" into @buf. */
const char *virPCIDeviceAddressFormat(const virPCIDeviceAddress *addr,
                                      char buf[VIR_PCI_DEVICE_ADDRESS_BUFLEN]);

char *virPCIDeviceAddressAsString(const virPCIDeviceAddress *addr);

int virPCIDeviceAddressCompare(const virPCIDeviceAddress *a,
                               const virPCIDeviceAddress *b);

bool virPCIDeviceAddressEqual(const virPCIDeviceAddress *a,
                              const virPCIDeviceAddress *b);

/* Same domain, bus and slot: functions of one multi-function device. */
bool virPCIDeviceAddressSameSlot(const virPCIDeviceAddress *a,
                                 const virPCIDeviceAddress *b);
