#!/bin/bash
# berth rename, cp and attach under a booted systemd, on busybox and on a glibc image of Debian's
# programs (tests/lib/real-image.sh). rename: a stopped container's record, writable layer and
# environment file take the new name, its ID stays, a running one and a taken or invalid name are
# refused. cp: CONTAINER:PATH on either side and `-` tar streams, into and out of running and exited
# containers, modes and owners (-a), and a symlink pointing out of the container that must resolve
# inside it. attach: a running container's output live, signals passed on, its exit code.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"
. "$(dirname "$0")/../lib/real-image.sh"

IMAGE=localhost/busybox
nspawn_prepare
host_tar=$(real_image_host_tar) && rc=0 || rc=$?
tap_result $rc "a root of the host's glibc programs (cached in $REAL_IMAGE_CACHE)"
[ $rc -eq 0 ] || { done_testing; exit 1; }
nspawn_import_image $IMAGE
check "import the glibc image" env BERTH_STORAGE_DIR="$NSPAWN_STORAGE" "$BERTH_BUILD/berth" image import \
        "$host_tar" localhost/glibc
nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

berth() { nspawn_run_timeout 60 berth "$@"; }
unit_prop() { nspawn_run systemctl show -P "$2" "$1"; }
unit_gone() { [ "$(unit_prop "$1" LoadState)" = not-found ]; }
ps_a_has() { berth ps -a | grep -E "$1" | grep -q " $2\$"; }
ps_a_lacks() { ! berth ps -a | grep -q " $1\$"; }
id_of() { berth ps -a --format json | jq -r ".[] | select(.Names == \"$1\") | .ID"; }

# --- rename ---
check "berth run -d a container that writes to its root and exits" \
        berth run -d --name old -e KEPT=yes $IMAGE sh -c 'echo "run $KEPT" >>/runs; cat /runs'
check "... ends" wait_until 20 ps_a_has 'Exited \(0\)' old
old_id=$(id_of old)
check "berth rename old new" berth rename old new
check "... ps -a lists new" ps_a_has 'Exited \(0\)' new
check "... and no longer old" ps_a_lacks old
check "... the ID stays" test "$(id_of new)" = "$old_id"
check "... the record is new.json" nspawn_run test -s /var/lib/berth/containers/new.json
check "... old.json is gone" nspawn_run test ! -e /var/lib/berth/containers/old.json
check "... the writable layer moved" nspawn_run test -s /var/lib/berth/containers/new/upper/runs
check "... the environment file moved" nspawn_run test -e /run/berth/private/berth-new.service.env
check "... the old one is gone" nspawn_run test ! -e /run/berth/private/berth-old.service.env
check "berth start new" berth start new
second_run() { nspawn_run journalctl -q -o cat -u berth-new.service | grep -q "run yes"; }
check "... runs as berth-new.service, on the same layer, with its environment" wait_until 20 second_run
check "... ends again" wait_until 20 ps_a_has 'Exited \(0\)' new
check "... its layer has both runs" test "$(nspawn_run cat /var/lib/berth/containers/new/upper/runs | wc -l)" -eq 2
check "an ID prefix still finds it" test "$(berth inspect -f '{{.Name}}' "${old_id:0:12}")" = new
check "berth container rename works too (by ID prefix)" berth container rename "${old_id:0:12}" newer
check "... ps -a lists newer" ps_a_has 'Exited' newer
check_output "renaming to an invalid name is refused" "Invalid container name" berth rename newer 'a/b'
check "berth run -d a running container" berth run -d --name busy $IMAGE sleep 1000
check_output "renaming to a taken name is refused" "already in use" berth rename newer busy
check_output "renaming a running container says to stop it first" "stop it first" berth rename busy idle
check "... it still runs under its name" ps_a_has 'Up ' busy
check_output "renaming a missing container says No such container" "No such container" berth rename nosuch x
check "berth rm newer" berth rm newer
check "... no layer is left behind" nspawn_run test ! -e /var/lib/berth/containers/newer
check "berth run -d the glibc image" berth run -d --name gold localhost/glibc python3 -c 'print("glibc ran")'
check "... ends" wait_until 20 ps_a_has 'Exited \(0\)' gold
check "berth rename gold gnew" berth rename gold gnew
check "berth start gnew" berth start gnew
glibc_again() { nspawn_run journalctl -q -o cat -u berth-gnew.service | grep -q "glibc ran"; }
check "... the glibc container runs as berth-gnew.service" wait_until 20 glibc_again
check "berth rm -f gnew" berth rm -f gnew

# --- cp ---
H=/root/cpt
nspawn_run mkdir -p $H/out /hostonly
nspawn_run sh -c "echo HOST-SECRET >/etc/host-secret; echo hostdata >$H/in.txt; mkdir -p $H/indir/sub; \
        echo deep >$H/indir/sub/f; chmod 750 $H/indir/sub; chmod 604 $H/indir/sub/f; chown 42:43 $H/indir/sub/f"
check "berth run -d a busybox container with files, owners and symlinks out of it" \
        berth run -d --name box $IMAGE sh -c 'mkdir -p /data/sub /hostonly; echo inner >/data/sub/f;
        chown 1234:5678 /data/sub/f; chmod 640 /data/sub/f; ln -s /hostonly /escape;
        echo x >/suid; chmod 4755 /suid;
        ln -s ../../../../../hostonly /escape-rel; ln -s /etc/host-secret /secretlink; touch /ready; sleep 1000'
box_ready() { berth exec box test -e /ready; }
check "... is ready" wait_until 20 box_ready
on_host() { nspawn_run sh -c "$*"; }
check "cp box:/data/sub/f HOSTFILE" berth cp box:/data/sub/f $H/out/f-copy
check "... has the content" test "$(on_host cat $H/out/f-copy)" = inner
check "... the mode 640, and root's (without -a)" test "$(on_host stat -c %a:%u:%g $H/out/f-copy)" = 640:0:0
check "cp -a keeps the owner 1234:5678" berth cp -a box:/data/sub/f $H/out/f-a
check "... it does" test "$(on_host stat -c %u:%g $H/out/f-a)" = 1234:5678
check "cp of a setuid file without -a" berth cp box:/suid $H/out/suid
check "... drops the setuid bit (its owner changed)" test "$(on_host stat -c %a $H/out/suid)" = 755
check "cp -a keeps it" berth cp -a box:/suid $H/out/suid-a
check "... 4755" test "$(on_host stat -c %a $H/out/suid-a)" = 4755
check "cp box:/data NEWDIR makes NEWDIR the copy" berth cp box:/data $H/out/datacopy
check "... NEWDIR/sub/f" test "$(on_host cat $H/out/datacopy/sub/f)" = inner
check "cp box:/data EXISTINGDIR copies into it" berth cp box:/data $H/out
check "... EXISTINGDIR/data/sub/f" test "$(on_host cat $H/out/data/sub/f)" = inner
check "cp box:/data/. NEWDIR copies the contents" berth cp box:/data/. $H/out/contents
check "... NEWDIR/sub/f" test "$(on_host cat $H/out/contents/sub/f)" = inner
check "cp box:/data/sub/f DIR/ copies into DIR" berth cp box:/data/sub/f $H/out/
check "... DIR/f" test "$(on_host cat $H/out/f)" = inner
check_output "cp of a file to DIR/ that does not exist is refused" "does not exist" \
        berth cp $H/in.txt box:/no/such/dir/
check_output "cp to a path whose parent does not exist is refused" "does not exist" \
        berth cp $H/in.txt box:/no/such/file
check "berth container cp works too" berth container cp box:/data/sub/f $H/out/via-group
check "... the file" test "$(on_host cat $H/out/via-group)" = inner
check "cp of a symlink copies the link" berth cp box:/secretlink $H/out/sl
check "... a link to /etc/host-secret, as in the container" test "$(on_host readlink $H/out/sl)" = /etc/host-secret
check_output "cp -L of a link out of the container resolves it inside (where it points nowhere)" \
        "Could not find" berth cp -L box:/secretlink $H/out/sl2
check "... and copies nothing of the host's" on_host "test ! -e $H/out/sl2"
check "cp HOSTFILE box:/escape/in.txt (escape -> /hostonly)" berth cp $H/in.txt box:/escape/in.txt
check "... lands in the container's /hostonly" test "$(berth exec box cat /hostonly/in.txt)" = hostdata
check "... not in the host's" on_host "test ! -e /hostonly/in.txt"
check "cp HOSTFILE box:/escape-rel/rel.txt (../../../../../hostonly)" berth cp $H/in.txt box:/escape-rel/rel.txt
check "... lands in the container's /hostonly" berth exec box test -s /hostonly/rel.txt
check "... not in the host's" on_host "test ! -e /hostonly/rel.txt"
check "cp HOSTDIR box:/tmp/ (a directory into a directory)" berth cp $H/indir box:/tmp/
check "... modes kept, owner root" test "$(berth exec box stat -c %a:%u /tmp/indir/sub /tmp/indir/sub/f | tr '\n' ' ')" = "750:0 604:0 "
check "cp -a HOSTDIR box:/tmp/a keeps owners" berth cp -a $H/indir box:/tmp/a
check "... 42:43" test "$(berth exec box stat -c %u:%g /tmp/a/sub/f)" = 42:43
check "cp box:/data - writes a tar stream" on_host "berth cp box:/data - >$H/data.tar"
check "... with data/sub/f in it" bash -c 'grep -qx "data/sub/f" <<<"$1"' _ "$(on_host tar -tf $H/data.tar)"
check "cp - box:/tmp extracts a tar stream" on_host "berth cp - box:/tmp <$H/data.tar"
check "... /tmp/data/sub/f" test "$(berth exec box cat /tmp/data/sub/f)" = inner
check "cp - box:/tmp takes GNU tar's stream too" on_host "tar -C $H -cf - indir | berth cp - box:/tmp/"
check "... /tmp/indir/sub/f" test "$(berth exec box cat /tmp/indir/sub/f)" = deep
check_output "cp - into a directory that does not exist is refused" "must be an existing directory" \
        on_host "berth cp - box:/nowhere <$H/data.tar"
check "cp box:/ - writes the whole root" on_host "berth cp box:/ - >$H/root.tar"
check "... with its files" bash -c 'grep -qx "./data/sub/f" <<<"$1"' _ "$(on_host tar -tf $H/root.tar)"
check "... and /proc and /sys as empty directories (the kernel's views are not copied)" \
        test "$(on_host tar -tf $H/root.tar | grep -cE '^\./(proc|sys)/.')" = 0
check_output "cp of a missing path names it" "Could not find /nope" berth cp box:/nope $H/out/nope
check_output "cp without a container says so" "names a container" berth cp $H/in.txt $H/out/x
check_output "cp between two containers says so" "not supported" berth cp box:/data other:/data
check_output "cp of a directory onto a file is refused" "onto the file" berth cp box:/data $H/in.txt
# a container in a user namespace of its own: ids as it sees them
check "berth run -d --userns=auto a container with a file of 1000:1000" berth run -d --userns=auto --name nsbox $IMAGE \
        sh -c 'echo mine >/owned; chown 1000:1000 /owned; touch /ready; sleep 1000'
nsbox_ready() { berth exec nsbox test -e /ready; }
check "... is ready" wait_until 20 nsbox_ready
check "cp HOSTFILE nsbox:/tmp/in.txt" berth cp $H/in.txt nsbox:/tmp/in.txt
check "... belongs to the container's root (0:0 inside, not the overflow id)" \
        test "$(berth exec nsbox stat -c %u:%g /tmp/in.txt)" = 0:0
check "cp -a HOSTDIR nsbox:/tmp/a keeps owners as the container sees them" berth cp -a $H/indir nsbox:/tmp/a
check "... 42:43 inside" test "$(berth exec nsbox stat -c %u:%g /tmp/a/sub/f)" = 42:43
check "cp -a nsbox:/owned HOSTFILE" berth cp -a nsbox:/owned $H/out/owned
check "... 1000:1000, the container's ids" test "$(on_host stat -c %u:%g $H/out/owned)" = 1000:1000
check "berth rm -f nsbox" berth rm -f nsbox
# an exited container: its writable layer over its image
check "berth run -d a container that exits" berth run -d --name ended $IMAGE sh -c \
        'cat /in.txt 2>/dev/null; echo layer >/layerfile'
check "... exits" wait_until 20 ps_a_has 'Exited \(0\)' ended
check "cp ended:/layerfile (its writable layer)" berth cp ended:/layerfile $H/out/lf
check "... layer" test "$(on_host cat $H/out/lf)" = layer
check "cp ended:/bin/busybox (its image)" berth cp ended:/bin/busybox $H/out/bb
check "... the image's file" on_host "cmp $H/out/bb /var/lib/berth/storage/layers/*/diff/bin/busybox"
check "cp HOSTFILE ended:/in.txt" berth cp $H/in.txt ended:/in.txt
check "... goes to its writable layer" nspawn_run test -s /var/lib/berth/containers/ended/upper/in.txt
check "... no mount is left" bash -c '! nspawn_run grep -q /var/lib/berth/containers/ended /proc/self/mountinfo'
check "berth start ended" berth start ended
ended_again() { berth logs ended | grep -q hostdata; }
check "... its next run reads the copied file" wait_until 20 ended_again
check "berth rm -f ended" berth rm -f ended
# the glibc image
check "berth run -d the glibc image" berth run -d --name deb localhost/glibc python3 -c 'import time; time.sleep(1000)'
deb_up() { berth ps | grep -q " deb$"; }
check "... runs" wait_until 20 deb_up
check "cp HOSTFILE deb:/tmp/in.txt" berth cp $H/in.txt deb:/tmp/in.txt
check_output "... python3 inside reads it" "hostdata" berth exec deb python3 -c 'print(open("/tmp/in.txt").read())'
check "cp HOSTDIR deb:/root/" berth cp -a $H/indir deb:/root/
check_output "... owners and modes kept (-a)" "42 43 0o604" berth exec deb python3 -c \
        'import os; s=os.stat("/root/indir/sub/f"); print(s.st_uid, s.st_gid, oct(s.st_mode & 0o777))'
check "cp -L deb:/usr/bin/python3 out of the glibc root" berth cp -L deb:/usr/bin/python3 $H/out/py
check "... an executable file" on_host "test -f $H/out/py -a ! -L $H/out/py -a -x $H/out/py"
check "berth rm -f deb" berth rm -f deb

# --- attach ---
# attach_bg NAME ARGS...: berth attach in the background inside, its output in /root/att-NAME.out,
# its pid in .pid and its exit status in .rc once it ends
attach_bg() {
        local n=$1
        shift
        nspawn_run sh -c "berth attach $* >/root/att-$n.out 2>&1 & echo \$! >/root/att-$n.pid; wait \$!; echo \$? >/root/att-$n.rc" &
}
att_has() { nspawn_run grep -q "$2" /root/att-$1.out; }
att_done() { nspawn_run test -s /root/att-$1.rc; }
att_rc() { nspawn_run cat /root/att-$1.rc; }
att_kill() { nspawn_run sh -c "kill -$2 \$(cat /root/att-$1.pid)"; }
logs_have() { berth logs "$1" | grep -q "$2"; }

check "berth run -d a busybox container that ticks and exits 7 on SIGINT" berth run -d --name talk $IMAGE sh -c \
        'trap "echo got-INT; exit 7" INT; echo started; while :; do echo tick; sleep 0.2; done'
check "... ticks" wait_until 20 logs_have talk tick
attach_bg talk talk
check "berth attach talk shows its output live" wait_until 20 att_has talk tick
check "... only what it writes from now on" bash -c '! nspawn_run grep -q started /root/att-talk.out'
check "... passes SIGINT on" att_kill talk INT
check "... the container got it" wait_until 20 att_has talk got-INT
check "... and berth attach ends with it" wait_until 20 att_done talk
check "... with its exit code 7" test "$(att_rc talk)" = 7
check "... ps -a lists talk as Exited (7)" wait_until 10 ps_a_has 'Exited \(7\)' talk
check_output "attach to a container that does not run says to start it" "start it first" berth attach talk
check "berth run -d another one" berth run -d --name calm $IMAGE sh -c 'while :; do echo calm-tick; sleep 0.2; done'
check "... ticks" wait_until 20 logs_have calm calm-tick
check_output "attach with input piped in says the container has no stdin" "no standard input to attach to" \
        nspawn_run sh -c 'echo input | berth attach calm'
check "... and exits at once" nspawn_run_timeout 10 sh -c '! echo input | berth attach calm'
attach_bg calm --sig-proxy=false calm
check "berth attach --sig-proxy=false shows its output" wait_until 20 att_has calm calm-tick
check "... SIGTERM ends berth attach" att_kill calm TERM
check "... which ends" wait_until 20 att_done calm
check "... but not the container" ps_a_has 'Up ' calm
if command -v script >/dev/null; then
        attach_tty() { nspawn_run sh -c 'sleep 1; printf "\020\021"; sleep 5' |
                nspawn_run_timeout 20 script -qec 'berth attach calm' /dev/null; }
        check "on a terminal, ctrl-p ctrl-q detaches (exit 0)" attach_tty
        check "... the container still runs" ps_a_has 'Up ' calm
fi
check "berth rm -f talk calm" berth rm -f talk calm
py='import signal, sys, time
signal.signal(signal.SIGTERM, lambda *a: sys.exit(print("py-got-TERM", flush=True) or 3))
while True:
    print("py-tick", flush=True); time.sleep(0.2)'
check "berth run -d the glibc image (python3 ticking, exit 3 on SIGTERM)" berth run -d --name pyt localhost/glibc \
        python3 -c "$py"
check "... ticks" wait_until 20 logs_have pyt py-tick
attach_bg pyt pyt
check "berth attach pyt shows its output" wait_until 20 att_has pyt py-tick
check "... passes SIGTERM on" att_kill pyt TERM
check "... python got it" wait_until 20 att_has pyt py-got-TERM
check "... berth attach ends" wait_until 20 att_done pyt
check "... with its exit code 3" test "$(att_rc pyt)" = 3
check "berth rm pyt" berth rm pyt

# --- bash completion of the new verbs, through bash's own completion machinery ---
complete_words() { # the words _berth offers for the command line "$*" (the last word is completed)
        nspawn_run bash -c '. /usr/local/share/bash-completion/completions/berth || exit 1
                COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
                _berth berth "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
complete_has() { complete_words "${@:2}" | grep -qx -- "$1"; }
check "completion: 'berth ren' offers rename" complete_has rename berth ren
check "completion: 'berth container at' offers attach" complete_has attach berth container at
check "completion: 'berth attach b' offers the container busy" complete_has busy berth attach b
check "completion: 'berth rename b' offers busy" complete_has busy berth rename b
check "completion: 'berth cp bu' offers busy:" complete_has busy: berth cp bu
check "completion: 'berth cp --f' offers --follow-link (from its --help)" complete_has --follow-link berth cp --f
check "completion: 'berth attach --s' offers --sig-proxy" complete_has --sig-proxy berth attach --s

check "berth rm -f busy" berth rm -f busy
check "no berth-runtime process is left" bash -c '! grep -qx berth-runtime <<<"$1"' _ \
        "$(nspawn_run sh -c 'cat /proc/[0-9]*/comm 2>/dev/null')"
done_testing
