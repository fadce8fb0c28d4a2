/*
 * testutils.h: helpers for the virt-viommu test programs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

#define EXIT_AM_SKIP 77

/* In a test body: unless @cond holds, print the message (printf()'s
 * arguments) under the test's line and fail the test. */
#define CHECK(cond, ...) \
    do { \
        if (!(cond)) { \
            printf("  " __VA_ARGS__); \
            printf("\n"); \
            return -1; \
        } \
    } while (0)

/* A string for printf() that may be NULL. */
#define NULLSTR(s) ((s) ? (s) : "(null)")

/* Run @body(@data) as test @title; print "TEST: title ... OK|FAILED". */
int virTestRun(const char *title,
               int (*body)(const void *data),
               const void *data);

/* Compare @actual with the file @path.  With VIR_TEST_REGENERATE_OUTPUT=1
 * a file that differs is rewritten and the comparison still fails (so
 * a regenerating run lists what it changed); with VIR_TEST_DEBUG=1 a
 * mismatch prints where they differ.  Records @path as used. */
int virTestCompareToFile(const char *actual, const char *path);

/* Like virTestCompareToFile(), for output that is usually empty (the
 * warnings of a case): when @actual is empty, @path must not exist, and
 * VIR_TEST_REGENERATE_OUTPUT=1 removes it (the comparison still fails). */
int virTestCompareToOptionalFile(const char *actual, const char *path);

/* Record that a data file is used, without comparing. */
void virTestMarkUsed(const char *path);

/* Fail for every file in @dir (matching @suffix) no test used. */
int virTestCheckUnused(const char *dir, const char * const *suffixes);

/* Where the source tree's tests/ directory is. */
const char *virTestSrcDir(void);

bool virTestRegenerate(void);
bool virTestDebug(void);

/* Set the fixed environment (LC_ALL=C, TZ=UTC); call first in main. */
void virTestInit(void);

/* The exit status for main: EXIT_SUCCESS if every test passed. */
int virTestResult(int failures);
