#!/bin/bash
# berth-runtime supervise, run the way a Delegate=yes unit runs it: in a cgroup of its own (made
# here under the cgroup2 mount, as systemd would), in a private mount namespace, with BERTH_RUN_DIR
# and BERTH_STATE_DIR in a temporary directory. Every check looks at the container from inside.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/runtime.sh"
runtime_test_setup runtime

# --- exit status and output ---------------------------------------------------------------------
check "true exits 0" status_is 0 --rootfs="$ROOTFS" true
check "false exits 1" status_is 1 --rootfs="$ROOTFS" false
check "exit 7 passes through" status_is 7 --rootfs="$ROOTFS" sh -c 'exit 7'
check "a payload killed by SIGKILL gives 128+9" status_is 137 --init --rootfs="$ROOTFS" sh -c 'kill -9 $$'
check "a missing program gives 127" status_is 127 --rootfs="$ROOTFS" no-such-program
check "a bad option gives 125" status_is 125 --rootfs="$ROOTFS" --no-such-option true
check_output "stdout reaches the caller" "hello from berth" rt --rootfs="$ROOTFS" echo hello from berth
check_output "a missing program is named" "no-such-program" rt --rootfs="$ROOTFS" no-such-program

# --- process ------------------------------------------------------------------------------------
check_output "the payload is PID 1" "pid=1 comm=sh" in_ctr 'echo pid=$$ comm=$(cat /proc/1/comm)'
check_output "host name defaults to the container name" "name-is-host" in_ctr --name=name-is-host hostname
check_output "--hostname" "h=web1 f=web1" in_ctr --hostname=web1 'echo h=$(hostname) f=$(cat /etc/hostname)'
check_output "--env and the default environment" "FOO=bar HOME=/root HOSTNAME=envtest PATH=/usr/local/sbin" \
        in_ctr --name=envtest -e FOO=bar 'echo FOO=$FOO HOME=$HOME HOSTNAME=$HOSTNAME PATH=$PATH'
check_output "--user nobody" "uid=65534(nobody) gid=65534(nogroup)" in_ctr --user nobody id
check_output "--user 1234:5678 needs no passwd entry" "uid=1234 gid=5678" in_ctr --user 1234:5678 id
check_fails "an unknown --user is refused" rt --rootfs="$ROOTFS" --user nosuchuser true
check_output "--workdir is created and entered" "/srv/app" in_ctr --workdir=/srv/app pwd
check_output "--init: the runtime's init is PID 1, the payload its child" "init=1 me=2" \
        in_ctr --init 'echo init=$(ps -o pid,comm | grep -c "^ *1 berth-init") me=$$'
# An orphan (the background sleep of a subshell that ended) goes to PID 1, which must reap it.
# /proc/PID stays while a zombie waits to be reaped.
check_output "--init reaps orphans" "reaped" in_ctr --init '(sleep 0.2 & echo $! >/tmp/orphan); i=0
        while [ -e /proc/$(cat /tmp/orphan) ] && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.05; done
        [ -e /proc/$(cat /tmp/orphan) ] && grep State /proc/$(cat /tmp/orphan)/status || echo reaped'
check "--init: the payload's exit status passes through" status_is 3 --init --rootfs="$ROOTFS" sh -c 'exit 3'

printf '# comment\nFROM_FILE=yes\n\nSHARED=file\n' >"$T/env-file"
check_output "--env-file, overridden by --env" "FROM_FILE=yes SHARED=cli" \
        in_ctr --env-file="$T/env-file" -e SHARED=cli 'echo FROM_FILE=$FROM_FILE SHARED=$SHARED'
check_output "--group-add" "65534 1234" in_ctr --user nobody --group-add 1234 'id -G'
check_output "--ulimit" "100 200" in_ctr --ulimit nofile=100:200 'echo $(ulimit -n) $(ulimit -Hn)'
check_output "the umask is 0022 by default" "0022" in_ctr umask
check_output "--umask 0077: new files are private" "0077 600" in_ctr --umask 0077 'echo $(umask) $(touch /tmp/f; stat -c %a /tmp/f)'
check_output "a bad --umask is refused, named" "Invalid value '9' for option --umask (expected an octal mask" rt --rootfs="$ROOTFS" --umask 9 true
check_output "--entrypoint with a command" "ep-arg" rt --rootfs="$ROOTFS" --entrypoint=/bin/echo ep-arg

# --- the host's files stay out of reach (CVE-2019-5736, CVE-2024-21626) -------------------------
# Even a container allowed to ptrace finds no process whose /proc/PID/exe is a file of the host: the
# init is a sealed memfd copy, which cannot be written.
exes='for p in /proc/[0-9]*; do readlink $p/exe; done'
# The payload starts only once PID 1 runs the init program; BERTH_RUNTIME_TEST_SLOW_INIT (microseconds)
# stretches the moment before, as a loaded machine may, so that the checks do not depend on timing.
slow_init() { BERTH_RUNTIME_TEST_SLOW_INIT=300000 "$@"; }
check_output "--init: /proc/1/exe is a sealed copy" "memfd:berth-runtime-init" \
        slow_init in_ctr --init --cap-add SYS_PTRACE 'readlink /proc/1/exe'
check_output "... that cannot be written" "refused" \
        in_ctr --init --cap-add SYS_PTRACE 'echo x >>/proc/1/exe 2>/dev/null && echo written || echo refused'
check_output "no process in the container runs a file of the host" "none" \
        slow_init in_ctr --init --cap-add SYS_PTRACE "$exes | grep -e '$RT' -e berth-runtime-monitor || echo none"
check_output "a --workdir through a leaked fd is refused" "working directory /proc/self/fd/3" \
        rt --rootfs="$ROOTFS" --workdir=/proc/self/fd/3 pwd
check_fails "... and the container does not start" rt --rootfs="$ROOTFS" --workdir=/proc/self/fd/3 pwd

# --- privileges ---------------------------------------------------------------------------------
status=$(in_ctr 'grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status' 2>&1)
caps_have() { grep -q "^$1:[[:space:]]*$2\$" <<<"$status" || { echo "$status"; return 1; }; }
check "CapEff is Podman's 11 defaults" caps_have CapEff 00000000800405fb
check "CapPrm is the same" caps_have CapPrm 00000000800405fb
check "CapBnd holds nothing else" caps_have CapBnd 00000000800405fb
check "CapInh is empty" caps_have CapInh 0000000000000000
check "CapAmb is empty" caps_have CapAmb 0000000000000000
check "no_new_privs is set" caps_have NoNewPrivs 1
check "a seccomp filter is active" caps_have Seccomp 2
check_output "a non-root user has no effective caps" "CapEff:	0000000000000000" in_ctr --user nobody 'grep CapEff /proc/self/status'
check_output "--cap-add NET_ADMIN" "CapEff:	00000000800415fb" in_ctr --cap-add NET_ADMIN 'grep CapEff /proc/self/status'
check_output "--cap-drop all" "CapBnd:	0000000000000000" in_ctr --cap-drop all 'grep CapBnd /proc/self/status'
check_output "--no-new-privileges=false" "NoNewPrivs:	0" in_ctr --no-new-privileges=false 'grep NoNewPrivs /proc/self/status'
check_output "--privileged: no seccomp" "Seccomp:	0" in_ctr --privileged 'grep Seccomp: /proc/self/status'
check "compiled seccomp filters are cached" bash -c "ls '$BERTH_RUN_DIR'/seccomp-cache/*.bpf"
check_output "mount is refused without CAP_SYS_ADMIN" "refused" in_ctr 'mount -t tmpfs none /tmp 2>/dev/null || echo refused'
check_output "... and allowed with it" "mounted" in_ctr --cap-add SYS_ADMIN 'mount -t tmpfs none /tmp && echo mounted'
cat >"$T/deny-mkdir.json" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
EOF
check_output "--seccomp-profile=PATH is loaded" "Operation not permitted" \
        in_ctr --seccomp-profile="$T/deny-mkdir.json" 'mkdir /tmp/x'
check_output "--seccomp-profile=unconfined" "Seccomp:	0" in_ctr --seccomp-profile=unconfined 'grep Seccomp: /proc/self/status'
check_output "seccomp refuses unshare(CLONE_NEWUSER)" "refused" in_ctr 'unshare -U true 2>/dev/null || echo refused'

# --- file descriptors, masked and read-only paths -----------------------------------------------
# fd 7 is open (without close-on-exec) in the caller; it must not reach the payload. ls's own
# directory fd is 3.
check_output "only fds 0-2 reach the payload" "fds=0 1 2 3 ." \
        eval 'in_ctr "echo fds=\$(ls /proc/self/fd | tr \"\\n\" \" \")." 7</etc/hostname'
if [ -s /proc/timer_list ]; then
        check_output "/proc/timer_list is masked" "empty" in_ctr 'test -s /proc/timer_list || echo empty'
fi
check_output "/sys/firmware is masked" "masked" in_ctr '[ -z "$(ls -A /sys/firmware)" ] && echo masked'
check_output "/proc/sys is read-only" "Read-only file system" in_ctr 'echo x >/proc/sys/kernel/domainname'
if [ -e /proc/sysrq-trigger ]; then
        check_output "/proc/sysrq-trigger is read-only" "Read-only file system" in_ctr 'echo h >/proc/sysrq-trigger'
fi
check_output "/sys is read-only" "ro," in_ctr 'grep " /sys sysfs " /proc/self/mounts'

# --- mounts -------------------------------------------------------------------------------------
check_output "/dev/null is the null device" "c 1 3" in_ctr 'stat -c "%F" /dev/null | cut -c1; stat -c "c %t %T" /dev/null'
check_output "/dev has only the default nodes and links" \
        "core fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero " \
        in_ctr 'ls /dev | sort | tr "\n" " "'
if [ -c /dev/loop-control ]; then
        check_output "the device cgroup refuses a node made with CAP_MKNOD" "Operation not permitted" \
                in_ctr --cap-add MKNOD 'mknod /tmp/lc c 10 237 && head -c0 /tmp/lc'
        check_output "--device allows its node" "opened" in_ctr --device=/dev/loop-control:r 'head -c0 /dev/loop-control && echo opened'
        check_output "--device permissions are enforced" "Operation not permitted" \
                in_ctr --device=/dev/loop-control:m 'head -c0 /dev/loop-control'
fi
check_output "/dev/pts is a new devpts instance" "devpts /dev/pts devpts rw,nosuid,noexec" in_ctr 'grep " /dev/pts " /proc/self/mounts'
check_output "/dev/shm is a tmpfs" "shm /dev/shm tmpfs" in_ctr 'grep " /dev/shm " /proc/self/mounts'
check_output "/dev/mqueue is mounted" "mqueue /dev/mqueue" in_ctr 'grep " /dev/mqueue " /proc/self/mounts'
check_output "/dev/zero reads zeros" "00000000" in_ctr 'head -c4 /dev/zero | od -An -tx1 | tr -d " "'
check_output "/etc/hosts names the container" "127.0.0.1	localhost hostsname" in_ctr --name=hostsname 'cat /etc/hosts'
check_output "--add-host" "10.1.2.3	db" in_ctr --add-host=db:10.1.2.3 'cat /etc/hosts'
check_output "--dns" "nameserver 192.0.2.53" in_ctr --dns=192.0.2.53 'cat /etc/resolv.conf'
check_output "only lo in a private network namespace" "lo" in_ctr 'ls /sys/class/net | tr "\n" " "'
check_fails "--network=none has no route out" in_ctr 'ls /sys/class/net | grep -qv "^lo$"'
check_output "--read-only makes / read-only" "Read-only file system" in_ctr --read-only 'touch /x'
check_output "--read-only still allows --tmpfs" "tmp-ok" in_ctr --read-only --tmpfs /scratch 'touch /scratch/f && echo tmp-ok'
mkdir -p "$T/vol"
echo from-host >"$T/vol/file"
check_output "--volume binds a host directory" "from-host" in_ctr -v "$T/vol:/data" 'cat /data/file'
in_ctr -v "$T/vol:/data" 'echo from-container >/data/back' >/dev/null 2>&1
check_output "writes to a volume reach the host" "from-container" cat "$T/vol/back"
check_output "a :ro volume is read-only" "Read-only file system" in_ctr -v "$T/vol:/data:ro" 'touch /data/x'
check_output "a file can be a volume" "from-host" in_ctr -v "$T/vol/file:/etc/motd:ro" 'cat /etc/motd'
check_output "--mount type=bind" "from-host" in_ctr --mount "type=bind,source=$T/vol,destination=/m,ro" 'cat /m/file'
check_output "--sysctl of a namespaced key" "1" in_ctr --sysctl net.ipv4.ip_forward=1 'cat /proc/sys/net/ipv4/ip_forward'
check_fails "--sysctl of a host-wide key is refused" rt --rootfs="$ROOTFS" --sysctl kernel.panic=1 true

# An image whose /etc is a symlink to a host directory: /etc/hosts etc. must land inside the root.
mkdir -p "$T/evil/bin" "$T/outside"
cp -a "$ROOTFS/bin/." "$T/evil/bin/"
ln -s "$T/outside" "$T/evil/etc"
check "a symlinked /etc in the image does not redirect mounts" rt --rootfs="$T/evil" --name=evil true
check "nothing was created outside the root" test -z "$(ls -A "$T/outside")"
rm -rf "$T/evil/proc"
ln -s /proc "$T/evil/proc"
check_fails "a symlinked /proc in the image is refused" rt --rootfs="$T/evil" --name=evil true

# --- pods: joining namespaces that `berth pod create` keeps as nsfs files -------------------------
# The pod's namespaces are made here with unshare(1) and bound onto files, in a mount namespace of
# this check's own so that nothing is mounted on the host.
pod_check() {
        local P=$BERTH_RUN_DIR/pods/p1
        mkdir -p "$P" && touch "$P/netns" "$P/ipcns" "$P/utsns" || return 1
        echo '{"name": "p1", "hostname": "podhost"}' >"$P/pod.json"
        unshare --net="$P/netns" --ipc="$P/ipcns" --uts="$P/utsns" hostname podhost || return 1
        local want="net=net:[$(stat -L -c %i "$P/netns")] ipc=ipc:[$(stat -L -c %i "$P/ipcns")] host=podhost env=podhost"
        local got
        got=$(in_ctr --pod=p1 'echo net=$(readlink /proc/self/ns/net) ipc=$(readlink /proc/self/ns/ipc) host=$(hostname) env=$HOSTNAME' 2>&1)
        echo "got:  $got"
        echo "want: $want"
        [ "$got" = "$want" ]
}
export -f pod_check rt in_ctr
export CG RT ROOTFS
check "--pod joins the pod's network, IPC and UTS namespaces" unshare -m --propagation private bash -c 'CASE=900; pod_check'
check "a pod that does not exist is refused" bash -c "! '$RT' supervise --rootfs='$ROOTFS' --pod=no-such-pod true 2>/dev/null"

# --- the image store ----------------------------------------------------------------------------
if [ -x "$BERTH_BUILD/berth" ] && make_busybox_tar "$T/bb.tar" &&
        "$BERTH_BUILD/berth" image import "$T/bb.tar" localhost/busybox >/dev/null 2>&1; then
        have_image=1
        check_output "an image runs on an overlay" "overlay" rt --name=img busybox sh -c 'grep "^[^ ]* / " /proc/self/mounts'
        check_output "the overlay is writable" "written" rt --name=img busybox sh -c 'echo written >/f && cat /f'
        check "the upper dir is gone afterwards" test ! -e "$BERTH_STATE_DIR/containers/img"
        check "the image is unchanged" test ! -e "$(find "$BERTH_STORAGE_DIR" -path '*/diff/f' | head -1)x"
        legacy() { (export BERTH_RUNTIME_LEGACY_MOUNT=1 BERTH_RUNTIME_NO_CLONE3=1; rt "$@"); }
        check_output "the mount(2) and clone() fallbacks work" "legacy ok" legacy --name=legacy -v "$T/vol:/data:ro" \
                busybox sh -c 'test -z "$(ls -A /sys/firmware)" && grep -q " / overlay" /proc/self/mounts &&
                        ! touch /data/x 2>/dev/null && grep -q "/dev/shm tmpfs" /proc/self/mounts && echo legacy ok'
else
        diag "berth image import does not work in this build; image checks skipped"
fi
check_output "a missing image is explained" "is not in the store" rt --name=noimg localhost/no-such-image true

# --- lifecycle: stop, state, lock, cleanup ------------------------------------------------------
start_bg() { # start_bg NAME ARGS...: runs a container in the background; sets BG to the runtime's pid
        CASE=$((CASE + 1))
        local cg=$CG/case$CASE
        mkdir "$cg"
        (echo "$BASHPID" >"$cg/cgroup.procs" && exec unshare -m --propagation private "$RT" supervise --name="$1" "${@:2}") \
                >"$T/$1.log" 2>&1 &
        BG=$!
        BG_PIDS+=("$BG")
        BG_CG=$cg
}
json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }

start_bg sleeper --rootfs="$ROOTFS" --stop-timeout=1 --umask 0027 -e CTR=yes sleep 1000
check "state.json appears once the container runs" wait_until 10 test -e "$BERTH_RUN_DIR/containers/sleeper/state.json"
check_output "state.json has the container's status" "running" json_field "$BERTH_RUN_DIR/containers/sleeper/state.json" status
ctr_pid=$(json_field "$BERTH_RUN_DIR/containers/sleeper/state.json" pid 2>/dev/null)
check "the state's pid is the container's init" grep -q sleep "/proc/$ctr_pid/cmdline"
check "the container runs in the payload cgroup" grep -q "/case$CASE/payload$" "/proc/$ctr_pid/cgroup"
check "the runtime moved itself into the supervisor cgroup" grep -q "/case$CASE/supervisor$" "/proc/$BG/cgroup"
check_output "a second container with the same name is refused" "already running" \
        rt --rootfs="$ROOTFS" --name=sleeper true
check_output "exec runs in the container's namespaces" "host=sleeper ctr=yes init=sleep" \
        "$RT" exec sleeper sh -c 'echo host=$(hostname) ctr=$CTR init=$(cat /proc/1/comm)'
check_output "exec gets the container's privileges" "CapEff:	00000000800405fb NoNewPrivs:	1 Seccomp:	2" \
        "$RT" exec sleeper sh -c 'grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status | tr "\n" " "'
"$RT" exec sleeper sleep 30 &
exec_client=$!
exec_exe() { readlink "/proc/$exec_client/exe" | grep -q memfd:berth-runtime; }
check "exec runs from a sealed copy of berth-runtime, not the host's file" wait_until 5 exec_exe
kill "$exec_client"; wait "$exec_client" 2>/dev/null
check_output "exec keeps the container's umask" "0027" "$RT" exec sleeper sh -c umask
check "exec joins the payload cgroup" bash -c "'$RT' exec sleeper cat /proc/self/cgroup | grep -qx '0::/'"
check_output "exec --user --workdir --env" "uid=65534 /tmp X=1" \
        "$RT" exec -u nobody -w /tmp -e X=1 sleeper sh -c 'echo uid=$(id -u) $(pwd) X=$X'
check_output "exec --tty: a terminal from the container's devpts" "/dev/pts/0 is-a-tty" \
        "$RT" exec --tty sleeper sh -c 'echo $(tty) $(test -t 0 && echo is-a-tty)'
check_output "exec --tty: input goes through the terminal" "typed-in" \
        bash -c "echo typed-in | '$RT' exec -t sleeper head -1"
exec_status() { "$RT" exec sleeper sh -c 'exit 5'; [ $? -eq 5 ]; }
check "exec passes the exit status" exec_status
check_output "exec into a container that does not run fails" "is not running" "$RT" exec no-such-ctr true
netns=$(readlink "/proc/$ctr_pid/ns/net")
check_output "--network=container:NAME shares its network namespace" "$netns" \
        in_ctr --network=container:sleeper 'readlink /proc/self/ns/net'
check_output "--network=host keeps the host's" "$(readlink /proc/self/ns/net)" in_ctr --network=host 'readlink /proc/self/ns/net'
start=$SECONDS
kill -TERM "$BG"
wait "$BG" && rc=0 || rc=$?
check "SIGTERM stops 'sleep' (which ignores it as PID 1) after the stop timeout; a requested stop exits 0" test "$rc" -eq 0
check "... within the stop timeout" test $((SECONDS - start)) -le 4
check "no process is left" test ! -e "/proc/$ctr_pid"
check "no cgroup is left" test -z "$(find "$BG_CG" -mindepth 1 -type d)"
check "no run dir is left" test ! -e "$BERTH_RUN_DIR/containers/sleeper"
check "no lock file is left" test ! -e "$BERTH_RUN_DIR/containers/.sleeper.lock"
check "no overlay mount is left" bash -c "! grep -q '$T' /proc/self/mountinfo"
rmdir "$BG_CG"

# catches_signal NAME SIGNUM: the container's PID 1 has a handler for the signal (SigCgt in its status),
# so a test does not race the shell's `trap` (PID 1 ignores signals it has no handler for).
catches_signal() {
        local pid mask
        pid=$(json_field "$BERTH_RUN_DIR/containers/$1/state.json" pid 2>/dev/null) || return 1
        mask=$(awk '/^SigCgt:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || return 1
        [ -n "$mask" ] && (( (16#$mask >> ($2 - 1)) & 1 ))
}

start_bg trapper --rootfs="$ROOTFS" --stop-timeout=30 sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
check "a container that handles SIGTERM starts" wait_until 10 test -e "$BERTH_RUN_DIR/containers/trapper/state.json"
check "... and its shell has installed the trap" wait_until 10 catches_signal trapper 15
start=$SECONDS
kill -TERM "$BG"
wait "$BG" && rc=0 || rc=$?
check "it exits cleanly on SIGTERM (0), long before the timeout" test "$rc" -eq 0 -a $((SECONDS - start)) -le 5
rmdir "$BG_CG"

start_bg stopsig --rootfs="$ROOTFS" --stop-signal=SIGUSR1 sh -c 'trap "exit 42" USR1; while :; do sleep 0.1; done'
check "--stop-signal container starts" wait_until 10 test -e "$BERTH_RUN_DIR/containers/stopsig/state.json"
check "... and its shell has installed the trap" wait_until 10 catches_signal stopsig 10
kill -TERM "$BG"
wait "$BG" && rc=0 || rc=$?
check "SIGTERM becomes --stop-signal" test "$rc" -eq 42
rmdir "$BG_CG"

start_bg killed --rootfs="$ROOTFS" sleep 1000
check "a container to kill starts" wait_until 10 test -e "$BERTH_RUN_DIR/containers/killed/state.json"
ctr_pid=$(json_field "$BERTH_RUN_DIR/containers/killed/state.json" pid 2>/dev/null)
kill -KILL "$ctr_pid"
wait "$BG" && rc=0 || rc=$?
check "SIGKILL of the container gives 137" test "$rc" -eq 137
check "and still nothing is left" test ! -e "$BERTH_RUN_DIR/containers/killed" -a -z "$(find "$BG_CG" -mindepth 1 -type d)"
rmdir "$BG_CG"

# --- user namespaces ----------------------------------------------------------------------------
if [ -n "${have_image:-}" ]; then
        out=$(rt --name=uns --userns=auto busybox sh -c 'cat /proc/self/uid_map; stat -c "%u:%g" / /bin /etc/passwd | tr "\n" " "; echo x >/etc/motd && echo wrote' 2>&1)
        check "--userns=auto maps the container's 0-65535 to other host ids" \
                bash -c "echo '$out' | grep -Eq '^ +0 +[1-9][0-9]* +65536$'"
        check_output "the image's files belong to the container's root" "0:0 0:0 0:0 " echo "$out"
        check_output "and it can change them (copy-up through idmapped layers)" "wrote" echo "$out"
        check_output "CAP_SYS_ADMIN inside cannot mount on the host's behalf" "refused" \
                rt --name=uns --userns=auto --cap-add SYS_ADMIN --seccomp-profile=unconfined busybox \
                sh -c 'mount -t tmpfs x /tmp 2>/dev/null || echo refused'
fi
start_bg unsbg --userns=auto --stop-timeout=1 --rootfs="$ROOTFS" sleep 1000
check "a user-namespaced container starts" wait_until 10 test -e "$BERTH_RUN_DIR/containers/unsbg/state.json"
ctr_pid=$(json_field "$BERTH_RUN_DIR/containers/unsbg/state.json" pid 2>/dev/null)
base=$(awk '/^Uid:/ { print $2 }' "/proc/$ctr_pid/status" 2>/dev/null)
check "its process runs as an unprivileged host uid ($base)" test "${base:-0}" -ge 65536
check_output "exec joins its user namespace" "0 $base 65536" \
        bash -c "'$RT' exec unsbg cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //'"
check_output "--rootfs is idmapped too" "0:0" "$RT" exec unsbg stat -c %u:%g /bin
check_output "the generated /etc files belong to the container's root" "0:0 0:0 0:0" \
        bash -c "'$RT' exec unsbg stat -c %u:%g /etc/hosts /etc/hostname /etc/resolv.conf | tr '\n' ' '"
check_output "... which can write them" "added" \
        "$RT" exec unsbg sh -c 'echo "10.0.0.9 extra" >>/etc/hosts && echo added'
other=$(rt --userns=auto --rootfs="$ROOTFS" sh -c 'cat /proc/self/uid_map' 2>/dev/null | awk '{ print $2 }')
check "a second container gets another block ($other)" test -n "$other" -a "$other" != "$base"
kill -TERM "$BG"
wait "$BG"
rmdir "$BG_CG"

# --uidmap/--gidmap: explicit maps, set up the way --userns=auto's block is
out=$(rt --name=umap --uidmap=0:3000000000:65536 --rootfs="$ROOTFS" \
        sh -c 'cat /proc/self/uid_map /proc/self/gid_map; stat -c "%u:%g" /bin /etc/passwd | tr "\n" " "' 2>&1)
umap_out=$out
umap_lines() { [ "$(printf '%s\n' "$umap_out" | tr -s ' ' | sed 's/^ //' | grep -c '^0 3000000000 65536$')" -eq 2 ]; }
check "--uidmap: /proc/self/uid_map shows the map (and gid_map the same without --gidmap)" umap_lines
check_output "--uidmap: the image's files belong to the container's 0" "0:0 0:0 " echo "$out"
out=$(rt --name=umap --uidmap=0:3000100000:1000 --uidmap=1000:3000200000:64536 --gidmap=0:3000300000:65536 \
        --rootfs="$ROOTFS" sh -c 'cat /proc/self/uid_map; echo gid; cat /proc/self/gid_map; stat -c "%u:%g" /bin' 2>&1 |
        tr -s ' ' | sed 's/^ //')
check_output "repeated --uidmap gives several ranges" "0 3000100000 1000
1000 3000200000 64536
gid" echo "$out"
check_output "--gidmap gives the gid map" "gid
0 3000300000 65536" echo "$out"
check_output "... and the files are still the container's root's" "0:0" echo "$out"
check_output "a malformed --uidmap is refused, naming it" "Invalid value '0:x:1' for option --uidmap (expected CONTAINER_ID:HOST_ID:SIZE" \
        bash -c "'$RT' supervise --name=umap --uidmap=0:x:1 --rootfs='$ROOTFS' true 2>&1"
check_output "--uidmap with --userns=auto is refused" "cannot be combined" \
        bash -c "'$RT' supervise --name=umap --userns=auto --uidmap=0:3000000000:65536 --rootfs='$ROOTFS' true 2>&1"
check "... and leaves nothing behind" test ! -e "$BERTH_RUN_DIR/containers/umap"

# --- sd_notify ----------------------------------------------------------------------------------
notify_listen() { # notify_listen SOCKET: prints the first datagram
        python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(15)
print(s.recv(4096).decode().replace("\n", " "))
EOF
}
notify_listen "$T/notify.sock" >"$T/notify.out" 2>&1 &
listener=$!
wait_until 5 test -S "$T/notify.sock"
NOTIFY_SOCKET=$T/notify.sock rt --rootfs="$ROOTFS" true >/dev/null 2>&1
wait "$listener"
check_output "READY=1 is sent once the payload runs" "READY=1" cat "$T/notify.out"
check_output "--notify=true gives the payload its own socket" "/run/notify/notify.sock socket" \
        in_ctr --notify=true 'test -S $NOTIFY_SOCKET && echo $NOTIFY_SOCKET socket'

# The payload notifies through the proxy: the host's python3, with /usr bound into the container.
notify_collect() { # notify_collect SOCKET: prints every datagram until 2 s of silence
        python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(15)
try:
    while True:
        print(s.recv(4096).decode().replace("\n", " "))
        s.settimeout(2)
except socket.timeout:
    pass
EOF
}
if [ -x /usr/bin/python3 ] && [ -d /usr/lib64 ]; then
        cp -a "$ROOTFS" "$T/pyroot"
        ln -s usr/lib "$T/pyroot/lib"
        ln -s usr/lib64 "$T/pyroot/lib64"
        rm -f "$T/notify.sock"
        notify_collect "$T/notify.sock" >"$T/notify.out" 2>&1 &
        listener=$!
        wait_until 5 test -S "$T/notify.sock"
        NOTIFY_SOCKET=$T/notify.sock rt --rootfs="$T/pyroot" --notify=true -v /usr:/usr:ro /usr/bin/python3 -c '
import os, socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"READY=1\nMAINPID=1\nSTATUS=serving\nFDSTORE=1", os.environ["NOTIFY_SOCKET"])
time.sleep(0.3)' >/dev/null 2>&1
        wait "$listener"
        check_output "the payload's READY=1 and STATUS= are relayed" "READY=1 STATUS=serving" cat "$T/notify.out"
        check "MAINPID= and FDSTORE= from the payload are not" bash -c "! grep -qE 'MAINPID|FDSTORE' '$T/notify.out'"
        check "the runtime sends no READY of its own with --notify=true" bash -c "! grep -q 'Container running' '$T/notify.out'"
fi

# --- health checks ------------------------------------------------------------------------------
start_bg health --rootfs="$ROOTFS" --health-cmd='test -e /tmp/ok' --health-interval=200ms --health-retries=2 \
        --health-on-failure=kill sh -c 'touch /tmp/ok; while [ ! -e /tmp/fail ]; do sleep 0.1; done; rm /tmp/ok; sleep 1000'
health_is() { [ "$(json_field "$BERTH_RUN_DIR/containers/health/state.json" health 2>/dev/null)" = "$1" ]; }
check "a passing health check makes the container healthy" wait_until 10 health_is healthy
check "exec works next to health checks" "$RT" exec health touch /tmp/fail
wait "$BG" && rc=0 || rc=$?
check "a failing health check with --health-on-failure=kill kills it: 137" test "$rc" -eq 137
check_output "the transitions are logged" "is unhealthy" cat "$T/health.log"
rmdir "$BG_CG"
check_output "--notify=healthy needs a health check" "needs a health check" rt --rootfs="$ROOTFS" --notify=healthy true
rm -f "$T/notify.sock"
notify_collect "$T/notify.sock" >"$T/notify.out" 2>&1 &
listener=$!
wait_until 5 test -S "$T/notify.sock"
NOTIFY_SOCKET=$T/notify.sock rt --rootfs="$ROOTFS" --notify=healthy --health-cmd=true --health-interval=200ms \
        sh -c 'sleep 1' >/dev/null 2>&1
wait "$listener"
check_output "--notify=healthy: READY=1 once the check passes" "READY=1 STATUS=Container healthy" cat "$T/notify.out"
check "... and not before" bash -c "! grep -q 'Container running' '$T/notify.out'"

# --- what stays resident: the small static monitor, in every configuration -----------------------
# Once the container runs, the unit's main process is berth-runtime-monitor, with at most 500 kB
# resident (a quarter of conmon's 2 MB): plain, with the notify proxy, with health checks, on a tty.
resident_small() { # resident_small PID
        local exe rss
        exe=$(readlink "/proc/$1/exe") && rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status") || return 1
        [ "${exe##*/}" = berth-runtime-monitor ] && [ "$rss" -le 500 ] || { echo "$exe: VmRSS $rss kB"; return 1; }
}
stop_bg() { kill -TERM "$BG"; wait "$BG"; rmdir "$BG_CG"; }
health_of() { json_field "$BERTH_RUN_DIR/containers/$1/state.json" health 2>/dev/null; }

start_bg small --rootfs="$ROOTFS" --stop-timeout=1 sleep 1000
wait_until 10 resident_small "$BG"
check "plain: the resident supervisor is the monitor, <= 500 kB" resident_small "$BG"
stop_bg

start_bg small --rootfs="$ROOTFS" --stop-timeout=1 --notify=true sleep 1000
wait_until 10 resident_small "$BG"
check "--notify=true: the monitor holds the notify proxy, <= 500 kB" resident_small "$BG"
stop_bg

start_bg small --rootfs="$ROOTFS" --stop-timeout=1 --health-cmd='test ! -e /tmp/sick' --health-interval=200ms \
        --health-retries=2 sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
wait_until 10 resident_small "$BG"
check "health check: the monitor runs them, <= 500 kB" resident_small "$BG"
health_small() { [ "$(health_of small)" = "$1" ]; }
check "... the container becomes healthy through berth-runtime health-run" wait_until 10 health_small healthy
check "... and the monitor is still what stays resident" resident_small "$BG"
check "exec: make the check fail" "$RT" exec small touch /tmp/sick
check "two failures in a row (--health-retries=2): unhealthy, recorded in state.json" wait_until 10 health_small unhealthy
failures_at_least() { [ "$(json_field "$BERTH_RUN_DIR/containers/small/state.json" health_failures)" -ge "$1" ]; }
check "... with the count of failures in a row" failures_at_least 2
check "exec: make it pass again" "$RT" exec small rm /tmp/sick
check "... healthy again" wait_until 10 health_small healthy
check_output "... the count is back to 0" "0" json_field "$BERTH_RUN_DIR/containers/small/state.json" health_failures
check_output "the transitions are logged once each" "1 2" \
        bash -c "echo \$(grep -c 'small is unhealthy' '$T/small.log') \$(grep -c 'small is healthy' '$T/small.log')"
kill -TERM "$BG"
wait "$BG" && rc=0 || rc=$?
check "a requested stop of a container with health checks still exits 0" test "$rc" -eq 0
rmdir "$BG_CG"

# The same on a glibc root (the host's python3, /usr bound in, as for the notify proxy above): the
# check and the payload are dynamically linked programs.
if [ -d "$T/pyroot" ]; then
        start_bg small --rootfs="$T/pyroot" -v /usr:/usr:ro --stop-timeout=1 --notify=true --health-interval=200ms \
                --health-cmd='["CMD", "/usr/bin/python3", "-c", "import os; os.stat(\"/tmp/ready\")"]' \
                /usr/bin/python3 -c 'import time; open("/tmp/ready", "w"); time.sleep(1000)'
        check "glibc image: python3 as the health check makes the container healthy" wait_until 20 health_small healthy
        check "... with the monitor resident, <= 500 kB" resident_small "$BG"
        stop_bg
fi

start_bg small --rootfs="$ROOTFS" --stop-timeout=1 --health-cmd='sleep 5' --health-interval=200ms \
        --health-timeout=300ms --health-retries=1 --health-on-failure=stop sleep 1000
start=$SECONDS
wait "$BG" && rc=0 || rc=$?
check "a check over --health-timeout fails; --health-on-failure=stop stops the container: 137" test "$rc" -eq 137
check "... soon (timeout, then the stop timeout)" test $((SECONDS - start)) -le 6
check_output "... and the timeout is logged" "did not finish within its timeout" cat "$T/small.log"
check "no health check process is left" bash -c "! pgrep -f 'health-ru[n] name=small' && ! pgrep -fx 'sleep 5'"
rmdir "$BG_CG"

# On a terminal, as `berth run -t` gives one: the pty's slave is the supervisor's stdio; the pty's
# reader (berth in real use) is a small python program here.
cat >"$T/on-pty.py" <<'EOF'
import os, pty, sys
master, slave = pty.openpty()
pid = os.fork()
if pid == 0:
    os.setsid()
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.execvp(sys.argv[2], sys.argv[2:])
os.close(slave)
open(sys.argv[1], "w").write(str(pid))
try:
    while True:
        data = os.read(master, 4096)
        if not data:
            break
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
except OSError:
    pass
os.waitpid(pid, 0)
EOF
CASE=$((CASE + 1))
mkdir "$CG/case$CASE"
(echo "$BASHPID" >"$CG/case$CASE/cgroup.procs" && exec python3 "$T/on-pty.py" "$T/tty.pid" unshare -m \
        --propagation private "$RT" supervise --name=small --rootfs="$ROOTFS" --stop-timeout=1 \
        sh -c 'test -t 0 && test -t 1 && echo on-a-tty; exec sleep 1000') >"$T/tty.out" 2>&1 &
pty_reader=$!
BG_PIDS+=("$pty_reader")
wait_until 10 test -s "$T/tty.pid"
BG=$(cat "$T/tty.pid")
wait_until 10 resident_small "$BG"
check "tty: the resident supervisor is the monitor, <= 500 kB" resident_small "$BG"
check_output "... and the container has the terminal" "on-a-tty" cat "$T/tty.out"
kill -TERM "$BG"
wait "$pty_reader"
rmdir "$CG/case$CASE"

# A volume on a device (ext4 on a loop device): the supervisor mounts it before the device filter
# applies, and the container holds it from then on, so the monitor stays resident here too.
LOOPDEV=
detach_loop() { [ -z "$LOOPDEV" ] || losetup -d "$LOOPDEV" 2>/dev/null; }
RUNTIME_CLEANUP+=(detach_loop)
if truncate -s 16M "$T/ext4.img" && mkfs.ext4 -q -F "$T/ext4.img" >/dev/null 2>&1 &&
                LOOPDEV=$(losetup --find --show "$T/ext4.img" 2>/dev/null) &&
                "$BERTH" volume create --opt type=ext4 --opt device="$LOOPDEV" devvol >/dev/null; then
        start_bg small --rootfs="$ROOTFS" --stop-timeout=1 -v devvol:/d sh -c 'echo on-dev >/d/f; exec sleep 1000'
        check "a device volume: the resident supervisor is the monitor, <= 500 kB" wait_until 10 resident_small "$BG"
        check_output "... and the container has the volume" "on-dev" "$RT" exec small cat /d/f
        stop_bg
        check "... with no mount left on the host" bash -c "! grep -q '$LOOPDEV' /proc/self/mountinfo"
        check "... nor in use: the loop device detaches" losetup -d "$LOOPDEV"
        LOOPDEV=
else
        diag "no loop device here; the device volume check is skipped"
fi

check "no container cgroup is left at all" test -z "$(find "$CG" -mindepth 1 -type d)"
done_testing
