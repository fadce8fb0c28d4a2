# shellcheck shell=bash
# Shared by guest-probe and capture-fixture (sourced after lab-common.sh):
# bring the lab up (or SKIP), boot a direct-kernel arm64 guest from a domain
# XML, wait for its console report, and clean up on exit.
#
# Callers set KEEP (1: keep the work dir) and call, in order:
#   probe_lab_up            lab-setup + lab-start, or exit 77 "SKIP: ..."
#   probe_workdir           WORK (host path) and IN (the same, inside the chroot)
#   probe_initramfs INIT    $WORK/initrd.cpio from busybox + INIT
#   probe_boot XML BEGIN END [TIMEOUT]
#                           create the domain, wait for a complete report in
#                           $WORK/console.log; sets ELAPSED; returns 1 (with a
#                           message and the console tail) on refusal/timeout

PROBE_PY=(python3 "$HERE/labguest.py")
# The guest kernel command line (UEFI direct boot, ACPI so the guest sees the
# IORT, PL011 console, power off instead of rebooting on panic).
# shellcheck disable=SC2034
PROBE_CMDLINE="console=ttyAMA0 rdinit=/init acpi=force panic=-1"
PROBE_STARTED=0
PROBE_DOM=
PROBE_NVRAMS=()
WORK=
IN=
ELAPSED=0

skip() { echo "SKIP: $*"; exit 77; }

virsh_q() { lab_chroot virsh -q -c qemu:///system "$@"; }

probe_cleanup() {
    local rc=$?
    set +e
    if [ -n "$PROBE_DOM" ] && virsh_q domstate "$PROBE_DOM" >/dev/null 2>&1; then
        virsh_q destroy "$PROBE_DOM" >/dev/null 2>&1
        virsh_q undefine --nvram "$PROBE_DOM" >/dev/null 2>&1
    fi
    # a transient guest that powered off leaves its UEFI variable store
    # (64 MiB each) behind: libvirt deletes it only on undefine --nvram
    for nv in "${PROBE_NVRAMS[@]}"; do
        rm -f "$CHROOT/var/lib/libvirt/qemu/nvram/${nv}_VARS.fd"
    done
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
    fi
    if [ "$PROBE_STARTED" = 1 ] && [ "${VIRT_VIOMMU_LAB_KEEP:-0}" != 1 ]; then
        "$HERE/lab-stop" >/dev/null 2>&1
    fi
    exit "$rc"
}

probe_lab_up() {
    local out rc
    [ "$(id -u)" = 0 ] || skip "needs root (chroot, mounts)"
    command -v python3 >/dev/null || skip "python3 not found"
    set +e
    out=$("$HERE/lab-setup" 2>&1); rc=$?
    set -e
    [ "$rc" = 77 ] && skip "${out##*SKIP: }"
    if [ "$rc" != 0 ]; then
        printf '%s\n' "$out" | tail -n 5 >&2
        skip "lab-setup failed (exit $rc)"
    fi
    trap probe_cleanup EXIT
    trap 'exit 130' INT TERM
    if lab_is_mounted "$CHROOT/proc" && lab_daemon_up; then
        return 0        # somebody else's lab: use it, leave it running
    fi
    PROBE_STARTED=1
    "$HERE/lab-start" >/dev/null 2>&1 ||
        skip "lab-start failed (see $CHROOT/var/log/libvirt/libvirtd.log)"
}

probe_workdir() {
    WORK=$(mktemp -d "$CHROOT/var/tmp/$1.XXXXXX")
    IN=${WORK#"$CHROOT"}
}

probe_initramfs() {
    "${PROBE_PY[@]}" initramfs --busybox "$CHROOT/opt/guest/busybox" \
        --init "$1" -o "$WORK/initrd.cpio"
}

probe_boot() {
    local xml=$1 begin=$2 end=$3 timeout=${4:-300} out t0 result='timeout'
    PROBE_DOM=$(sed -n 's:.*<name>\(.*\)</name>.*:\1:p' "$WORK/$xml" | head -n1)
    PROBE_NVRAMS+=("$PROBE_DOM")
    t0=$(date +%s)
    if ! out=$(virsh_q create "$IN/$xml" 2>&1); then
        echo "FAIL: libvirt/QEMU refused the domain:"
        printf '%s\n' "$out" | sed 's/^/  /'
        PROBE_DOM=
        return 1
    fi
    while [ $(( $(date +%s) - t0 )) -lt "$timeout" ]; do
        if "${PROBE_PY[@]}" markers "$WORK/console.log" "$begin" "$end"; then
            result='done'; break
        fi
        if ! virsh_q domstate "$PROBE_DOM" >/dev/null 2>&1; then
            sleep 1     # powered off: let the console file settle, look again
            if "${PROBE_PY[@]}" markers "$WORK/console.log" "$begin" "$end"; then
                result='done'
            else
                result='gone'
            fi
            break
        fi
        sleep 2
    done
    ELAPSED=$(( $(date +%s) - t0 ))
    [ "$result" = "done" ] && return 0
    case $result in
        timeout) echo "FAIL: no complete report from the guest within ${timeout}s" ;;
        gone) echo "FAIL: the guest stopped without a complete report after ${ELAPSED}s" ;;
    esac
    echo "--- last console lines ($IN/console.log):"
    tail -n 30 "$WORK/console.log" 2>/dev/null | tr -d '\r' || true
    echo "--- QEMU log:"
    tail -n 5 "$CHROOT/var/log/libvirt/qemu/$PROBE_DOM.log" 2>/dev/null || true
    return 1
}
