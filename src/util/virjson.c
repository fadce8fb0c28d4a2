/*
 * virjson.c: JSON output through json-glib
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <json-glib/json-glib.h>

#include "virjson.h"
#include "virerror.h"

struct _virJSONBuilder {
    JsonBuilder *builder;
};


virJSONBuilder *
virJSONBuilderNew(void)
{
    virJSONBuilder *b = g_new0(virJSONBuilder, 1);

    b->builder = json_builder_new();
    return b;
}


void
virJSONBuilderFree(virJSONBuilder *b)
{
    if (!b)
        return;
    g_object_unref(b->builder);
    g_free(b);
}


static void
virJSONKey(virJSONBuilder *b, const char *key)
{
    if (key)
        json_builder_set_member_name(b->builder, key);
}


void
virJSONBeginObject(virJSONBuilder *b, const char *key)
{
    virJSONKey(b, key);
    json_builder_begin_object(b->builder);
}


void
virJSONEndObject(virJSONBuilder *b)
{
    json_builder_end_object(b->builder);
}


void
virJSONBeginArray(virJSONBuilder *b, const char *key)
{
    virJSONKey(b, key);
    json_builder_begin_array(b->builder);
}


void
virJSONEndArray(virJSONBuilder *b)
{
    json_builder_end_array(b->builder);
}


void
virJSONAddString(virJSONBuilder *b, const char *key, const char *val)
{
    virJSONKey(b, key);
    if (val)
        json_builder_add_string_value(b->builder, val);
    else
        json_builder_add_null_value(b->builder);
}


void
virJSONAddInt(virJSONBuilder *b, const char *key, gint64 val)
{
    virJSONKey(b, key);
    json_builder_add_int_value(b->builder, val);
}


void
virJSONAddIntOrNull(virJSONBuilder *b, const char *key, int val)
{
    virJSONKey(b, key);
    if (val >= 0)
        json_builder_add_int_value(b->builder, val);
    else
        json_builder_add_null_value(b->builder);
}


void
virJSONAddBool(virJSONBuilder *b, const char *key, bool val)
{
    virJSONKey(b, key);
    json_builder_add_boolean_value(b->builder, val);
}


/* The built document, pretty-printed or on one line. */
static char *
virJSONGenerate(virJSONBuilder *b, bool pretty)
{
    JsonGenerator *gen = json_generator_new();
    JsonNode *root = json_builder_get_root(b->builder);
    char *out;

    json_generator_set_root(gen, root);
    json_generator_set_pretty(gen, pretty);
    if (pretty)
        json_generator_set_indent(gen, 2);
    out = json_generator_to_data(gen, NULL);
    json_node_unref(root);
    g_object_unref(gen);
    return out;
}


char *
virJSONFormat(virJSONBuilder *b)
{
    g_autofree char *out = virJSONGenerate(b, true);

    return g_strconcat(out, "\n", NULL);
}


char *
virJSONFormatCompact(virJSONBuilder *b)
{
    return virJSONGenerate(b, false);
}


void
virJSONRecordBegin(virJSONBuilder *b,
                   const char *format,
                   int version,
                   const char *key)
{
    virJSONBeginObject(b, NULL);
    virJSONAddString(b, "format", format);
    virJSONAddInt(b, "version", version);
    virJSONBeginArray(b, key);
}


int
virJSONRecordWrite(virJSONBuilder *b, const char *file)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;

    virJSONEndArray(b);
    virJSONEndObject(b);
    text = virJSONFormat(b);
    if (!g_file_set_contents(file, text, -1, &err)) {
        virReportError(VIR_ERROR_SYSTEM, _("cannot write '%1$s': %2$s"),
                       file, err->message);
        return -1;
    }
    return 0;
}
