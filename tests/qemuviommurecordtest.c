/*
 * qemuviommurecordtest.c: the plan record edits of 'attach' and
 *                         'detach' (src/qemu/qemu_viommu_record.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <stdio.h>
#include <string.h>

#include "qemu_viommu_record.h"
#include "qemu_viommu_xml.h"
#include "testutils.h"
#include "virerror.h"


/* A planned domain: pxb 1 (vIOMMU of smmu3.0x...11000000) with ports 3
 * (0000:01:00.0) and 4 (0000:02:00.0), pxb 2 (of ...12000000) with
 * port 5 (0001:01:00.0). */
#define TEST_FILE "aarch64-2smmu-basic.aarch64-latest.xml"
#define TEST_IOMMU1 "smmu3.0x0000000011000000"
#define TEST_IOMMU2 "smmu3.0x0000000012000000"


/* The test domain, with @from replaced by @to (when not NULL). */
static xmlDocPtr
testLoad(const char *from, const char *to)
{
    g_autofree char *path = g_build_filename(virTestSrcDir(), "qemuxmlconfdata",
                                             TEST_FILE, NULL);
    g_autofree char *text = NULL;
    g_autofree char *edited = NULL;
    size_t len;

    if (!g_file_get_contents(path, &text, &len, NULL))
        return NULL;
    if (from) {
        g_auto(GStrv) parts = g_strsplit(text, from, 2);

        if (!parts[1])
            return NULL;
        edited = g_strjoin(to, parts[0], parts[1], NULL);
    } else {
        edited = g_steal_pointer(&text);
    }
    return qemuVIOMMUXMLParse(edited, strlen(edited), TEST_FILE);
}


/* Write @meta into @doc, as libvirt does on virDomainSetMetadata(). */
static void
testStore(xmlDocPtr doc, const qemuVIOMMUMeta *meta)
{
    qemuVIOMMUMetaFormat(meta, xmlDocGetRootElement(doc));
}


static int
testPlacedPort(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(xmlDoc) doc = testLoad(NULL, NULL);
    bool recorded = true;

    CHECK(doc, "cannot read " TEST_FILE);
    CHECK(qemuVIOMMURecordPlacedPort(doc, "0000:01:00.0", TEST_IOMMU1, &recorded) == 3 &&
          recorded, "0000:01:00.0 is not found recorded on port 3");
    CHECK(qemuVIOMMURecordPlacedPort(doc, "0001:01:00.0", TEST_IOMMU2, &recorded) == 5 &&
          recorded, "0001:01:00.0 is not found recorded on port 5");
    /* behind the other vIOMMU it sits on no recorded port */
    CHECK(qemuVIOMMURecordPlacedPort(doc, "0000:01:00.0", TEST_IOMMU2, &recorded) == -1 &&
          !recorded, "0000:01:00.0 is found behind the vIOMMU of " TEST_IOMMU2);
    CHECK(qemuVIOMMURecordPlacedPort(doc, "0000:09:00.0", TEST_IOMMU1, &recorded) == -1,
          "a device the domain has not is found placed");
    CHECK(qemuVIOMMURecordPlacedPort(doc, "0000:01:00.0", "smmu3.0x0000000099000000",
                                     &recorded) == -1,
          "a device is found behind the vIOMMU of an IOMMU the record has not");
    CHECK(virErrorCount() == 0, "an error was left: %s", virErrorGetLast());
    return 0;
}


/* Placed on a recorded port that the record does not list it on: an
 * attach that stopped between device and record. */
static int
testPlacedUnrecorded(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(xmlDoc) doc = testLoad(NULL, NULL);
    g_autoptr(qemuVIOMMUMeta) meta = NULL;
    bool recorded = true;

    CHECK(doc && (meta = qemuVIOMMURecordRead(doc)), "cannot read the record");
    CHECK(qemuVIOMMUMetaSetDevice(meta, "0000:02:00.0", -1, -1, -1) == 0,
          "cannot forget 0000:02:00.0");
    testStore(doc, meta);
    CHECK(qemuVIOMMURecordPlacedPort(doc, "0000:02:00.0", TEST_IOMMU1, &recorded) == 4 &&
          !recorded, "0000:02:00.0 is not found unrecorded on port 4");
    return 0;
}


/* A recorded port moved off its pxb (root port 4 onto pxb 2) no longer
 * counts: qemuVIOMMUMetaPortController() in qemu_viommu.c. */
static int
testPlacedPortMoved(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(xmlDoc) doc = testLoad("bus='0x01' slot='0x01'", "bus='0x02' slot='0x01'");
    bool recorded = true;

    CHECK(doc, "cannot read " TEST_FILE " with port 4 moved");
    CHECK(qemuVIOMMURecordPlacedPort(doc, "0000:02:00.0", TEST_IOMMU1, &recorded) == -1 &&
          !recorded, "0000:02:00.0 is found on port 4, which left its pxb");
    CHECK(qemuVIOMMURecordPlacedPort(doc, "0000:01:00.0", TEST_IOMMU1, &recorded) == 3,
          "0000:01:00.0 on port 3 is no longer found");
    return 0;
}


static int
testFindHostdev(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(xmlDoc) doc = testLoad(NULL, NULL);
    xmlNodePtr node;

    CHECK(doc, "cannot read " TEST_FILE);
    CHECK((node = qemuVIOMMURecordFindHostdev(doc, "0001:01:00.0")) &&
          xmlStrEqual(node->name, BAD_CAST "hostdev"), "0001:01:00.0 is not found");
    CHECK(!qemuVIOMMURecordFindHostdev(doc, "0001:02:00.0"), "0001:02:00.0 is found");
    return 0;
}


static int
testSetDevice(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(xmlDoc) doc = testLoad(NULL, NULL);
    g_autoptr(qemuVIOMMUMeta) meta = NULL;
    qemuVIOMMUMetaPort *port;

    CHECK(doc && (meta = qemuVIOMMURecordRead(doc)), "cannot read the record");
    CHECK(qemuVIOMMURecordSetDevice(doc, meta, "0000:01:00.0", -1, -1, -1) == 0,
          "cannot forget 0000:01:00.0");
    CHECK(qemuVIOMMURecordHolds(meta, "0000:01:00.0", -1), "0000:01:00.0 is still recorded");
    CHECK(!qemuVIOMMURecordHolds(meta, "0000:01:00.0", 3), "0000:01:00.0 is held on port 3");
    CHECK(qemuVIOMMURecordHolds(meta, "0000:02:00.0", 4), "0000:02:00.0 left port 4");

    CHECK(qemuVIOMMURecordSetDevice(doc, meta, "0000:01:00.0", 3, 7, 1) == 0,
          "cannot record 0000:01:00.0 on port 3");
    CHECK(qemuVIOMMURecordHolds(meta, "0000:01:00.0", 3), "0000:01:00.0 is not on port 3");
    port = qemuVIOMMUMetaFindDevice(meta, "0000:01:00.0", NULL);
    CHECK(port->devices->len == 1, "port 3 lists %u devices, not 1", port->devices->len);
    CHECK(((qemuVIOMMUMetaDevice *) g_ptr_array_index(port->devices, 0))->group == 7,
          "the group of 0000:01:00.0 is not recorded");

    /* a port the record does not have is an error */
    CHECK(qemuVIOMMURecordSetDevice(doc, meta, "0000:01:00.0", 9, -1, -1) < 0 &&
          virErrorGetLastCode() == VIR_ERROR_NO_PLAN &&
          strstr(virErrorGetLast(), "has no root port 9"),
          "recording on port 9: %s", virErrorGetLast() ? virErrorGetLast() : "no error");
    virErrorReset();
    return 0;
}


/* Entries of devices that the domain no longer assigns go with any
 * edit. */
static int
testSetDeviceForgets(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(xmlDoc) doc = testLoad("<address domain='0x0000' bus='0x02'",
                                     "<address domain='0x0000' bus='0x07'");
    g_autoptr(qemuVIOMMUMeta) meta = NULL;

    CHECK(doc && (meta = qemuVIOMMURecordRead(doc)), "cannot read the record");
    CHECK(qemuVIOMMURecordHolds(meta, "0000:02:00.0", 4), "0000:02:00.0 is not on port 4");
    CHECK(qemuVIOMMURecordSetDevice(doc, meta, "0001:01:00.0", 5, 5, 0) == 0,
          "cannot record 0001:01:00.0 on port 5");
    CHECK(qemuVIOMMURecordHolds(meta, "0000:02:00.0", -1),
          "0000:02:00.0, assigned no more, is still recorded");
    CHECK(qemuVIOMMURecordHolds(meta, "0001:01:00.0", 5), "0001:01:00.0 left port 5");
    return 0;
}


static int
testReadNone(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(xmlDoc) doc = testLoad("urn:virt-viommu:plan:1", "urn:other:plan:1");
    g_autoptr(qemuVIOMMUMeta) meta = NULL;

    CHECK(doc, "cannot read " TEST_FILE " without its record");
    CHECK(!(meta = qemuVIOMMURecordRead(doc)) &&
          virErrorGetLastCode() == VIR_ERROR_NO_PLAN &&
          strstr(virErrorGetLast(), "domain 'guest' has no virt-viommu plan record"),
          "a domain without a record: %s", virErrorGetLast() ? virErrorGetLast() : "no error");
    virErrorReset();
    return 0;
}


int
main(void)
{
    int failures = 0;

    virTestInit();

#define DO_TEST(name, body) \
    if (virTestRun(name, body, NULL) < 0) \
        failures++

    DO_TEST("placed port", testPlacedPort);
    DO_TEST("placed, not recorded", testPlacedUnrecorded);
    DO_TEST("placed on a port that left its pxb", testPlacedPortMoved);
    DO_TEST("find hostdev", testFindHostdev);
    DO_TEST("set device", testSetDevice);
    DO_TEST("set device forgets the unassigned", testSetDeviceForgets);
    DO_TEST("read a domain without record", testReadNone);

    return virTestResult(failures);
}
