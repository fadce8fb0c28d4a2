/*
 * qemuviommuaddrtest.c: one test per operation of the PCI address set
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <stdio.h>
#include <string.h>

#include "qemu_viommu_addr.h"
#include "qemu_viommu_xml.h"
#include "testutils.h"
#include "virerror.h"

/*
 * pcie.0 with: a pxb (index 1, slot 1) carrying two root ports (3 on
 * slot 0, 4 on slot 2); a root port 2 on pcie.0 slot 2 with a NIC
 * behind it; a hostdev on port 3; a disk naming bus 9, which no
 * controller provides; ports 5 and 6 whose addresses name each other;
 * a pcie-root-port 7 without an address.
 */
static const char testDomain[] =
    "<domain type='kvm'>\n"
    "  <name>t</name>\n"
    "  <os><type arch='aarch64' machine='virt'>hvm</type></os>\n"
    "  <devices>\n"
    "    <controller type='pci' index='0' model='pcie-root'/>\n"
    "    <controller type='pci' index='1' model='pcie-expander-bus'>\n"
    "      <target busNr='252'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>\n"
    "    </controller>\n"
    "    <controller type='pci' index='2' model='pcie-root-port'>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>\n"
    "    </controller>\n"
    "    <controller type='pci' index='3' model='pcie-root-port'>\n"
    "      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n"
    "    </controller>\n"
    "    <controller type='pci' index='4' model='pcie-root-port'>\n"
    "      <address type='pci' domain='0x0000' bus='0x01' slot='0x02' function='0x0'/>\n"
    "    </controller>\n"
    "    <controller type='pci' index='5' model='pcie-switch-upstream-port'>\n"
    "      <address type='pci' domain='0x0000' bus='0x06' slot='0x00' function='0x0'/>\n"
    "    </controller>\n"
    "    <controller type='pci' index='6' model='pcie-switch-downstream-port'>\n"
    "      <address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0'/>\n"
    "    </controller>\n"
    "    <controller type='pci' index='7' model='pcie-root-port'/>\n"
    "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
    "      <source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source>\n"
    "      <address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x0'/>\n"
    "    </hostdev>\n"
    "    <interface type='user'>\n"
    "      <address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>\n"
    "    </interface>\n"
    "    <disk type='file' device='disk'>\n"
    "      <address type='pci' domain='0x0000' bus='0x09' slot='0x00' function='0x3'/>\n"
    "    </disk>\n"
    "  </devices>\n"
    "</domain>\n";

typedef struct _testSet testSet;
struct _testSet {
    xmlDocPtr doc;
    qemuVIOMMUDomain *def;
    qemuVIOMMUAddrSet *set;
};


static void
testSetFree(testSet *t)
{
    qemuVIOMMUAddrSetFree(t->set);
    qemuVIOMMUDomainFree(t->def);
    xmlFreeDoc(t->doc);
    g_free(t);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(testSet, testSetFree);


static testSet *
testSetNew(const char *xml)
{
    g_autoptr(testSet) t = g_new0(testSet, 1);

    if (!(t->doc = qemuVIOMMUXMLParse(xml, strlen(xml), "test")) ||
        !(t->def = qemuVIOMMUDomainParse(t->doc)))
        return NULL;
    if (qemuVIOMMUAddrSetNew(t->def, &t->set) < 0)
        return NULL;
    return g_steal_pointer(&t);
}



static int
testSlotUsed(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(testSet) t = testSetNew(testDomain);

    CHECK(t, "the set was not built");
    CHECK(qemuVIOMMUAddrSetSlotUsed(t->set, 0, 1), "pcie.0 slot 1 (the pxb) is free");
    CHECK(qemuVIOMMUAddrSetSlotUsed(t->set, 0, 2), "pcie.0 slot 2 (port 2) is free");
    CHECK(!qemuVIOMMUAddrSetSlotUsed(t->set, 0, 3), "pcie.0 slot 3 is used");
    CHECK(qemuVIOMMUAddrSetSlotUsed(t->set, 3, 0), "port 3 (the hostdev) is free");
    CHECK(qemuVIOMMUAddrSetSlotUsed(t->set, 2, 0), "port 2 (the NIC) is free");
    CHECK(!qemuVIOMMUAddrSetSlotUsed(t->set, 4, 0), "port 4 is used");
    /* any function takes the slot */
    CHECK(qemuVIOMMUAddrSetSlotUsed(t->set, 9, 0), "bus 9 slot 0 function 3 is free");
    return 0;
}


static int
testNextFreeSlot(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(testSet) t = testSetNew(testDomain);
    int slot;

    CHECK(t, "the set was not built");
    slot = qemuVIOMMUAddrSetNextFreeSlot(t->set, 1, 0, 0);
    CHECK(slot == 1, "the pxb's first free slot is %d, not 1", slot);
    slot = qemuVIOMMUAddrSetNextFreeSlot(t->set, 1, 0, 1U << 1);
    CHECK(slot == 3, "skipping slot 1, the pxb's first free slot is %d, not 3", slot);
    slot = qemuVIOMMUAddrSetNextFreeSlot(t->set, 1, 4, 0);
    CHECK(slot == 4, "from 4, the pxb's first free slot is %d, not 4", slot);
    slot = qemuVIOMMUAddrSetNextFreeSlot(t->set, 1, 0, G_MAXUINT32);
    CHECK(slot == -1, "with every slot skipped the pxb has slot %d", slot);
    return 0;
}


static int
testReserve(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(testSet) t = testSetNew(testDomain);
    virPCIDeviceAddress free = { 0, 1, 5, 0 };
    virPCIDeviceAddress taken = { 0, 2, 0, 0 };

    CHECK(t, "the set was not built");
    CHECK(qemuVIOMMUAddrSetReserve(t->set, &free, "/new") == 0,
          "00:01:05.0 could not be reserved: %s", virErrorGetLast());
    CHECK(qemuVIOMMUAddrSetSlotUsed(t->set, 1, 5), "a reserved slot is free");
    CHECK(qemuVIOMMUAddrSetReserve(t->set, &free, "/again") < 0,
          "00:01:05.0 was reserved twice");
    CHECK(virErrorGetLastCode() == VIR_ERROR_CONFLICT, "a second reservation is no conflict");
    CHECK(strstr(virErrorGetLast(), "/again: guest PCI address 0000:01:05.0 is also used by /new"),
          "message: %s", virErrorGetLast());
    virErrorReset();
    CHECK(qemuVIOMMUAddrSetReserve(t->set, &taken, "/nic2") < 0, "the NIC's address was free");
    CHECK(strstr(virErrorGetLast(), "also used by /domain/devices/interface"),
          "message: %s", virErrorGetLast());
    virErrorReset();
    return 0;
}


/* An address given twice in the domain fails the set, every clash
 * reported, and still gives the set. */
static int
testBuildConflict(const void *opaque G_GNUC_UNUSED)
{
    g_autofree char *xml = g_strdup(testDomain);
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(qemuVIOMMUDomain) def = NULL;
    g_autoptr(qemuVIOMMUAddrSet) set = NULL;
    char *nic = strstr(xml, "bus='0x02' slot='0x00' function='0x0'/>\n    </interface>");

    /* the NIC moves onto port 3, where the hostdev is */
    nic[8] = '3';
    CHECK((doc = qemuVIOMMUXMLParse(xml, strlen(xml), "test")) &&
          (def = qemuVIOMMUDomainParse(doc)), "the domain did not parse");
    CHECK(qemuVIOMMUAddrSetNew(def, &set) < 0, "a clash went unnoticed");
    CHECK(set, "no set after a clash");
    CHECK(virErrorCount() == 1 && virErrorGetLastCode() == VIR_ERROR_CONFLICT,
          "%zu errors, last: %s", virErrorCount(), virErrorGetLast());
    virErrorReset();
    return 0;
}


static int
testNewIndex(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(testSet) t = testSetNew(testDomain);
    unsigned int idx;

    CHECK(t, "the set was not built");
    /* above index 7 and above bus 9, which the disk names */
    CHECK(qemuVIOMMUAddrSetPeekIndex(t->set) == 10,
          "the next index is %u, not 10", qemuVIOMMUAddrSetPeekIndex(t->set));
    idx = qemuVIOMMUAddrSetNewIndex(t->set);
    CHECK(idx == 10, "the first new index is %u", idx);
    idx = qemuVIOMMUAddrSetNewIndex(t->set);
    CHECK(idx == 11, "the second new index is %u", idx);
    CHECK(qemuVIOMMUAddrSetPeekIndex(t->set) == 12, "peek after two is %u",
          qemuVIOMMUAddrSetPeekIndex(t->set));
    return 0;
}


static int
testBusHome(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(testSet) t = testSetNew(testDomain);
    qemuVIOMMUController *pxb;
    qemuVIOMMUBusHome home;

    CHECK(t, "the set was not built");
    home = qemuVIOMMUAddrSetBusHome(t->set, 0, &pxb);
    CHECK(home == QEMU_VIOMMU_BUS_HOME_ROOT && !pxb, "bus 0 is not pcie.0's");
    home = qemuVIOMMUAddrSetBusHome(t->set, 2, &pxb);
    CHECK(home == QEMU_VIOMMU_BUS_HOME_ROOT && !pxb, "port 2 is not on pcie.0's side");
    home = qemuVIOMMUAddrSetBusHome(t->set, 3, &pxb);
    CHECK(home == QEMU_VIOMMU_BUS_HOME_EXPANDER && pxb && pxb->index == 1,
          "port 3 is not below pxb 1");
    home = qemuVIOMMUAddrSetBusHome(t->set, 1, &pxb);
    CHECK(home == QEMU_VIOMMU_BUS_HOME_EXPANDER && pxb && pxb->index == 1,
          "the pxb's own bus is not below it");
    home = qemuVIOMMUAddrSetBusHome(t->set, 9, &pxb);
    CHECK(home == QEMU_VIOMMU_BUS_HOME_MISSING, "bus 9 exists");
    home = qemuVIOMMUAddrSetBusHome(t->set, 5, &pxb);
    CHECK(home == QEMU_VIOMMU_BUS_HOME_LOOP, "ports 5 and 6 make no loop");
    /* libvirt places a controller without an address on pcie.0's side */
    home = qemuVIOMMUAddrSetBusHome(t->set, 7, &pxb);
    CHECK(home == QEMU_VIOMMU_BUS_HOME_ROOT, "port 7 is not on pcie.0's side");
    CHECK(virErrorCount() == 0, "asking reported: %s", virErrorGetLast());
    return 0;
}


static int
testReportHome(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(testSet) t = testSetNew(testDomain);

    CHECK(t, "the set was not built");
    CHECK(qemuVIOMMUAddrSetReportHome(t->set, 9, "/d") < 0, "no failure");
    CHECK(virErrorGetLastCode() == VIR_ERROR_XML_INVALID &&
          g_str_equal(virErrorGetLast(), "/d: guest PCI bus 0x09 does not exist: no <controller type='pci' index='9'>"),
          "missing bus: %s", virErrorGetLast());
    CHECK(qemuVIOMMUAddrSetReportHome(t->set, 6, "/d") < 0, "no failure");
    CHECK(strstr(virErrorGetLast(), "form a loop"), "loop: %s", virErrorGetLast());
    virErrorReset();
    return 0;
}


static int
testBusCounts(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(testSet) t = testSetNew(testDomain);
    unsigned int n;

    CHECK(t, "the set was not built");
    /* pcie.0, port 2, ports 5 and 6 (a loop counts), port 7 */
    n = qemuVIOMMUAddrSetRootBuses(t->set);
    CHECK(n == 5, "pcie.0's hierarchy takes %u bus numbers, not 5", n);
    /* the pxb itself, ports 3 and 4; not the loop, not port 7 */
    n = qemuVIOMMUAddrSetExpanderBuses(t->set, qemuVIOMMUDomainFindController(t->def, 1));
    CHECK(n == 3, "pxb 1's hierarchy takes %u bus numbers, not 3", n);
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

    DO_TEST("slot used", testSlotUsed);
    DO_TEST("next free slot", testNextFreeSlot);
    DO_TEST("reserve", testReserve);
    DO_TEST("build with a clash", testBuildConflict);
    DO_TEST("new index", testNewIndex);
    DO_TEST("bus home", testBusHome);
    DO_TEST("report bus home", testReportHome);
    DO_TEST("bus counts", testBusCounts);

    return virTestResult(failures);
}
