/*
 * virjson.h: JSON output through json-glib
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdbool.h>

/*
 * A document is built front to back.  Every value takes a @key: the
 * member name inside an object, NULL inside an array.
 */

typedef struct _virJSONBuilder virJSONBuilder;

virJSONBuilder *virJSONBuilderNew(void);
void virJSONBuilderFree(virJSONBuilder *b);

void virJSONBeginObject(virJSONBuilder *b, const char *key);
void virJSONEndObject(virJSONBuilder *b);
void virJSONBeginArray(virJSONBuilder *b, const char *key);
void virJSONEndArray(virJSONBuilder *b);

/* A string, or null when @val is NULL. */
void virJSONAddString(virJSONBuilder *b, const char *key, const char *val);
void virJSONAddInt(virJSONBuilder *b, const char *key, gint64 val);
/* An integer, or null when @val is negative (unknown). */
void virJSONAddIntOrNull(virJSONBuilder *b, const char *key, int val);
void virJSONAddBool(virJSONBuilder *b, const char *key, bool val);

/* The built document, pretty-printed with two-space indents and a
 * final newline. */
char *virJSONFormat(virJSONBuilder *b);

/* The built document on one line, without blanks or final newline, as
 * QEMU takes a -device or -object in JSON. */
char *virJSONFormatCompact(virJSONBuilder *b);

/* A record file of virt-viommu's own format: an object with "format"
 * @format and "version" @version, then the array @key whose entries
 * the caller adds.  virJSONRecordWrite() closes both and writes the
 * document to @file: 0, or -1 (reported). */
void virJSONRecordBegin(virJSONBuilder *b,
                        const char *format,
                        int version,
                        const char *key);
int virJSONRecordWrite(virJSONBuilder *b, const char *file);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virJSONBuilder, virJSONBuilderFree);
