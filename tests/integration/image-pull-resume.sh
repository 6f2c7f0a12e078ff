#!/bin/bash
# berth pull's transfers: plain progress lines, layers downloading at the same time, a pull killed
# mid-way (registry stopped) resumed on the next run with a Range request for the rest only, a
# stalled registry failing with a clear message, --os/--arch and --retry. A counting proxy in front
# of the registry logs every request with the bytes it sent and can slow or stall the transfers.
set -u
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/fixtures.sh"
source "$(dirname "$0")/../lib/registry.sh"
command -v docker-registry >/dev/null || skip_all "docker-registry is not installed (tests/packages.txt)"
command -v skopeo >/dev/null || skip_all "skopeo is not installed (tests/packages.txt)"

BERTH="$BERTH_BUILD/berth"
T=$(mktemp -d /tmp/berth-image-pull-resume.XXXXXX)
export BERTH_STORAGE_DIR=$T/store
PULL_PID=
trap '[ -n "$PULL_PID" ] && kill "$PULL_PID" 2>/dev/null && wait "$PULL_PID"; stop_registries; rm -rf "$T"' EXIT

make_busybox_tar "$T/bb.tar"
make_oci_layout "$T/oci" "$T/bb.tar" >/dev/null
# A second image with two big layers of random data, so transfers last long enough to watch.
make_random_layout "$T/big" 2 1536
start_registry "$T/reg" || { echo "not ok 1 - the registry starts"; exit 1; }
R=$REGISTRY
REG_PORT=${R#*:}
seed_registry "$R" "$T/oci" test/busybox latest
seed_registry "$R" "$T/oci" test/busybox single
skopeo copy -q --dest-tls-verify=false "oci:$T/big:latest" "docker://$R/test/big:latest"
start_counting_proxy "$T/proxy" "$R" || { echo "not ok 1 - the proxy starts"; exit 1; }
P=$COUNTING
PROXY_PORT=${P#*:}
wipe() { for i in $("$BERTH" images -q); do "$BERTH" image rm -f "$i" >/dev/null; done; }
partials() { find "$BERTH_STORAGE_DIR/partial" -type f 2>/dev/null; }
partial_bytes() { local f; f=$(partials | head -n1); [ -n "$f" ] && stat -c %s "$f" || echo 0; }

# --- plain progress: a line as each layer starts and as it ends -----------------------------------------
out=$("$BERTH" pull --progress=plain "$P/test/busybox:single" 2>&1)
diag "$out"
check "plain progress: a 'downloading' line per layer" test "$(grep -c ': downloading ' <<<"$out")" -eq 2
check "plain progress: a 'pull complete' line per layer" test "$(grep -c ': pull complete' <<<"$out")" -eq 2
check "plain progress: lines start with the blob's short id" grep -qE '^[0-9a-f]{12}: downloading [0-9.]+[kM]?B$' <<<"$out"
check "no terminal escapes in plain mode" bash -c '! grep -q $'"'"'\033'"'"' <<<"$1"' _ "$out"
out=$("$BERTH" pull "$P/test/busybox:latest" 2>&1)
check "a present layer is reported as such (not a terminal: plain by default)" grep -q ': already exists' <<<"$out"
check "nothing left in partial/ after a complete pull" test -z "$(partials)"
out=$("$BERTH" pull --progress=tty "$P/test/busybox:single" 2>&1)
check "tty progress redraws in place" grep -q $'\033\\[2K' <<<"$out"

# --- parallel layers -------------------------------------------------------------------------------------
wipe
echo 400000 >"$T/proxy/rate"
"$BERTH" pull -q "$P/test/big:latest" >"$T/pull.out" 2>&1 &
PULL_PID=$!
two_at_once() { [ "$(partials | wc -l)" -ge 2 ]; }
check "both layers download at the same time" wait_until 20 two_at_once
echo 0 >"$T/proxy/rate"
wait "$PULL_PID"
tap_result $? "the parallel pull succeeds"
PULL_PID=
check_output "... and is stored" "$P/test/big" "$BERTH" images

# --- a pull interrupted by a registry stop resumes on the next run ---------------------------------------
wipe
: >"$T/proxy/requests"
echo 300000 >"$T/proxy/rate"
"$BERTH" pull "$P/test/big:latest" >"$T/pull.out" 2>&1 &
PULL_PID=$!
some_bytes() { [ "$(partial_bytes)" -ge 200000 ]; }
check "the pull is under way" wait_until 20 some_bytes
kill "$COUNTING_PID" "$REGISTRY_PID"
wait "$COUNTING_PID" "$REGISTRY_PID" 2>/dev/null
wait "$PULL_PID"
rc=$?
tap_result $((rc == 0)) "the pull fails when the registry goes away (exit status $rc)"
PULL_PID=
diag "$(tail -n 3 "$T/pull.out")"
check "the partial blobs stay for the next run" test -n "$(partials)"
declare -A kept
for f in $(partials); do kept[sha256:${f##*/}]=$(stat -c %s "$f"); done
diag "kept: $(for d in "${!kept[@]}"; do echo -n "$d=${kept[$d]} "; done)"
check_output "nothing was committed" "" "$BERTH" images -q
REGISTRY_PORT=$REG_PORT start_registry "$T/reg"
: >"$T/proxy/requests"
echo 0 >"$T/proxy/rate"
start_counting_proxy "$T/proxy" "$R" "$PROXY_PORT"
check "pulled again after the restart" "$BERTH" pull "$P/test/big:latest"
diag "$(cat "$T/proxy/requests")"
resumed_right() { # every kept blob was asked for from where it stopped, and only the rest came
        local d size
        for d in "${!kept[@]}"; do
                size=$(find "$T/reg/data" -path "*/blobs/sha256/*/${d#sha256:}/data" -exec stat -c %s {} \;)
                grep -qE "^GET /v2/test/big/blobs/$d bytes=${kept[$d]}- 206 $((size - kept[$d]))\$" \
                        "$T/proxy/requests" || return 1
                ! grep -qE "^GET /v2/test/big/blobs/$d - " "$T/proxy/requests" || return 1
        done
}
check "the second run fetched only the rest of each kept blob (Range)" resumed_right
check "the resumed layers are complete" cmp <("$BERTH" image inspect "$P/test/big:latest" | python3 -c \
        'import json,sys; print(json.load(sys.stdin)[0]["Size"])') <(echo $((2 * 1536 * 1024)))
check "partial/ is empty afterwards" test -z "$(partials)"

# --- a stalled registry fails with a clear message -------------------------------------------------------
wipe
echo stall >"$T/proxy/rate"
start=$SECONDS
check_output "a stalled pull fails, saying so" "stalled: no data for 2 seconds" \
        env BERTH_PULL_STALL_TIMEOUT=2 "$BERTH" pull "$P/test/big:latest"
check "... within a few seconds of the stall timeout" test $((SECONDS - start)) -lt 20
echo 0 >"$T/proxy/rate"

# --- prune removes what interrupted pulls left, but not a blob a pull holds -------------------------------
mkdir -p "$BERTH_STORAGE_DIR/partial"
echo leftover >"$BERTH_STORAGE_DIR/partial/0000"
echo busy >"$BERTH_STORAGE_DIR/partial/1111"
python3 -c 'import fcntl,os,sys,time; fd=os.open(sys.argv[1], os.O_RDWR); fcntl.lockf(fd, fcntl.LOCK_EX); print("locked", flush=True); time.sleep(30)' \
        "$BERTH_STORAGE_DIR/partial/1111" >"$T/locker.out" &
LOCKER=$!
wait_until 10 grep -q locked "$T/locker.out"
check "image prune runs" "$BERTH" image prune
check "... and removes a partial blob no pull holds" test ! -e "$BERTH_STORAGE_DIR/partial/0000"
check "... but keeps one a pull holds" test -e "$BERTH_STORAGE_DIR/partial/1111"
kill "$LOCKER"; wait "$LOCKER" 2>/dev/null

# --- options the generated .image units pass ---------------------------------------------------------------
wipe
check "--os/--arch pick a platform" "$BERTH" pull --os linux --arch arm64 "$R/test/busybox:latest"
check_output "... the arm64 one" "arm64" "$BERTH" image inspect "$R/test/busybox:latest"
check_output "--platform and --arch exclude each other" "exclude" "$BERTH" pull --platform linux/amd64 --arch arm64 "$R/test/busybox"
check_output "--retry tries again" "attempt 3 of 3" "$BERTH" pull --retry 2 --retry-delay 0 "127.0.0.1:1/x/y"
check_output "unsupported options are refused by name" "--all-tags is not supported" "$BERTH" pull --all-tags "$R/test/busybox"

done_testing
