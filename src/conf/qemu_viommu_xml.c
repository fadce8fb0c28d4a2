/*
 * qemu_viommu_xml.c: safe parsing of domain XML and in-place edits that
 *                    keep the document as the user wrote it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_viommu_xml.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <string.h>

#include "virerror.h"

/* Never grow a document past this: domain XML is kilobytes. */
#define QEMU_VIOMMU_XML_MAX (64 * 1024 * 1024)


/* libxml2 prints some problems (encoding conversion) through its
 * generic handler whatever the parser options say; they reach the user
 * as the parser's own error, once. */
static void
qemuVIOMMUXMLSilence(void *ctx G_GNUC_UNUSED, const char *msg G_GNUC_UNUSED, ...)
{
}


xmlDocPtr
qemuVIOMMUXMLParse(const char *data, size_t len, const char *name)
{
    xmlParserCtxtPtr ctxt = NULL;
    xmlDocPtr doc = NULL;
    const xmlError *err;
    xmlNodePtr root;

    if (len == 0) {
        virReportError(VIR_ERROR_XML_PARSE, _("domain XML '%1$s' is empty"), name);
        return NULL;
    }
    if (len > QEMU_VIOMMU_XML_MAX) {
        virReportError(VIR_ERROR_XML_PARSE, _("domain XML '%1$s' is %2$zu bytes, more than the %3$d this tool reads"),
                       name, len, QEMU_VIOMMU_XML_MAX);
        return NULL;
    }

    xmlSetGenericErrorFunc(NULL, qemuVIOMMUXMLSilence);

    if (!(ctxt = xmlNewParserCtxt())) {
        virReportError(VIR_ERROR_INTERNAL, "%s", _("cannot create an XML parser"));
        return NULL;
    }

    /* No XML_PARSE_NOENT (entity substitution), XML_PARSE_DTDLOAD,
     * XML_PARSE_XINCLUDE or XML_PARSE_HUGE; NONET for good measure.
     * COMPACT keeps short text (the indentation between elements) in
     * its node instead of an allocation of its own. */
    doc = xmlCtxtReadMemory(ctxt, data, len, name, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING | XML_PARSE_COMPACT);
    if (!doc || !ctxt->wellFormed) {
        err = xmlCtxtGetLastError(ctxt);
        if (err && err->message) {
            g_auto(GStrv) parts = g_strsplit(err->message, "\n", -1);
            g_autofree char *msg = NULL;
            size_t i;

            /* one line per problem: libxml2 spreads some over two */
            for (i = 0; parts[i]; i++)
                g_strstrip(parts[i]);
            msg = g_strjoinv(" ", parts);
            g_strstrip(msg);

            virReportError(VIR_ERROR_XML_PARSE, _("domain XML '%1$s' is not well-formed: line %2$d: %3$s"),
                           name, err->line, msg);
        } else {
            virReportError(VIR_ERROR_XML_PARSE, _("domain XML '%1$s' is not well-formed"), name);
        }
        goto error;
    }

    if (doc->intSubset || doc->extSubset) {
        virReportError(VIR_ERROR_XML_PARSE, _("domain XML '%1$s' has a DOCTYPE; libvirt domain XML has none, remove it (entities are not expanded)"),
                       name);
        goto error;
    }

    root = xmlDocGetRootElement(doc);
    if (!root || !xmlStrEqual(root->name, BAD_CAST "domain") || root->ns) {
        virReportError(VIR_ERROR_XML_PARSE, _("domain XML '%1$s' has root element <%2$s>, expected <domain>"),
                       name, root ? (const char *) root->name : "");
        goto error;
    }

    xmlFreeParserCtxt(ctxt);
    return doc;

 error:
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return NULL;
}


static void
qemuVIOMMUXMLEscape(GString *buf, const char *str, bool attr)
{
    const char *special = attr ? "&<>\r'\n\t" : "&<>\r";

    while (*str) {
        size_t run = strcspn(str, special);

        /* copy what needs no escaping in one go */
        g_string_append_len(buf, str, run);
        str += run;

        switch (*str) {
        case '\0':
            return;
        case '&':
            g_string_append(buf, "&amp;");
            break;
        case '<':
            g_string_append(buf, "&lt;");
            break;
        case '>':
            g_string_append(buf, "&gt;");
            break;
        case '\r':
            g_string_append(buf, "&#13;");
            break;
        case '\'':
            g_string_append(buf, "&apos;");
            break;
        case '\n':
            g_string_append(buf, "&#10;");
            break;
        case '\t':
            g_string_append(buf, "&#9;");
            break;
        }
        str++;
    }
}


static void
qemuVIOMMUXMLFormatName(GString *buf, xmlNsPtr ns, const xmlChar *name)
{
    if (ns && ns->prefix)
        g_string_append_printf(buf, "%s:", (const char *) ns->prefix);
    g_string_append(buf, (const char *) name);
}


static void
qemuVIOMMUXMLFormatNode(GString *buf, xmlNodePtr node)
{
    xmlNodePtr cur;
    xmlAttrPtr attr;
    xmlNsPtr ns;

    switch (node->type) {
    case XML_ELEMENT_NODE:
        g_string_append_c(buf, '<');
        qemuVIOMMUXMLFormatName(buf, node->ns, node->name);
        for (attr = node->properties; attr; attr = attr->next) {
            g_string_append_c(buf, ' ');
            qemuVIOMMUXMLFormatName(buf, attr->ns, attr->name);
            g_string_append(buf, "='");
            for (cur = attr->children; cur; cur = cur->next) {
                if (cur->content)
                    qemuVIOMMUXMLEscape(buf, (const char *) cur->content, true);
            }
            g_string_append_c(buf, '\'');
        }
        /* namespace declarations after the attributes, as libvirt
         * writes <domain type='kvm' xmlns:qemu='...'> */
        for (ns = node->nsDef; ns; ns = ns->next) {
            g_string_append(buf, " xmlns");
            if (ns->prefix)
                g_string_append_printf(buf, ":%s", (const char *) ns->prefix);
            g_string_append(buf, "='");
            qemuVIOMMUXMLEscape(buf, (const char *) ns->href, true);
            g_string_append_c(buf, '\'');
        }
        if (!node->children) {
            g_string_append(buf, "/>");
            break;
        }
        g_string_append_c(buf, '>');
        for (cur = node->children; cur; cur = cur->next)
            qemuVIOMMUXMLFormatNode(buf, cur);
        g_string_append(buf, "</");
        qemuVIOMMUXMLFormatName(buf, node->ns, node->name);
        g_string_append_c(buf, '>');
        break;
    case XML_TEXT_NODE:
        qemuVIOMMUXMLEscape(buf, (const char *) node->content, false);
        break;
    case XML_CDATA_SECTION_NODE:
        g_string_append_printf(buf, "<![CDATA[%s]]>", (const char *) node->content);
        break;
    case XML_COMMENT_NODE:
        g_string_append_printf(buf, "<!--%s-->", (const char *) node->content);
        break;
    case XML_PI_NODE:
        g_string_append_printf(buf, "<?%s%s%s?>", (const char *) node->name,
                               node->content ? " " : "",
                               node->content ? (const char *) node->content : "");
        break;
    case XML_ENTITY_REF_NODE:
        g_string_append_printf(buf, "&%s;", (const char *) node->name);
        break;
    case XML_ATTRIBUTE_NODE:
    case XML_ENTITY_NODE:
    case XML_DOCUMENT_NODE:
    case XML_DOCUMENT_TYPE_NODE:
    case XML_DOCUMENT_FRAG_NODE:
    case XML_NOTATION_NODE:
    case XML_HTML_DOCUMENT_NODE:
    case XML_DTD_NODE:
    case XML_ELEMENT_DECL:
    case XML_ATTRIBUTE_DECL:
    case XML_ENTITY_DECL:
    case XML_NAMESPACE_DECL:
    case XML_XINCLUDE_START:
    case XML_XINCLUDE_END:
#ifdef LIBXML_DOCB_ENABLED
    case XML_DOCB_DOCUMENT_NODE:
#endif
        break;
    }
}


char *
qemuVIOMMUXMLFormat(xmlDocPtr doc, size_t *len)
{
    GString *out = g_string_new(NULL);
    xmlNodePtr n;

    /* Libvirt's own style, as 'virsh dumpxml' writes it: no XML
     * declaration, attributes in single quotes; each top-level node
     * (comments, the root) on a line of its own. */
    for (n = doc->children; n; n = n->next) {
        qemuVIOMMUXMLFormatNode(out, n);
        g_string_append_c(out, '\n');
    }

    *len = out->len;
    return g_string_free(out, FALSE);
}


char *
qemuVIOMMUXMLFormatElement(xmlNodePtr node)
{
    GString *out = g_string_new(NULL);

    qemuVIOMMUXMLFormatNode(out, node);
    return g_string_free(out, FALSE);
}


xmlNodePtr
qemuVIOMMUXMLChild(xmlNodePtr node, const char *name)
{
    xmlNodePtr cur;

    for (cur = node ? node->children : NULL; cur; cur = cur->next) {
        if (cur->type == XML_ELEMENT_NODE &&
            xmlStrEqual(cur->name, BAD_CAST name))
            return cur;
    }
    return NULL;
}


char *
qemuVIOMMUXMLProp(xmlNodePtr node, const char *name)
{
    xmlChar *val = xmlGetNoNsProp(node, BAD_CAST name);
    char *ret;

    if (!val)
        return NULL;
    ret = g_strdup((const char *) val);
    xmlFree(val);
    return ret;
}


int
qemuVIOMMUXMLPropUInt(xmlNodePtr node,
                      const char *name,
                      unsigned int max,
                      const char *what,
                      unsigned int *val)
{
    g_autofree char *str = qemuVIOMMUXMLProp(node, name);
    guint64 v;
    bool ok;

    if (!str)
        return 0;

    if (g_str_has_prefix(str, "0x") || g_str_has_prefix(str, "0X"))
        ok = str[2] && g_ascii_string_to_unsigned(str + 2, 16, 0, max, &v, NULL);
    else
        ok = g_ascii_string_to_unsigned(str, 10, 0, max, &v, NULL);

    if (!ok) {
        g_autofree char *path = qemuVIOMMUXMLNodePath(node);

        virReportError(VIR_ERROR_XML_INVALID, _("%1$s: attribute %2$s='%3$.40s' of %4$s is not a number from 0 to %5$u"),
                       path, name, str, what, max);
        return -1;
    }
    *val = v;
    return 1;
}


static int
qemuVIOMMUXMLDepth(xmlNodePtr node)
{
    int depth = 0;

    for (node = node->parent; node && node->type == XML_ELEMENT_NODE; node = node->parent)
        depth++;
    return depth;
}


/* A text node of a newline and @width spaces. */
static xmlNodePtr
qemuVIOMMUXMLNewIndent(int width)
{
    g_autofree char *text = g_malloc(width + 1);

    text[0] = '\n';
    memset(text + 1, ' ', width);
    return xmlNewTextLen(BAD_CAST text, width + 1);
}


/* A text node of the whitespace that precedes element children of
 * @parent ("\n    "), copied from its existing children, or made from
 * @parent's own depth. */
static xmlNodePtr
qemuVIOMMUXMLNewChildIndent(xmlNodePtr parent)
{
    xmlNodePtr cur;

    for (cur = parent->children; cur; cur = cur->next) {
        if (cur->type == XML_ELEMENT_NODE && cur->prev &&
            cur->prev->type == XML_TEXT_NODE) {
            const char *text = (const char *) cur->prev->content;
            const char *nl = strrchr(text, '\n');
            size_t len;

            if (nl && (len = strlen(nl + 1)) == strspn(nl + 1, " \t"))
                return xmlNewTextLen(BAD_CAST nl, len + 1);
        }
    }
    return qemuVIOMMUXMLNewIndent(2 * (qemuVIOMMUXMLDepth(parent) + 1));
}


void
qemuVIOMMUXMLInsert(xmlNodePtr parent, xmlNodePtr after, xmlNodePtr node)
{
    xmlNodePtr ws = qemuVIOMMUXMLNewChildIndent(parent);
    xmlNodePtr last;

    /* The element goes in first and the whitespace next to it, as
     * libxml2 merges a text node into an adjacent text node. */
    if (after) {
        xmlAddNextSibling(after, node);
        xmlAddPrevSibling(node, ws);
        return;
    }

    /* At the end: before the whitespace that precedes </parent>. */
    last = parent->last;
    if (last && last->type == XML_TEXT_NODE &&
        xmlIsBlankNode(last) && last->prev) {
        xmlAddPrevSibling(last, node);
        xmlAddPrevSibling(node, ws);
        return;
    }
    xmlAddChild(parent, ws);
    xmlAddChild(parent, node);
    if (!last || last->type != XML_TEXT_NODE)
        xmlAddChild(parent, qemuVIOMMUXMLNewIndent(2 * qemuVIOMMUXMLDepth(parent)));
}


void
qemuVIOMMUXMLInsertBefore(xmlNodePtr before, xmlNodePtr node)
{
    xmlNodePtr ws = qemuVIOMMUXMLNewChildIndent(before->parent);

    xmlAddPrevSibling(before, node);
    xmlAddPrevSibling(before, ws);
}


void
qemuVIOMMUXMLPrepend(xmlNodePtr parent, xmlNodePtr node)
{
    xmlNodePtr first = xmlFirstElementChild(parent);

    if (first)
        qemuVIOMMUXMLInsertBefore(first, node);
    else
        qemuVIOMMUXMLInsert(parent, NULL, node);
}


xmlNodePtr
qemuVIOMMUXMLNewChild(xmlNodePtr parent, const char *name)
{
    xmlNodePtr node = xmlNewDocNode(parent->doc, parent->ns, BAD_CAST name, NULL);

    qemuVIOMMUXMLInsert(parent, NULL, node);
    return node;
}


void
qemuVIOMMUXMLRemove(xmlNodePtr node)
{
    xmlNodePtr prev = node->prev;

    if (prev && prev->type == XML_TEXT_NODE && xmlIsBlankNode(prev)) {
        xmlUnlinkNode(prev);
        xmlFreeNode(prev);
    }
    xmlUnlinkNode(node);
    xmlFreeNode(node);
}


void
qemuVIOMMUXMLSetPropInt(xmlNodePtr node, const char *name, long long val)
{
    g_autofree char *str = g_strdup_printf("%lld", val);

    xmlSetProp(node, BAD_CAST name, BAD_CAST str);
}


void
qemuVIOMMUXMLSetPropHex(xmlNodePtr node, const char *name,
                        unsigned int digits, unsigned long long val)
{
    g_autofree char *str = g_strdup_printf("0x%0*llx", (int) MIN(digits, 16), val);

    xmlSetProp(node, BAD_CAST name, BAD_CAST str);
}


char *
qemuVIOMMUXMLNodePath(xmlNodePtr node)
{
    xmlChar *path = xmlGetNodePath(node);
    char *ret = g_strdup(path ? (const char *) path : "?");

    xmlFree(path);
    return ret;
}
