#!/bin/bash
# cgroup v2 limits, enforced for real: the OCI face's linux.resources (memory, pids, cpu, unified,
# device rules) and the unit face's --memory (systemd's MemoryMax= on the transient unit). This host's
# cgroups are hybrid with no v2 controllers, so the enforcing part runs in one qemu VM booting the
# host's own systemd on pure cgroup v2 (tests/lib/vm.sh). On the host itself: asking for a limit fails
# with a clear error and leaves nothing behind; a config without resources still runs.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/vm.sh"
. "$(dirname "$0")/../lib/runtime.sh"
runtime_test_setup res
BERTH_BUILD=$(cd "$BERTH_BUILD" && pwd)

# write_config FILE ROOTFS OUT ARGS_JSON [PYTHON]: a config.json like `runc spec` makes; PYTHON edits c.
write_config() {
        python3 - "$@" <<'EOF'
import json, sys
path, rootfs, out, args = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
extra = sys.argv[5] if len(sys.argv) > 5 else ""
c = {
    "ociVersion": "1.0.2",
    "process": {"terminal": False, "user": {"uid": 0, "gid": 0}, "args": args, "cwd": "/",
                "env": ["PATH=/bin"], "noNewPrivileges": True},
    "root": {"path": rootfs},
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs"},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["ro"]},
        {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["ro", "nosuid", "noexec", "nodev"]},
        {"destination": "/out", "type": "bind", "source": out, "options": ["rbind", "rw"]},
    ],
    "linux": {"namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount", "cgroup")]},
}
exec(extra)
json.dump(c, open(path, "w"), indent=1)
EOF
}

# --- on the host: hybrid cgroups, no v2 controllers --------------------------------------------------
# The test itself runs in its cgroup (so the runtime's payload cgroup is made below it).
RUNTIME_CLEANUP+=(runtime_oci_test_cleanup vm_cleanup)
mkdir "$T/out" && echo $$ >"$CG/cgroup.procs"
host_run() { unshare -m --propagation private "$RT" run --bundle "$T/b" "$1"; }

mkdir "$T/b"
write_config "$T/b/config.json" "$T/rootfs" "$T/out" '["sh", "-c", "echo ran > /out/ran"]' \
        'c["linux"]["resources"] = {"memory": {"limit": 33554432}}'
if grep -qw memory "$CG_MOUNT/cgroup.controllers" 2>/dev/null; then
        diag "this host's cgroup2 has a memory controller: the 'not available' checks do not apply"
else
        out=$(host_run mem 2>&1) && rc=0 || rc=$?
        check "host: a memory limit without the v2 memory controller fails" test "$rc" -ne 0
        check_output "... saying the controller is not available, and where" \
                "memory limit (linux.resources.memory.limit) set but the cgroup v2 memory controller is not available in $CG" \
                echo "$out"
        check "... before the container ran" test ! -e "$T/out/ran"
        check "... leaving no cgroup" test -z "$(find "$CG" -mindepth 1 -type d)"
        check "... and no state" test -z "$(ls -A "$BERTH_RUN_DIR/oci" 2>/dev/null)"
fi
write_config "$T/b/config.json" "$T/rootfs" "$T/out" '["sh", "-c", "echo ran > /out/ran"]' \
        'c["linux"]["resources"] = {"devices": [{"allow": False, "access": "rwm"}, {"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rw"}]}'
check "host: no cgroup limits (only device rules): the container runs" host_run plain
check "... and did its work" test -e "$T/out/ran"
write_config "$T/b/config.json" "$T/rootfs" "$T/out" '["true"]' \
        'c["linux"]["resources"] = {"unified": {"../memory.max": "1"}}'
check_output "host: a unified key that leaves the cgroup is refused, naming the field" \
        "linux.resources.unified.../memory.max: expected a cgroup file name" host_run bad
write_config "$T/b/config.json" "$T/rootfs" "$T/out" '["true"]' \
        'c["linux"]["resources"] = {"memory": {"limit": 1000, "swap": 10}}'
check_output "host: a swap limit below the memory limit is refused" \
        "linux.resources.memory.swap: below memory.limit" host_run bad

# --- in the VM: pure cgroup v2 with all controllers ---------------------------------------------------
# One boot for everything. A fork costs ~0.2 s in the emulated guest, so the bundles' config.json are
# written here, into the share; the guest only makes the rootfs (busybox --install: one process).
# The OCI containers run in a Delegate=yes unit, as under podman or a service, with absolute
# cgroupsPaths below it: berth-oci-checks.service/NAME.
vm_prepare
S=$VM_DIR/share
GUEST_CG=/system.slice/berth-oci-checks.service
guest_bundle() { # NAME RESOURCES_PYTHON ARGS_JSON [PYTHON]
        mkdir -p "$S/bundles/$1"
        write_config "$S/bundles/$1/config.json" /tmp/guest-rootfs /tmp/guest-out "$3" \
                "c['linux']['cgroupsPath'] = '$GUEST_CG/$1'; c['linux']['resources'] = $2
${4:-}"
}
guest_bundle mem '{"memory": {"limit": 33554432}}' \
        '["sh", "-c", "cat /sys/fs/cgroup/memory.max; dd if=/dev/zero of=/dev/null bs=200M count=1; echo dd=$?; grep oom_kill /sys/fs/cgroup/memory.events"]'
# 50 sleeps cannot start under pids.max 20. A failed fork ends busybox's shell, so a subshell starts
# them; then the shell reads pids.events with builtins (no fork is left).
guest_bundle pids '{"pids": {"limit": 20}}' \
        '["sh", "-c", "cat /sys/fs/cgroup/pids.max; (for i in $(seq 50); do sleep 30 & done) 2>/out/fork-errors; read -r l </sys/fs/cgroup/pids.events; echo events=$l"]'
guest_bundle cpu '{"cpu": {"shares": 1024, "quota": 50000, "period": 100000, "cpus": "0"}, "unified": {"memory.high": "50M"}}' \
        '["sh", "-c", "echo max=$(cat /sys/fs/cgroup/cpu.max); echo weight=$(cat /sys/fs/cgroup/cpu.weight); echo cpus=$(cat /sys/fs/cgroup/cpuset.cpus); echo high=$(cat /sys/fs/cgroup/memory.high)"]'
# The defaults (null, zero, ...) stay usable whatever the rules say, as with crun and runc; a node
# outside them (/dev/kmsg, bound in) follows the rules, the last matching one deciding.
guest_bundle dev '{"devices": [{"allow": False, "access": "rwm"}, {"allow": True, "type": "c", "major": 1, "minor": 11, "access": "rw"}, {"allow": False, "type": "c", "major": 1, "minor": 11, "access": "r"}]}' \
        '["sh", "-c", "head -c1 /dev/kmsg; echo read=$?; echo berth-device-test >/dev/kmsg; echo write=$?; cat /dev/null; echo null=$?"]' \
        'c["mounts"].append({"destination": "/dev/kmsg", "type": "bind", "source": "/dev/kmsg"})'

cat >"$T/guest.sh" <<'GUEST'
set -u
. tests/lib/tap.sh
RT=$BERTH_BUILD/berth-runtime
export BERTH_RUN_DIR=/tmp/guest-run BERTH_STATE_DIR=/tmp/guest-state
out=/tmp/guest-out

if [ "${1:-}" = oci ]; then
        OWN=$(sed -n 's/^0:://p' /proc/self/cgroup)
        [ "$OWN" = /system.slice/berth-oci-checks.service ] || diag "unexpected cgroup $OWN"
        # cgroup v2 enables controllers only for cgroups whose parent holds no process: into a leaf.
        mkdir "/sys/fs/cgroup$OWN/sh" && echo $$ >"/sys/fs/cgroup$OWN/sh/cgroup.procs"
        oci_run() { timeout 60 "$RT" run --bundle "$VM_SHARE/bundles/$1" "$1" >"$out/$1" 2>&1; }

        oci_run mem
        check_output "OCI memory.limit 32M: memory.max of the payload cgroup is 33554432" 33554432 cat "$out/mem"
        check_output "... and a 200 MB allocation is OOM-killed (SIGKILL: 137)" "dd=137" cat "$out/mem"
        check_output "... as memory.events counts" "oom_kill 1" cat "$out/mem"

        oci_run pids
        check_output "OCI pids.limit 20: pids.max reads 20" 20 head -n1 "$out/pids"
        check_output "... and starting 50 processes hits EAGAIN" "Resource temporarily unavailable" cat "$out/fork-errors"
        check_output "... counted in pids.events" "events=max" cat "$out/pids"
        check "... (not zero)" grep -Eq '^events=max [1-9]' "$out/pids"

        oci_run cpu
        check_output "OCI cpu.quota 50000 / period 100000: cpu.max reads \"50000 100000\"" "max=50000 100000" cat "$out/cpu"
        check_output "OCI cpu.shares 1024: cpu.weight reads 100" "weight=100" cat "$out/cpu"
        check_output "OCI cpu.cpus: cpuset.cpus reads 0" "cpus=0" cat "$out/cpu"
        check_output "OCI unified memory.high: written (52428800)" "high=52428800" cat "$out/cpu"

        oci_run dev
        check_output "OCI devices: a rule denying read of /dev/kmsg makes reading it fail with EPERM" "Operation not permitted" cat "$out/dev"
        check_output "... (head's status)" "read=1" cat "$out/dev"
        check_output "... while writing it is allowed (the deny names only r; the rule before allows rw)" "write=0" cat "$out/dev"
        check_output "... and /dev/null stays usable after a deny of everything (the defaults)" "null=0" cat "$out/dev"

        check "no payload cgroup is left behind" test -z "$(find "/sys/fs/cgroup$OWN" -mindepth 1 -type d ! -name sh)"
        exit 0
fi

mkdir -p /tmp/guest-rootfs/bin /tmp/guest-rootfs/proc /tmp/guest-rootfs/sys /tmp/guest-rootfs/dev \
        /tmp/guest-rootfs/tmp /tmp/guest-rootfs/etc "$out"
# Hard links: --install -s would point them at this absolute path, not there inside the container.
cp /bin/busybox /tmp/guest-rootfs/bin/ && /tmp/guest-rootfs/bin/busybox --install /tmp/guest-rootfs/bin
echo 'root:x:0:0:root:/root:/bin/sh' >/tmp/guest-rootfs/etc/passwd
echo 'root:x:0:' >/tmp/guest-rootfs/etc/group
diag "guest: $(uname -r), controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"

# The OCI part in its own delegated unit (this same script, with "oci"); its TAP lines become ours.
systemd-run --quiet --wait --pipe --collect -p Delegate=yes --unit berth-oci-checks \
        -E BERTH_BUILD="$BERTH_BUILD" -E "ASAN_OPTIONS=${ASAN_OPTIONS:-}" -E "UBSAN_OPTIONS=${UBSAN_OPTIONS:-}" \
        -E VM_SHARE="$VM_SHARE" --working-directory="$PWD" bash "$VM_SHARE/script.sh" oci 2>&1

# The unit face: `berth run --memory 64m` makes a transient unit with MemoryMax=64M; the runtime puts
# the payload in a sub-cgroup of it, which the limit covers. The limit holds for the supervisor too,
# and the sanitizer build's supervisor is ~20 MB until it hands over to berth-runtime-monitor: with
# 32M the OOM killer would sometimes pick it instead of dd.
export BERTH_RUNTIME=$RT BERTH_CONFIG_DIR=/tmp/guest-config BERTH_STORAGE_DIR=/tmp/guest-storage
res=$(timeout 120 "$BERTH_BUILD/berth" run --name memtest --memory 64m --network none --rootfs /tmp/guest-rootfs \
        sh -c 'dd if=/dev/zero of=/dev/null bs=200M count=1; echo dd=$?; exit 3' 2>&1)
rc=$?
check_output "unit face: berth run --memory 64m: a 200 MB allocation is OOM-killed" "dd=137" echo "$res"
check "... berth run returns the container's status (3)" test "$rc" -eq 3
# the unit is gone once it ended (berth keeps the exited container's record until berth rm)
check_output "... the container had the 64M limit" "67108864" "$BERTH_BUILD/berth" inspect -f '{{.HostConfig.Memory}}' memtest
check_output "... the kernel's OOM killer ran for the unit's limit" "oom_memcg=/system.slice/berth-memtest.service," \
        journalctl -k -q --no-pager -g oom-kill
check_output "... and the unit ended with the container's status" "code=exited, status=3" \
        journalctl -q --no-pager -u berth-memtest.service
check_output "... which the exited container keeps" "3" "$BERTH_BUILD/berth" inspect -f '{{.State.ExitCode}}' memtest
exit 0
GUEST
vm_run "$T/guest.sh"
diag "guest boot finished at ${VM_BOOT_S:-?} s of uptime"
done_testing
