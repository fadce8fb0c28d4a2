/*
 * virpcibar.h: the BARs of a PCI device, from its sysfs 'resource'
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdbool.h>

#include "virjson.h"

/* The flag bits of a struct resource that sysfs prints in the third
 * column of 'resource' (include/linux/ioport.h). */
#define VIR_PCI_BAR_FLAG_IO        0x00000100ULL /* IORESOURCE_IO */
#define VIR_PCI_BAR_FLAG_MEM       0x00000200ULL /* IORESOURCE_MEM */
#define VIR_PCI_BAR_FLAG_PREFETCH  0x00002000ULL /* IORESOURCE_PREFETCH */
#define VIR_PCI_BAR_FLAG_MEM_64    0x00100000ULL /* IORESOURCE_MEM_64 */

/* The six standard BARs; the kernel's lines 6 (ROM), 7-12 (SR-IOV VF
 * BARs) and, for bridges, 13-16 (windows) are not BARs a guest sees
 * through vfio-pci as 64-bit memory. */
#define VIR_PCI_BAR_COUNT 6

/* The largest size the BAR and window arithmetic works with: 2^63, the
 * largest power of two in 64 bits.  No guest holds a larger window
 * (aarch64 'virt' puts it at an address equal to its size, so even 64
 * physical address bits hold at most a 2^63 one). */
#define VIR_PCI_BAR_SIZE_MAX (1ULL << 63)

typedef struct _virPCIBar virPCIBar;
struct _virPCIBar {
    unsigned int index;         /* 0-5 */
    unsigned long long size;    /* bytes: a power of two, except for
                                 * PCI Enhanced Allocation */
    bool mem64;                 /* a 64-bit memory BAR */
    bool prefetch;              /* prefetchable */
    bool io;                    /* an I/O port BAR */
};

/*
 * Parse the text of the sysfs 'resource' attribute of PCI device @bdf:
 * one line "0x%016llx 0x%016llx 0x%016llx" (start, end, flags) per
 * resource, as the kernel's resource_show() writes it.  *bars gets the
 * implemented standard BARs (virPCIBar, by index); a BAR that is not
 * implemented reads as all zeroes.  Returns 0, or -1 with an error
 * naming @bdf when the text is not in that format.
 */
int virPCIBarParseResource(const char *bdf,
                           const char *text,
                           GArray **bars);

/* Is @bar one a guest places in the 64-bit prefetchable window? */
bool virPCIBarIsMem64Prefetch(const virPCIBar *bar);

/* Is @bar's size a power of two, as every BAR but one of PCI Enhanced
 * Allocation (EA) has? */
bool virPCIBarIsPow2(const virPCIBar *bar);

/* The first BAR of @bars (NULL: none) whose size is no power of two,
 * or NULL. */
const virPCIBar *virPCIBarFindNotPow2(const GArray *bars);

/* *sum gets the space the 64-bit prefetchable BARs of @bars (NULL:
 * none) take in a guest: each one's size rounded up to a power of two,
 * as QEMU's pci_register_bar() needs BAR sizes to be.  Returns false,
 * *sum untouched, when that exceeds VIR_PCI_BAR_SIZE_MAX. */
bool virPCIBarSumMem64Prefetch(const GArray *bars, unsigned long long *sum)
    G_GNUC_WARN_UNUSED_RESULT;

/* @size in the largest binary unit that divides it: "256G", "2M",
 * "16K", "512" (bytes). */
char *virPCIBarFormatSize(unsigned long long size);

/* *pow2 gets the smallest power of two >= @n; false, *pow2 untouched,
 * when that exceeds VIR_PCI_BAR_SIZE_MAX (when @n > 2^63). */
bool virPCIBarRoundUpPow2(unsigned long long n, unsigned long long *pow2)
    G_GNUC_WARN_UNUSED_RESULT;

/* *sum gets @a + @b; false, *sum untouched, when that exceeds
 * VIR_PCI_BAR_SIZE_MAX (or wraps). */
bool virPCIBarAdd(unsigned long long a, unsigned long long b, unsigned long long *sum)
    G_GNUC_WARN_UNUSED_RESULT;

/* The JSON array @name of @bars (virPCIBar): one object per BAR with
 * "index", "size", "io" (only when @withIO), "mem64" and "prefetch". */
void virPCIBarFormatJSON(virJSONBuilder *b,
                         const char *name,
                         const GArray *bars,
                         bool withIO);
