#!/bin/bash
# Docker's container life before and around `run`, under a booted systemd, on busybox and on a glibc
# image of Debian's programs (tests/lib/real-image.sh):
#   - `berth create` (and `container create`) records a container without starting a unit, prints its
#     64-hex ID; ps -a says Created, inspect State.Status created; `start` runs it; `rm` removes it
#   - anonymous volumes (-v /dst, --mount type=volume,dst=/dst): a 64-hex volume each, listed by
#     `volume ls`, kept by `rm`, removed by `rm -v` (named volumes stay) and by --rm
#   - --volumes-from NAME[:ro]: the other container's volumes and binds at the same paths
#   - --shm-size: the size of /dev/shm
#   - exit statuses as Docker's: 125 berth failed, 126 not executable, 127 not found, else the
#     container's
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
# an image with VOLUME /vol (Docker gives each run an anonymous volume there)
make_busybox_tar "$NSPAWN_DIR/withvol.tar" &&
        check "import a busybox image with VOLUME /vol" env BERTH_STORAGE_DIR="$NSPAWN_STORAGE" "$BERTH_BUILD/berth" \
        image import -c 'VOLUME /vol' "$NSPAWN_DIR/withvol.tar" localhost/withvol
# Quadlet's ShmSize= and PodmanArgs=--shm-size: generator-made units that print their /dev/shm
mkdir -p "$NSPAWN_DIR/etc-berth"
printf '[Container]\nImage=%s\nExec=df -k /dev/shm\nShmSize=96M\n\n[Install]\nWantedBy=multi-user.target\n' \
        "$IMAGE" >"$NSPAWN_DIR/etc-berth/shmkey.container"
printf '[Container]\nImage=%s\nExec=df -k /dev/shm\nPodmanArgs=--shm-size=80M\n\n[Install]\nWantedBy=multi-user.target\n' \
        "$IMAGE" >"$NSPAWN_DIR/etc-berth/shmargs.container"
NSPAWN_ETC_BERTH=$NSPAWN_DIR/etc-berth
nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

berth() { nspawn_run_timeout 60 berth "$@"; }
unit_gone() { [ "$(nspawn_run systemctl show -P LoadState "$1")" = not-found ]; }
ps_a_has() { berth ps -a | grep -E "$1" | grep -q " $2\$"; }
status_of() { # expected-status command...: the exit status of berth is exactly that
        local want=$1 rc
        shift
        nspawn_run_timeout 60 berth "$@" >/dev/null 2>&1 && rc=0 || rc=$?
        [ "$rc" -eq "$want" ] || { echo "exit status $rc, expected $want"; return 1; }
}
volumes() { berth volume ls --format '{{.Name}}' | sort; }
out_is() { # expected command...: the command's output is exactly that
        local want=$1 out
        shift
        out=$("$@") || { printf '%s\n' "$out"; return 1; }
        [ "$out" = "$want" ] || { echo "output: $out"; return 1; }
}
state_is() { [ "$(berth inspect "$1" | jq -r '.[0].State.Status')" = "$2" ]; }
anonymous_labelled() {
        for v in "$@"; do
                berth volume inspect "$v" | jq -e '.[0].Labels | has("com.docker.volume.anonymous")' || return 1
        done
}

# --- create: a record, no unit ---
id=$(berth create --name made -e GREETING=hello $IMAGE sh -c 'echo "$GREETING from made" >>/log; cat /log')
check "berth create prints a 64-hex ID" grep -qxE '[0-9a-f]{64}' <<<"$id"
check "... no unit berth-made.service was started" unit_gone berth-made.service
check "... ps -a lists it as Created" ps_a_has ' Created ' made
check "... with the same ID" test "$(berth ps -a --format json | jq -r '.[] | select(.Names == "made") | .ID')" = "$id"
check "... berth ps (without -a) does not" bash -c '! grep -q " made$" <<<"$1"' _ "$(berth ps)"
check "... inspect: State.Status created, Running false, Id the ID" \
        test "$(berth inspect made | jq -r '.[0] | "\(.State.Status) \(.State.Running) \(.Id)"')" = "created false $id"
check_fails "create --name made again is refused: the name is in use" berth create --name made $IMAGE true
check "berth start made runs it" berth start made
made_ran() { berth logs made | grep -q "hello from made"; }
check "... its output (with its environment) is in its logs" wait_until 20 made_ran
check "... ps -a: Exited (0)" wait_until 20 ps_a_has 'Exited \(0\)' made
check "... inspect: State.Status exited" wait_until 10 state_is made exited
check "berth rm made" berth rm made
check "... gone from ps -a" bash -c '! grep -q " made$" <<<"$1"' _ "$(berth ps -a)"
check "... its record is gone" nspawn_run test ! -e /var/lib/berth/containers/made.json
check "berth container create works too" berth container create --name made2 $IMAGE true
check "... and berth container rm removes it" berth container rm made2

# create checks what run checks, with Docker's status 125, and leaves nothing behind
check "create with an unknown option: status 125" status_of 125 create --bogus $IMAGE true
check "create of an image not in the store: status 125" status_of 125 create --name nope localhost/nothing true
check "create --shm-size 0 is refused: status 125" status_of 125 create --shm-size 0 $IMAGE true
check "... and left no record" bash -c '! grep -q " nope$" <<<"$1"' _ "$(berth ps -a)"

# --- anonymous volumes ---
check "a named volume keep" berth volume create keep
before=$(volumes)
check "berth create with -v /anon, --mount type=volume,dst=/m and -v keep:/named" \
        berth create --name anon -v /anon --mount type=volume,dst=/m -v keep:/named $IMAGE \
        sh -c 'echo a >/anon/f; echo m >/m/f; echo n >/named/f'
new=$(comm -13 <(echo "$before") <(volumes))
check "... two new volumes, each a 64-hex name" test "$(grep -cxE '[0-9a-f]{64}' <<<"$new")" = 2
check "... labelled com.docker.volume.anonymous, as Docker labels them" anonymous_labelled $new
check "berth start anon" berth start anon
check "... it ends" wait_until 20 ps_a_has 'Exited \(0\)' anon
for v in $new; do
        check "... volume ${v:0:12} holds what it wrote" nspawn_run test -s /var/lib/berth/volumes/$v/_data/f
done
check "berth rm anon (without -v) keeps the anonymous volumes" berth rm anon
check "... volume ls still lists them" test "$(comm -13 <(echo "$before") <(volumes))" = "$new"
check "berth create anon2 -v /anon, then rm -v" berth create --name anon2 -v /anon -v keep:/named $IMAGE true
anon2=$(comm -13 <( (echo "$before"; echo "$new") | sort) <(volumes))
check "... one new anonymous volume" grep -qxE '[0-9a-f]{64}' <<<"$anon2"
check "berth rm -v anon2" berth rm -v anon2
check "... removes its anonymous volume" bash -c '! grep -qx "$1" <<<"$2"' _ "$anon2" "$(volumes)"
check "... the named volume keep stays" grep -qx keep <<<"$(volumes)"
check "... and so do the other container's" test "$(comm -13 <(echo "$before") <(volumes))" = "$new"
for v in $new; do berth volume rm "$v" >/dev/null; done

before=$(volumes)
check "berth run --rm -v /scratch: the container writes to it" \
        berth run --rm --name rmanon -v /scratch $IMAGE sh -c 'echo x >/scratch/f; test -s /scratch/f'
check "... and its anonymous volume is gone with it" test "$(volumes)" = "$before"
check "... as is its record" nspawn_run test ! -e /var/lib/berth/containers/rmanon.json
check "berth run -d --rm -v /scratch" berth run -d --rm --name rmanond -v /scratch $IMAGE true
check "... its unit ends" wait_until 20 unit_gone berth-rmanond.service
check "... its anonymous volume is gone" wait_until 10 test "$(volumes)" = "$before"
check "berth create --rm -v /scratch, then start" berth create --rm --name rmcreate -v /scratch $IMAGE true
check "... it has an anonymous volume until it runs" test "$(volumes)" != "$before"
check "... start" berth start rmcreate
rm_created_gone() { ! berth ps -a | grep -q " rmcreate$"; }
check "... after its run it is removed" wait_until 20 rm_created_gone
check "... with its anonymous volume" wait_until 10 test "$(volumes)" = "$before"

# the image's VOLUME entries
before=$(volumes)
check "berth run of an image with VOLUME /vol: it writes there" \
        berth run --name iv localhost/withvol sh -c 'echo v >/vol/f'
iv=$(comm -13 <(echo "$before") <(volumes))
check "... into an anonymous volume, as Docker makes one" \
        nspawn_run test -s "/var/lib/berth/volumes/$(grep -xE '[0-9a-f]{64}' <<<"$iv")/_data/f"
check "... berth rm -v iv removes it" berth rm -v iv
check "... gone" test "$(volumes)" = "$before"
check "-v keep:/vol takes the place of the image's volume" \
        berth run --rm -v keep:/vol localhost/withvol sh -c 'test -s /vol/f'
check "... no anonymous volume is made" test "$(volumes)" = "$before"
check "--tmpfs /vol too" berth run --rm --tmpfs /vol localhost/withvol sh -c 'grep -q " /vol tmpfs" /proc/mounts'
check "... no anonymous volume is made" test "$(volumes)" = "$before"
check "berth run --rm of it leaves no volume behind" berth run --rm localhost/withvol true
check "... none" test "$(volumes)" = "$before"

# --- --volumes-from ---
nspawn_run mkdir -p /srv/bound
nspawn_run sh -c 'echo from-bind >/srv/bound/f'
check "berth run a source container with -v keep:/named, -v /srv/bound:/bound and -v /anon" \
        berth run --name src -v keep:/named -v /srv/bound:/bound -v /anon $IMAGE sh -c 'echo from-src >/anon/f'
check "--volumes-from src sees its volume, bind and anonymous volume at the same paths" \
        out_is "from-src from-bind n" berth run --rm --volumes-from src $IMAGE \
        sh -c 'echo $(cat /anon/f /bound/f /named/f)'
check "--volumes-from src:ro mounts them read-only" berth run --rm --volumes-from src:ro $IMAGE \
        sh -c '! touch /anon/g 2>/dev/null && ! touch /bound/g 2>/dev/null && test -s /named/f'
check "--volumes-from src:rw writes" berth run --rm --volumes-from src:rw $IMAGE sh -c 'touch /anon/g'
check "--volumes-from of an unknown container: status 125" status_of 125 run --rm --volumes-from nosuch $IMAGE true
check "--volumes-from src:bogus: status 125" status_of 125 run --rm --volumes-from src:bogus $IMAGE true
complete_words() { # the words _berth offers for the command line "$*" (the last word is completed)
        nspawn_run bash -c '. /usr/local/share/bash-completion/completions/berth || exit 1
                COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
                _berth berth "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
offers() { # word command line...
        local w=$1
        shift
        complete_words "$@" | grep -qx -- "$w"
}
check "completion: 'berth cr' offers create" offers create berth cr
check "... 'berth container cr' too" offers create berth container cr
check "... 'berth create --volumes-f' offers --volumes-from" offers --volumes-from berth create --volumes-f
check "... 'berth run --shm' offers --shm-size" offers --shm-size berth run --shm
check "... 'berth run --volumes-from ' offers the container src" offers src berth run --volumes-from ""
check "... 'berth create ' offers the images" offers $IMAGE:latest berth create ""
check "berth rm -v src" berth rm -v src
check "... keeps the named volume" grep -qx keep <<<"$(volumes)"

# --- --shm-size ---
check_output "/dev/shm is 64M by default, as in Docker" "65536" berth run --rm $IMAGE df -k /dev/shm
check_output "--shm-size 128M makes it 128M" "131072" berth run --rm --shm-size 128M $IMAGE df -k /dev/shm
check "... and a 100M file fits in it" berth run --rm --shm-size 128M $IMAGE \
        dd if=/dev/zero of=/dev/shm/big bs=1M count=100
check_fails "... which does not fit in the default" berth run --rm $IMAGE dd if=/dev/zero of=/dev/shm/big bs=1M count=100

shm_of_unit() { nspawn_journal -o cat -u "$1" | grep -q " $2 .*/dev/shm"; }
check "ShmSize=96M in a .container: its /dev/shm is 96M" wait_until 20 shm_of_unit shmkey.service 98304
check "PodmanArgs=--shm-size=80M: 80M" wait_until 20 shm_of_unit shmargs.service 81920
nspawn_run sh -c "printf '[Container]\nImage=x\nShmSize=0\n' >/badshm.container"
check_output "berth check refuses ShmSize=0, naming file, line and key" "badshm.container:3" \
        berth check /badshm.container

# --- exit statuses ---
check "run of a command that exits 3: 3" status_of 3 run --rm $IMAGE sh -c 'exit 3'
check "run with an unknown option: 125" status_of 125 run --rm --bogus $IMAGE true
check "run of an image not in the store: 125" status_of 125 run --rm localhost/nothing true
check "run of a command that is not there: 127" status_of 127 run --rm $IMAGE /no/such/command
check "run of a command name not on PATH: 127" status_of 127 run --rm $IMAGE no-such-command
nspawn_run sh -c 'printf "not a program" >/srv/bound/plain; chmod 644 /srv/bound/plain'
check "run of a file that is not executable: 126" status_of 126 run --rm -v /srv/bound:/b $IMAGE /b/plain
check "run of a directory: 126" status_of 126 run --rm $IMAGE /etc
check "run -d of a command that is not there: 127, as docker run -d" status_of 127 run -d --name notfound $IMAGE /no/such/command
check "... ps -a: Exited (127)" wait_until 20 ps_a_has 'Exited \(127\)' notfound
check "run -d of a file that is not executable: 126" status_of 126 run -d --rm $IMAGE /etc/passwd
check "run -d of a container that fails later: 0, as docker run -d" status_of 0 run -d --rm $IMAGE sh -c 'sleep 0.2; exit 1'
check "berth rm notfound" berth rm notfound
check "berth run -d a container for exec" berth run -d --name ex $IMAGE sleep 1000
check "exec of a command that exits 4: 4" status_of 4 exec ex sh -c 'exit 4'
check "exec of a command that is not there: 127" status_of 127 exec ex /no/such/command
check "exec of a file that is not executable: 126" status_of 126 exec ex /etc/passwd
check "exec in a container that does not run: 125" status_of 125 exec nosuch true
check "berth rm -f ex" berth rm -f ex

# --- the glibc image ---
py='import os, sys; os.makedirs("/data", exist_ok=True); open("/data/f", "a").write("g"); print("glibc", os.statvfs("/dev/shm").f_blocks * os.statvfs("/dev/shm").f_frsize)'
before=$(volumes)
id=$(berth create --name deb -v /data --shm-size 96M localhost/glibc python3 -c "$py")
check "berth create the glibc image (python3) with -v /data --shm-size 96M" grep -qxE '[0-9a-f]{64}' <<<"$id"
check "... ps -a: Created" ps_a_has ' Created ' deb
deb_vol=$(comm -13 <(echo "$before") <(volumes))
check "... one anonymous volume" grep -qxE '[0-9a-f]{64}' <<<"$deb_vol"
check "berth start deb" berth start deb
deb_ran() { berth logs deb | grep -q "glibc 100663296"; }
check "... python sees a 96M /dev/shm" wait_until 20 deb_ran
check "... and wrote into its anonymous volume" wait_until 10 nspawn_run test -s /var/lib/berth/volumes/$deb_vol/_data/f
check "--volumes-from deb on the glibc image reads it" \
        out_is "g" berth run --rm --volumes-from deb:ro localhost/glibc cat /data/f
check "glibc: a command that is not there: 127" status_of 127 run --rm localhost/glibc no-such-command
check "glibc: a file that is not executable: 126" status_of 126 run --rm localhost/glibc /etc/passwd
check "glibc: python3 exiting 7: 7" status_of 7 run --rm localhost/glibc python3 -c 'import sys; sys.exit(7)'
check "berth rm -v deb" wait_until 10 berth rm -v deb
check "... removes its anonymous volume" test "$(volumes)" = "$before"

check "ps -a lists none of this test's containers any more" \
        bash -c '! grep -qE " (made|anon|anon2|iv|src|notfound|ex|deb|rmcreate)$" <<<"$1"' _ "$(berth ps -a)"
check "no berth-runtime process is left" bash -c '! grep -qx berth-runtime <<<"$1"' _ \
        "$(nspawn_run sh -c 'cat /proc/[0-9]*/comm 2>/dev/null')"
done_testing
