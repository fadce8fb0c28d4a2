/*
 * virlog.h: debug traces on standard error
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdbool.h>

/*
 * Priorities as libvirt's LIBVIRT_DEBUG takes them: a level lets
 * through what is at that priority or above.  virt-viommu writes only
 * debug traces, so level 1 turns them on and any other leaves them off.
 */
typedef enum {
    VIR_LOG_NONE = 0,
    VIR_LOG_DEBUG = 1,
    VIR_LOG_INFO = 2,
    VIR_LOG_WARN = 3,
    VIR_LOG_ERROR = 4,
} virLogPriority;

/* Set once, by the program's main, before any work. */
void virLogSetLevel(virLogPriority level);
virLogPriority virLogGetLevel(void);
bool virLogDebugEnabled(void);

/* Parse a level as the environment variable @name gives it: "" or
 * "0" (off) to "4".  Returns 0 with *level set, -1 for anything else
 * (not reported: the caller says what to do). */
int virLogParseLevel(const char *str, virLogPriority *level);

/* One line "debug: CATEGORY: MESSAGE [FUNC]" on standard error. */
void virLogDebug(const char *category,
                 const char *func,
                 const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* Name the traces of a file: VIR_LOG_INIT("plan"); near its top. */
#define VIR_LOG_INIT(category) \
    static const char *const virLogSelf G_GNUC_UNUSED = category

/* Trace a decision and its reason; arguments are not evaluated unless
 * debug traces are on. */
#define VIR_DEBUG(...) \
    do { \
        if (virLogDebugEnabled()) \
            virLogDebug(virLogSelf, __func__, __VA_ARGS__); \
    } while (0)
