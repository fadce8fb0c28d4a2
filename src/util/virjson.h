/*
 * virjson.h: small helpers over json-glib's builder
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

/* "key": value, or "key": null when @val is NULL. */
void virJSONAddString(JsonBuilder *b, const char *key, const char *val);

/* "key": value, or "key": null when @val is negative (unknown). */
void virJSONAddIntOrNull(JsonBuilder *b, const char *key, int val);

/* The built document, pretty-printed with two-space indents and a
 * final newline. */
char *virJSONFormat(JsonBuilder *b);
