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

# lab_progress PID LOG WHAT: while PID runs, say every
# ${VIRT_VIOMMU_PROGRESS_SECONDS:-60} seconds (on stderr) that WHAT goes on,
# for how long, where its log is and the log's last line.
lab_progress() {
    local pid=$1 log=$2 what=$3 every=${VIRT_VIOMMU_PROGRESS_SECONDS:-60}
    local t0=$SECONDS next last el
    next=$every
    while kill -0 "$pid" 2>/dev/null; do
        sleep 1
        el=$((SECONDS - t0))
        [ "$el" -ge "$next" ] || continue
        next=$((next + every))
        last=$(tail -n 1 "$log" 2>/dev/null | tr -d '\r' | cut -c1-100)
        printf '%s: %s: %dm%02ds so far (log: %s)%s\n' "${LAB_PROGRESS_NAME:-lab}" "$what" \
            $((el / 60)) $((el % 60)) "$log" "${last:+; last: $last}" >&2
    done
}

# lab_run_logged LOG WHAT CMD...: run CMD with its output appended to LOG,
# saying now and then that WHAT goes on (lab_progress); CMD's status.
lab_run_logged() {
    local log=$1 what=$2 pid rc=0
    shift 2
    "$@" >>"$log" 2>&1 &
    pid=$!
    lab_progress "$pid" "$log" "$what"
    wait "$pid" || rc=$?
    return "$rc"
}

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

# lab_private_chroot SRC ROOT WORK LOG CMD...: run CMD chrooted into a
# bind mount of SRC at ROOT, in a mount namespace of its own, with WORK
# bound at ROOT/mnt, its own /proc and the host's /dev; the mounts vanish
# with the namespace.  Its steps and errors go to LOG (appended).
#
# unshare --propagation private makes "/" private, which the kernel
# refuses (EINVAL) where "/" is no mount point: in a chroot, as a fresh
# debootstrap root or some container runtimes are.  There the namespace
# keeps its propagation and only ROOT is made private, right after it is
# bound; that bind alone may show in the outer namespace when the mount
# holding "/" is shared, and is unmounted there afterwards.
# Exit: CMD's status; 125 when the namespace could not be set up (LOG
# says why).
lab_private_chroot() {
    local src=$1 root=$2 work=$3 log=$4 prop=private rc start
    shift 4
    lab_is_mounted / || prop=unchanged
    # a bind left by a run that was killed
    if lab_is_mounted "$root"; then umount -l "$root"; fi
    start=$(($(wc -l <"$log") + 1))
    echo "lab: private mount namespace (unshare --mount --propagation $prop)," \
         "$src bound at $root" >>"$log"
    set +e
    # shellcheck disable=SC2016
    unshare --mount --propagation "$prop" sh -c '
        src=$1 root=$2 work=$3
        shift 3
        fail() { echo "lab: cannot set up the private mount namespace: $* failed" >&2; exit 125; }
        mount --bind "$src" "$root" || fail mount --bind "$src" "$root"
        mount --make-rprivate "$root" || fail mount --make-rprivate "$root"
        mount --bind "$work" "$root/mnt" || fail mount --bind "$work" "$root/mnt"
        mount -t proc proc "$root/proc" || fail mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev" || fail mount --rbind /dev "$root/dev"
        echo "lab: namespace ready" >&2
        exec chroot "$root" "$@"
    ' sh "$src" "$root" "$work" "$@" >>"$log" 2>&1
    rc=$?
    set -e
    if lab_is_mounted "$root"; then umount -l "$root" || true; fi
    # unshare's own failure, or one of the mounts
    if [ "$rc" != 0 ] && ! tail -n "+$start" "$log" | grep -qx 'lab: namespace ready'; then
        return 125
    fi
    return "$rc"
}

lab_require_ready() {
    [ -f "$READY" ] || lab_die "no lab at $CHROOT (run tests/lab/lab-setup first)"
}

# Does the daemon in the chroot answer?
lab_daemon_up() {
    lab_chroot virsh -q -c qemu:///system version >/dev/null 2>&1
}
