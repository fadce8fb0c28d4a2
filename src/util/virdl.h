/*
 * virdl.h: libraries loaded when a command first needs them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

/*
 * Libraries that only some commands use are not linked but dlopen()ed
 * by those commands: linking them would make every start load them
 * and their dependencies.  The caller keeps a table of typed function
 * pointers and names each entry with VIR_DL_SYMBOL().
 */

typedef struct _virDLSymbol virDLSymbol;
struct _virDLSymbol {
    const char *name;
    void **ptr;                 /* the table entry to fill */
};

#define VIR_DL_SYMBOL(table, field, symbol) { #symbol, (void **) &(table).field }

/* dlopen() @soname and fill each of @syms.  @purpose says what the
 * library is for and @package what to install, both for messages:
 * "cannot load libvirt.so.0 for talking to libvirt (...); install
 * @package".  Returns the handle, or NULL with the error reported. */
void *virDLLoad(const char *soname,
                const char *purpose,
                const char *package,
                const virDLSymbol *syms,
                size_t nsyms);
