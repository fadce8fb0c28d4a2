/* The golden cases of qemuxmlconftest.c, one line each. */

/* placing devices, one vIOMMU per physical IOMMU */
DO_TEST("aarch64-2smmu-basic", "aarch64-2smmu");
DO_TEST("aarch64-2smmu-one-iommu", "aarch64-2smmu");
/* 24 host devices, interleaved over four SMMUs */
DO_TEST("aarch64-4smmu-many", "aarch64-4smmu-many");
DO_TEST("aarch64-grace-numa", "aarch64-grace");
DO_TEST("aarch64-grace-no-numa", "aarch64-grace");
DO_TEST("aarch64-grace-gpus", "aarch64-grace");
DO_TEST("aarch64-grace-gpumem-one", "aarch64-grace-gpumem");
DO_TEST("aarch64-grace-gpumem-two", "aarch64-grace-gpumem");
DO_TEST("aarch64-grace-gpumem-user-numa", "aarch64-grace-gpumem");
DO_TEST("aarch64-grace-gpumem-user-numa-one", "aarch64-grace-gpumem");
DO_TEST("aarch64-grace-gpumem-user-nodeset", "aarch64-grace-gpumem");
DO_TEST("aarch64-gi-accel", "aarch64-gi-accel");
DO_TEST("aarch64-grace-nic-functions", "aarch64-grace");
DO_TEST("aarch64-sriov-vfs", "aarch64-sriov");
DO_TEST("aarch64-multifunction-all", "aarch64-multifunction");
DO_TEST("aarch64-multifunction-partial", "aarch64-multifunction");
DO_TEST("aarch64-qemu-3smmu-kernel", "aarch64-qemu-3smmu");

/* vIOMMU options */
DO_TEST("aarch64-2smmu-template", "aarch64-2smmu");
DO_TEST("aarch64-2smmu-template-cmdqv", "aarch64-2smmu");
/* <iommu model='smmuv3'/> as virt-install writes it: a template without options */
DO_TEST("aarch64-2smmu-template-bare", "aarch64-2smmu");
DO_TEST("aarch64-2smmu-accel-off", "aarch64-2smmu");
DO_TEST("aarch64-2smmu-iommufd-present", "aarch64-2smmu");

/* argv lines quoted for the shell as virsh domxml-to-native quotes them */
DO_TEST("aarch64-2smmu-argv-shell-quote", "aarch64-2smmu");

/* hotplug room, what is kept, what is left alone */
DO_TEST_SPARE("aarch64-2smmu-spare-ports", "aarch64-2smmu", 2);
DO_TEST("aarch64-2smmu-no-hostdevs", "aarch64-2smmu");
DO_TEST("aarch64-2smmu-emulated-kept", "aarch64-2smmu");
DO_TEST("aarch64-2smmu-existing-controllers", "aarch64-2smmu");
/* controllers without index, as virt-install writes them */
DO_TEST("aarch64-2smmu-no-index", "aarch64-2smmu");
DO_TEST("aarch64-2smmu-dangling-bus", "aarch64-2smmu");
DO_TEST("aarch64-2smmu-preserve", "aarch64-2smmu");
/* a root port of another QEMU device below a pxb */
DO_TEST("aarch64-2smmu-ioh3420", "aarch64-2smmu");
/* a hostdev on a bus no controller provides: libvirt adds a
 * pcie-root-port on pcie.0 for it, here behind pcie.0's vSMMU */
DO_TEST("aarch64-hostdev-bus-libvirt-adds", "aarch64-2smmu");
/* a pcie-expander-bus without an address gets the slot libvirt gives it */
DO_TEST("aarch64-pxb-no-address", "aarch64-2smmu");
/* virt-install --print-xml with more emulated devices than root ports:
 * free root ports of pcie.0 come before the spares */
DO_TEST_SPARE("aarch64-virt-install-crowded", "aarch64-2smmu", 2);
/* a device without an address added to a planned domain: a spare
 * below a vSMMU comes before any free root port of pcie.0 (warning) */
DO_TEST("aarch64-2smmu-replan-exposed-spare", "aarch64-2smmu");

/* planning a planned domain again after the user changed it */
DO_TEST("aarch64-2smmu-viommu-removed", "aarch64-2smmu");
DO_TEST("aarch64-2smmu-replan-spare", "aarch64-2smmu");
DO_TEST("aarch64-2smmu-replan-renumber", "aarch64-2smmu");
DO_TEST("aarch64-2smmu-accel-removed", "aarch64-2smmu");
DO_TEST("aarch64-2smmu-template-changed", "aarch64-2smmu");
DO_TEST("aarch64-2smmu-handmade-viommu", "aarch64-2smmu");
/* the record brought back to the devices after an attach and a detach
 * that were stopped between their two libvirt calls */
DO_TEST("aarch64-2smmu-record-repair", "aarch64-2smmu");

/* each vSMMU's options from its own SMMU's registers (two SMMUs that differ) */
DO_TEST("aarch64-caps-basic", "aarch64-2smmu-caps");
/* template values at or below the host's are kept, the rest from the host */
DO_TEST("aarch64-caps-template-below", "aarch64-2smmu-caps");
DO_TEST("aarch64-caps-template-cmdqv-off", "aarch64-2smmu-caps");
/* a planned domain's vSMMUs keep their options on a re-plan ... */
DO_TEST("aarch64-caps-replan-kept", "aarch64-2smmu-caps");
/* ... unless asked */
DO_TEST_REFRESH("aarch64-caps-refresh", "aarch64-2smmu-caps");

/* --move: hostdevs behind no vIOMMU or the wrong one go behind the right one */
DO_TEST_MOVE("aarch64-2smmu-move-root-bus", "aarch64-2smmu");
DO_TEST_MOVE("aarch64-2smmu-move-wrong-viommu", "aarch64-2smmu");
DO_TEST_MOVE("aarch64-2smmu-move-pxb-without-viommu", "aarch64-2smmu");

/* x86 q35: one vIOMMU, pxbs still per physical IOMMU */
DO_TEST("x86-intel-2dmar-q35", "x86-intel-2dmar");
DO_TEST("x86-intel-2dmar-template", "x86-intel-2dmar");
DO_TEST("x86-amd-2ivhd-q35", "x86-amd-2ivhd");
/* virt-install's q35 domain with a hostdev on a bus libvirt adds */
DO_TEST("x86-virt-install-bus-libvirt-adds", "x86-intel-2dmar");

/* errors */
DO_TEST_FAILURE("error-device-not-on-host", "aarch64-2smmu");
DO_TEST_FAILURE("error-no-iommu", "aarch64-noiommu");
DO_TEST_FAILURE("error-kernel-no-iommu", "aarch64-qemu-3smmu");
DO_TEST_FAILURE("error-hostdev-twice", "aarch64-2smmu");
DO_TEST_FAILURE("error-conflicting-template", "aarch64-2smmu");
DO_TEST_FAILURE("error-template-model", "aarch64-2smmu");
DO_TEST_FAILURE("error-unsupported-machine", "x86-intel-2dmar");
DO_TEST_FAILURE("error-unsupported-arch", "aarch64-2smmu");
DO_TEST_FAILURE("error-no-arch", "aarch64-2smmu");
DO_TEST_FAILURE("error-malformed", "aarch64-2smmu");
DO_TEST_FAILURE("error-truncated", "aarch64-2smmu");
DO_TEST_FAILURE("error-wrong-root", "aarch64-2smmu");
DO_TEST_FAILURE("error-doctype-entities", "aarch64-2smmu");
DO_TEST_FAILURE("error-billion-laughs", "aarch64-2smmu");
DO_TEST_FAILURE("error-controller-index-clash", "aarch64-2smmu");
DO_TEST_FAILURE("error-implicit-index-zero", "aarch64-2smmu");
DO_TEST_FAILURE("error-hostdev-no-source", "aarch64-2smmu");
DO_TEST_FAILURE("error-hostdev-bad-address", "aarch64-2smmu");
DO_TEST_FAILURE("error-hostdev-address-type", "aarch64-2smmu");
/* a template asking more than the host SMMU has: one line per option */
DO_TEST_FAILURE("error-caps-above-host", "aarch64-2smmu-caps");
DO_TEST_FULL("error-bus-numbers-exhausted", "aarch64-grace", 0, TEST_FLAG_FAIL);
DO_TEST_FULL("error-gpumem-nodeset-count", "aarch64-grace-gpumem", 0, TEST_FLAG_FAIL);
DO_TEST_FULL("error-gpumem-nodeset-cpu-cell", "aarch64-grace-gpumem", 0, TEST_FLAG_FAIL);
DO_TEST_FULL("error-indexes-exhausted", "aarch64-grace", 31, TEST_FLAG_FAIL);
DO_TEST_FULL("error-spare-ports-too-many", "aarch64-2smmu", 32, TEST_FLAG_FAIL);
DO_TEST_FAILURE("error-placed-wrong-viommu", "aarch64-2smmu");
DO_TEST_FAILURE("error-placed-root-bus", "aarch64-2smmu");
/* pcie.0 has one free slot and two new pxbs to place */
DO_TEST_FAILURE("error-root-bus-full", "aarch64-2smmu");
DO_TEST_FAILURE("error-placed-address-twice", "aarch64-2smmu");
DO_TEST_FAILURE("error-placed-pxb-without-viommu", "aarch64-2smmu");
DO_TEST_FAILURE("error-viommu-missing-bus", "aarch64-2smmu");
DO_TEST_FAILURE("error-emulated-on-pxb", "aarch64-2smmu");
DO_TEST_FAILURE("error-iommufd-disabled", "aarch64-2smmu");
DO_TEST_FAILURE("error-x86-two-iommus", "x86-intel-2dmar");
DO_TEST_FAILURE("error-many-problems", "aarch64-noiommu");
/* a record whose options name a pciBus: options are options only */
DO_TEST_FAILURE("error-record-options-pcibus", "aarch64-2smmu");
/* the 64-bit MMIO window, sized from the assigned devices' BARs */
DO_TEST("aarch64-bars-default", "aarch64-gpu-bars");
DO_TEST("aarch64-bars-exact", "aarch64-gpu-bars");
DO_TEST("aarch64-bars-4x256", "aarch64-gpu-bars");
DO_TEST("aarch64-bars-user-larger", "aarch64-gpu-bars");
DO_TEST("aarch64-bars-user-smaller", "aarch64-gpu-bars");
DO_TEST("aarch64-bars-width-limit", "aarch64-gpu-bars");
DO_TEST_FAILURE("aarch64-bars-too-wide", "aarch64-gpu-bars");
DO_TEST_FAILURE("aarch64-bars-maxphysaddr", "aarch64-gpu-bars");
/* q35: A100-like GPUs with two 64-bit prefetchable BARs each (64G + 32M) */
DO_TEST("x86-bars-q35", "x86-intel-gpu-bars");
