#!/bin/bash
# Secrets and environment values stay out of what other local users can read (issue 16, item 2):
# `systemctl show` and `berth inspect` as an unprivileged user show neither a -e / Environment= value
# nor a secret, while the container gets them (a file at /run/secrets/NAME, or a variable).
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"
. "$(dirname "$0")/../lib/real-image.sh"

IMAGE=localhost/busybox
nspawn_prepare
mkdir -p "$NSPAWN_DIR/etc-berth"
cat >"$NSPAWN_DIR/etc-berth/defsecret.container" <<'EOF2'
[Container]
Image=localhost/busybox
Environment=PASS=def-env-value-1
Secret=tok
Secret=tok,type=env,target=TOKEN
Exec=sleep 1000
StopTimeout=1
EOF2
nspawn_import_image $IMAGE
# A glibc image (the host's programs and python3): the secret read by a dynamically linked program.
host_tar=$(real_image_host_tar) && rc=0 || rc=$?
tap_result $rc "a root of the host's glibc programs (cached in $REAL_IMAGE_CACHE)"
check "import it as localhost/glibc" env BERTH_STORAGE_DIR="$NSPAWN_STORAGE" "$BERTH_BUILD/berth" image import "$host_tar" localhost/glibc
NSPAWN_ETC_BERTH=$NSPAWN_DIR/etc-berth
nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

berth() { nspawn_run_timeout 60 berth "$@"; }
as_nobody() { nspawn_run setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
lacks() { # what command...: the output of command has no what
        local what=$1 out
        shift
        out=$("$@" 2>&1)
        [[ "$out" != *"$what"* ]] || { diag "found '$what' in: $out"; return 1; }
}

check_output "berth secret create tok - stores a secret" tok \
        nspawn_run sh -c 'printf secret-value-42 | berth secret create tok -'
check_output "berth secret ls lists it" tok berth secret ls
check "... its file is root's only" nspawn_run sh -c \
        'test "$(stat -c %a /var/lib/berth/secrets)" = 700 && test "$(stat -c %a /var/lib/berth/secrets/tok)" = 600'
check "berth secret inspect does not print the value" lacks secret-value-42 berth secret inspect tok
check_fails "a second create of the same name is refused" \
        nspawn_run sh -c 'printf x | berth secret create tok -'

check "berth run -d -e PASS=... --secret tok --secret tok,type=env" berth run -d --name sec -e PASS=run-env-value-7 \
        --secret tok --secret tok,type=env,target=TOKEN $IMAGE sleep 1000
check_output "the container has the -e value" run-env-value-7 berth exec sec sh -c 'echo $PASS'
check_output "... the secret as a file at /run/secrets/tok" secret-value-42 berth exec sec cat /run/secrets/tok
check_output "... and as the variable TOKEN" secret-value-42 berth exec sec sh -c 'echo $TOKEN'
check_fails "... which the container cannot write" berth exec sec sh -c 'echo x >/run/secrets/tok'
check "systemctl show as another user has no -e value" lacks run-env-value-7 \
        as_nobody systemctl show berth-sec.service
check "berth inspect as another user has no -e value" lacks run-env-value-7 as_nobody berth inspect sec
check_output "... root's berth inspect has it" run-env-value-7 berth inspect sec
check "no process's command line has it" lacks run-env-value-7 nspawn_run sh -c 'cat /proc/[0-9]*/cmdline | tr "\0" " "'
berth rm -f sec >/dev/null 2>&1

check "a definition with Environment= and Secret= starts" nspawn_run systemctl start defsecret.service
check_output "... the container has the Environment= value" def-env-value-1 berth exec defsecret sh -c 'echo $PASS'
check_output "... and the secret, as a file and a variable" "secret-value-42 secret-value-42" \
        berth exec defsecret sh -c 'echo $(cat /run/secrets/tok) $TOKEN'
check "systemctl show as another user has no Environment= value" lacks def-env-value-1 \
        as_nobody systemctl show defsecret.service
check "systemctl cat as another user neither" lacks def-env-value-1 as_nobody systemctl cat defsecret.service
check "berth inspect as another user neither" lacks def-env-value-1 as_nobody berth inspect defsecret
nspawn_run systemctl stop defsecret.service

# Mounted secrets are the container's files (podman's uid=, gid=, mode=; 0, 0 and 0444 by default), so a
# user other than root reads them, and so does the container's root under a user namespace; the store
# stays root's only.
readsec='cat "$0" 2>/dev/null || echo refused'
check_output "a non-root user reads a mounted secret (default 0444)" secret-value-42 \
        berth run --rm --user 1000:1000 --secret tok $IMAGE sh -c "$readsec" /run/secrets/tok
check_output "uid=, gid=, mode= give the file's owner and mode" "1000:1001 400" \
        berth run --rm --secret tok,uid=1000,gid=1001,mode=0400,target=/s/t $IMAGE stat -c '%u:%g %a' /s/t
check_output "... which its owner reads" secret-value-42 \
        berth run --rm --user 1000:1000 --secret tok,uid=1000,mode=0400 $IMAGE sh -c "$readsec" /run/secrets/tok
check_output "... and another user does not" refused \
        berth run --rm --user 1001:1001 --secret tok,uid=1000,mode=0400 $IMAGE sh -c "$readsec" /run/secrets/tok 2>/dev/null
check_output "--userns=auto: the container's root owns and reads it" "0:0 444 secret-value-42" \
        berth run --rm --userns=auto --secret tok $IMAGE sh -c 'echo $(stat -c "%u:%g %a" /run/secrets/tok) $(cat /run/secrets/tok)'
check_output "--userns=auto with uid=: the container's user reads it" secret-value-42 \
        berth run --rm --userns=auto --user 1000:1000 --secret tok,uid=1000,mode=0400 $IMAGE sh -c "$readsec" /run/secrets/tok
check_output "glibc image: python3 as a non-root user reads it" "secret-value-42 444" \
        berth run --rm --user 1000:1000 --secret tok localhost/glibc /usr/bin/python3 -c \
        'import os; print(open("/run/secrets/tok").read(), oct(os.stat("/run/secrets/tok").st_mode & 0o777)[2:])'
check "while it runs, the container's copy is in a root-only directory" berth run -d --name secd --secret tok $IMAGE sleep 1000
check "... mode 0700" nspawn_run sh -c 'test "$(stat -c %a /run/berth/containers/secd/secrets)" = 700'
berth rm -f secd >/dev/null 2>&1
check "... and gone with the container" nspawn_run sh -c 'i=0; while [ -e /run/berth/containers/secd ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done; ! test -e /run/berth/containers/secd'
check_output "mode= with type=env is refused" "uid, gid and mode for type=mount only" \
        berth run --rm --secret tok,type=env,mode=0400 $IMAGE true
check_fails "a mode that is not octal up to 0777 is refused" berth run --rm --secret tok,mode=0999 $IMAGE true

# berth run's root-only environment file stays while the container can start again: through a
# restart, and for a container without --rm (stopped or failed) until `berth rm`; with --rm it goes
# when the unit ends.
PRIV=/run/berth/private
no_file() { nspawn_run sh -c "i=0; while [ -e $PRIV/$1 ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done; ! test -e $PRIV/$1"; }
check "berth run -d -e: a private environment file" berth run -d --name pe -e PASS=pe-value-3 $IMAGE sleep 1000
check "... in $PRIV, root's only" nspawn_run sh -c "test \"\$(stat -c %a $PRIV/berth-pe.service.env)\" = 600"
check "berth restart of it" berth restart pe
check_output "... still finds the value" pe-value-3 berth exec pe sh -c 'echo $PASS'
check "berth stop pe" berth stop pe
check "... keeps its private file for berth start" nspawn_run test -e $PRIV/berth-pe.service.env
check "berth start pe" berth start pe
check_output "... finds the value again" pe-value-3 berth exec pe sh -c 'echo $PASS'
check "berth rm -f pe" berth rm -f pe
check "... removes its private file" no_file berth-pe.service.env
check_fails "berth run --rm of a failing command" berth run --rm --name pe2 -e A=pe2 $IMAGE false
check "... leaves no private file" no_file berth-pe2.service.env
berth run -d --name pe3 -e A=pe3 $IMAGE sh -c 'exit 3' >/dev/null 2>&1
pe3_listed() { berth ps -a | grep -q "Exited (3).* pe3$"; }
check "a failed container without --rm stays (berth ps -a)" wait_until 10 pe3_listed
check "... and keeps its private file for berth start" nspawn_run test -e $PRIV/berth-pe3.service.env
check "berth rm pe3" berth rm pe3
check "... removes it" no_file berth-pe3.service.env

check "berth secret rm tok" berth secret rm tok
check_fails "... then a container using it does not start" berth run --rm --secret tok $IMAGE true
check_output "... and says which secret is missing" "secret 'tok'" berth run --rm --secret tok $IMAGE true

done_testing
