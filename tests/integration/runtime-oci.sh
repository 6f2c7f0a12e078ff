#!/bin/bash
# berth-runtime's OCI face: create/start/state/kill/delete/run/features on a config.json bundle.
# The script re-runs itself as PID 1 of a new pid namespace (which reaps the monitor processes that
# `create` leaves behind, as conmon would) with a private mount namespace, inside a cgroup of its own.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/runtime.sh"
runtime_oci_test_setup oci

B=$T/bundle
mkdir -p "$B" "$T/out"
make_busybox_rootfs "$B/rootfs"
# write_config ARGS_JSON [EXTRA_PYTHON]: a config.json like `runc spec` makes, with these args.
write_config() {
        python3 - "$B/config.json" "$1" "$T/out" "${2:-}" <<'EOF'
import json, sys
path, args, out, extra = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
c = {
    "ociVersion": "1.0.2",
    "process": {
        "terminal": False, "user": {"uid": 0, "gid": 0}, "args": args,
        "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "FROM_CONFIG=yes"],
        "cwd": "/",
        "capabilities": {k: caps for k in ("bounding", "effective", "permitted", "ambient")},
        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
        "noNewPrivileges": True,
    },
    "root": {"path": "rootfs", "readonly": False},
    "hostname": "ocihost",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts"},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/out", "type": "bind", "source": out, "options": ["rbind", "rw"]},
    ],
    "linux": {
        "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount", "cgroup")],
        "maskedPaths": ["/proc/kcore"], "readonlyPaths": ["/proc/sys"],
    },
}
exec(extra)
json.dump(c, open(path, "w"), indent=1)
EOF
}
oci() { "$RT" "$@"; }
# The monitor that create leaves behind keeps create's stdio (it is the container's): not a pipe here.
create() { "$RT" create "$@" >>"$T/containers.log" 2>&1 </dev/null; }
state_field() { "$RT" state "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1]))' "$2"; }
status_is() { [ "$(state_field "$1" status)" = "$2" ]; }

check_output "features lists the namespaces" '"network"' oci features
check_output "... the user namespace among them" '"pid", "user"' oci features
check "features is valid JSON" bash -c "'$RT' features | python3 -m json.tool >/dev/null"

# --- run -----------------------------------------------------------------------------------------
write_config '["sh", "-c", "echo host=$(hostname) env=$FROM_CONFIG pid=$$; grep CapEff /proc/self/status; exit 3"]'
out=$(cd "$B" && "$RT" run r1 2>&1) && rc=0 || rc=$?
check "run passes the exit status" test "$rc" -eq 3
check_output "run: hostname, env and pid 1 from config.json" "host=ocihost env=yes pid=1" echo "$out"
check_output "run: only the configured capabilities" "CapEff:	0000000020000420" echo "$out"
check "run leaves no state behind" test ! -e "$BERTH_RUN_DIR/oci/r1"

# --- create, start, state, kill, delete ----------------------------------------------------------
write_config '["sh", "-c", "echo started >/out/started; trap \"exit 5\" TERM; while :; do sleep 0.1; done"]'
# As conmon does: a subreaper runs create, adopts the container when create returns, and reaps it.
cat >"$T/reaper.py" <<'EOF'
import ctypes, os, subprocess, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)   # PR_SET_CHILD_SUBREAPER
status_file, pid_file, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
log = open(status_file + ".log", "w")
if subprocess.call(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log) != 0:
    sys.exit(1)
pid = int(open(pid_file).read())
open(status_file + ".created", "w").close()
while True:
    p, st = os.wait()
    if p == pid:
        open(status_file, "w").write(str(os.waitstatus_to_exitcode(st)))
        break
EOF
python3 "$T/reaper.py" "$T/out/c1.status" "$T/pid" "$RT" create --bundle "$B" --pid-file "$T/pid" c1 &
check "create (under a subreaper)" wait_until 10 test -e "$T/out/c1.status.created"
check "state is created" status_is c1 created
pid=$(state_field c1 pid)
check_output "the pid file has the container's pid" "$pid" cat "$T/pid"
check "the user's program has not run yet" test ! -e "$T/out/started"
check_output "the process waits in the runtime" "berth-runtime" cat "/proc/$pid/comm"
check "the container is in its cgroup" grep -q "/berth-oci-c1$" "/proc/$pid/cgroup"
check_fails "a second create with the same id fails" create --bundle "$B" c1
check "start" oci start c1
check "the program runs after start" wait_until 10 test -e "$T/out/started"
check "state is running" status_is c1 running
check_fails "start twice fails" oci start c1
check_fails "delete of a running container fails" oci delete c1
check "kill TERM" oci kill c1 TERM
check "state becomes stopped" wait_until 10 status_is c1 stopped
check "the container's parent (our subreaper, as conmon is) gets its exit status" wait_until 10 test -s "$T/out/c1.status"
check_output "... which is the payload's" "5" cat "$T/out/c1.status"
check "the cgroup is gone" wait_until 5 test ! -e "$CG/berth-oci-c1"
check_fails "kill of a stopped container fails" oci kill c1 KILL
check "delete" oci delete c1
check "delete removes the state" test ! -e "$BERTH_RUN_DIR/oci/c1"
check_fails "state of a deleted container fails" oci state c1

check "create another" create --bundle "$B" c2
check "delete --force of a created container" oci delete --force c2
check "no process, state or cgroup is left" test ! -e "$BERTH_RUN_DIR/oci/c2" -a ! -e "$CG/berth-oci-c2"

# --- exec (runc's command line, as conmon uses it for `podman exec`) ----------------------------------
write_config '["sh", "-c", "echo up >/out/e1-up; while :; do sleep 0.1; done"]'
python3 "$T/reaper.py" "$T/out/e1.status" "$T/e1.pid" "$RT" create --bundle "$B" --pid-file "$T/e1.pid" e1 &
check "create a container to exec into" wait_until 10 test -e "$T/out/e1.status.created"
check "start it" oci start e1
check "it runs" wait_until 10 test -e "$T/out/e1-up"
out=$("$RT" exec e1 sh -c 'echo exec-args host=$(hostname) env=$FROM_CONFIG; exit 7' 2>&1) && rc=0 || rc=$?
check_output "exec ID COMMAND runs in the container, with its env" "exec-args host=ocihost env=yes" echo "$out"
check "... and passes the exit status through" test "$rc" -eq 7
cat >"$T/process.json" <<'EOF'
{"terminal": false, "user": {"uid": 1000, "gid": 1000}, "cwd": "/tmp",
 "args": ["sh", "-c", "echo proc uid=$(id -u) gid=$(id -g) cwd=$(pwd) env=$FROM_PROC old=${FROM_CONFIG:-none}; grep CapBnd /proc/self/status; exit 4"],
 "env": ["PATH=/usr/bin:/bin", "FROM_PROC=yes"],
 "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]},
 "noNewPrivileges": true}
EOF
out=$("$RT" exec --process "$T/process.json" --pid-file "$T/exec.pid" e1 2>&1) && rc=0 || rc=$?
check_output "exec --process FILE: args, user, cwd and env (replacing the config's) from the file" \
        "proc uid=1000 gid=1000 cwd=/tmp env=yes old=none" echo "$out"
check_output "... and its capabilities" "CapBnd:	0000000000000020" echo "$out"
check "... and the exit status passes through" test "$rc" -eq 4
check "--pid-file is written" grep -qE '^[0-9]+$' "$T/exec.pid"
"$RT" exec e1 /no/such/program >/dev/null 2>&1 && rc=0 || rc=$?
check "a missing program exits 127" test "$rc" -eq 127
start=$(date +%s)
# The detached process keeps exec's stdio (as conmon's pipes): not check's capture pipe here.
check "exec --detach returns at once" bash -c "timeout 10 '$RT' exec --detach --pid-file '$T/detached.pid' e1 sleep 60 \
        >'$T/detached.log' 2>&1 </dev/null"
check "... well before the process ends" test $(($(date +%s) - start)) -lt 20
dpid=$(cat "$T/detached.pid" 2>/dev/null)
check_output "... leaving the process running, its pid in --pid-file" "sleep" cat "/proc/$dpid/comm"
check "... inside the container's pid namespace" \
        test "$(readlink "/proc/$dpid/ns/pid")" = "$(readlink "/proc/$(cat "$T/e1.pid")/ns/pid")"
[ -n "$dpid" ] && kill -KILL "$dpid" 2>/dev/null
check_fails "an unknown exec option fails" oci exec --bogus e1 true
check_fails "exec into a container that does not exist fails" oci exec --process "$T/process.json" nope
echo '{"args": "sh"}' >"$T/bad-process.json"
check_output "a bad --process file names the field" "bad-process.json: process.args" \
        bash -c "'$RT' exec --process '$T/bad-process.json' e1 2>&1"
check "kill it" oci kill e1 KILL
check "it stops" wait_until 10 status_is e1 stopped
check "delete it" oci delete e1
check_fails "exec into a deleted container fails" oci exec e1 true

write_config '["true"]'
check "global options before the verb (--root moves the state)" \
        bash -c "cd '$B' && '$RT' --root '$T/other-root' --log '$T/rt.log' --log-format json --systemd-cgroup \
                --cgroup-manager cgroupfs run g1 && test -d '$T/other-root' -a ! -e '$T/other-root/g1'"

# --- config.json features ------------------------------------------------------------------------
write_config '["sh", "-c", "mkdir /tmp/x 2>&1; readlink /proc/self/ns/net"]' '
c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
c["linux"]["cgroupsPath"] = "custom/path"'
out=$(cd "$B" && "$RT" run r2 2>&1)
check_output "linux.seccomp is applied" "Operation not permitted" echo "$out"
check_output "no network namespace in the config: the host's is kept" "$(readlink /proc/self/ns/net)" echo "$out"
check "cgroupsPath is used and removed" test -d "$CG/custom" -a ! -e "$CG/custom/path"
rmdir "$CG/custom" 2>/dev/null

# linux.devices: made in the container's /dev with the config's numbers, mode and owner, and usable.
write_config '["sh", "-c", "stat -c \"%F %t:%T %a %u:%g\" /dev/extra-full /dev/sub/fifo; dd if=/dev/zero of=/dev/extra-full bs=1 count=1 2>&1; head -c 4 /dev/extra-full | wc -c"]' '
c["linux"]["devices"] = [
    {"path": "/dev/extra-full", "type": "c", "major": 1, "minor": 7, "fileMode": 0o646, "uid": 5, "gid": 6},
    {"path": "/dev/sub/fifo", "type": "p"}]'
out=$(cd "$B" && "$RT" run d1 2>&1)
# /dev/fuse (10:229) is not among the device filter's default rules: the entry must allow it.
write_config '["sh", "-c", ": </dev/fuse && echo fuse-opened"]' '
c["linux"]["devices"] = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 0o666}]'
fuse_out=$(cd "$B" && "$RT" run d2 2>&1)
check_output "linux.devices: a character device with its numbers, mode and owner" \
        "character special file 1:7 646 5:6" echo "$out"
check_output "... a fifo in a new directory" "fifo 0:0 666 0:0" echo "$out"
check_output "... allowed by the device filter (writing /dev/full gives ENOSPC, not EPERM)" "No space left" echo "$out"
check "... and readable" test "$(printf '%s\n' "$out" | tail -1)" = 4
check_output "... a device outside the default rules opens" "fuse-opened" echo "$fuse_out"

# A user namespace from linux.uidMappings/gidMappings (the same path as --uidmap/--gidmap).
write_config '["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; stat -c owner=%u:%g /dev/extra-full; id -u"]' '
c["linux"]["namespaces"].append({"type": "user"})
c["linux"]["devices"] = [{"path": "/dev/extra-full", "type": "c", "major": 1, "minor": 7, "uid": 5, "gid": 6}]
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 3100000000, "size": 65536}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 3100000000, "size": 65536}]'
out=$(cd "$B" && "$RT" run u1 2>&1)
check "a user namespace: uidMappings and gidMappings are the uid_map and gid_map inside" \
        test "$(printf '%s\n' "$out" | grep -Ec '^ *0 +3100000000 +65536$')" -eq 2
check "... and the process is root inside" test "$(printf '%s\n' "$out" | tail -1)" = 0
check_output "... and linux.devices owners are the container's ids" "owner=5:6" echo "$out"
check "... and leaves no state behind" test ! -e "$BERTH_RUN_DIR/oci/u1"
# Its root is not the host's: /out cannot be written, so the loop just waits.
write_config '["sh", "-c", "while :; do sleep 0.1; done"]' '
c["linux"]["namespaces"].append({"type": "user"})
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 3100000000, "size": 65536}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 3100000000, "size": 65536}]'
python3 "$T/reaper.py" "$T/out/u2.status" "$T/u2.pid" "$RT" create --bundle "$B" --pid-file "$T/u2.pid" u2 &
check "create a container with a user namespace" wait_until 10 test -e "$T/out/u2.status.created"
check "... start it" oci start u2
check "... it runs" wait_until 10 status_is u2 running
check_output "exec enters its user namespace" "3100000000" "$RT" exec u2 cat /proc/self/uid_map
check "kill it" oci kill u2 KILL
check "... it stops" wait_until 10 status_is u2 stopped
check "... delete it" oci delete u2

write_config '["sh", "-c", "echo cpuinfo=$(wc -c </proc/cpuinfo) interrupts=$(wc -c </proc/interrupts); touch /var/x 2>&1; touch /tmp/x && echo tmp-writable"]' '
c["linux"]["maskedPaths"] = ["/proc/cpuinfo"]
c["linux"]["readonlyPaths"] = ["/var"]'
out=$(cd "$B" && "$RT" run r4 2>&1)
check_output "linux.maskedPaths is honoured (the file cannot be read)" "can't open /proc/cpuinfo" echo "$out"
r4_out=$out
interrupts_readable() { [[ $r4_out =~ interrupts=[1-9] ]]; }
check "... and replaces the defaults (/proc/interrupts is not masked)" interrupts_readable
check_output "linux.readonlyPaths is honoured" "Read-only file system" echo "$out"
check_output "... and only those" "tmp-writable" echo "$out"

write_config '["sh", "-c", "umask"]' 'c["process"]["user"]["umask"] = 0o077'
check_output "process.user.umask is honoured" "0077" sh -c "cd '$B' && '$RT' run um1"
write_config '["sh", "-c", "umask"]'
check_output "... and is 0022 when unset" "0022" sh -c "cd '$B' && '$RT' run um2"

# --- hooks: prestart, createRuntime, poststart, poststop with the state on stdin -----------------------
cat >"$T/hook.sh" <<'EOF'
#!/bin/sh
# hook.sh NAME: records the state it was given (stdin) and its environment
cat >"$HOOK_OUT/$1"
echo "env=$HOOK_ENV" >>"$HOOK_OUT/$1"
EOF
chmod +x "$T/hook.sh"
write_config '["sh", "-c", "echo ran >/out/r5-ran"]' "
h = lambda n: {'path': '$T/hook.sh', 'args': ['hook.sh', n], 'env': ['HOOK_OUT=$T/out', 'HOOK_ENV=' + n]}
c['hooks'] = {k: [h(k)] for k in ('prestart', 'createRuntime', 'poststart', 'poststop')}"
check "run with hooks" bash -c "cd '$B' && '$RT' run r5"
check "the process ran" test -e "$T/out/r5-ran"
check_output "prestart got the state (creating) on stdin" '"status":"creating"' cat "$T/out/prestart"
check_output "... and its own environment" "env=prestart" cat "$T/out/prestart"
check_output "createRuntime ran too" '"id":"r5"' cat "$T/out/createRuntime"
check_output "poststart got the running state" '"status":"running"' cat "$T/out/poststart"
check_output "poststop ran at the end" '"status":"stopped"' cat "$T/out/poststop"
rm -f "$T/out/r5-ran"
write_config '["sh", "-c", "echo ran >/out/r5-ran"]' "
c['hooks'] = {'prestart': [{'path': '/bin/false'}]}"
err=$(cd "$B" && "$RT" run r6 2>&1) && rc=0 || rc=$?
check "a failing prestart hook fails run" test "$rc" -ne 0
check_output "... with an error naming the hook" "Hook prestart[0] (/bin/false) exited with status 1" echo "$err"
check "... and the process did not run" test ! -e "$T/out/r5-ran"
check "... and nothing is left" test ! -e "$BERTH_RUN_DIR/oci/r6" -a ! -e "$CG/berth-oci-r6"

write_config '["true"]' 'c["process"]["terminal"] = True'
check_output "a terminal without a console socket is refused clearly" "no --console-socket" bash -c "cd '$B' && '$RT' run r3"

# --- bad input: one clear error naming the field; nothing made, mounted or left behind -------------
mounts_before=$(wc -l </proc/self/mountinfo)
# bad_config NAME EXPECTED [EXTRA_PYTHON]: with config.json changed by EXTRA_PYTHON, run and create fail
# with a single error line that contains EXPECTED.
bad_config() {
        local name=$1 expected=$2 extra=${3:-} verb err
        [ -n "$extra" ] && write_config '["true"]' "$extra"
        for verb in run create; do
                err=$(cd "$B" && "$RT" "$verb" bad 2>&1 >/dev/null </dev/null) && rc=0 || rc=$?
                check "$name: $verb fails" test "$rc" -ne 0
                check_output "$name: $verb names the field" "$expected" echo "$err"
                check "$name: $verb says it in one line" test "$(printf '%s\n' "$err" | wc -l)" -eq 1
                check "$name: $verb leaves no state or cgroup" test ! -e "$BERTH_RUN_DIR/oci/bad" -a ! -e "$CG/berth-oci-bad"
        done
}
printf '{"ociVersion": "1.0.2",\n "process": {"args": ["true"]\n' >"$B/config.json"
bad_config "JSON syntax error" "config.json:3:"
bad_config "process.args of the wrong type" "process.args: expected a non-empty array of strings" \
        'c["process"]["args"] = "true"'
bad_config "process.args missing" "process.args: expected a non-empty array of strings" 'del c["process"]["args"]'
bad_config "process missing" "config.json: process: missing" 'del c["process"]'
bad_config "a mount with a relative destination" "mounts[4].destination: expected an absolute path" \
        'c["mounts"][4]["destination"] = "out"'
bad_config "a bind mount without a source" "mounts[4].source: missing" 'del c["mounts"][4]["source"]'
bad_config "a mount of an unsupported type" "mounts[5].type: not supported" \
        'c["mounts"].append({"destination": "/x", "type": "nfs", "source": "srv:/x"})'
bad_config "a mount that is not an object" "mounts[5]: expected an object" 'c["mounts"].append("/x")'
bad_config "an unknown namespace type" "linux.namespaces[6].type: unknown namespace type" \
        'c["linux"]["namespaces"].append({"type": "bogus"})'
bad_config "process.user.uid as a string" "process.user.uid: expected a user id" 'c["process"]["user"]["uid"] = "0"'
bad_config "a umask out of range" "process.user.umask: expected a mask from 0 to 0777" \
        'c["process"]["user"]["umask"] = 4096'
bad_config "an rlimit of the wrong type" "process.rlimits[0].soft: expected a non-negative integer" \
        'c["process"]["rlimits"][0]["soft"] = "many"'
bad_config "an unknown rlimit" "process.rlimits[0].type: expected one of" \
        'c["process"]["rlimits"][0]["type"] = "RLIMIT_BOGUS"'
bad_config "a relative masked path" "linux.maskedPaths: expected an array of absolute paths" \
        'c["linux"]["maskedPaths"] = ["proc/kcore"]'
bad_config "a hook without a path" "hooks.prestart[0]: path: expected an absolute path" \
        'c["hooks"] = {"prestart": [{"args": ["x"]}]}'
bad_config "a hook of an unknown kind" "hooks.preStart: unknown hook" \
        'c["hooks"] = {"preStart": [{"path": "/bin/true"}]}'
bad_config "linux.sysctl with a number" "linux.sysctl.net.ipv4.ip_forward: expected a string" \
        'c["linux"]["sysctl"] = {"net.ipv4.ip_forward": 1}'
bad_config "a user namespace without mappings" "linux.uidMappings: missing" \
        'c["linux"]["namespaces"].append({"type": "user"})'
bad_config "a mapping with a zero size" "linux.uidMappings[0].size: expected a positive integer" '
c["linux"]["namespaces"].append({"type": "user"})
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 3100000000, "size": 0}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 3100000000, "size": 1}]'
bad_config "a mapping without a hostID" "linux.gidMappings[0].hostID: expected a non-negative integer" '
c["linux"]["namespaces"].append({"type": "user"})
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 3100000000, "size": 1}]
c["linux"]["gidMappings"] = [{"containerID": 0, "size": 1}]'
bad_config "mappings without a user namespace" "linux.uidMappings: given, but linux.namespaces has no user" \
        'c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 3100000000, "size": 1}]'
bad_config "a device outside /dev" "linux.devices[0].path: expected an absolute path under /dev" \
        'c["linux"]["devices"] = [{"path": "/etc/x", "type": "c", "major": 1, "minor": 7}]'
bad_config "a device of an unknown type" "linux.devices[0].type: expected" \
        'c["linux"]["devices"] = [{"path": "/dev/x", "type": "s", "major": 1, "minor": 7}]'
bad_config "a device without a minor" "linux.devices[0].minor: expected a device minor number" \
        'c["linux"]["devices"] = [{"path": "/dev/x", "type": "c", "major": 1}]'
bad_config "a device with a bad fileMode" "linux.devices[0].fileMode: expected a file mode" \
        'c["linux"]["devices"] = [{"path": "/dev/x", "type": "c", "major": 1, "minor": 7, "fileMode": "0666"}]'
write_config '["true"]'
err=$("$RT" create --bogus --bundle "$B" bad 2>&1) && rc=0 || rc=$?
check "an unknown option fails" test "$rc" -ne 0
check_output "... and is named" "Unknown option '--bogus' for create" echo "$err"
err=$("$RT" kill c9 SIGBOGUS 2>&1) && rc=0 || rc=$?
check_output "an unknown signal is named" "Unknown signal 'SIGBOGUS'" echo "$err"
check "no mount was left behind by any of them" test "$(wc -l </proc/self/mountinfo)" -eq "$mounts_before"

done_testing
