#!/bin/bash
# The manual follows the code: every verb `berth --help` lists is in berth(1)'s command list; every
# berth-*(1) page is in its SEE ALSO; every `berth container` sub-command is in berth-container(1);
# and every long option in the option tables (and literal "--option" tests) of a command group's
# sources is in that group's page. No root, no container: it reads the build and the sources.
set -u
. "$(dirname "$0")/../lib/tap.sh"
cd "$TOP"
BERTH=$BERTH_BUILD/berth
[ -x "$BERTH" ] || skip_all "no build at $BERTH_BUILD"

verbs=$("$BERTH" --help | sed -n 's/^  \([a-z]\+\) .*/\1/p')
missing=$(for v in $verbs; do grep -qE "^\.B $v( |$)" man/berth.1 || echo "$v"; done | tr '\n' ' ')
check "every verb of berth --help is in berth(1): ${missing:-all}" test -z "$missing"

see_also=$(sed -n '/^\.SH SEE ALSO/,$p' man/berth.1)
missing=$(for p in man/berth-*.1; do p=${p#man/}; p=${p%.1}; grep -q "^\.BR $p (1)" <<<"$see_also" || echo "$p"; done | tr '\n' ' ')
check "every berth-*(1) page is in berth(1)'s SEE ALSO: ${missing:-all}" test -z "$missing"

subs=$("$BERTH" container --help | sed -n 's/^  \([a-z]\+\)$/\1/p')
missing=$(for s in $subs; do grep -qw -- "$s" man/berth-container.1 || echo "$s"; done | tr '\n' ' ')
check "every berth container sub-command is in berth-container(1): ${missing:-all}" test -z "$missing"

# long_options FILE...: the long options the sources accept, but --help
long_options() {
        { grep -ohE '\{ "[a-z][a-z0-9-]*", (no|required|optional)_argument' "$@" | cut -d'"' -f2
          grep -ohE 'streq\([^)]*"--[a-z][a-z0-9-]*"\)' "$@" | grep -oE -- '--[a-z][a-z0-9-]*' | cut -c3-
        } | grep -vx help | sort -u
}
# page_covers PAGE FILE...: each long option appears as \-\-OPTION in the page
page_covers() {
        local page=$1 o missing=
        shift
        for o in $(long_options "$@"); do
                grep -qF -- "\\-\\-${o//-/\\-}" "man/$page" || missing="$missing $o"
        done
        [ -z "$missing" ] || { echo "not in $page:$missing"; return 1; }
}
# subcommands FILE: the sub-commands a group's source dispatches ({ "NAME", function } tables, streq(sub, "NAME"))
subcommands() {
        { grep -ohE '\{ "[a-z]+", [a-z_]+ \}' "$1" | cut -d'"' -f2
          grep -ohE 'streq\((sub|argv\[1\]), "[a-z]+"\)' "$1" | cut -d'"' -f2
        } | grep -vx help | sort -u
}
page_has_subcommands() { # PAGE FILE
        local s missing=
        for s in $(subcommands "$2"); do
                grep -qE "(^|[^a-z-])$s([^a-z-]|$)" "man/$1" || missing="$missing $s"
        done
        [ -z "$missing" ] || { echo "not in $1:$missing"; return 1; }
}
for g in image network volume pod secret system; do
        check "berth-$g(1) has every sub-command of berth $g" page_has_subcommands berth-$g.1 cli/$g.c
done
check "berth-image(1) has every option of image, load and save" page_covers berth-image.1 cli/image.c cli/load.c cli/save.c
check "berth-network(1) has every option of network (and of ls and rm)" page_covers berth-network.1 cli/network.c cli/object-verbs.c
check "berth-volume(1) has every option of volume (and of ls and rm)" page_covers berth-volume.1 cli/volume.c cli/object-verbs.c
check "berth-pod(1) has every option of pod (and of ls and rm)" page_covers berth-pod.1 cli/pod.c cli/object-verbs.c
check "berth-secret(1) has every option of secret" page_covers berth-secret.1 cli/secret.c
check "berth-system(1) has every option of system and info" page_covers berth-system.1 cli/system.c cli/info.c
check "berth-container(1) has every option of wait, top, stats, update, rename, cp and attach" \
        page_covers berth-container.1 cli/wait.c cli/top.c cli/stats.c cli/update.c cli/rename.c cli/cp.c cli/attach.c
check "berth-pull(1) has every option of pull" page_covers berth-pull.1 cli/pull.c
check "berth-logs(1) has every option of logs" page_covers berth-logs.1 cli/logs.c
check "berth-exec(1) has every option of exec" page_covers berth-exec.1 cli/exec.c
check "berth-ps(1) has every option of ps" page_covers berth-ps.1 cli/ps.c
check "berth-build(1) has every option of build" page_covers berth-build.1 cli/build.c
check "man -l renders each berth(1) page without warnings" bash -c 'for p in man/berth*.1; do
        out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null) || { echo "$p failed"; exit 1; }
        [ -z "$out" ] || { echo "$p: $out"; exit 1; }; done'
done_testing
