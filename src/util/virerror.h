/*
 * virerror.h: error reporting for virt-viommu
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "virenum.h"

/*
 * Errors are reported once, where they happen, and collected in a
 * per-thread list.  Functions that fail return -1 (or NULL) and leave
 * the error in the list; the caller only propagates the failure.
 * Code that checks many inputs (the planner) may report several errors
 * before failing so the user sees every problem in one run.
 *
 * Every error and warning carries a code saying what kind of problem
 * it is, so that callers and tests can tell failures apart without
 * reading the text.
 */
typedef enum {
    VIR_ERROR_INTERNAL,          /* a bug in virt-viommu */
    VIR_ERROR_SYSTEM,            /* a system call or file operation failed */
    VIR_ERROR_XML_PARSE,         /* domain XML not well-formed or refused */
    VIR_ERROR_XML_INVALID,       /* an element or attribute is wrong */
    VIR_ERROR_UNSUPPORTED,       /* well-formed, but not something planned */
    VIR_ERROR_CONFLICT,          /* two parts of the domain contradict */
    VIR_ERROR_PLACEMENT,         /* a device behind the wrong vIOMMU */
    VIR_ERROR_EXHAUSTED,         /* bus numbers, slots or indexes ran out */
    VIR_ERROR_HOST_DEVICE,       /* a host device is not on this host */
    VIR_ERROR_HOST_IOMMU,        /* a host device's IOMMU does not fit */
    VIR_ERROR_HOST_SYSFS,        /* the host's sysfs tree is damaged */
    VIR_ERROR_GROUP_NOT_VIABLE,  /* an IOMMU group is partly assigned */
    VIR_ERROR_PLAN_RECORD,       /* the plan record is damaged */
    VIR_ERROR_NO_PLAN,           /* the domain was not planned */
    VIR_ERROR_NO_DOMAIN,         /* libvirt has no such domain */
    VIR_ERROR_OPERATION_INVALID, /* not possible in the domain's state */
    VIR_ERROR_OPERATION_FAILED,  /* a change did not take effect */
    VIR_ERROR_LIBVIRT,           /* libvirt refused a call */
    VIR_ERROR_LIBRARY,           /* a module or library cannot be loaded */
    VIR_ERROR_BUSY,              /* another command holds the domain, or
                                  * other clients kept changing it */

    VIR_ERROR_LAST
} virErrorCode;

VIR_ENUM_DECL(virErrorCode);

typedef struct _virErrorItem virErrorItem;

virErrorCode virErrorItemCode(const virErrorItem *item);
const char *virErrorItemMessage(const virErrorItem *item);

void virReportError(virErrorCode code, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* A failed system call: the message is followed by g_strerror(@errnum). */
void virReportSystemError(int errnum, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* The message of the last error, "unknown error" when there is none. */
const char *virErrorGetLast(void);

/* The code of the last error, VIR_ERROR_LAST when there is none. */
virErrorCode virErrorGetLastCode(void);

/* Remove the last error from the list and return its message, for a
 * caller that turns a failure into a finding of its own (a check
 * result) instead of failing; NULL when there is none. */
char *virErrorTakeLast(void);

/* All errors (virErrorItem *) reported since the last reset, oldest first. */
const GPtrArray *virErrorGetAll(void);

size_t virErrorCount(void);

typedef enum {
    VIR_ERROR_FORMAT_CODES = 1 << 0,    /* "code: message" lines */
} virErrorFormatFlags;

/* Every pending error on its own line, each followed by a newline. */
char *virErrorsFormat(unsigned int flags);

void virErrorReset(void);

/* A warning: something the user should know that does not stop the
 * work.  Kept apart from errors. */
void virReportWarning(virErrorCode code, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Warnings (virErrorItem *) reported since the last virWarningReset(),
 * oldest first. */
const GPtrArray *virWarningGetAll(void);
void virWarningReset(void);

/* Every pending warning on its own line, like virErrorsFormat(). */
char *virWarningsFormat(unsigned int flags);

/* Print each pending warning as "PREFIX: warning: MSG" and reset. */
void virWarningDispatch(const char *prefix);

/* Print each pending error as "PREFIX: error: MSG" on stderr and reset. */
void virErrorDispatch(const char *prefix);

/* Translation marker, kept for the day a catalogue exists. */
#define _(str) (str)
#define N_(str) (str)
