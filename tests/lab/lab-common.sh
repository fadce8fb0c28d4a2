# shellcheck shell=bash
# Shared helpers for the integration lab scripts (sourced, not executed).
#
# The lab is a Debian sid chroot holding real libvirt and QEMU.  Everything
# lives under ${VIRT_VIOMMU_LAB_DIR:-/var/cache/virt-viommu/lab}:
#   sid/              the chroot
#   state/            runtime state of lab-start (iommu_groups stand-in, ...)

LAB_DIR=${VIRT_VIOMMU_LAB_DIR:-/var/cache/virt-viommu/lab}
CHROOT=$LAB_DIR/sid
# shellcheck disable=SC2034
STATE=$LAB_DIR/state
READY=$CHROOT/.lab-ready

# Packages installed into the chroot (no recommends).  qemu-system-x86 is
# there for q35 (intel-iommu) checks.
# shellcheck disable=SC2034
LAB_PACKAGES=(
    libvirt-daemon
    libvirt-daemon-driver-qemu
    libvirt-clients
    qemu-system-arm
    qemu-efi-aarch64
    qemu-system-x86
    # UEFI for the q35 boot probes (bar-probe)
    ovmf
    libxml2-utils
    # virt-install --print-xml writes the lab tests' real-world inputs
    virtinst
    # the guest kernels with iommufd (build-guest-kernel), the static
    # capability readers and the x86_64 guests' busybox (caps-probe)
    linux-source
    make
    flex
    bison
    bc
    gcc
    libc6-dev
    libelf-dev
    xz-utils
    gcc-aarch64-linux-gnu
    libc6-dev-arm64-cross
    busybox-static
)

# The packages of LAB_PACKAGES that the chroot lacks, one per line.
lab_missing_packages() {
    local p
    for p in "${LAB_PACKAGES[@]}"; do
        lab_chroot dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null |
            grep -q '^ii' || echo "$p"
    done
}

lab_log() { printf 'lab: %s\n' "$*" >&2; }
lab_die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

lab_need_root() {
    [ "$(id -u)" = 0 ] || lab_die "must run as root"
}

# Run a command inside the chroot with a clean environment.
lab_chroot() {
    env -i \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=dumb \
        DEBIAN_FRONTEND=noninteractive \
        chroot "$CHROOT" "$@"
}

# Is PATH (absolute) a mount point?  Uses /proc/self/mountinfo so it also
# works for paths that are themselves broken or half set up.
lab_is_mounted() {
    local p
    p=$(realpath -m "$1")
    awk -v p="$p" '{ if ($5 == p) { found = 1 } } END { exit !found }' /proc/self/mountinfo
}

# PIDs of processes whose root directory is the chroot (daemons and guests
# the lab started).
lab_chroot_pids() {
    local d pid root want
    want=$(realpath "$CHROOT" 2>/dev/null) || return 0
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        root=$(readlink "$d/root" 2>/dev/null) || continue
        [ "$root" = "$want" ] && echo "$pid"
    done
    return 0
}

lab_require_ready() {
    [ -f "$READY" ] || lab_die "no lab at $CHROOT (run tests/lab/lab-setup first)"
}

# Does the daemon in the chroot answer?
lab_daemon_up() {
    lab_chroot virsh -q -c qemu:///system version >/dev/null 2>&1
}
