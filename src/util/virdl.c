/*
 * virdl.c: libraries loaded when a command first needs them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virdl.h"

#include <dlfcn.h>

#include "virerror.h"


void *
virDLLoad(const char *soname,
          const char *purpose,
          const char *package,
          const virDLSymbol *syms,
          size_t nsyms)
{
    void *handle;
    size_t i;

    if (!(handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL))) {
        const char *why = dlerror();

        virReportError(VIR_ERROR_LIBRARY, _("cannot load %1$s for %2$s (%3$s); install %4$s"),
                       soname, purpose, why ? why : "not found", package);
        return NULL;
    }

    /* dlsym() on the handle also searches the library's dependencies */
    for (i = 0; i < nsyms; i++) {
        if (!(*syms[i].ptr = dlsym(handle, syms[i].name))) {
            virReportError(VIR_ERROR_LIBRARY, _("%1$s lacks %2$s, which %3$s needs; install %4$s"),
                           soname, syms[i].name, purpose, package);
            dlclose(handle);
            return NULL;
        }
    }
    return handle;
}
