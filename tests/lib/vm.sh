# A real systemd on pure cgroup v2 with every controller, for the tests that need limits enforced.
# This host's cgroups are hybrid (the memory, cpu, io and pids controllers belong to v1 hierarchies in
# use), and no container mode can change that; KVM is unusable here. So: qemu TCG running Debian's
# kernel, with the HOST's root as the guest's root (9p, read-only) under a tmpfs overlay (the guest
# writes nothing to the host, as nspawn --volatile), and no network device at all.
# Source it after tests/lib/tap.sh.
#
#   vm_run SCRIPT [ENV=VALUE...]   boots the VM, runs SCRIPT (bash, as root) once the guest's systemd
#                                  finished booting, and powers off. SCRIPT's TAP lines ("ok N - x",
#                                  "not ok N - x"; it may source tests/lib/tap.sh, which is visible
#                                  at the same path inside) are counted as this test's own checks,
#                                  its comment lines passed through. Returns SCRIPT's exit status.
#                                  In the guest: $VM_SHARE is a writable dir shared with the host
#                                  ($VM_DIR/share here), the ENV assignments are set, the repository
#                                  is at its host path and $BERTH_BUILD is the host's build tree.
#   vm_prepare                     makes $VM_DIR (removed at exit) early: files the test puts into
#                                  $VM_DIR/share before vm_run are in the guest's /vm-share
#   vm_require                     fails the test (not ok + exit) when the kernel or qemu is missing:
#                                  make check installs both (tests/packages.txt), so CI must not skip.
#
# Inputs: BERTH_BUILD; VM_TIMEOUT (seconds for the whole VM, default 180); VM_KVER (the kernel,
# default: the newest /boot/vmlinuz-* with modules); VM_CACHE_DIR (the initramfs cache, default
# build/vm). For debugging: VM_KEEP=1 keeps $VM_DIR (console.log, the share), VM_APPEND replaces
# "quiet loglevel=4" on the kernel command line. Outputs: VM_DIR (a temp dir removed at exit),
# VM_BOOT_S (the guest's uptime when its boot finished).
#
# The initramfs is busybox-static plus the virtio, 9p and overlay modules of the kernel; it is built
# once per kernel (and version of vm_initramfs) and kept in VM_CACHE_DIR. Everything else the guest needs is written per run into
# the share (setup.sh, run by the initramfs before switch_root), so changing this file needs no rebuild.

VM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VM_DIR=
VM_BOOT_S=

# The modules, in load order: the virtio PCI transport, 9p over virtio, overlayfs.
VM_MODULES=(
        drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_legacy_dev
        drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci fs/netfs/netfs fs/fscache/fscache
        net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p fs/overlayfs/overlay
)

# What stalls or slows a first boot of this host's OS in a VM with no network and no disk: the serial
# getty would take the console, wait-online waits two minutes for a network that never comes, firstboot
# wants a tty, nftables loads the host's ruleset; the rest are services and timers the host enabled for
# itself (registry, podman, postgresql, maintenance timers) that cost boot time on 2 emulated cores.
VM_MASKS=(
        serial-getty@ttyS0.service getty@tty1.service getty.target
        systemd-networkd-wait-online.service systemd-firstboot.service systemd-timesyncd.service
        nftables.service docker-registry.service docker.socket docker.service
        podman.service podman.socket podman-restart.service podman-auto-update.service podman-auto-update.timer
        cni-dhcp.service cni-dhcp.socket postgresql.service e2scrub_reap.service systemd-pstore.service
        apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer fstrim.timer man-db.timer
        systemd-binfmt.service proc-sys-fs-binfmt_misc.automount systemd-repart.service
        systemd-udev-settle.service systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket
        systemd-udev-trigger.service systemd-modules-load.service modprobe@drm.service modprobe@fuse.service
        modprobe@configfs.service modprobe@loop.service modprobe@dm_mod.service modprobe@efi_pstore.service
        sys-kernel-debug.mount sys-kernel-tracing.mount dev-hugepages.mount sys-fs-fuse-connections.mount
        sys-kernel-config.mount systemd-tmpfiles-setup.service systemd-tmpfiles-clean.timer
)

vm_kver() {
        local k v
        if [ -n "${VM_KVER:-}" ]; then
                echo "$VM_KVER"
                return
        fi
        for k in $(ls -v /boot/vmlinuz-* 2>/dev/null | tac); do
                v=${k#/boot/vmlinuz-}
                [ -d "/lib/modules/$v/kernel" ] && { echo "$v"; return; }
        done
}

vm_require() {
        local kver
        kver=$(vm_kver)
        if [ -z "$kver" ] || [ ! -e "/boot/vmlinuz-$kver" ] || [ ! -d "/lib/modules/$kver/kernel" ] ||
                ! command -v qemu-system-x86_64 >/dev/null || ! command -v cpio >/dev/null || [ ! -x /bin/busybox ]; then
                tap_result 1 "the VM can boot (kernel '${kver:-none}' with modules, qemu-system-x86_64, busybox)"
                diag "vm: install linux-image-amd64, qemu-system-x86, cpio and busybox-static (tests/install-deps.sh)"
                done_testing
                exit 1
        fi
}

# Prints the path of the cached initramfs for kernel $1, building it first if needed.
vm_initramfs() {
        local kver=$1 cache=${VM_CACHE_DIR:-$VM_TOP/build/vm} img tmp m key
        # Keyed by the kernel and by how it is made (this function), so a change here rebuilds it.
        key=$({ declare -f vm_initramfs; printf '%s\n' "${VM_MODULES[@]}"; } | md5sum | cut -c1-8)
        img=$cache/initramfs-$kver-$key.cpio
        [ -s "$img" ] && { echo "$img"; return 0; }
        mkdir -p "$cache" || return 1
        tmp=$(mktemp -d "$cache/.build.XXXXXX") || return 1
        mkdir -p "$tmp"/{bin,dev,proc,sys,lower,rw,newroot,modules}
        cp /bin/busybox "$tmp/bin/busybox"
        for m in "${VM_MODULES[@]}"; do
                if ! cp "/lib/modules/$kver/kernel/$m.ko" "$tmp/modules/" 2>/dev/null; then
                        diag "vm: module $m is missing in /lib/modules/$kver"
                        rm -rf "$tmp"
                        return 1
                fi
                echo "${m##*/}" >>"$tmp/modules/order"
        done
        # Mounts the host root read-only (9p) under a tmpfs overlay, mounts the share, lets the host's
        # setup.sh (in the share) prepare the new root, then hands over to systemd. Any failure powers
        # off at once, with the reason on the console.
        cat >"$tmp/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
fail() { echo "vm-init: $*" >/dev/console; poweroff -f; }
mount -t proc proc /proc && mount -t sysfs sys /sys && mount -t devtmpfs dev /dev || fail "mounting /proc /sys /dev"
for m in $(cat /modules/order); do insmod "/modules/$m.ko" || fail "insmod $m"; done
o=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o "$o,cache=loose,ro" hostroot /lower || fail "mounting the host root"
mount -t tmpfs -o mode=0755 rw /rw && mkdir /rw/upper /rw/work || fail "mounting the tmpfs"
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot || fail "mounting the overlay"
mkdir -p /newroot/vm-share && mount -t 9p -o "$o" vmshare /newroot/vm-share || fail "mounting the share"
NEWROOT=/newroot sh /newroot/vm-share/setup.sh || fail "setup.sh"
umount /proc /sys /dev
exec switch_root /newroot /lib/systemd/systemd
EOF
        chmod 755 "$tmp/init"
        if ! (cd "$tmp" && find . -mindepth 1 | cpio -o -H newc --quiet >"$tmp.cpio"); then
                rm -rf "$tmp" "$tmp.cpio"
                return 1
        fi
        rm -rf "$tmp"
        mv -f "$tmp.cpio" "$img" && echo "$img"
}

# Writes the per-run files into the share: setup.sh (runs in the initramfs, prepares the new root)
# and guest.sh (the unit's program).
vm_write_share() {
        local share=$1 script=$2 m
        shift 2
        {
                echo 'set -e'
                echo ': >"$NEWROOT/etc/fstab"' # the host's would name disks the guest does not have
                echo 'mkdir -p "$NEWROOT/etc/systemd/system/multi-user.target.wants"'
                for m in "${VM_MASKS[@]}"; do
                        echo "ln -sf /dev/null \"\$NEWROOT/etc/systemd/system/$m\""
                done
                cat <<'EOF'
cat >"$NEWROOT/etc/systemd/system/berth-vm-test.service" <<'UNIT'
[Unit]
Description=berth VM test script
After=multi-user.target
[Service]
Type=exec
ExecStart=/bin/bash /vm-share/guest.sh
StandardOutput=journal+console
StandardError=journal+console
UNIT
ln -sf ../berth-vm-test.service "$NEWROOT/etc/systemd/system/multi-user.target.wants/berth-vm-test.service"
EOF
        } >"$share/setup.sh"

        {
                echo '#!/bin/bash'
                echo "cd $(printf %q "$VM_TOP")"
                echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 VM_SHARE=/vm-share'
                printf 'export BERTH_BUILD=%q\n' "$BERTH_BUILD"
                [ -n "${ASAN_OPTIONS:-}" ] && printf 'export ASAN_OPTIONS=%q\n' "$ASAN_OPTIONS"
                [ -n "${UBSAN_OPTIONS:-}" ] && printf 'export UBSAN_OPTIONS=%q\n' "$UBSAN_OPTIONS"
                for m in "$@"; do
                        printf 'export %q\n' "$m"
                done
                cat <<'EOF'
systemctl is-system-running --wait >/vm-share/state 2>&1
systemd-analyze time >/vm-share/boot-time 2>&1
read -r up _ </proc/uptime
echo "booted at $up s" >>/vm-share/times
bash /vm-share/script.sh >/vm-share/out 2>&1
read -r up _ </proc/uptime
echo "script done at $up s" >>/vm-share/times
echo $? >/vm-share/rc.tmp && mv /vm-share/rc.tmp /vm-share/rc
sync
systemctl poweroff -ff
EOF
        } >"$share/guest.sh"
        cp "$script" "$share/script.sh"
}

vm_cleanup() {
        [ -n "${VM_KEEP:-}" ] && [ -n "$VM_DIR" ] && diag "vm: kept $VM_DIR" && return
        [ -n "$VM_DIR" ] && rm -rf "$VM_DIR"
        VM_DIR=
}

vm_prepare() {
        [ -n "$VM_DIR" ] && return 0
        VM_DIR=$(mktemp -d /tmp/berth-vm.XXXXXX) || return 1
        # A test with its own EXIT trap calls vm_cleanup from it.
        [ -n "$(trap -p EXIT)" ] || trap vm_cleanup EXIT
        mkdir "$VM_DIR/share"
}

vm_run() {
        local script=$1 kver img rc line start
        shift
        vm_require
        kver=$(vm_kver)
        img=$(vm_initramfs "$kver") || { tap_result 1 "vm: the initramfs for $kver can be built"; return 1; }
        vm_prepare || return 1
        vm_write_share "$VM_DIR/share" "$script" "$@"

        start=$SECONDS
        # -nic none: the guest has no network device at all. The console goes to a file, shown when
        # the guest did not report.
        timeout -k 5 "${VM_TIMEOUT:-180}" qemu-system-x86_64 -machine q35,accel=tcg -smp 2 -m 1024 \
                -display none -monitor none -serial "file:$VM_DIR/console.log" -no-reboot -nic none \
                -kernel "/boot/vmlinuz-$kver" -initrd "$img" \
                -append "console=ttyS0 panic=-1 ${VM_APPEND:-quiet loglevel=4} systemd.show_status=error" \
                -virtfs "local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap,id=hostroot" \
                -virtfs "local,path=$VM_DIR/share,mount_tag=vmshare,security_model=passthrough,id=vmshare" \
                </dev/null >"$VM_DIR/qemu.log" 2>&1
        rc=$?
        VM_BOOT_S=$(sed -n 's/^booted at \([0-9.]*\) s$/\1/p' "$VM_DIR/share/times" 2>/dev/null)
        diag "vm: qemu ran $((SECONDS - start)) s (exit $rc); guest: $(head -n1 "$VM_DIR/share/boot-time" 2>/dev/null)"
        [ -e "$VM_DIR/share/times" ] && diag "vm: guest uptime: $(paste -sd, "$VM_DIR/share/times")"
        if [ ! -e "$VM_DIR/share/rc" ]; then
                tap_result 1 "vm: the guest ran the test script and reported"
                diag "vm: no report from the guest (qemu exit $rc; 124 is the ${VM_TIMEOUT:-180} s timeout). qemu:"
                sed 's/^/#   /' "$VM_DIR/qemu.log" | tail -20
                diag "vm: guest console (last 80 lines):"
                sed 's/^/#   /' "$VM_DIR/console.log" | tail -80
                [ -e "$VM_DIR/share/out" ] && { diag "vm: the script's output so far:"; sed 's/^/#   /' "$VM_DIR/share/out"; }
                return 1
        fi
        while IFS= read -r line; do
                case $line in
                "ok "*) tap_result 0 "vm: ${line#ok * - }" ;;
                "not ok "*) tap_result 1 "vm: ${line#not ok * - }" ;;
                1..*) ;;
                "#"*) printf '%s\n' "$line" ;;
                *) printf '#   %s\n' "$line" ;;
                esac
        done <"$VM_DIR/share/out"
        return "$(cat "$VM_DIR/share/rc")"
}
