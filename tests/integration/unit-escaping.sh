#!/bin/bash
# '$' and '%' in the units berth writes (issue 16, item 5). What a user types on the command line
# reaches the container literally, as with docker: `berth run IMG echo '$HOME' '%n'` prints $HOME and
# %n, not systemd's expansions. In definition files both keep systemd's meaning (Quadlet's rule), and
# '$$' and '%%' are the literals.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"

IMAGE=localhost/busybox
nspawn_prepare
mkdir -p "$NSPAWN_DIR/etc-berth"
cat >"$NSPAWN_DIR/etc-berth/lit.container" <<'EOF2'
[Container]
Image=localhost/busybox
Environment=E1=$$HOME E2=%%n
Exec=sh -c 'echo "literal $$1 %%n E1=$$E1 E2=$$E2 unit=%n"' sh $$HOME
EOF2
nspawn_import_image $IMAGE
NSPAWN_ETC_BERTH=$NSPAWN_DIR/etc-berth
nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

berth() { nspawn_run_timeout 60 berth "$@"; }

# shellcheck disable=SC2016 # the '$' are the point
check_output "berth run IMG echo '\$HOME' '%n' '\${HOME}' prints them as typed" '$HOME %n ${HOME} $$ %%' \
        berth run --rm $IMAGE echo '$HOME' '%n' '${HOME}' '$$' '%%'
# shellcheck disable=SC2016
check_output "-e A='\${B}' and -e C='%n' reach the container literally" 'A=${B} C=%n' \
        berth run --rm -e 'A=${B}' -e 'C=%n' $IMAGE sh -c 'echo "A=$A C=$C"'
# shellcheck disable=SC2016
# (the container stays up: an exited detached container's unit is collected, so berth logs would race it)
berth run -d --name lit-d $IMAGE sh -c 'echo "$0 $1"; exec sleep 60' '$HOME' '%n' >/dev/null
lit_logged() { berth logs lit-d | grep -q '^\$HOME %n$'; }
check "... also detached, in berth logs" wait_until 10 lit_logged
berth rm -f lit-d >/dev/null 2>&1

# shellcheck disable=SC2016
check "a definition's \$\$HOME and %%n are literals" nspawn_run systemctl start lit.service
# shellcheck disable=SC2016
check_output "... in Exec= and Environment=, and %n is the unit's name" 'literal $HOME %n E1=$HOME E2=%n unit=lit.service' \
        nspawn_journal -u lit.service -o cat

done_testing
