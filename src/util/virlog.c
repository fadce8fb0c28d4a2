/*
 * virlog.c: debug traces on standard error
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virlog.h"

#include <stdio.h>

/* The only state: set once by main before any work. */
static virLogPriority virLogLevel = VIR_LOG_NONE;


void
virLogSetLevel(virLogPriority level)
{
    virLogLevel = level;
}


virLogPriority
virLogGetLevel(void)
{
    return virLogLevel;
}


bool
virLogDebugEnabled(void)
{
    return virLogLevel == VIR_LOG_DEBUG;
}


int
virLogParseLevel(const char *str, virLogPriority *level)
{
    if (!str || !*str) {
        *level = VIR_LOG_NONE;
        return 0;
    }
    if (str[1] != '\0' || str[0] < '0' || str[0] > '4')
        return -1;
    *level = str[0] - '0';
    return 0;
}


void
virLogDebug(const char *category,
            const char *func,
            const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);

    fprintf(stderr, "debug: %s: %s [%s]\n", category, msg, func);
}
