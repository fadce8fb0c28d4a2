/*
 * virt-viommu-module.c: the command lines of the libvirt commands, and
 *                       the module virt-viommu-libvirt.so that runs them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "virt-viommu.h"

#include <stdlib.h>
#include <string.h>
#if WITH_LIBVIRT
# include <gmodule.h>
#endif

#include "virerror.h"
#include "virt-viommu-check.h"
#include "virt-viommu-libvirt.h"


static void
virtVIOMMULibvirtArgsClear(virtVIOMMULibvirtArgs *args)
{
    g_free(args->uri);
    g_free(args->sysfsRoot);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virtVIOMMULibvirtArgs, virtVIOMMULibvirtArgsClear);


/* Parse the options of a libvirt command: -c and --sysfs-root, then
 * @extra, its own.  On a usage error print it and return -1. */
static int
virtVIOMMULibvirtParseArgs(const virtVIOMMUCommand *cmd,
                           const GOptionEntry *extra,
                           size_t nextra,
                           int *argc,
                           char ***argv,
                           virtVIOMMULibvirtArgs *args)
{
    const GOptionEntry common[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &args->uri,
          "libvirt URI (default: $LIBVIRT_DEFAULT_URI, as virsh)", "URI" },
        { "sysfs-root", 0, 0, G_OPTION_ARG_FILENAME, &args->sysfsRoot,
          "read sysfs below DIR instead of / (default: $VIRT_VIOMMU_SYSFS_ROOT or /)", "DIR" },
    };
    /* both, and the { NULL } that ends them */
    g_autofree GOptionEntry *entries = g_new0(GOptionEntry, G_N_ELEMENTS(common) + nextra + 1);

    memcpy(entries, common, sizeof(common));
    memcpy(entries + G_N_ELEMENTS(common), extra, nextra * sizeof(*extra));
    return virtVIOMMUParseOptions(cmd, entries, argc, argv);
}


#if WITH_LIBVIRT
/*
 * Where the module is: $VIRT_VIOMMU_MODULE_DIR; else, as libvirt's
 * virFileFindResource() does for its driver modules, the build tree
 * when this program runs from there; else the installed directory.
 */
static char *
virtVIOMMUModuleDir(void)
{
    const char *env = g_getenv("VIRT_VIOMMU_MODULE_DIR");
    g_autofree char *exe = NULL;
    g_autofree char *builddir = NULL;
    size_t len;

    if (env && *env)
        return g_strdup(env);

    exe = g_file_read_link("/proc/self/exe", NULL);
    builddir = realpath(ABS_TOP_BUILDDIR, NULL);
    if (exe && builddir && (len = strlen(builddir)) > 1 &&
        strncmp(exe, builddir, len) == 0 && exe[len] == '/')
        return g_strdup(ABS_BUILD_MODULEDIR);

    return g_strdup(VIRT_VIOMMU_MODULEDIR);
}


/* Load the module that runs @what, or report why not: which file, and
 * what to install. */
static const virtVIOMMULibvirtCommands *
virtVIOMMULibvirtLoad(const char *what)
{
    g_autofree char *dir = virtVIOMMUModuleDir();
    g_autofree char *path = g_build_filename(dir, VIRT_VIOMMU_LIBVIRT_MODULE, NULL);
    virtVIOMMULibvirtModuleFunc entry;
    const virtVIOMMULibvirtCommands *cmds;
    GModule *module;

    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        virReportError(VIR_ERROR_LIBRARY, _("%1$s needs '%2$s', which does not exist; reinstall virt-viommu, whose package ships it, or set VIRT_VIOMMU_MODULE_DIR to the directory that holds it"),
                       what, path);
        return NULL;
    }
    if (!(module = g_module_open(path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL))) {
        virReportError(VIR_ERROR_LIBRARY, _("%1$s needs '%2$s', which cannot be loaded: %3$s; it needs the libvirt client library (libvirt0 on Debian) installed"),
                       what, path, g_module_error());
        return NULL;
    }
    if (!g_module_symbol(module, VIRT_VIOMMU_LIBVIRT_ENTRY, (gpointer *) &entry)) {
        virReportError(VIR_ERROR_LIBRARY, _("%1$s needs '%2$s', which is no virt-viommu module: %3$s; reinstall virt-viommu"),
                       what, path, g_module_error());
        g_module_close(module);
        return NULL;
    }
    cmds = entry();
    if (strcmp(cmds->version, PACKAGE_VERSION) != 0) {
        virReportError(VIR_ERROR_LIBRARY, _("%1$s needs '%2$s', which belongs to virt-viommu %3$s, not %4$s; install both from the same build"),
                       what, path, cmds->version, PACKAGE_VERSION);
        g_module_close(module);
        return NULL;
    }
    /* kept loaded until the process ends: libvirt is not made to be
     * unloaded */
    g_module_make_resident(module);
    cmds->setLogLevel(virLogGetLevel());
    return cmds;
}

#else /* !WITH_LIBVIRT */

static const virtVIOMMULibvirtCommands *
virtVIOMMULibvirtLoad(const char *what)
{
    virReportError(VIR_ERROR_UNSUPPORTED, _("%1$s needs libvirt, and this virt-viommu was built without it"),
                   what);
    return NULL;
}

#endif /* !WITH_LIBVIRT */


static int
virtVIOMMUDefineOrStart(int argc, char **argv, bool start)
{
    const virtVIOMMUCommand *cmd = virtVIOMMUCommandLookup(start ? "start" : "define");
    g_auto(virtVIOMMULibvirtArgs) args = { 0 };
    const virtVIOMMULibvirtCommands *cmds;
    const GOptionEntry entries[] = {
        { "spare-ports", 0, 0, G_OPTION_ARG_INT, &args.sparePorts,
          "add N empty root ports to each new pcie-expander-bus for hotplug (default 0, at most 31)", "N" },
        { "move", 0, 0, G_OPTION_ARG_NONE, &args.move,
          "move host devices placed behind no vIOMMU, or the wrong one, behind the right one", NULL },
        { "refresh-options", 0, 0, G_OPTION_ARG_NONE, &args.refreshOptions,
          "write each existing vSMMU's options again from the recorded template and its host SMMU's capabilities", NULL },
    };

    if (virtVIOMMULibvirtParseArgs(cmd, entries, G_N_ELEMENTS(entries),
                                   &argc, &argv, &args) < 0)
        return VIRT_VIOMMU_EXIT_USAGE;
    if (argc != 2)
        return virtVIOMMUUsageError(cmd, argc < 2 ? "missing DOMAIN.xml" : "more than one DOMAIN.xml given");
    if (args.sparePorts < 0)
        return virtVIOMMUUsageError(cmd, "--spare-ports must not be negative");

    if (!(cmds = virtVIOMMULibvirtLoad(start ? "'start'" : "'define'")))
        return virtVIOMMUFail();
    if (start)
        return cmds->start(&args, argv[1]);
    return cmds->define(&args, argv[1]);
}


int
virtVIOMMUCmdDefine(int argc, char **argv)
{
    return virtVIOMMUDefineOrStart(argc, argv, false);
}


int
virtVIOMMUCmdStart(int argc, char **argv)
{
    return virtVIOMMUDefineOrStart(argc, argv, true);
}


static int
virtVIOMMUAttachDetach(int argc, char **argv, bool attach)
{
    const virtVIOMMUCommand *cmd = virtVIOMMUCommandLookup(attach ? "attach" : "detach");
    g_auto(virtVIOMMULibvirtArgs) args = { 0 };
    const virtVIOMMULibvirtCommands *cmds;
    virPCIDeviceAddress addr;
    const GOptionEntry entries[] = {
        { "live", 0, 0, G_OPTION_ARG_NONE, &args.live,
          "change the running domain", NULL },
        { "config", 0, 0, G_OPTION_ARG_NONE, &args.config,
          "change the persistent definition", NULL },
    };

    if (virtVIOMMULibvirtParseArgs(cmd, entries, G_N_ELEMENTS(entries),
                                   &argc, &argv, &args) < 0)
        return VIRT_VIOMMU_EXIT_USAGE;
    if (argc != 3)
        return virtVIOMMUUsageError(cmd, "expected DOMAIN and a host PCI address (BDF)");
    if (virPCIDeviceAddressParse(argv[2], &addr) < 0)
        return virtVIOMMUUsageError(cmd, "'%s' is not a PCI address like 0009:01:00.0", argv[2]);

    if (!(cmds = virtVIOMMULibvirtLoad(attach ? "'attach'" : "'detach'")))
        return virtVIOMMUFail();
    if (attach)
        return cmds->attach(&args, argv[1], &addr);
    return cmds->detach(&args, argv[1], &addr);
}


int
virtVIOMMUCmdAttach(int argc, char **argv)
{
    return virtVIOMMUAttachDetach(argc, argv, true);
}


int
virtVIOMMUCmdDetach(int argc, char **argv)
{
    return virtVIOMMUAttachDetach(argc, argv, false);
}


/* 'check' of a file needs no libvirt; only a domain name loads the
 * module. */
int
virtVIOMMUCmdCheck(int argc, char **argv)
{
    const virtVIOMMUCommand *cmd = virtVIOMMUCommandLookup("check");
    g_auto(virtVIOMMULibvirtArgs) args = { 0 };
    const virtVIOMMULibvirtCommands *cmds;
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *what = NULL;
    const char *name;
    const GOptionEntry entries[] = {
        { "json", 0, 0, G_OPTION_ARG_NONE, &args.json,
          "print the result as JSON", NULL },
        { "ready", 0, 0, G_OPTION_ARG_NONE, &args.ready,
          "report instead each reason the domain would not start on this host, with its fix", NULL },
    };

    if (virtVIOMMULibvirtParseArgs(cmd, entries, G_N_ELEMENTS(entries),
                                   &argc, &argv, &args) < 0)
        return VIRT_VIOMMU_EXIT_USAGE;
    if (argc != 2)
        return virtVIOMMUUsageError(cmd, "expected one DOMAIN name or DOMAIN.xml file");
    name = argv[1];

    /* a file is read (a missing one said so) without libvirt */
    if (virtVIOMMUArgIsFile(name)) {
        if (!(doc = virtVIOMMUReadDomain(name)))
            return virtVIOMMUFail();
        return virtVIOMMUCheckPrint(&args, name, doc);
    }

    what = g_strdup_printf(_("reading domain '%s' (there is no file of that name)"), name);
    if (!(cmds = virtVIOMMULibvirtLoad(what)))
        return virtVIOMMUFail();
    return cmds->check(&args, name);
}
