/*
 * virenum.h: enum <-> string tables
 *
 * Plain C and libc only, like viriommucaps.c which uses it and is also
 * built alone for a test guest (tests/lab/caps-probe).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stddef.h>

int virEnumFromString(const char * const *types,
                      unsigned int ntypes,
                      const char *type);

const char *virEnumToString(const char * const *types,
                            unsigned int ntypes,
                            int type);

#define VIR_ENUM_N_ELEMENTS(list) (sizeof(list) / sizeof((list)[0]))

/* A NULL entry is a value with no name (a hole in a numbering kept
 * from elsewhere): it converts to NULL and no string converts to it. */
#define VIR_ENUM_IMPL(name, lastVal, ...) \
    static const char *const name ## TypeList[] = { __VA_ARGS__ }; \
    _Static_assert(VIR_ENUM_N_ELEMENTS(name ## TypeList) == lastVal, \
                   #name " has a string for each value"); \
    const char *name ## TypeToString(int type) \
    { \
        return virEnumToString(name ## TypeList, \
                               VIR_ENUM_N_ELEMENTS(name ## TypeList), \
                               type); \
    } \
    int name ## TypeFromString(const char *type) \
    { \
        return virEnumFromString(name ## TypeList, \
                                 VIR_ENUM_N_ELEMENTS(name ## TypeList), \
                                 type); \
    }

#define VIR_ENUM_DECL(name) \
    const char *name ## TypeToString(int type); \
    int name ## TypeFromString(const char *type)
