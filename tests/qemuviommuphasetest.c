/*
 * qemuviommuphasetest.c: each planning phase alone (qemuVIOMMUPlanRunPhase()
 *                        in src/qemu/qemu_viommu.c): the part of the
 *                        decisions it fills in, on the golden inputs of
 *                        tests/qemuxmlconfdata and the host fixtures
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <stdio.h>
#include <string.h>

#include "qemu_viommu_model.h"
#include "qemu_viommu.h"
#include "qemu_viommu_planpriv.h"
#include "qemu_viommu_xml.h"
#include "testutils.h"
#include "virerror.h"


#define TEST_IOMMU1 "smmu3.0x0000000011000000"
#define TEST_IOMMU2 "smmu3.0x0000000012000000"

/* A plan of one golden input against one host fixture, whose phases the
 * test runs one at a time. */
typedef struct {
    virSysIOMMUHost *host;
    xmlDocPtr doc;
    qemuVIOMMUDomain *def;
    qemuVIOMMUHostFacts *facts;
    qemuVIOMMUPlanOptions opts;
    qemuVIOMMUPlan *plan;
    qemuVIOMMUPlanPhase next;
} testPhases;


static void
testPhasesClear(testPhases *t)
{
    qemuVIOMMUPlanFree(t->plan);
    qemuVIOMMUHostFactsFree(t->facts);
    qemuVIOMMUDomainFree(t->def);
    if (t->doc)
        xmlFreeDoc(t->doc);
    virSysIOMMUHostFree(t->host);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(testPhases, testPhasesClear);


static int
testPhasesOpen(testPhases *t, const char *file, const char *host)
{
    g_autofree char *path = g_build_filename(virTestSrcDir(), "qemuxmlconfdata", file, NULL);
    g_autofree char *root = g_strdup_printf("%s/hosts/%s", virTestSrcDir(), host);
    g_autofree char *text = NULL;
    size_t len;

    if (!g_file_get_contents(path, &text, &len, NULL) ||
        !(t->doc = qemuVIOMMUXMLParse(text, len, file)) ||
        !(t->host = virSysIOMMUHostOpen(root)) ||
        !(t->def = qemuVIOMMUDomainParse(t->doc)) ||
        !(t->facts = qemuVIOMMUHostFactsCollect(t->host, t->def)) ||
        !(t->plan = qemuVIOMMUPlanNew(t->def, t->facts, &t->opts)))
        return -1;
    return 0;
}


/* Run the phases up to and including @last. */
static int
testPhasesRun(testPhases *t, qemuVIOMMUPlanPhase last)
{
    for (; t->next <= last; t->next++) {
        if (qemuVIOMMUPlanRunPhase(t->plan, t->next) < 0)
            return -1;
    }
    return 0;
}


static qemuVIOMMUGroup *
testGroup(const qemuVIOMMUDecisions *dec, size_t i)
{
    return g_ptr_array_index(dec->place.groups, i);
}


static unsigned int
testSlotPort(const qemuVIOMMUGroup *group, size_t i)
{
    return ((qemuVIOMMUSlot *) g_ptr_array_index(group->slots, i))->port;
}


/* aarch64-2smmu-basic: each phase adds its part and nothing else. */
static int
testBasic(const void *opaque G_GNUC_UNUSED)
{
    g_auto(testPhases) t = { 0 };
    const qemuVIOMMUDecisions *dec;

    CHECK(testPhasesOpen(&t, "aarch64-2smmu-basic.xml", "aarch64-2smmu") == 0,
          "cannot open aarch64-2smmu-basic.xml");
    dec = &t.plan->dec;

    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_OPTIONS) == 0, "options failed");
    CHECK(dec->viommu.model == QEMU_VIOMMU_MODEL_SMMUV3 && !dec->viommu.tmpl &&
          g_strcmp0(dec->viommu.from, "default") == 0 &&
          qemuVIOMMUOptionsIsOn(&dec->viommu.options, QEMU_VIOMMU_OPTION_ACCEL),
          "options: not smmuv3 accel=on from the default");
    CHECK(!dec->recordBase && qemuVIOMMUDecisionsEmpty(dec), "options: decided more");

    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_CHECK) == 0, "check failed");
    CHECK(t.plan->items->len == 3, "check: %u items, not 3", t.plan->items->len);
    CHECK(qemuVIOMMUDecisionsEmpty(dec), "check: decided a change");

    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_GROUP) == 0, "group failed");
    CHECK(dec->place.groups->len == 2, "group: %u groups, not 2", dec->place.groups->len);
    CHECK(g_str_equal(testGroup(dec, 0)->iommu->name, TEST_IOMMU1) &&
          testGroup(dec, 0)->slots->len == 2 && !testGroup(dec, 0)->pxb,
          "group: the first is not the two devices of " TEST_IOMMU1 " on a new pxb");
    CHECK(g_str_equal(testGroup(dec, 1)->iommu->name, TEST_IOMMU2) &&
          testGroup(dec, 1)->slots->len == 1 && !testGroup(dec, 1)->pxb,
          "group: the second is not the device of " TEST_IOMMU2 " on a new pxb");

    /* the values of aarch64-2smmu-basic.aarch64-latest.explain */
    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_ALLOCATE) == 0, "allocate failed");
    CHECK(testGroup(dec, 0)->pxbIndex == 1 && testGroup(dec, 0)->newPxb.busNr == 253 &&
          testGroup(dec, 0)->newPxb.rootSlot == 1 &&
          testSlotPort(testGroup(dec, 0), 0) == 3 && testSlotPort(testGroup(dec, 0), 1) == 4,
          "allocate: not pxb 1 (busNr 253, slot 1) with ports 3 and 4");
    CHECK(testGroup(dec, 1)->pxbIndex == 2 && testGroup(dec, 1)->newPxb.busNr == 251 &&
          testGroup(dec, 1)->newPxb.rootSlot == 2 && testSlotPort(testGroup(dec, 1), 0) == 5,
          "allocate: not pxb 2 (busNr 251, slot 2) with port 5");
    CHECK(dec->place.renumber->len == 0 && dec->place.rootAddrs->len == 0 &&
          dec->place.nreserve == 0, "allocate: renumbered or addressed more");

    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_WINDOW) == 0, "gpumem/window failed");
    CHECK(dec->gpumem.sets->len == 0 && !dec->gpumem.cell0, "gpumem: cells decided");
    CHECK(dec->window.need == 0 && dec->window.set == 0, "window: a window decided");

    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_CAPS) == 0, "caps failed");
    CHECK(qemuVIOMMUOptionsIsOn(qemuVIOMMUDecisionsOptionsFor(dec, TEST_IOMMU2),
                                QEMU_VIOMMU_OPTION_ACCEL), "caps: accel lost");

    CHECK(!dec->iommus.addIOMMUFD && !dec->record,
          "record decided before its phase");
    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_RECORD) == 0, "record failed");
    CHECK(dec->iommus.addIOMMUFD && !dec->iommus.addIOMMU && !dec->iommus.removeIOMMU &&
          dec->iommus.update->len == 0, "record: not just <iommufd> added");
    CHECK(dec->record->buses->len == 2 &&
          !qemuVIOMMUMetaSamePlacement(dec->recordBase, dec->record),
          "record: the two buses are not recorded");
    return 0;
}


/* The planned aarch64-2smmu-basic: no phase decides anything, and a
 * decision made without any flag is still not empty. */
static int
testPlanned(const void *opaque G_GNUC_UNUSED)
{
    g_auto(testPhases) t = { 0 };
    qemuVIOMMUDecisions *dec;
    qemuVIOMMUMetaBus *bus;
    qemuVIOMMUMetaPort *port;
    size_t i;

    CHECK(testPhasesOpen(&t, "aarch64-2smmu-basic.aarch64-latest.xml", "aarch64-2smmu") == 0,
          "cannot open aarch64-2smmu-basic.aarch64-latest.xml");
    dec = &t.plan->dec;
    for (i = 0; i < QEMU_VIOMMU_PLAN_PHASE_LAST; i++) {
        CHECK(testPhasesRun(&t, i) == 0, "phase %zu failed", i);
        CHECK(qemuVIOMMUDecisionsEmpty(dec), "phase %zu decided a change of a planned domain", i);
    }
    CHECK(dec->recordBase && dec->recordBase->buses->len == 2, "the record was not read");

    dec->window.set = 1ULL << 40;
    CHECK(!qemuVIOMMUDecisionsEmpty(dec), "a window decision is empty");
    dec->window.set = 0;

    bus = g_ptr_array_index(dec->record->buses, 0);
    port = g_ptr_array_index(bus->ports, 0);
    g_ptr_array_remove_index(port->devices, 0);
    CHECK(!qemuVIOMMUDecisionsEmpty(dec), "a record edit is empty");
    return 0;
}


/* aarch64-2smmu-record-repair: the record lists a device that is gone
 * and misses one placed on a recorded port.  'check' works it out on
 * its own copy and decides nothing; the repair is the 'record' phase's
 * decision, and the record as read stays as it was. */
static int
testRecordRepair(const void *opaque G_GNUC_UNUSED)
{
    g_auto(testPhases) t = { 0 };
    const qemuVIOMMUDecisions *dec;
    qemuVIOMMUMetaBus *bus;
    qemuVIOMMUMetaPort *port;

    CHECK(testPhasesOpen(&t, "aarch64-2smmu-record-repair.xml", "aarch64-2smmu") == 0,
          "cannot open aarch64-2smmu-record-repair.xml");
    dec = &t.plan->dec;
    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_CAPS) == 0, "phases failed");
    CHECK(!dec->record && qemuVIOMMUDecisionsEmpty(dec),
          "the record was decided before its phase");
    CHECK(t.plan->live && qemuVIOMMUMetaFindDevice(t.plan->live, "0000:02:00.0", NULL),
          "check: the device on recorded port 4 is not in the working record");

    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_RECORD) == 0, "record failed");
    CHECK(!qemuVIOMMUDecisionsEmpty(dec), "record: the repair is not a decision");
    CHECK((port = qemuVIOMMUMetaFindDevice(dec->record, "0000:02:00.0", &bus)) &&
          port->controller == 4, "record: 0000:02:00.0 is not recorded on port 4");
    CHECK(!qemuVIOMMUMetaFindDevice(dec->record, "0001:02:00.0", NULL),
          "record: the gone 0001:02:00.0 is still recorded");
    CHECK(qemuVIOMMUMetaFindDevice(dec->recordBase, "0001:02:00.0", NULL) &&
          !qemuVIOMMUMetaFindDevice(dec->recordBase, "0000:02:00.0", NULL),
          "the record as read was changed");
    return 0;
}


/* allocate: a recorded pxb whose bus range no longer holds its ports is
 * renumbered (aarch64-2smmu-replan-renumber: busNr 252 -> 251). */
static int
testRenumber(const void *opaque G_GNUC_UNUSED)
{
    g_auto(testPhases) t = { 0 };
    const qemuVIOMMUDecisions *dec;
    const qemuVIOMMURenumber *r;

    CHECK(testPhasesOpen(&t, "aarch64-2smmu-replan-renumber.xml", "aarch64-2smmu") == 0,
          "cannot open aarch64-2smmu-replan-renumber.xml");
    dec = &t.plan->dec;
    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_GROUP) == 0, "phases failed");
    CHECK(dec->place.renumber->len == 0, "renumbered before allocate");
    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_ALLOCATE) == 0, "allocate failed");
    CHECK(dec->place.renumber->len == 1, "%u pxbs renumbered, not 1", dec->place.renumber->len);
    r = &g_array_index(dec->place.renumber, qemuVIOMMURenumber, 0);
    CHECK(r->pxb->index == 1 && r->busNr == 251, "pxb %u -> %d, not pxb 1 -> 251",
          r->pxb->index, r->busNr);
    return 0;
}


/* window: 4 GPUs with 256 GiB BARs need a 2 TiB window
 * (aarch64-bars-4x256). */
static int
testWindow(const void *opaque G_GNUC_UNUSED)
{
    g_auto(testPhases) t = { 0 };
    const qemuVIOMMUDecisions *dec;

    CHECK(testPhasesOpen(&t, "aarch64-bars-4x256.xml", "aarch64-gpu-bars") == 0,
          "cannot open aarch64-bars-4x256.xml");
    dec = &t.plan->dec;
    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_GPUMEM) == 0, "phases failed");
    CHECK(dec->window.set == 0, "window set before its phase");
    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_WINDOW) == 0, "window failed");
    CHECK(dec->window.need == 2097152ULL << 20 && dec->window.set == dec->window.need,
          "window: need %llu, set %llu, not 2 TiB", dec->window.need, dec->window.set);
    return 0;
}


/* gpumem: one Grace GPU's memory as 8 memoryless cells after a new
 * cell 0 (aarch64-grace-gpumem-one). */
static int
testGPUMem(const void *opaque G_GNUC_UNUSED)
{
    g_auto(testPhases) t = { 0 };
    const qemuVIOMMUDecisions *dec;
    const qemuVIOMMUGPUMemSet *set;

    CHECK(testPhasesOpen(&t, "aarch64-grace-gpumem-one.xml", "aarch64-grace-gpumem") == 0,
          "cannot open aarch64-grace-gpumem-one.xml");
    dec = &t.plan->dec;
    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_ALLOCATE) == 0, "phases failed");
    CHECK(dec->gpumem.sets->len == 0, "cells decided before gpumem");
    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_GPUMEM) == 0, "gpumem failed");
    CHECK(dec->gpumem.cell0 && dec->gpumem.sets->len == 1, "gpumem: not cell 0 and one nodeset");
    set = &g_array_index(dec->gpumem.sets, qemuVIOMMUGPUMemSet, 0);
    CHECK(set->first == 1 && set->count == 8, "gpumem: nodeset %u+%u, not 1-8",
          set->first, set->count);
    return 0;
}


/* caps: each vSMMU gets what its SMMU can do (aarch64-caps-basic). */
static int
testCaps(const void *opaque G_GNUC_UNUSED)
{
    g_auto(testPhases) t = { 0 };
    const qemuVIOMMUDecisions *dec;

    CHECK(testPhasesOpen(&t, "aarch64-caps-basic.xml", "aarch64-2smmu-caps") == 0,
          "cannot open aarch64-caps-basic.xml");
    dec = &t.plan->dec;
    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_WINDOW) == 0, "phases failed");
    CHECK(g_hash_table_size(dec->iommuOptions) == 0, "options per SMMU before caps");
    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_CAPS) == 0, "caps failed");
    CHECK(qemuVIOMMUOptionsIsOn(qemuVIOMMUDecisionsOptionsFor(dec, TEST_IOMMU1),
                                QEMU_VIOMMU_OPTION_CMDQV) &&
          !qemuVIOMMUOptionsIsOn(qemuVIOMMUDecisionsOptionsFor(dec, TEST_IOMMU2),
                                 QEMU_VIOMMU_OPTION_ATS),
          "caps: not cmdqv=on for the first SMMU and ats=off for the second");
    return 0;
}


/* q35: one intel vIOMMU with caching mode, added in the record phase
 * (x86-intel-2dmar-q35). */
static int
testQ35(const void *opaque G_GNUC_UNUSED)
{
    g_auto(testPhases) t = { 0 };
    const qemuVIOMMUDecisions *dec;

    CHECK(testPhasesOpen(&t, "x86-intel-2dmar-q35.xml", "x86-intel-2dmar") == 0,
          "cannot open x86-intel-2dmar-q35.xml");
    dec = &t.plan->dec;
    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_OPTIONS) == 0, "options failed");
    CHECK(dec->viommu.model == QEMU_VIOMMU_MODEL_INTEL &&
          qemuVIOMMUOptionsIsOn(&dec->viommu.options, QEMU_VIOMMU_OPTION_CACHING_MODE),
          "options: not intel with caching mode");
    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_CAPS) == 0, "phases failed");
    CHECK(!dec->iommus.addIOMMU, "vIOMMU added before the record phase");
    CHECK(testPhasesRun(&t, QEMU_VIOMMU_PLAN_PHASE_RECORD) == 0, "record failed");
    CHECK(dec->iommus.addIOMMU && !dec->iommus.addIOMMUFD && dec->place.groups->len == 2,
          "record: not one vIOMMU for two pxbs");
    CHECK(testGroup(dec, 0)->newPxb.cell == 0 && testGroup(dec, 1)->newPxb.cell == 1,
          "allocate: the pxbs are not on guest nodes 0 and 1");
    return 0;
}


/* The inputs of the phase tests, with their hosts. */
static const struct {
    const char *file;
    const char *host;
} testInputs[] = {
    { "aarch64-2smmu-basic.xml", "aarch64-2smmu" },
    { "aarch64-2smmu-basic.aarch64-latest.xml", "aarch64-2smmu" },
    { "aarch64-2smmu-record-repair.xml", "aarch64-2smmu" },
    { "aarch64-2smmu-replan-renumber.xml", "aarch64-2smmu" },
    { "aarch64-bars-4x256.xml", "aarch64-gpu-bars" },
    { "aarch64-grace-gpumem-one.xml", "aarch64-grace-gpumem" },
    { "aarch64-caps-basic.xml", "aarch64-2smmu-caps" },
    { "x86-intel-2dmar-q35.xml", "x86-intel-2dmar" },
};


/* Building a plan of a model (qemuVIOMMUPlanBuild(), every phase)
 * leaves the document it was read from as it was: only
 * qemuVIOMMUPlanApply() writes.  Each input but the planned one needs
 * a change. */
static int
testInputsKept(const void *opaque G_GNUC_UNUSED)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(testInputs); i++) {
        g_auto(testPhases) t = { 0 };
        g_autoptr(qemuVIOMMUPlan) plan = NULL;
        g_autofree char *before = NULL;
        g_autofree char *after = NULL;
        size_t len;

        CHECK(testPhasesOpen(&t, testInputs[i].file, testInputs[i].host) == 0,
              "cannot open %s", testInputs[i].file);
        before = qemuVIOMMUXMLFormat(t.doc, &len);
        CHECK((plan = qemuVIOMMUPlanBuild(t.def, t.facts, &t.opts)),
              "%s: planning failed", testInputs[i].file);
        CHECK(qemuVIOMMUPlanChanged(plan) == !strstr(testInputs[i].file, "-latest"),
              "%s: the plan %s the domain", testInputs[i].file,
              qemuVIOMMUPlanChanged(plan) ? "changes" : "does not change");
        after = qemuVIOMMUXMLFormat(t.doc, &len);
        CHECK(g_str_equal(before, after), "%s: planning changed the document",
              testInputs[i].file);
    }
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

    DO_TEST("phases of a new plan", testBasic);
    DO_TEST("phases of a planned domain", testPlanned);
    DO_TEST("record repair", testRecordRepair);
    DO_TEST("allocate: renumber", testRenumber);
    DO_TEST("window", testWindow);
    DO_TEST("gpumem", testGPUMem);
    DO_TEST("caps", testCaps);
    DO_TEST("q35", testQ35);
    DO_TEST("the inputs kept", testInputsKept);

    return virTestResult(failures);
}
