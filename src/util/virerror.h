/*
 * virerror.h: error reporting for virt-viommu
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

/*
 * Errors are reported once, where they happen, and collected in a
 * per-thread list.  Functions that fail return -1 (or NULL) and leave
 * the message in the list; the caller only propagates the failure.
 * Code that checks many inputs (the planner) may report several errors
 * before failing so the user sees every problem in one run.
 */

void virReportErrorFull(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

#define virReportError(...) virReportErrorFull(__VA_ARGS__)

void virReportSystemError(int errnum, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

const char *virErrorGetLast(void);

/* All messages reported since the last reset, oldest first. */
const GPtrArray *virErrorGetAll(void);

size_t virErrorCount(void);

/* Join every message with '\n', each followed by a newline. */
char *virErrorsFormat(void);

void virErrorReset(void);

/* Drop the errors reported after the first @count: @count is what
 * virErrorCount() said before an attempt whose failures do not
 * matter, the errors reported before it stay. */
void virErrorTruncate(size_t count);

/* A warning: something the user should know that does not stop the
 * work.  Kept apart from errors. */
void virReportWarning(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* Warnings reported since the last virWarningReset(), oldest first. */
const GPtrArray *virWarningGetAll(void);
void virWarningReset(void);

/* Print each pending warning as "PREFIX: warning: MSG" and reset. */
void virWarningDispatch(const char *prefix);

/* Print each pending error as "PREFIX: error: MSG" on stderr and reset. */
void virErrorDispatch(const char *prefix);

/* Translation marker, kept for the day a catalogue exists. */
#define _(str) (str)
#define N_(str) (str)
