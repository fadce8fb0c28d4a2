/*
 * virt-viommu.c: plan the guest PCI topology of VMs with assigned
 *                devices so each sits behind the vIOMMU of its host IOMMU
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virt-viommu.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "virerror.h"
#include "virlog.h"

static const virtVIOMMUCommand virtVIOMMUCommands[] = {
    {
        .name = "scan",
        .params = "",
        .summary = "list the host's IOMMUs, their groups and devices",
        .description =
            "Reads the host's sysfs (or the fixture below --sysfs-root) and prints\n"
            "every physical IOMMU with its IOMMU groups and PCI devices.",
        .run = virtVIOMMUCmdScan,
    },
    {
        .name = "plan",
        .params = "DOMAIN.xml|-",
        .summary = "write the domain XML with every assigned device behind its vIOMMU",
        .description =
            "Reads a libvirt domain XML and prints it with a pcie-expander-bus and an\n"
            "<iommu model='smmuv3'> per physical IOMMU, a pcie-root-port per device and\n"
            "a guest address on every <hostdev>.  Everything else is kept as it was.",
        .run = virtVIOMMUCmdPlan,
    },
    {
        .name = "argv",
        .params = "DOMAIN.xml|-",
        .summary = "print the QEMU arguments of the planned vIOMMU topology",
        .description =
            "Plans the domain when needed, then prints one per line the -object and\n"
            "-device arguments of its iommufd object, pcie-expander-buses, root ports,\n"
            "vIOMMUs and vfio-pci devices, exactly as libvirt 12.8 writes them.",
        .run = virtVIOMMUCmdArgv,
    },
    {
        .name = "define",
        .params = "DOMAIN.xml|-|DOMAIN",
        .summary = "plan the domain and define it in libvirt",
        .description =
            "Plans the domain, then defines it through libvirt (validated).  A domain\n"
            "of that name that exists is updated and keeps its UUID.  What libvirt\n"
            "stored is read back and checked; if the placement did not survive, the\n"
            "previous definition is restored.  Given the name of a defined domain\n"
            "(no file of that name), plans its definition again in place.",
        .run = virtVIOMMUCmdDefine,
    },
    {
        .name = "start",
        .params = "DOMAIN.xml|-|DOMAIN",
        .summary = "plan, define and start the domain",
        .description = "As 'define', then starts the domain.",
        .run = virtVIOMMUCmdStart,
    },
    {
        .name = "attach",
        .params = "DOMAIN BDF",
        .summary = "hot-plug a host device behind the vIOMMU of its IOMMU",
        .description =
            "Puts host device BDF (DDDD:BB:SS.F, or BB:SS.F in PCI domain 0) on a spare\n"
            "root port of the pcie-expander-bus whose vIOMMU serves the device's\n"
            "physical IOMMU.  With --config and no spare port, the persistent\n"
            "definition is planned again to hold it.  With neither --live nor\n"
            "--config: the running domain if it runs, else the persistent definition.",
        .run = virtVIOMMUCmdAttach,
    },
    {
        .name = "detach",
        .params = "DOMAIN BDF",
        .summary = "unplug an assigned host device; its port becomes a spare",
        .description =
            "Removes host device BDF from DOMAIN; its root port becomes a spare for\n"
            "a later 'attach'.  --live and --config as for 'attach'.",
        .run = virtVIOMMUCmdDetach,
    },
    {
        .name = "check",
        .params = "DOMAIN|DOMAIN.xml|-",
        .summary = "report assigned devices whose host IOMMU, group or node changed",
        .description =
            "Compares the plan recorded in a domain (defined in libvirt, or a file)\n"
            "with the host as it is now, a line per assigned device with its state:\n"
            "ok, gone, no-iommu, iommu-changed, group-changed, node-changed,\n"
            "unrecorded, options (a vSMMU option above what its SMMU has) or error.\n"
            "Exit status 1 when anything is off.",
        .run = virtVIOMMUCmdCheck,
    },
};


int
virtVIOMMUUsageError(const virtVIOMMUCommand *cmd, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);

    fprintf(stderr, "%s %s: %s\n", VIRT_VIOMMU_PROGRAM, cmd->name, msg);
    fprintf(stderr, "Try '%s %s --help' for more information.\n",
            VIRT_VIOMMU_PROGRAM, cmd->name);
    return VIRT_VIOMMU_EXIT_USAGE;
}


int
virtVIOMMUParseOptions(const virtVIOMMUCommand *cmd,
                       GOptionEntry *entries,
                       int *argc,
                       char ***argv)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new(cmd->params);
    g_autoptr(GError) err = NULL;
    g_autofree char *summary = g_strdup_printf("%s %s: %s", VIRT_VIOMMU_PROGRAM,
                                               cmd->name, cmd->summary);
    g_autofree char *prgname = g_strdup_printf("%s %s", VIRT_VIOMMU_PROGRAM, cmd->name);
    gboolean debug = FALSE;
    GOptionEntry common[] = {
        { "debug", 0, 0, G_OPTION_ARG_NONE, &debug,
          "trace each planning decision and its reason on standard error (as $VIRT_VIOMMU_DEBUG=1)", NULL },
        { NULL }
    };

    /* "Usage: virt-viommu scan [OPTION...]" rather than "Usage: scan" */
    g_set_prgname(prgname);

    g_option_context_set_summary(ctx, summary);
    g_option_context_set_description(ctx, cmd->description);
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_add_main_entries(ctx, common, NULL);
    g_option_context_set_strict_posix(ctx, FALSE);

    if (!g_option_context_parse(ctx, argc, argv, &err)) {
        virtVIOMMUUsageError(cmd, "%s", err->message);
        return -1;
    }
    if (debug)
        virLogSetLevel(VIR_LOG_DEBUG);
    return 0;
}


bool
virtVIOMMUSameFile(const char *input, const char *output)
{
    struct stat a;
    struct stat b;

    if (!input || !output || strcmp(input, "-") == 0 || strcmp(output, "-") == 0)
        return false;
    if (stat(input, &a) < 0 || stat(output, &b) < 0)
        return false;
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}


/* The level of $VIRT_VIOMMU_DEBUG, as libvirt reads LIBVIRT_DEBUG; a
 * value that is no level is ignored with a warning. */
static void
virtVIOMMUDebugFromEnv(void)
{
    const char *env = getenv("VIRT_VIOMMU_DEBUG");
    virLogPriority level;

    if (virLogParseLevel(env, &level) < 0) {
        fprintf(stderr, "%s: ignoring VIRT_VIOMMU_DEBUG='%s': give a level from 0 to 4 (1: debug traces)\n",
                VIRT_VIOMMU_PROGRAM, env);
        return;
    }
    virLogSetLevel(level);
}


static void
virtVIOMMUPrintUsage(FILE *fp)
{
    size_t i;

    fprintf(fp,
            "Usage: %s [--debug] COMMAND [OPTION...] [ARG...]\n"
            "\n"
            "Plan the guest PCI topology of libvirt/QEMU VMs with assigned host\n"
            "devices so each device sits behind the vIOMMU of its physical IOMMU.\n"
            "\n"
            "Commands:\n", VIRT_VIOMMU_PROGRAM);
    for (i = 0; i < G_N_ELEMENTS(virtVIOMMUCommands); i++)
        fprintf(fp, "  %-8s %s\n", virtVIOMMUCommands[i].name,
                virtVIOMMUCommands[i].summary);
    fprintf(fp,
            "\n"
            "'%s COMMAND --help' describes a command's options;\n"
            "'%s --version' prints the version.\n"
            "--debug (before or after COMMAND), or VIRT_VIOMMU_DEBUG=1, traces each\n"
            "planning decision and its reason on standard error.\n"
            "Exit status: 0 success, 1 input or planning error, 2 usage error.\n",
            VIRT_VIOMMU_PROGRAM, VIRT_VIOMMU_PROGRAM);
}


int
main(int argc, char **argv)
{
    size_t i;

    /* Only GLib's own messages follow the locale.  What the tool prints
     * does not: numbers are integers, names are sorted byte- or
     * version-wise, and libxml2 and json-glib format independently of
     * it (the command-line test compares C with C.UTF-8). */
    setlocale(LC_ALL, "");
    virtVIOMMUDebugFromEnv();

    /* the global option, before the command */
    while (argc >= 2 && strcmp(argv[1], "--debug") == 0) {
        virLogSetLevel(VIR_LOG_DEBUG);
        argv[1] = argv[0];
        argc--;
        argv++;
    }

    if (argc < 2) {
        virtVIOMMUPrintUsage(stderr);
        return VIRT_VIOMMU_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        virtVIOMMUPrintUsage(stdout);
        return VIRT_VIOMMU_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("%s %s\n", VIRT_VIOMMU_PROGRAM, PACKAGE_VERSION);
        return VIRT_VIOMMU_EXIT_OK;
    }

    for (i = 0; i < G_N_ELEMENTS(virtVIOMMUCommands); i++) {
        const virtVIOMMUCommand *cmd = &virtVIOMMUCommands[i];

        if (strcmp(argv[1], cmd->name) == 0)
            return cmd->run(argc - 1, argv + 1);
    }

    fprintf(stderr, "%s: unknown command '%s'\n", VIRT_VIOMMU_PROGRAM, argv[1]);
    fprintf(stderr, "Try '%s --help' for the list of commands.\n", VIRT_VIOMMU_PROGRAM);
    return VIRT_VIOMMU_EXIT_USAGE;
}


const virtVIOMMUCommand *
virtVIOMMUCommandLookup(const char *name)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(virtVIOMMUCommands); i++) {
        if (strcmp(virtVIOMMUCommands[i].name, name) == 0)
            return &virtVIOMMUCommands[i];
    }
    return NULL;
}
