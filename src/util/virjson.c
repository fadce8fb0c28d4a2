/*
 * virjson.c: small helpers over json-glib's builder
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virjson.h"


void
virJSONAddString(JsonBuilder *b, const char *key, const char *val)
{
    json_builder_set_member_name(b, key);
    if (val)
        json_builder_add_string_value(b, val);
    else
        json_builder_add_null_value(b);
}


void
virJSONAddIntOrNull(JsonBuilder *b, const char *key, int val)
{
    json_builder_set_member_name(b, key);
    if (val >= 0)
        json_builder_add_int_value(b, val);
    else
        json_builder_add_null_value(b);
}


char *
virJSONFormat(JsonBuilder *b)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    g_autofree char *out = NULL;

    json_generator_set_root(gen, root);
    json_generator_set_pretty(gen, TRUE);
    json_generator_set_indent(gen, 2);
    out = json_generator_to_data(gen, NULL);
    return g_strconcat(out, "\n", NULL);
}
