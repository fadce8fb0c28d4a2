/*
 * virenum.c: enum <-> string tables
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* No config.h: plain C, see virenum.h. */
#include "virenum.h"

#include <string.h>


int
virEnumFromString(const char * const *types,
                  unsigned int ntypes,
                  const char *type)
{
    size_t i;

    if (!type)
        return -1;

    for (i = 0; i < ntypes; i++) {
        if (types[i] && strcmp(types[i], type) == 0)
            return i;
    }
    return -1;
}


const char *
virEnumToString(const char * const *types,
                unsigned int ntypes,
                int type)
{
    if (type < 0 || (unsigned int) type >= ntypes)
        return NULL;
    return types[type];
}
