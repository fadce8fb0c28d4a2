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
/* <address type='pci'/> (virt-install writes it) and an all-zero one:
 * libvirt assigns them (virDeviceInfoPCIAddressWanted,
 * virPCIDeviceAddressIsEmpty), they are not devices at 0000:00:00.0 */
DO_TEST_SPARE("aarch64-2smmu-empty-pci-address", "aarch64-2smmu", 1);
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
/* ... and one with an empty <address type='pci'/>, which libvirt fills
 * (virPCIDeviceAddressIsEmpty): the slot is written in its place, once */
DO_TEST("aarch64-pxb-empty-address", "aarch64-2smmu");
/* a pxb of the user's at busNr 12 leaves 11 numbers below it for the 8
 * new pxbs' 16: those that do not fit there go above its own range
 * (its busNr up to the next pxb's - 1), from the top, as QEMU's
 * pxb-pcie ranges and libvirt's qemuDomainAddressFindNewBusNr allow */
DO_TEST("aarch64-pxb-low-busnr", "aarch64-grace");
/* a pxb's range holds its whole hierarchy: a switch below a root port
 * takes a bus number for each of its ports too (qemuVIOMMUPlanBusesBelow,
 * as the firmware numbers every bridge below the pxb from its busNr):
 * the user's pxb at busNr 10 needs 10-14, and the next one is at 13 */
DO_TEST_FAILURE("aarch64-pxb-switch-busnr", "aarch64-2smmu");
/* virt-install --print-xml with more emulated devices than root ports:
 * free root ports of pcie.0 come before the spares */
DO_TEST_SPARE("aarch64-virt-install-crowded", "aarch64-2smmu", 2);
/* devices libvirt adds for a device of the domain (the table generated
 * in the lab, qemu_viommu_autopci_table.h): their root ports come
 * before the spares too */
DO_TEST_SPARE("aarch64-autopci-scsi-disk", "aarch64-2smmu", 1);
DO_TEST_SPARE("aarch64-autopci-sata-disk", "aarch64-2smmu", 1);
DO_TEST_SPARE("aarch64-autopci-scsi-hostdev", "aarch64-2smmu", 1);
DO_TEST_SPARE("x86-autopci-scsi-disk", "x86-intel-2dmar", 1);
/* a second controller of a kind the domain has: one for each index a
 * drive address names, or a disk's target index / 7 (SCSI) or / 6
 * (SATA) gives (libvirt's virDomainDefAddDiskControllersForType and
 * virDomainDiskDefAssignAddress; measured in libvirt 12.8) */
DO_TEST_SPARE("aarch64-autopci-scsi-controller1", "aarch64-2smmu", 1);
DO_TEST_SPARE("aarch64-autopci-scsi-nine-disks", "aarch64-2smmu", 1);
DO_TEST_SPARE("aarch64-autopci-scsi-hostdev-controller1", "aarch64-2smmu", 1);
DO_TEST_SPARE("x86-autopci-sata-controller1", "x86-intel-2dmar", 1);
/* conventional PCI past one bridge's 31 slots: a pci-bridge in a slot
 * of the pcie-to-pci-bridge, no second root port */
DO_TEST_SPARE("aarch64-autopci-e1000-33", "aarch64-2smmu", 1);
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
/* QEMU refuses vfio-pci behind an intel-iommu without caching-mode=on
 * (vtd_dev_set_iommu_device): the plan adds caching_mode='on' to an
 * intel template that leaves it out, as virt-install's does ... */
DO_TEST("x86-intel-2dmar-template-no-caching", "x86-intel-2dmar");
/* ... but leaves one with no assigned device behind it as it is */
DO_TEST("x86-intel-no-hostdevs", "x86-intel-2dmar");
/* virt-install's q35 domain with a hostdev on a bus libvirt adds: on
 * pcie.0's hierarchy, outside the pxb of its DMAR unit, so moved */
DO_TEST_MOVE("x86-virt-install-bus-libvirt-adds", "x86-intel-2dmar");
/* q35 'virsh dumpxml' of virt-install's domain after libvirt 12.8
 * addressed it (hostdevs on pcie.0's root ports): --move reaches the
 * fresh plan's topology, a pxb per DMAR unit and the one vIOMMU */
DO_TEST_MOVE("x86-q35-dumpxml-move", "x86-intel-2dmar");
DO_TEST_MOVE("x86-q35-dumpxml-intel-move", "x86-intel-2dmar");
/* the same as a running domain's dumpxml shows it, <alias> in <iommu>:
 * the <driver caching_mode='on'/> the plan adds goes before it */
DO_TEST_MOVE("x86-q35-dumpxml-intel-alias-move", "x86-intel-2dmar");
DO_TEST_MOVE("x86-amd-q35-dumpxml-move", "x86-amd-2ivhd");
/* a planned q35 domain whose <iommu> was removed: --move adds it back */
DO_TEST_MOVE("x86-q35-move-viommu-removed", "x86-intel-2dmar");
/* a user's own pxb with a switch and bridges below it (libvirt's
 * tests/qemuxmlconfdata/pcie-expander-bus): argv writes them as
 * qemuBuildControllerPCIDevProps does */
DO_TEST("x86-pxb-switch-bridges", "x86-intel-2dmar");

/* errors */
DO_TEST_FAILURE("error-device-not-on-host", "aarch64-2smmu");
DO_TEST_FAILURE("error-no-iommu", "aarch64-noiommu");
DO_TEST_FAILURE("error-kernel-no-iommu", "aarch64-qemu-3smmu");
DO_TEST_FAILURE("error-hostdev-twice", "aarch64-2smmu");
DO_TEST_FAILURE("error-conflicting-template", "aarch64-2smmu");
DO_TEST_MODEL_FAILURE("error-template-model", "aarch64-2smmu");
/*
 * <iommu> model x machine x (template | pciBus), each cell as libvirt
 * 12.8's qemuValidateDomainDeviceDefIOMMU() and its XML parser judge it
 * (src/qemu/qemu_viommu_model.c has the table).  Planned end to end:
 * smmuv3 on 'virt' (aarch64-2smmu-template, aarch64-2smmu-handmade-viommu)
 * and the intel template on q35 (x86-intel-2dmar-template).  Every other
 * cell is refused by 'plan' and by 'argv' alike:
 */
DO_TEST_MODEL_FAILURE("error-iommu-virt-intel-template", "aarch64-2smmu");
DO_TEST_MODEL_FAILURE("error-iommu-virt-intel-pcibus", "aarch64-2smmu");
DO_TEST_MODEL_FAILURE("error-iommu-virt-amd-template", "aarch64-2smmu");
DO_TEST_MODEL_FAILURE("error-iommu-virt-amd-pcibus", "aarch64-2smmu");
/* libvirt accepts it (virtio-iommu on pcie.0): not per physical SMMU */
DO_TEST_MODEL_FAILURE("error-iommu-virt-virtio-template", "aarch64-2smmu");
DO_TEST_MODEL_FAILURE("error-iommu-virt-virtio-pcibus", "aarch64-2smmu");
DO_TEST_MODEL_FAILURE("error-iommu-q35-smmuv3-template", "x86-intel-2dmar");
DO_TEST_MODEL_FAILURE("error-iommu-q35-smmuv3-pcibus", "x86-intel-2dmar");
DO_TEST_MODEL_FAILURE("error-iommu-q35-intel-pcibus", "x86-intel-2dmar");
/* libvirt accepts these two, with a PCI function on a pcie.0 slot it
 * picks itself, which the plan does not leave and argv does not write */
DO_TEST_MODEL_FAILURE("error-iommu-q35-amd-template", "x86-intel-2dmar");
DO_TEST_MODEL_FAILURE("error-iommu-q35-virtio-template", "x86-intel-2dmar");
DO_TEST_MODEL_FAILURE("error-iommu-q35-amd-pcibus", "x86-intel-2dmar");
DO_TEST_MODEL_FAILURE("error-iommu-q35-virtio-pcibus", "x86-intel-2dmar");
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
/* a template asking more than the host SMMU has: one line per option
 * (QEMU's smmuv3_accel_check_hw_compatible: SSIDSIZE, RIL, OAS, ATS) */
DO_TEST_FAILURE("error-caps-above-host", "aarch64-2smmu-caps");
/* a pxb of the user's at busNr 115 with 28 spares each: the 8 new pxbs
 * need 30 consecutive numbers each, 3 fit below it and 4 above */
DO_TEST_FULL("error-bus-numbers-exhausted", "aarch64-grace", 28, TEST_FLAG_FAIL);

/* host SMMUs QEMU 11.1 refuses behind an accel=on vSMMU, from recorded
 * registers (tests/hosts/aarch64-smmu-refused/iommu-caps.json) */
/* ats= follows the SMMU's IDR0.ATS, not the kernel's per-device
 * IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED of the device read through
 * (smmuv3_accel_check_hw_compatible compares IDR0.ATS) */
DO_TEST("aarch64-smmu-refused-ats", "aarch64-smmu-refused");
/* accel='off' is not held against the host's registers */
DO_TEST("aarch64-smmu-refused-accel-off", "aarch64-smmu-refused");
/* smmuv3_accel_check_hw_compatible: IDR0.STLEVEL differs from QEMU's 1 */
DO_TEST_FAILURE("error-smmu-stlevel", "aarch64-smmu-refused");
/* smmuv3_accel_check_hw_compatible: IDR0.TTENDIAN above QEMU's 2 (big-endian only) */
DO_TEST_FAILURE("error-smmu-ttendian", "aarch64-smmu-refused");
/* smmuv3_accel_check_hw_compatible: IDR0.TTF below QEMU's 2 (AArch32 only) */
DO_TEST_FAILURE("error-smmu-ttf", "aarch64-smmu-refused");
/* smmuv3_accel_check_hw_compatible: IDR1.SIDSIZE below QEMU's 16 */
DO_TEST_FAILURE("error-smmu-sidsize", "aarch64-smmu-refused");
/* smmuv3_accel_check_hw_compatible: IDR5.GRAN16K differs from QEMU's */
DO_TEST_FAILURE("error-smmu-granule", "aarch64-smmu-refused");
/* smmuv3_accel_check_hw_compatible: IDR5.OAS below the vSMMU's, which
 * smmu_validate_property keeps at 44 or 48 */
DO_TEST_FAILURE("error-smmu-oas", "aarch64-smmu-refused");
/* smmuv3_accel_get_viommu_flags asks a nesting parent: S1P and S2P */
DO_TEST_FAILURE("error-smmu-nesting", "aarch64-smmu-refused");
/* one SMMU failing four rules, beside one that passes: four lines */
DO_TEST_FAILURE("error-smmu-many", "aarch64-smmu-refused");
/* smmu_validate_property: oas other than 44 or 48 */
DO_TEST_FAILURE("error-smmu-template-oas", "aarch64-smmu-refused");
/* the ssidsize property's range (SsidSizeMode): 0 to 20, whatever the host */
DO_TEST_FAILURE("error-smmu-template-ssidsize", "aarch64-smmu-refused");
/* smmu_validate_property: ats=on, ril=off, oas=48, ssidsize>0 need accel=on */
DO_TEST_FAILURE("error-smmu-accel-off-options", "aarch64-smmu-refused");
DO_TEST_FULL("error-gpumem-nodeset-count", "aarch64-grace-gpumem", 0, TEST_FLAG_FAIL);
DO_TEST_FULL("error-gpumem-nodeset-cpu-cell", "aarch64-grace-gpumem", 0, TEST_FLAG_FAIL);
DO_TEST_FULL("error-indexes-exhausted", "aarch64-grace", 31, TEST_FLAG_FAIL);
DO_TEST_FULL("error-spare-ports-too-many", "aarch64-2smmu", 32, TEST_FLAG_FAIL);
DO_TEST_FAILURE("error-placed-wrong-viommu", "aarch64-2smmu");
DO_TEST_FAILURE("error-placed-root-bus", "aarch64-2smmu");
/* q35 as libvirt addressed it, without --move: as on aarch64 */
DO_TEST_FAILURE("error-x86-placed-root-bus", "x86-intel-2dmar");
DO_TEST_FAILURE("error-x86-placed-no-viommu", "x86-intel-2dmar");
/* pcie.0 has one free slot and two new pxbs to place */
DO_TEST_FAILURE("error-root-bus-full", "aarch64-2smmu");
DO_TEST_FAILURE("error-placed-address-twice", "aarch64-2smmu");
DO_TEST_FAILURE("error-placed-pxb-without-viommu", "aarch64-2smmu");
DO_TEST_FAILURE("error-viommu-missing-bus", "aarch64-2smmu");
DO_TEST_FAILURE("error-emulated-on-pxb", "aarch64-2smmu");
DO_TEST_FAILURE("error-iommufd-disabled", "aarch64-2smmu");
DO_TEST_FAILURE("error-x86-two-iommus", "x86-intel-2dmar");
/* caching_mode='off' written with assigned devices: QEMU's
 * vtd_dev_set_iommu_device refuses every vfio-pci device */
DO_TEST_FAILURE("error-x86-caching-mode-off", "x86-intel-2dmar");
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
/* two 2^62 BARs: the window arithmetic stops at 2^63 with an error
 * (virPCIBarRoundUpPow2 looped forever on it, sums wrapped) */
DO_TEST_FAILURE("aarch64-bars-overflow", "aarch64-odd-bars");
/* a 12K BAR of PCI Enhanced Allocation: QEMU's pci_register_bar()
 * asserts a power of two for the BAR vfio_bar_prepare() registers */
DO_TEST_FAILURE("aarch64-bars-ea-assigned", "aarch64-odd-bars");
/* ... on a device not assigned, it does not matter */
DO_TEST("aarch64-bars-ea-unrelated", "aarch64-odd-bars");
/* q35: A100-like GPUs with two 64-bit prefetchable BARs each (64G + 32M) */
DO_TEST("x86-bars-q35", "x86-intel-gpu-bars");
