#!/bin/bash
# The MUSTs of the OCI runtime spec (runtime.md, config.md, config-linux.md) for berth-runtime's OCI
# face, one check each, on bundles written here: on a busybox root and on a glibc root made of the
# host's own Debian binaries. Like runtime-oci, the script runs as PID 1 of a new pid namespace in a
# private mount namespace, inside a cgroup of its own.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/runtime.sh"
runtime_oci_test_setup oci-spec

B=$T/bundle
mkdir -p "$B" "$T/out"
make_busybox_rootfs "$B/rootfs"

# A root of the host's dynamically linked Debian programs and their libraries (glibc's loader too).
make_glibc_rootfs() {
        local dir=$1 p lib
        mkdir -p "$dir/bin" "$dir/proc" "$dir/sys" "$dir/dev" "$dir/tmp" "$dir/etc"
        for p in sh cat sleep grep readlink tr ls; do
                cp -L "$(command -v $p)" "$dir/bin/$p"
                for lib in $(ldd "$(command -v $p)" | grep -o '/[^ ]*'); do
                        mkdir -p "$dir$(dirname "$lib")"
                        cp -Ln "$lib" "$dir$lib" 2>/dev/null
                done
        done
        echo "root:x:0:0:root:/root:/bin/sh" >"$dir/etc/passwd"
        echo "root:x:0:" >"$dir/etc/group"
}
make_glibc_rootfs "$T/glibc"
check "the glibc root's sh is dynamically linked (glibc's loader)" bash -c "ldd '$T/glibc/bin/sh' | grep -q ld-linux"

# write_config ARGS_JSON [EXTRA_PYTHON]: a config.json like `runc spec` makes (c is the dict).
write_config() {
        python3 - "$B/config.json" "$1" "$T/out" "${2:-}" <<'EOF'
import json, sys
path, args, out, extra = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
c = {
    "ociVersion": "1.0.2",
    "process": {
        "terminal": False, "user": {"uid": 0, "gid": 0}, "args": args,
        "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        "cwd": "/",
        "capabilities": {k: caps for k in ("bounding", "effective", "permitted", "ambient")},
        "noNewPrivileges": True,
    },
    "root": {"path": "rootfs", "readonly": False},
    "hostname": "spec",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/out", "type": "bind", "source": out, "options": ["rbind", "rw"]},
    ],
    "linux": {
        "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount", "cgroup")],
        "maskedPaths": [], "readonlyPaths": [],
    },
}
exec(extra)
json.dump(c, open(path, "w"), indent=1)
EOF
}
oci() { "$RT" "$@"; }
run_ctr() { (cd "$B" && "$RT" run "$@" 2>&1); }
# The process create leaves behind keeps create's stdio (it is the container's): not a pipe here.
create() { "$RT" create --bundle "$B" "$@" >>"$T/containers.log" 2>&1 </dev/null; }
state_field() { "$RT" state "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1]))' "$2"; }
status_is() { [ "$(state_field "$1" status)" = "$2" ]; }
use_root() { rm -f "$B/rootfs" 2>/dev/null; rmdir "$B/rootfs" 2>/dev/null; ln -sfn "$1" "$B/rootfs"; }
mv "$B/rootfs" "$T/busybox"
ROOTS="busybox glibc"

for root in $ROOTS; do
        use_root "$T/$root"

        # --- seccomp: the user's filter is loaded last, right before execve ---------------------------
        for nnp in True False; do
                write_config '["sh", "-c", "echo payload-ran"]' "
c['process']['noNewPrivileges'] = $nnp
c['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [
    {'names': ['close_range'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 1}]}"
                check_output "$root: a seccomp profile refusing close_range still runs the container (noNewPrivileges=$nnp)" \
                        "payload-ran" run_ctr "sc-$root-$nnp"
        done

        # --- process.capabilities: every set, for uid 0 too; process.oomScoreAdj ---------------------------
        write_config '["sh", "-c", "grep -E \"^Cap(Inh|Prm|Eff|Bnd|Amb)\" /proc/self/status; echo oom=$(cat /proc/self/oom_score_adj)"]' "
caps = ['CAP_KILL', 'CAP_NET_BIND_SERVICE']
c['process']['capabilities'] = {k: caps for k in ('bounding', 'effective', 'permitted', 'inheritable', 'ambient')}
c['process']['oomScoreAdj'] = 123"
        out=$(run_ctr "caps-$root")
        check_output "$root: process.capabilities.inheritable applied for uid 0" "CapInh:	0000000000000420" echo "$out"
        check_output "$root: process.capabilities.ambient applied for uid 0" "CapAmb:	0000000000000420" echo "$out"
        check_output "$root: ... and the bounding set" "CapBnd:	0000000000000420" echo "$out"
        check_output "$root: process.oomScoreAdj applied" "oom=123" echo "$out"

        # exec applies every set as create does: the process file's, else the container's.
        write_config '["sleep", "100"]' "
caps = ['CAP_KILL', 'CAP_NET_BIND_SERVICE']
c['process']['capabilities'] = {k: caps for k in ('bounding', 'effective', 'permitted', 'inheritable', 'ambient')}"
        python3 - "$T/exec-caps.json" <<'EOF2'
import json, sys
json.dump({"user": {"uid": 0, "gid": 0}, "cwd": "/", "env": ["PATH=/bin"],
           "args": ["sh", "-c", "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status"],
           "capabilities": {k: ["CAP_KILL"] for k in ("bounding", "effective", "permitted", "inheritable", "ambient")}},
          open(sys.argv[1], "w"))
EOF2
        create "xcaps-$root" && oci start "xcaps-$root" >/dev/null 2>&1
        out=$(oci exec --process "$T/exec-caps.json" "xcaps-$root" 2>&1)
        check_output "$root: exec --process: the file's inheritable set for uid 0" "CapInh:	0000000000000020" echo "$out"
        check_output "$root: ... its ambient set" "CapAmb:	0000000000000020" echo "$out"
        check_output "$root: ... its effective set" "CapEff:	0000000000000020" echo "$out"
        check_output "$root: ... its bounding set" "CapBnd:	0000000000000020" echo "$out"
        out=$(oci exec --cap CAP_CHOWN --process "$T/exec-caps.json" "xcaps-$root" 2>&1)
        check_output "$root: exec --cap adds to the bounding, effective and permitted sets" \
                "CapPrm:	0000000000000021 CapEff:	0000000000000021 CapBnd:	0000000000000021" \
                bash -c "echo '$out' | grep -E '^Cap(Prm|Eff|Bnd)' | tr '\n' ' ' | sed 's/ $//'"
        check_output "$root: ... not to the ambient one without the inheritable bit" "CapAmb:	0000000000000020" echo "$out"
        out=$(oci exec "xcaps-$root" sh -c "grep -E '^Cap(Inh|Amb)' /proc/self/status" 2>&1)
        check_output "$root: exec without --process: the container's inheritable set" "CapInh:	0000000000000420" echo "$out"
        check_output "$root: ... and its ambient set" "CapAmb:	0000000000000420" echo "$out"
        oci delete --force "xcaps-$root" >/dev/null 2>&1

        # --- mounts in the listed order, and nothing else --------------------------------------------
        write_config '["sh", "-c", "while read -r a b c d mp rest; do echo \"$mp\"; done </proc/self/mountinfo | tr \"\\n\" \" \""]' "
c['mounts'] = [
    {'destination': '/tmp/first', 'type': 'tmpfs', 'source': 'tmpfs'},
    {'destination': '/proc', 'type': 'proc', 'source': 'proc'},
    {'destination': '/out', 'type': 'bind', 'source': '$T/out', 'options': ['rbind']},
    {'destination': '/dev', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['nosuid', 'mode=755']},
    {'destination': '/dev/pts', 'type': 'devpts', 'source': 'devpts', 'options': ['newinstance', 'ptmxmode=0666']},
    {'destination': '/dev/shm', 'type': 'tmpfs', 'source': 'shm', 'options': ['nosuid', 'noexec', 'nodev', 'mode=1777']},
    {'destination': '/dev/mqueue', 'type': 'mqueue', 'source': 'mqueue'},
    {'destination': '/tmp/after-dev', 'type': 'tmpfs', 'source': 'tmpfs'},
    {'destination': '/sys', 'type': 'sysfs', 'source': 'sysfs', 'options': ['ro']},
    {'destination': '/sys/fs/cgroup', 'type': 'cgroup', 'source': 'cgroup', 'options': ['ro']},
    {'destination': '/tmp/last', 'type': 'bind', 'source': '$T/out', 'options': ['bind', 'ro']},
]"
        check_output "$root: mounts are mounted in the listed order" \
                "/ /tmp/first /proc /out /dev /dev/pts /dev/shm /dev/mqueue /tmp/after-dev /sys /sys/fs/cgroup /tmp/last " \
                run_ctr "order-$root"
        write_config '["sh", "-c", "grep -c cgroup2 /proc/self/mountinfo; ls /dev/null /dev/zero /dev/urandom"]'
        out=$(run_ctr "nocg-$root")
        check "$root: no cgroup2 mount unless listed" test "$(echo "$out" | head -1)" = 0
        check_output "$root: the default devices are in the listed /dev" "/dev/urandom" echo "$out"
done
use_root "$T/busybox"

# --- start returns once the process runs and the poststart hooks finished ------------------------------
# A long /etc/passwd (root last) keeps the container's process busy between `start` and its execve.
cp "$T/busybox/etc/passwd" "$T/passwd.saved"
python3 -c 'import sys; sys.stdout.write("".join("u%d:x:%d:%d::/:/bin/sh\n" % (i, i + 1000, i + 1000) for i in range(300000)))' \
        >"$T/busybox/etc/passwd"
cat "$T/passwd.saved" >>"$T/busybox/etc/passwd"
write_config '["sleep", "100"]'
bad=0
for i in $(seq 30); do
        create "loop$i" || { bad=$((bad + 1)); continue; }
        oci start "loop$i" >/dev/null 2>&1 || bad=$((bad + 1))
        status_is "loop$i" running || bad=$((bad + 1))
        oci delete --force "loop$i" >/dev/null 2>&1
done
check "state says running right after start, 30 times out of 30" test "$bad" -eq 0
cp "$T/passwd.saved" "$T/busybox/etc/passwd"

cat >"$T/slow-hook.sh" <<'EOF'
#!/bin/sh
sleep 1
echo done >"$1"
EOF
chmod +x "$T/slow-hook.sh"
write_config '["sleep", "100"]' "
c['hooks'] = {'poststart': [{'path': '$T/slow-hook.sh', 'args': ['slow-hook.sh', '$T/out/poststart-done']}]}"
create slow
t0=$(date +%s%N)
check "start with a poststart hook that sleeps" oci start slow
t1=$(date +%s%N)
check "... returns only after the hook finished" test -e "$T/out/poststart-done"
check "... which took its second" test $(((t1 - t0) / 1000000)) -ge 900
oci delete --force slow >/dev/null 2>&1

# --- namespaces not listed are the runtime's own ------------------------------------------------------
write_config '["sleep", "100"]' "
c['linux']['namespaces'] = []
c['mounts'] = []
del c['hostname']
del c['linux']['maskedPaths'], c['linux']['readonlyPaths']"
check "create with \"namespaces\": []" create nons
pid=$(state_field nons pid)
for ns in mnt pid net ipc uts cgroup; do
        check "\"namespaces\": [] inherits the $ns namespace" test "$(readlink "/proc/$pid/ns/$ns")" = "$(readlink /proc/self/ns/$ns)"
done
oci delete --force nons >/dev/null 2>&1
write_config '["true"]' "c['linux']['namespaces'] = [{'type': 'pid'}]"
check_output "mounts without a mount namespace are refused, naming the field" \
        "config.json: mounts: given, but linux.namespaces has no mount namespace" run_ctr nomnt

# --- the user namespace exists in the created state -------------------------------------------------
write_config '["sleep", "100"]' "
c['linux']['namespaces'].append({'type': 'user'})
c['linux']['uidMappings'] = [{'containerID': 0, 'hostID': 3100000000, 'size': 65536}]
c['linux']['gidMappings'] = [{'containerID': 0, 'hostID': 3100000000, 'size': 65536}]"
check "create with a user namespace" create userns
pid=$(state_field userns pid)
check "in the created state the process is in its user namespace" \
        test "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)"
check_output "... with the maps" "3100000000" cat "/proc/$pid/uid_map"
oci delete --force userns >/dev/null 2>&1

# --- linux.rootfsPropagation ----------------------------------------------------------------------------
# The root is a shared mount here, so that a slave of it has a master to show.
mount --bind "$T/busybox" "$T/busybox" && mount --make-shared "$T/busybox"
for prop in private rprivate slave rslave shared rshared unbindable runbindable; do
        write_config '["sh", "-c", "while read -r a b c d mp e f; do [ \"$mp\" = / ] && echo \"root: $f\"; [ \"$mp\" = /proc ] && echo \"proc: $f\"; done </proc/self/mountinfo"]' \
                "c['linux']['rootfsPropagation'] = '$prop'"
        out=$(run_ctr "prop-$prop")
        case $prop in
        *private) check "rootfsPropagation $prop: the root neither shares nor receives" \
                        bash -c "echo '$out' | grep '^root:' | grep -qvE 'shared:|master:|unbindable'" ;;
        *slave) check_output "rootfsPropagation $prop: the root is a slave" "master:" bash -c "echo '$out' | grep '^root:'" ;;
        *shared) check_output "rootfsPropagation $prop: the root is shared" "shared:" bash -c "echo '$out' | grep '^root:'" ;;
        *unbindable) check_output "rootfsPropagation $prop: the root is unbindable" "unbindable" \
                        bash -c "echo '$out' | grep '^root:'" ;;
        esac
        case $prop in
        rshared | runbindable) check_output "rootfsPropagation $prop: ... and so are the mounts below" \
                "${prop#r}" bash -c "echo '$out' | grep '^proc:' | sed 's/shared:[0-9]*/shared/'" ;;
        shared | unbindable) check "rootfsPropagation $prop: ... but not the mounts below" \
                bash -c "echo '$out' | grep '^proc:' | grep -qvE 'shared:|unbindable'" ;;
        esac
done
umount "$T/busybox"
write_config '["true"]' "c['linux']['rootfsPropagation'] = 'sideways'"
check_output "an unknown rootfsPropagation is refused, naming the field" "linux.rootfsPropagation: expected one of" \
        run_ctr prop-bad

# --- ociVersion -----------------------------------------------------------------------------------------
for v in invalid 2.0.0 1.0 01.0.0 1.0.2-; do
        write_config '["true"]' "c['ociVersion'] = '$v'"
        check_output "ociVersion \"$v\" is refused, naming the field" "config.json: ociVersion: expected a SemVer" run_ctr "v-$v"
done
write_config '["sh", "-c", "echo payload-ran"]' "c['ociVersion'] = '1.2.1-rc.1+dev'"
check_output "ociVersion 1.2.1-rc.1+dev is taken" "payload-ran" run_ctr v-ok

# --- hooks ---------------------------------------------------------------------------------------------------
cat >"$T/hook.sh" <<'EOF'
#!/bin/sh
# hook.sh NAME STATUS: notes that it ran (and its mount namespace), then exits with STATUS
echo "$(readlink /proc/self/ns/mnt)" >"$HOOK_OUT/$1"
exit "$2"
EOF
chmod +x "$T/hook.sh"
hook() { echo "{'path': '$T/hook.sh', 'args': ['hook.sh', '$1', '$2'], 'env': ['HOOK_OUT=$T/out']}"; }
for phase in poststart poststop; do
        rm -f "$T/out/"*-second
        write_config '["true"]' "c['hooks'] = {'$phase': [$(hook $phase-first 1), $(hook $phase-second 0)]}"
        out=$(run_ctr "h-$phase")
        check "a failing $phase hook: the hooks after it still run" test -e "$T/out/$phase-second"
        check_output "... and it is warned about" "Hook $phase[0]" echo "$out"
done
for phase in prestart createRuntime createContainer; do
        rm -f "$T/out/"*-second
        write_config '["sleep", "100"]' "c['hooks'] = {'$phase': [$(hook $phase-first 1), $(hook $phase-second 0)]}"
        check_fails "a failing $phase hook fails create" create "h-$phase"
        check "... and the hooks after it do not run" test ! -e "$T/out/$phase-second"
        check "... and nothing is left" test ! -e "$BERTH_RUN_DIR/oci/h-$phase"
done
write_config '["sh", "-c", "echo ran >/out/sc-ran; sleep 100"]' "
c['hooks'] = {'startContainer': [{'path': '/bin/sh', 'args': ['sh', '-c', 'exit 3']}]}"
create h-startContainer
check_fails "a failing startContainer hook fails start" oci start h-startContainer
check "... and the program does not run" test ! -e "$T/out/sc-ran"
oci delete --force h-startContainer >/dev/null 2>&1

write_config '["sh", "-c", "cat /out/order"]' "
h = lambda n: {'path': '$T/hook.sh', 'args': ['hook.sh', n, '0'], 'env': ['HOOK_OUT=$T/out']}
c['hooks'] = {k: [h(k)] for k in ('prestart', 'createRuntime', 'createContainer', 'poststart', 'poststop')}
c['hooks']['startContainer'] = [{'path': '/bin/sh', 'args': ['sh', '-c', 'echo startContainer-in-container >>/out/order']}]"
rm -f "$T/out/order"
check "run with a hook of every kind" run_ctr h-all
for phase in prestart createRuntime createContainer poststart poststop; do
        check "the $phase hook ran" test -e "$T/out/$phase"
done
check_output "startContainer ran in the container (its path resolved there)" "startContainer-in-container" \
        cat "$T/out/order"
check "prestart and createRuntime ran in the runtime's mount namespace" \
        test "$(cat "$T/out/prestart")" = "$(readlink /proc/self/ns/mnt)" -a "$(cat "$T/out/createRuntime")" = "$(readlink /proc/self/ns/mnt)"
check "createContainer ran in the container's (its path resolved in the runtime's)" \
        test "$(cat "$T/out/createContainer")" != "$(readlink /proc/self/ns/mnt)"

# --- LSM fields --------------------------------------------------------------------------------------------
lsms=$(cat /sys/kernel/security/lsm 2>/dev/null)
if ! echo "$lsms" | grep -q apparmor && ! grep -qs Y /sys/module/apparmor/parameters/enabled; then
        write_config '["true"]' "c['process']['apparmorProfile'] = 'berth-test'"
        check_output "process.apparmorProfile without AppArmor is refused, naming the field" \
                "config.json: process.apparmorProfile: not supported: this kernel does not run AppArmor" run_ctr lsm1
fi
if ! echo "$lsms" | grep -q selinux; then
        write_config '["true"]' "c['process']['selinuxLabel'] = 'system_u:system_r:container_t:s0'"
        check_output "process.selinuxLabel without SELinux is refused, naming the field" \
                "config.json: process.selinuxLabel: not supported: this kernel does not run SELinux" run_ctr lsm2
        write_config '["true"]' "c['linux']['mountLabel'] = 'system_u:object_r:container_file_t:s0'"
        check_output "linux.mountLabel without SELinux is refused, naming the field" \
                "config.json: linux.mountLabel: not supported: this kernel does not run SELinux" run_ctr lsm3
fi

for f in "domainname = 'x'" "process.scheduler = {'policy': 'SCHED_FIFO'}" "linux.personality = {'domain': 'LINUX32'}"; do
        key=${f%% =*}
        write_config '["true"]' "
o, k = ('$key'.split('.') if '.' in '$key' else (None, '$key'))
(c[o] if o else c)[k] = ${f#* = }"
        check_output "$key, which berth-runtime does not apply, is refused naming it" "config.json: $key: not supported" \
                run_ctr unsup
done

# --- compared with crun, where it is installed ---------------------------------------------------------------
if command -v crun >/dev/null; then
        write_config '["sh", "-c", "grep -E \"^Cap(Inh|Amb)\" /proc/self/status; cat /proc/self/oom_score_adj; while read -r a b c d mp rest; do echo \"$mp\"; done </proc/self/mountinfo"]' "
caps = ['CAP_KILL', 'CAP_NET_BIND_SERVICE']
c['process']['capabilities'] = {k: caps for k in ('bounding', 'effective', 'permitted', 'inheritable', 'ambient')}
c['process']['oomScoreAdj'] = 7
c['linux']['cgroupsPath'] = '${CG#$CG_MOUNT}/crun-cmp'"
        ours=$(run_ctr cmp-berth)
        theirs=$(cd "$B" && crun --root "$T/crun" run cmp-crun 2>&1)
        if echo "$theirs" | grep -q "hybrid mode not supported"; then
                diag "crun refuses this machine's hybrid cgroups; not compared"
        else
                check "crun and berth-runtime agree on capabilities, oom_score_adj and mounts" test "$ours" = "$theirs"
                [ "$ours" = "$theirs" ] || diag "crun: $theirs"
        fi
fi

done_testing
