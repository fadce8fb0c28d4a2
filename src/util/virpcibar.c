/*
 * virpcibar.c: the BARs of a PCI device, from its sysfs 'resource'
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virpcibar.h"

#include <string.h>

#include "virerror.h"


/* One field "0x" + 16 hex digits. */
static bool
virPCIBarParseField(const char **p, unsigned long long *val)
{
    const char *s = *p;
    unsigned long long v = 0;
    size_t i;

    if (s[0] != '0' || s[1] != 'x')
        return false;
    s += 2;
    for (i = 0; i < 16; i++) {
        if (!g_ascii_isxdigit(s[i]))
            return false;
        v = (v << 4) | g_ascii_xdigit_value(s[i]);
    }
    *p = s + 16;
    *val = v;
    return true;
}


int
virPCIBarParseResource(const char *bdf,
                       const char *text,
                       GArray **bars)
{
    g_autoptr(GArray) out = g_array_new(FALSE, TRUE, sizeof(virPCIBar));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    size_t n = 0;
    size_t i;

    for (i = 0; lines[i]; i++) {
        const char *p = lines[i];
        unsigned long long start;
        unsigned long long end;
        unsigned long long flags;
        virPCIBar bar = { 0 };

        /* the trailing newline leaves one empty string */
        if (!*p && !lines[i + 1])
            break;
        if (!virPCIBarParseField(&p, &start) || *p++ != ' ' ||
            !virPCIBarParseField(&p, &end) || *p++ != ' ' ||
            !virPCIBarParseField(&p, &flags) || *p) {
            virReportError(VIR_ERROR_HOST_SYSFS, _("PCI device '%1$s': line %2$zu of its 'resource' is '%3$s', not 'START END FLAGS' as three 0x%%016llx numbers"),
                           bdf, i + 1, lines[i]);
            return -1;
        }
        n++;
        if (i >= VIR_PCI_BAR_COUNT || (start == 0 && end == 0))
            continue;
        /* A BAR of PCI Enhanced Allocation can have any size (the
         * kernel's pci_ea_read() takes start and end from the EA
         * entry), so the size is kept as it is; only a range that is
         * no range at all, or not below 2^63 bytes (more than the
         * largest BAR there is, and than the signed 64-bit numbers of
         * scan's JSON hold), is refused. */
        if (end < start || end - start >= G_MAXINT64) {
            virReportError(VIR_ERROR_HOST_SYSFS, _("PCI device '%1$s': BAR %2$zu spans 0x%3$llx-0x%4$llx, which is no address range a BAR can have (2^63 bytes or more, or none)"),
                           bdf, i, start, end);
            return -1;
        }
        bar.index = i;
        bar.size = end - start + 1;
        bar.io = !!(flags & VIR_PCI_BAR_FLAG_IO);
        bar.mem64 = (flags & VIR_PCI_BAR_FLAG_MEM) && (flags & VIR_PCI_BAR_FLAG_MEM_64);
        bar.prefetch = !!(flags & VIR_PCI_BAR_FLAG_PREFETCH);
        g_array_append_val(out, bar);
    }

    if (n < VIR_PCI_BAR_COUNT) {
        virReportError(VIR_ERROR_HOST_SYSFS, _("PCI device '%1$s': its 'resource' has %2$zu lines, fewer than the %3$d BARs every PCI device lists"),
                       bdf, n, VIR_PCI_BAR_COUNT);
        return -1;
    }
    *bars = g_steal_pointer(&out);
    return 0;
}


bool
virPCIBarIsMem64Prefetch(const virPCIBar *bar)
{
    return bar->mem64 && bar->prefetch;
}


bool
virPCIBarIsPow2(const virPCIBar *bar)
{
    return bar->size != 0 && (bar->size & (bar->size - 1)) == 0;
}


const virPCIBar *
virPCIBarFindNotPow2(const GArray *bars)
{
    size_t i;

    for (i = 0; bars && i < bars->len; i++) {
        const virPCIBar *bar = &g_array_index(bars, virPCIBar, i);

        if (!virPCIBarIsPow2(bar))
            return bar;
    }
    return NULL;
}


bool
virPCIBarSumMem64Prefetch(const GArray *bars, unsigned long long *sum)
{
    unsigned long long total = 0;
    size_t i;

    for (i = 0; bars && i < bars->len; i++) {
        const virPCIBar *bar = &g_array_index(bars, virPCIBar, i);
        unsigned long long size;

        if (!virPCIBarIsMem64Prefetch(bar))
            continue;
        if (!virPCIBarRoundUpPow2(bar->size, &size) ||
            !virPCIBarAdd(total, size, &total))
            return false;
    }
    *sum = total;
    return true;
}


char *
virPCIBarFormatSize(unsigned long long size)
{
    static const char units[] = "KMGTPE";
    int u = -1;

    while (size != 0 && (size & 1023) == 0 && u < 5) {
        size >>= 10;
        u++;
    }
    if (u < 0)
        return g_strdup_printf("%llu", size);
    return g_strdup_printf("%llu%c", size, units[u]);
}


bool
virPCIBarRoundUpPow2(unsigned long long n, unsigned long long *pow2)
{
    unsigned long long p = 1;

    if (n > VIR_PCI_BAR_SIZE_MAX)
        return false;
    while (p < n)
        p <<= 1;
    *pow2 = p;
    return true;
}


bool
virPCIBarAdd(unsigned long long a, unsigned long long b, unsigned long long *sum)
{
    unsigned long long s;

    if (__builtin_add_overflow(a, b, &s) || s > VIR_PCI_BAR_SIZE_MAX)
        return false;
    *sum = s;
    return true;
}


void
virPCIBarFormatJSON(virJSONBuilder *b,
                    const char *name,
                    const GArray *bars,
                    bool withIO)
{
    size_t i;

    virJSONBeginArray(b, name);
    for (i = 0; i < bars->len; i++) {
        const virPCIBar *bar = &g_array_index(bars, virPCIBar, i);

        virJSONBeginObject(b, NULL);
        virJSONAddInt(b, "index", bar->index);
        virJSONAddInt(b, "size", bar->size);
        if (withIO)
            virJSONAddBool(b, "io", bar->io);
        virJSONAddBool(b, "mem64", bar->mem64);
        virJSONAddBool(b, "prefetch", bar->prefetch);
        virJSONEndObject(b);
    }
    virJSONEndArray(b);
}
