/*
 * virt-viommu-plan.c: the 'plan' and 'argv' commands
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virt-viommu.h"

#include <string.h>

#include "qemu_viommu.h"
#include "qemu_viommu_argv.h"
#include "qemu_viommu_dot.h"
#include "qemu_viommu_xml.h"
#include "virerror.h"
#include "virsysiommu.h"

/* What 'plan' and 'argv' share on their command lines. */
typedef struct _virtVIOMMUPlanArgs virtVIOMMUPlanArgs;
struct _virtVIOMMUPlanArgs {
    char *sysfsRoot;
    char *output;
    gint spare;
    gboolean move;
    gboolean refresh;
    gboolean flag;              /* the command's own switch */
    gboolean explain;           /* plan --explain */
    qemuVIOMMUPlanOptions opts;
};


static void
virtVIOMMUPlanArgsClear(virtVIOMMUPlanArgs *pa)
{
    g_free(pa->sysfsRoot);
    g_free(pa->output);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virtVIOMMUPlanArgs, virtVIOMMUPlanArgsClear);


/* Parse the shared options and the command's switch @flagName (and
 * --explain when @explainHelp is given), and check the one DOMAIN.xml
 * argument.  Returns VIRT_VIOMMU_EXIT_OK, or
 * VIRT_VIOMMU_EXIT_USAGE with the problem printed. */
static int
virtVIOMMUPlanParseArgs(const virtVIOMMUCommand *cmd,
                        const char *spareHelp,
                        const char *flagName,
                        const char *flagHelp,
                        const char *explainHelp,
                        int *argc,
                        char ***argv,
                        virtVIOMMUPlanArgs *pa)
{
    GOptionEntry entries[] = {
        { "sysfs-root", 0, 0, G_OPTION_ARG_FILENAME, &pa->sysfsRoot,
          "read sysfs below DIR instead of / (default: $VIRT_VIOMMU_SYSFS_ROOT or /)", "DIR" },
        { "spare-ports", 0, 0, G_OPTION_ARG_INT, &pa->spare, spareHelp, "N" },
        { "move", 0, 0, G_OPTION_ARG_NONE, &pa->move,
          "move host devices placed behind no vIOMMU, or the wrong one, behind the right one", NULL },
        { "refresh-options", 0, 0, G_OPTION_ARG_NONE, &pa->refresh,
          "write each existing vSMMU's options again from the recorded template and its host SMMU's capabilities", NULL },
        { flagName, 0, 0, G_OPTION_ARG_NONE, &pa->flag, flagHelp, NULL },
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &pa->output,
          "write to FILE (atomically) instead of standard output", "FILE" },
        /* the last: without @explainHelp its NULL name ends the table */
        { explainHelp ? "explain" : NULL, 0, 0, G_OPTION_ARG_NONE, &pa->explain,
          explainHelp, NULL },
        { NULL }
    };

    if (virtVIOMMUParseOptions(cmd, entries, argc, argv) < 0)
        return VIRT_VIOMMU_EXIT_USAGE;
    if (*argc != 2)
        return virtVIOMMUUsageError(cmd, *argc < 2 ? "missing DOMAIN.xml (or - for standard input)"
                                                   : "more than one DOMAIN.xml given");
    if (pa->spare < 0)
        return virtVIOMMUUsageError(cmd, "--spare-ports must not be negative");
    if (virtVIOMMUSameFile((*argv)[1], pa->output))
        return virtVIOMMUUsageError(cmd, "-o names the input file; virt-viommu never rewrites its input, write elsewhere");
    pa->opts.sparePorts = pa->spare;
    pa->opts.move = pa->move;
    pa->opts.refreshOptions = pa->refresh;
    return VIRT_VIOMMU_EXIT_OK;
}


/* Plan @path as virtVIOMMUPlanFile() does, without writing it, and
 * set *text to the plan's explanation (plan --explain).  Returns 0, or
 * -1 with the problems reported. */
static int
virtVIOMMUExplainFile(const char *path,
                      const char *sysfsRoot,
                      const qemuVIOMMUPlanOptions *opts,
                      char **text)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(virSysIOMMUHost) host = NULL;

    if (!(doc = virtVIOMMUReadDomain(path)) ||
        !(host = virSysIOMMUHostOpen(sysfsRoot)))
        return -1;
    if (!(*text = qemuVIOMMUPlanExplainDomain(host, doc, opts)))
        return -1;
    virtVIOMMUWarn();
    return 0;
}


int
virtVIOMMUCmdPlan(int argc, char **argv)
{
    const virtVIOMMUCommand *cmd = virtVIOMMUCommandLookup("plan");
    g_auto(virtVIOMMUPlanArgs) pa = { 0 };
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(virSysIOMMUHost) host = NULL;
    g_autofree char *text = NULL;
    size_t len;
    int rc;

    if ((rc = virtVIOMMUPlanParseArgs(cmd,
                                      "add N empty root ports to each new pcie-expander-bus for hotplug (default 0, at most 31)",
                                      "dot", "print a Graphviz picture of the plan instead of the XML",
                                      "print for each assigned device where it goes and why, and where the window and vIOMMU options come from, instead of the XML",
                                      &argc, &argv, &pa)) != VIRT_VIOMMU_EXIT_OK)
        return rc;
    if (pa.flag && pa.explain)
        return virtVIOMMUUsageError(cmd, "--dot and --explain both replace the XML; give one of them");

    if (pa.explain) {
        if (virtVIOMMUExplainFile(argv[1], virtVIOMMUSysfsRoot(pa.sysfsRoot), &pa.opts,
                                  &text) < 0)
            return virtVIOMMUFail();
        if (virtVIOMMUWriteOutput(pa.output, text, strlen(text)) < 0)
            return virtVIOMMUFail();
        return VIRT_VIOMMU_EXIT_OK;
    }

    if (virtVIOMMUPlanFile(argv[1], virtVIOMMUSysfsRoot(pa.sysfsRoot), &pa.opts, &doc, &host,
                           &text) < 0)
        return virtVIOMMUFail();

    if (pa.flag) {
        g_free(text);
        if (!(text = qemuVIOMMUPlanFormatDot(host, doc)))
            return virtVIOMMUFail();
        len = strlen(text);
    } else if (text) {
        /* nothing to change: the input, byte for byte */
        len = strlen(text);
    } else {
        text = qemuVIOMMUXMLFormat(doc, &len);
    }
    if (virtVIOMMUWriteOutput(pa.output, text, len) < 0)
        return virtVIOMMUFail();
    return VIRT_VIOMMU_EXIT_OK;
}


int
virtVIOMMUCmdArgv(int argc, char **argv)
{
    const virtVIOMMUCommand *cmd = virtVIOMMUCommandLookup("argv");
    g_auto(virtVIOMMUPlanArgs) pa = { 0 };
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GPtrArray) args = NULL;
    g_autofree char *text = NULL;
    qemuVIOMMUArgvOptions argvOpts = { 0 };
    int rc;

    if ((rc = virtVIOMMUPlanParseArgs(cmd,
                                      "when planning, add N empty root ports to each new pcie-expander-bus (default 0, at most 31)",
                                      "standalone", "arguments for qemu-system-* without libvirt (vfio-pci names its host device)",
                                      NULL,
                                      &argc, &argv, &pa)) != VIRT_VIOMMU_EXIT_OK)
        return rc;
    argvOpts.standalone = pa.flag;

    if (virtVIOMMUPlanFile(argv[1], virtVIOMMUSysfsRoot(pa.sysfsRoot), &pa.opts,
                           &doc, NULL, NULL) < 0 ||
        qemuVIOMMUBuildArgv(doc, &argvOpts, &args) < 0)
        return virtVIOMMUFail();

    text = qemuVIOMMUArgvFormat(args, false);
    if (virtVIOMMUWriteOutput(pa.output, text, strlen(text)) < 0)
        return virtVIOMMUFail();
    return VIRT_VIOMMU_EXIT_OK;
}
