/*
 * qemuviommumetatest.c: the walk over the plan record
 *                       (qemuVIOMMUMetaIter, src/conf/qemu_viommu_meta.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <stdio.h>
#include <string.h>

#include "qemu_viommu_meta.h"
#include "testutils.h"


#define CHECK_STR(got, want) \
    CHECK(g_str_equal(got, want), "got '%s', not '%s'", got, want)


/* The record the tests walk, in document order:
 *   bus A (pxb 1): port 3 with d1 and d2, port 4 (spare)
 *   bus B (pxb 2): no ports
 *   bus C (pxb 5): port 6 with d3, port 7 with d4 */
static qemuVIOMMUMeta *
testRecord(void)
{
    qemuVIOMMUMeta *meta = qemuVIOMMUMetaNew();
    qemuVIOMMUMetaBus *bus;
    qemuVIOMMUMetaPort *port;

    bus = qemuVIOMMUMetaAddBus(meta, "A", "smmuv3", 1);
    port = qemuVIOMMUMetaBusAddPort(bus, 3);
    qemuVIOMMUMetaPortAddDevice(port, "d1", 1, 0);
    qemuVIOMMUMetaPortAddDevice(port, "d2", 2, 0);
    qemuVIOMMUMetaBusAddPort(bus, 4);
    qemuVIOMMUMetaAddBus(meta, "B", "smmuv3", 2);
    bus = qemuVIOMMUMetaAddBus(meta, "C", "smmuv3", 5);
    port = qemuVIOMMUMetaBusAddPort(bus, 6);
    qemuVIOMMUMetaPortAddDevice(port, "d3", 3, 1);
    port = qemuVIOMMUMetaBusAddPort(bus, 7);
    qemuVIOMMUMetaPortAddDevice(port, "d4", 4, 1);
    return meta;
}

#define TEST_RECORD_WALK "A 3 d1 d2 4 B C 6 d3 7 d4"


/* One word per entry, as qemuVIOMMUMetaIterNext() reaches them: the
 * IOMMU of a bus, the controller of a port, the source of a device. */
static char *
testEntryWord(qemuVIOMMUMetaBus *bus,
              qemuVIOMMUMetaPort *port,
              qemuVIOMMUMetaDevice *dev)
{
    if (dev)
        return g_strdup(dev->source);
    if (port)
        return g_strdup_printf("%u", port->controller);
    return g_strdup(bus->iommu);
}


static void
testAppendEntry(GString *buf,
                qemuVIOMMUMetaBus *bus,
                qemuVIOMMUMetaPort *port,
                qemuVIOMMUMetaDevice *dev)
{
    g_autofree char *word = testEntryWord(bus, port, dev);

    g_string_append_printf(buf, "%s%s", buf->len ? " " : "", word);
}


static char *
testWalk(const qemuVIOMMUMeta *meta)
{
    g_autoptr(GString) buf = g_string_new(NULL);
    qemuVIOMMUMetaIter it;
    qemuVIOMMUMetaBus *bus;
    qemuVIOMMUMetaPort *port;
    qemuVIOMMUMetaDevice *dev;

    qemuVIOMMUMetaIterInit(&it, meta);
    while (qemuVIOMMUMetaIterNext(&it, &bus, &port, &dev))
        testAppendEntry(buf, bus, port, dev);
    /* the end says so on every later call, with nothing in the pointers */
    if (qemuVIOMMUMetaIterNext(&it, &bus, &port, &dev) || bus || port || dev) {
        printf("  the walk went on after its end\n");
        return NULL;
    }
    return g_string_free(g_steal_pointer(&buf), FALSE);
}


/* "bus/port" of each port, as qemuVIOMMUMetaIterNextPort() gives them. */
static char *
testWalkPorts(const qemuVIOMMUMeta *meta)
{
    g_autoptr(GString) buf = g_string_new(NULL);
    qemuVIOMMUMetaIter it;
    qemuVIOMMUMetaBus *bus;
    qemuVIOMMUMetaPort *port;

    qemuVIOMMUMetaIterInit(&it, meta);
    while (qemuVIOMMUMetaIterNextPort(&it, &bus, &port))
        g_string_append_printf(buf, "%s%s/%u", buf->len ? " " : "", bus->iommu, port->controller);
    return g_string_free(g_steal_pointer(&buf), FALSE);
}


/* "bus/port/device" of each device, from qemuVIOMMUMetaIterNextDevice(). */
static char *
testWalkDevices(const qemuVIOMMUMeta *meta)
{
    g_autoptr(GString) buf = g_string_new(NULL);
    qemuVIOMMUMetaIter it;
    qemuVIOMMUMetaBus *bus;
    qemuVIOMMUMetaPort *port;
    qemuVIOMMUMetaDevice *dev;

    qemuVIOMMUMetaIterInit(&it, meta);
    while (qemuVIOMMUMetaIterNextDevice(&it, &bus, &port, &dev))
        g_string_append_printf(buf, "%s%s/%u/%s", buf->len ? " " : "",
                               bus->iommu, port->controller, dev->source);
    return g_string_free(g_steal_pointer(&buf), FALSE);
}


/* The three walks of @meta give @all, @ports and @devices. */
static int
testWalks(const qemuVIOMMUMeta *meta,
          const char *all,
          const char *ports,
          const char *devices)
{
    g_autofree char *gotAll = testWalk(meta);
    g_autofree char *gotPorts = testWalkPorts(meta);
    g_autofree char *gotDevices = testWalkDevices(meta);

    CHECK(gotAll, "the walk failed");
    CHECK_STR(gotAll, all);
    CHECK_STR(gotPorts, ports);
    CHECK_STR(gotDevices, devices);
    return 0;
}


/* A NULL record and one without buses are walked as empty. */
static int
testEmpty(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(qemuVIOMMUMeta) meta = qemuVIOMMUMetaNew();
    const qemuVIOMMUMeta *records[] = { NULL, meta };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(records); i++) {
        qemuVIOMMUMetaIter it;

        if (testWalks(records[i], "", "", "") < 0)
            return -1;
        /* nothing to remove, before or after the end */
        qemuVIOMMUMetaIterInit(&it, records[i]);
        qemuVIOMMUMetaIterRemove(&it);
        CHECK(!qemuVIOMMUMetaIterNext(&it, NULL, NULL, NULL), "an empty record has an entry");
        qemuVIOMMUMetaIterRemove(&it);
    }
    return 0;
}


/* Buses without ports are reached by the whole walk, and by neither
 * the walk of ports nor that of devices. */
static int
testBusesOnly(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(qemuVIOMMUMeta) meta = qemuVIOMMUMetaNew();

    qemuVIOMMUMetaAddBus(meta, "A", "smmuv3", 1);
    qemuVIOMMUMetaAddBus(meta, "B", "smmuv3", 2);
    return testWalks(meta, "A B", "", "");
}


/* Spare ports are ports to the walk of ports, nothing to the walk of
 * devices. */
static int
testSpares(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(qemuVIOMMUMeta) meta = qemuVIOMMUMetaNew();
    qemuVIOMMUMetaBus *bus = qemuVIOMMUMetaAddBus(meta, "A", "smmuv3", 1);

    qemuVIOMMUMetaBusAddPort(bus, 3);
    qemuVIOMMUMetaBusAddPort(bus, 4);
    return testWalks(meta, "A 3 4", "A/3 A/4", "");
}


/* Document order, each entry with the ones above it. */
static int
testOrder(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(qemuVIOMMUMeta) meta = testRecord();

    return testWalks(meta, TEST_RECORD_WALK, "A/3 A/4 C/6 C/7",
                     "A/3/d1 A/3/d2 C/6/d3 C/7/d4");
}


/* Remove, while walking, the entries whose word is in @drop (spaces
 * around each).  The words of the entries reached go to *seen; returns
 * the walk of what is left. */
static char *
testRemove(const char *drop, char **seenOut)
{
    g_autoptr(qemuVIOMMUMeta) meta = testRecord();
    g_autoptr(GString) seen = g_string_new(NULL);
    qemuVIOMMUMetaIter it;
    qemuVIOMMUMetaBus *bus;
    qemuVIOMMUMetaPort *port;
    qemuVIOMMUMetaDevice *dev;

    qemuVIOMMUMetaIterInit(&it, meta);
    while (qemuVIOMMUMetaIterNext(&it, &bus, &port, &dev)) {
        g_autofree char *word = testEntryWord(bus, port, dev);
        g_autofree char *key = g_strdup_printf(" %s ", word);

        testAppendEntry(seen, bus, port, dev);
        if (strstr(drop, key)) {
            qemuVIOMMUMetaIterRemove(&it);
            /* a second removal in the same step is no removal */
            qemuVIOMMUMetaIterRemove(&it);
        }
    }
    *seenOut = g_string_free(g_steal_pointer(&seen), FALSE);
    return testWalk(meta);
}


/* What is removed, what the walk reaches (not what a removed entry
 * held), what is left. */
static const struct {
    const char *drop;
    const char *seen;
    const char *left;
} testRemovals[] = {
    { " d1 ", TEST_RECORD_WALK, "A 3 d2 4 B C 6 d3 7 d4" },
    { " d2 ", TEST_RECORD_WALK, "A 3 d1 4 B C 6 d3 7 d4" },
    { " d1 d2 ", TEST_RECORD_WALK, "A 3 4 B C 6 d3 7 d4" },
    { " d1 d2 d3 d4 ", TEST_RECORD_WALK, "A 3 4 B C 6 7" },
    { " 3 ", "A 3 4 B C 6 d3 7 d4", "A 4 B C 6 d3 7 d4" },
    { " 4 ", TEST_RECORD_WALK, "A 3 d1 d2 B C 6 d3 7 d4" },
    { " 7 ", "A 3 d1 d2 4 B C 6 d3 7", "A 3 d1 d2 4 B C 6 d3" },
    { " 3 4 6 7 ", "A 3 4 B C 6 7", "A B C" },
    { " A ", "A B C 6 d3 7 d4", "B C 6 d3 7 d4" },
    { " B ", TEST_RECORD_WALK, "A 3 d1 d2 4 C 6 d3 7 d4" },
    { " C ", "A 3 d1 d2 4 B C", "A 3 d1 d2 4 B" },
    { " A B C ", "A B C", "" },
    { " d2 4 B d3 ", TEST_RECORD_WALK, "A 3 d1 C 6 7 d4" },
};


/* Entries removed while walking, first, middle and last of their kind,
 * with their contents; each of the rest is still reached once. */
static int
testRemoval(const void *opaque G_GNUC_UNUSED)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(testRemovals); i++) {
        g_autofree char *seen = NULL;
        g_autofree char *left = testRemove(testRemovals[i].drop, &seen);

        CHECK(left, "removing '%s' went wrong", testRemovals[i].drop);
        CHECK(g_str_equal(seen, testRemovals[i].seen), "removing '%s', the walk reached '%s', not '%s'",
              testRemovals[i].drop, seen, testRemovals[i].seen);
        CHECK(g_str_equal(left, testRemovals[i].left), "removing '%s' left '%s', not '%s'",
              testRemovals[i].drop, left, testRemovals[i].left);
    }
    return 0;
}


/* The walk of devices removes as it goes, the way 'detach' forgets. */
static int
testRemoveDevices(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(qemuVIOMMUMeta) meta = testRecord();
    g_autoptr(GString) seen = g_string_new(NULL);
    g_autofree char *left = NULL;
    g_autofree char *ports = NULL;
    qemuVIOMMUMetaIter it;
    qemuVIOMMUMetaDevice *dev;

    qemuVIOMMUMetaIterInit(&it, meta);
    while (qemuVIOMMUMetaIterNextDevice(&it, NULL, NULL, &dev)) {
        g_string_append_printf(seen, "%s%s", seen->len ? " " : "", dev->source);
        if (!g_str_equal(dev->source, "d4"))
            qemuVIOMMUMetaIterRemove(&it);
    }
    CHECK_STR(seen->str, "d1 d2 d3 d4");
    CHECK((left = testWalk(meta)), "the walk failed");
    CHECK_STR(left, "A 3 4 B C 6 7 d4");

    /* and the walk of ports removes ports */
    qemuVIOMMUMetaIterInit(&it, meta);
    while (qemuVIOMMUMetaIterNextPort(&it, NULL, NULL))
        qemuVIOMMUMetaIterRemove(&it);
    ports = testWalkPorts(meta);
    CHECK_STR(ports, "");
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

    DO_TEST("an empty or NULL record", testEmpty);
    DO_TEST("buses without ports", testBusesOnly);
    DO_TEST("spare ports", testSpares);
    DO_TEST("the order of the walk", testOrder);
    DO_TEST("removal while walking", testRemoval);
    DO_TEST("removal in the walks of devices and ports", testRemoveDevices);

    return virTestResult(failures);
}
