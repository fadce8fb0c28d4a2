/*
 * qemu_viommu_xml.h: safe parsing of domain XML and in-place edits that
 *                    keep the document as the user wrote it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include <stdbool.h>

/* Parse @len bytes of @data, named @name in messages.  The network,
 * DTD loading, entity substitution and XInclude stay off, and a
 * document with a DOCTYPE is refused (libvirt never writes one, and it
 * is the door for entity expansion attacks).  Returns NULL with the
 * error reported. */
xmlDocPtr qemuVIOMMUXMLParse(const char *data, size_t len, const char *name);

/* Serialize @doc as it was read (no reformatting), newline-terminated. */
char *qemuVIOMMUXMLFormat(xmlDocPtr doc, size_t *len);

/* Serialize one element (and what it holds) the same way. */
char *qemuVIOMMUXMLFormatElement(xmlNodePtr node);

/* The first child element of @node named @name, or NULL. */
xmlNodePtr qemuVIOMMUXMLChild(xmlNodePtr node, const char *name);

/* The attribute @name as a new string, or NULL. */
char *qemuVIOMMUXMLProp(xmlNodePtr node, const char *name);

/* Parse the attribute @name as an unsigned number (decimal, or hex
 * with 0x).  Returns 1 and *val, 0 if absent, -1 (reported, naming
 * @what) if present but not a number <= @max. */
int qemuVIOMMUXMLPropUInt(xmlNodePtr node,
                          const char *name,
                          unsigned int max,
                          const char *what,
                          unsigned int *val);

/* Insert @node as a child of @parent after @after (or at the end when
 * NULL), with the indentation of its siblings. */
void qemuVIOMMUXMLInsert(xmlNodePtr parent, xmlNodePtr after, xmlNodePtr node);

/* Insert @node as a sibling right before @before, indented alike. */
void qemuVIOMMUXMLInsertBefore(xmlNodePtr before, xmlNodePtr node);

/* Insert @node first among the elements of @parent, indented as they
 * are (at the end when @parent has no element). */
void qemuVIOMMUXMLPrepend(xmlNodePtr parent, xmlNodePtr node);

/* Add a new element child @name to @parent, indented one level deeper
 * than @parent.  Use for building new elements. */
xmlNodePtr qemuVIOMMUXMLNewChild(xmlNodePtr parent, const char *name);

/* Remove @node and the whitespace before it. */
void qemuVIOMMUXMLRemove(xmlNodePtr node);

/* Set attribute @name to @val in decimal. */
void qemuVIOMMUXMLSetPropInt(xmlNodePtr node, const char *name, long long val);

/* Set attribute @name to @val in hexadecimal, "0x" and at least
 * @digits (at most 16) digits: libvirt writes bus='0x01' function='0x0'. */
void qemuVIOMMUXMLSetPropHex(xmlNodePtr node, const char *name,
                             unsigned int digits, unsigned long long val);

/* "/domain/devices/hostdev[3]" style path of @node, for messages. */
char *qemuVIOMMUXMLNodePath(xmlNodePtr node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc);
