/*
 * virjson.c: JSON output through json-glib, loaded on first use
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <json-glib/json-glib.h>

#include "virjson.h"
#include "virdl.h"

#define VIR_JSON_GLIB_SONAME "libjson-glib-1.0.so.0"

/* The headers give the types; the calls go through this table. */
static struct {
    __typeof__(g_object_unref) *objectUnref;
    __typeof__(json_builder_new) *builderNew;
    __typeof__(json_builder_begin_object) *beginObject;
    __typeof__(json_builder_end_object) *endObject;
    __typeof__(json_builder_begin_array) *beginArray;
    __typeof__(json_builder_end_array) *endArray;
    __typeof__(json_builder_set_member_name) *setMemberName;
    __typeof__(json_builder_add_string_value) *addString;
    __typeof__(json_builder_add_int_value) *addInt;
    __typeof__(json_builder_add_boolean_value) *addBool;
    __typeof__(json_builder_add_null_value) *addNull;
    __typeof__(json_builder_get_root) *getRoot;
    __typeof__(json_node_unref) *nodeUnref;
    __typeof__(json_generator_new) *generatorNew;
    __typeof__(json_generator_set_root) *generatorSetRoot;
    __typeof__(json_generator_set_pretty) *generatorSetPretty;
    __typeof__(json_generator_set_indent) *generatorSetIndent;
    __typeof__(json_generator_to_data) *generatorToData;
} virJSONGlib;

struct _virJSONBuilder {
    JsonBuilder *builder;
};


static int
virJSONLoad(void)
{
    static void *handle;
    const virDLSymbol syms[] = {
        VIR_DL_SYMBOL(virJSONGlib, objectUnref, g_object_unref),
        VIR_DL_SYMBOL(virJSONGlib, builderNew, json_builder_new),
        VIR_DL_SYMBOL(virJSONGlib, beginObject, json_builder_begin_object),
        VIR_DL_SYMBOL(virJSONGlib, endObject, json_builder_end_object),
        VIR_DL_SYMBOL(virJSONGlib, beginArray, json_builder_begin_array),
        VIR_DL_SYMBOL(virJSONGlib, endArray, json_builder_end_array),
        VIR_DL_SYMBOL(virJSONGlib, setMemberName, json_builder_set_member_name),
        VIR_DL_SYMBOL(virJSONGlib, addString, json_builder_add_string_value),
        VIR_DL_SYMBOL(virJSONGlib, addInt, json_builder_add_int_value),
        VIR_DL_SYMBOL(virJSONGlib, addBool, json_builder_add_boolean_value),
        VIR_DL_SYMBOL(virJSONGlib, addNull, json_builder_add_null_value),
        VIR_DL_SYMBOL(virJSONGlib, getRoot, json_builder_get_root),
        VIR_DL_SYMBOL(virJSONGlib, nodeUnref, json_node_unref),
        VIR_DL_SYMBOL(virJSONGlib, generatorNew, json_generator_new),
        VIR_DL_SYMBOL(virJSONGlib, generatorSetRoot, json_generator_set_root),
        VIR_DL_SYMBOL(virJSONGlib, generatorSetPretty, json_generator_set_pretty),
        VIR_DL_SYMBOL(virJSONGlib, generatorSetIndent, json_generator_set_indent),
        VIR_DL_SYMBOL(virJSONGlib, generatorToData, json_generator_to_data),
    };

    if (!handle)
        handle = virDLLoad(VIR_JSON_GLIB_SONAME, "JSON output",
                           "json-glib 1.6 or later (Debian: libjson-glib-1.0-0)",
                           syms, G_N_ELEMENTS(syms));
    return handle ? 0 : -1;
}


virJSONBuilder *
virJSONBuilderNew(void)
{
    virJSONBuilder *b;

    if (virJSONLoad() < 0)
        return NULL;
    b = g_new0(virJSONBuilder, 1);
    b->builder = virJSONGlib.builderNew();
    return b;
}


void
virJSONBuilderFree(virJSONBuilder *b)
{
    if (!b)
        return;
    virJSONGlib.objectUnref(b->builder);
    g_free(b);
}


static void
virJSONKey(virJSONBuilder *b, const char *key)
{
    if (key)
        virJSONGlib.setMemberName(b->builder, key);
}


void
virJSONBeginObject(virJSONBuilder *b, const char *key)
{
    virJSONKey(b, key);
    virJSONGlib.beginObject(b->builder);
}


void
virJSONEndObject(virJSONBuilder *b)
{
    virJSONGlib.endObject(b->builder);
}


void
virJSONBeginArray(virJSONBuilder *b, const char *key)
{
    virJSONKey(b, key);
    virJSONGlib.beginArray(b->builder);
}


void
virJSONEndArray(virJSONBuilder *b)
{
    virJSONGlib.endArray(b->builder);
}


void
virJSONAddString(virJSONBuilder *b, const char *key, const char *val)
{
    virJSONKey(b, key);
    if (val)
        virJSONGlib.addString(b->builder, val);
    else
        virJSONGlib.addNull(b->builder);
}


void
virJSONAddInt(virJSONBuilder *b, const char *key, gint64 val)
{
    virJSONKey(b, key);
    virJSONGlib.addInt(b->builder, val);
}


void
virJSONAddIntOrNull(virJSONBuilder *b, const char *key, int val)
{
    virJSONKey(b, key);
    if (val >= 0)
        virJSONGlib.addInt(b->builder, val);
    else
        virJSONGlib.addNull(b->builder);
}


void
virJSONAddBool(virJSONBuilder *b, const char *key, bool val)
{
    virJSONKey(b, key);
    virJSONGlib.addBool(b->builder, val);
}


char *
virJSONFormat(virJSONBuilder *b)
{
    JsonGenerator *gen = virJSONGlib.generatorNew();
    JsonNode *root = virJSONGlib.getRoot(b->builder);
    g_autofree char *out = NULL;

    virJSONGlib.generatorSetRoot(gen, root);
    virJSONGlib.generatorSetPretty(gen, TRUE);
    virJSONGlib.generatorSetIndent(gen, 2);
    out = virJSONGlib.generatorToData(gen, NULL);
    virJSONGlib.nodeUnref(root);
    virJSONGlib.objectUnref(gen);
    return g_strconcat(out, "\n", NULL);
}
