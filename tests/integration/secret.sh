#!/bin/bash
# Secrets and environment values stay out of what other local users can read (issue 16, item 2):
# `systemctl show` and `berth inspect` as an unprivileged user show neither a -e / Environment= value
# nor a secret, while the container gets them (a file at /run/secrets/NAME, or a variable).
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"

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

# berth run's root-only environment file goes when the unit is collected, not before: a restart reads
# it again, and a failed unit (not --rm) stays for `berth start`.
PRIV=/run/berth/private
check "berth run -d -e: a private environment file" berth run -d --name pe -e PASS=pe-value-3 $IMAGE sleep 1000
check "... in $PRIV, root's only" nspawn_run sh -c "test \"\$(stat -c %a $PRIV/berth-pe.service.env)\" = 600"
check "berth restart of it" berth restart pe
check_output "... still finds the value" pe-value-3 berth exec pe sh -c 'echo $PASS'
check "berth stop: the unit is collected" berth stop pe
check "... and its private file is removed" nspawn_run sh -c "i=0; while [ -e $PRIV/berth-pe.service.env ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done; ! test -e $PRIV/berth-pe.service.env"
check_fails "berth run --rm of a failing command" berth run --rm --name pe2 -e A=pe2 $IMAGE false
check "... leaves no private file" nspawn_run sh -c "i=0; while [ -e $PRIV/berth-pe2.service.env ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done; ! test -e $PRIV/berth-pe2.service.env"
berth run -d --name pe3 -e A=pe3 $IMAGE sh -c 'exit 3' >/dev/null 2>&1
check "a failed container without --rm stays (berth ps -a)" nspawn_run sh -c \
        "i=0; until systemctl is-failed -q berth-pe3.service || [ \$i -ge 50 ]; do sleep 0.1; i=\$((i + 1)); done; systemctl is-failed -q berth-pe3.service"
check "... and keeps its private file for berth start" nspawn_run test -e $PRIV/berth-pe3.service.env
berth rm -f pe3 >/dev/null 2>&1

check "berth secret rm tok" berth secret rm tok
check_fails "... then a container using it does not start" berth run --rm --secret tok $IMAGE true
check_output "... and says which secret is missing" "secret 'tok'" berth run --rm --secret tok $IMAGE true

done_testing
