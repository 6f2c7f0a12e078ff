#!/bin/bash
# Pulls at unit start, under a real systemd (nspawn) with a registry inside the container (its
# network is private): docker-registry on 127.0.0.1:5000 behind the tests' counting proxy on :5001,
# which can slow or stall transfers; both run as transient units, their data seeded on the host.
#   stall.container   a pull that stalls fails the start, saying so (BERTH_PULL_STALL_TIMEOUT=3)
#   slow.container    a pull slower than TimeoutStartSec=4 but progressing keeps extending the
#                     timeout (EXTEND_TIMEOUT_USEC) and the container runs
#   never.container   Pull=never with the image missing fails, naming the policy
#   again.container   Pull=always pulls even though the image is there
#   user.container    Image=bb.image: the generated bb-image.service runs `berth pull` first
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/registry.sh"
. "$(dirname "$0")/../lib/nspawn.sh"
require_root
command -v systemd-nspawn >/dev/null || skip_all "systemd-nspawn is missing (package systemd-container)"
command -v docker-registry >/dev/null || skip_all "docker-registry is not installed (tests/packages.txt)"
command -v skopeo >/dev/null || skip_all "skopeo is not installed (tests/packages.txt)"
[ -x "$BERTH_BUILD/berth" ] || skip_all "$BERTH_BUILD/berth is not built"

nspawn_prepare
trap 'stop_registries; nspawn_stop' EXIT
REG=$NSPAWN_DIR/reg
ETC=$NSPAWN_DIR/etc-berth
mkdir -p "$ETC" "$NSPAWN_DIR/storage" "$REG/proxy"

# Seed the registry's data dir on the host, then stop this registry: the one inside serves it.
make_busybox_tar "$NSPAWN_DIR/bb.tar"
make_oci_layout "$NSPAWN_DIR/oci" "$NSPAWN_DIR/bb.tar" >/dev/null
make_random_layout "$NSPAWN_DIR/big" 2 1536 "$NSPAWN_DIR/bb.tar"
start_registry "$NSPAWN_DIR/seed" || { echo "not ok 1 - the seeding registry starts"; exit 1; }
seed_registry "$REGISTRY" "$NSPAWN_DIR/oci" test/busybox latest
seed_registry "$REGISTRY" "$NSPAWN_DIR/oci" test/busybox single
skopeo copy -q --dest-tls-verify=false "oci:$NSPAWN_DIR/big:latest" "docker://$REGISTRY/test/big:latest"
skopeo copy -q --dest-tls-verify=false "oci:$NSPAWN_DIR/big:latest" "docker://$REGISTRY/test/slow:latest"
stop_registries
mv "$NSPAWN_DIR/seed/data" "$REG/data"
cat >"$REG/config.yml" <<EOC
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: /srv/reg/data}
http: {addr: 127.0.0.1:5000}
EOC
write_counting_proxy "$REG/proxy"

P=127.0.0.1:5001
container_file() { # NAME IMAGE EXEC [EXTRA [Container] LINES] [[Service] LINES]
        printf '[Container]\nImage=%s\nExec=%s\n%s\n[Service]\n%s\n' "$2" "$3" "${4:-}" "${5:-}" >"$ETC/$1.container"
}
container_file stall "$P/test/big:latest" "echo stall-ran" "" $'Environment=BERTH_PULL_STALL_TIMEOUT=3\nTimeoutStartSec=60'
container_file slow "$P/test/slow:latest" "echo slow-ran" "" $'Environment=BERTH_PULL_STALL_TIMEOUT=20\nTimeoutStartSec=4'
container_file never "$P/test/busybox:latest" "echo never-ran" "Pull=never"
container_file again "$P/test/busybox:single" "echo again-ran" "Pull=always"
container_file user bb.image "sh -c \"test ! -e /etc/group && echo whiteout-of-the-pulled-image\""
printf '[Image]\nImage=%s/test/busybox:single\nArch=amd64\n' "$P" >"$ETC/bb.image"

NSPAWN_ETC_BERTH=$ETC NSPAWN_STORAGE=$NSPAWN_DIR/storage
nspawn_boot --bind="$REG:/srv/reg" && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

check "start the registry inside" nspawn_run systemd-run -q --unit=test-registry docker-registry serve /srv/reg/config.yml
check "start the counting proxy inside" nspawn_run systemd-run -q --unit=test-proxy \
        python3 /srv/reg/proxy/proxy.py 5001 127.0.0.1:5000 /srv/reg/proxy
registry_up() { nspawn_run curl -sf -o /dev/null "http://$P/v2/"; }
check "the registry answers through the proxy" wait_until 30 registry_up

unit_prop() { nspawn_run systemctl show -P "$2" "$1.service"; }
unit_state_is() { [ "$(nspawn_run systemctl is-active "$1.service")" = "$2" ]; }
journal_has() { nspawn_journal -u "$1.service" -o cat | grep -qF -- "$2"; }
settled() { local s; s=$(nspawn_run systemctl is-active "$1.service"); [ "$s" = inactive ] || [ "$s" = failed ]; }

check_output "the generator passes Pull= to the runtime" "--pull=never" nspawn_run systemctl cat never.service

# --- a stalled pull fails the start with a clear message ---------------------------------------------------
echo stall >"$REG/proxy/rate"
nspawn_run systemctl start --no-block stall.service
check "stall.service fails" wait_until 40 unit_state_is stall failed
check "... saying the pull stalled" journal_has stall "stalled: no data for 3 seconds"
check "... not by systemd's start timeout" bash -c '[ "$1" != timeout ]' _ "$(unit_prop stall Result)"
diag "stall.service: Result=$(unit_prop stall Result); $(nspawn_journal -u stall.service -o cat | grep -i stalled | head -n 2)"

# --- a slow but progressing pull outlasts TimeoutStartSec ---------------------------------------------------
echo 150000 >"$REG/proxy/rate"
start=$SECONDS
nspawn_run systemctl start --no-block slow.service
check "slow.service ran its container" wait_until 90 journal_has slow "slow-ran"
took=$((SECONDS - start))
check "slow.service ended successfully" wait_until 20 settled slow
check_output "... Result=success" "success" unit_prop slow Result
check "the pull took longer than TimeoutStartSec=4 ($took s)" test "$took" -gt 4
check "the journal shows the layers' progress" journal_has slow ": pull complete"
echo 0 >"$REG/proxy/rate"

# --- Pull=never, Pull=always ---------------------------------------------------------------------------------
nspawn_run systemctl start --no-block never.service
check "never.service fails: the image is missing" wait_until 30 unit_state_is never failed
check "... naming the pull policy" journal_has never "pull policy is 'never'"
: >"$REG/proxy/requests"
check "again.service runs" nspawn_run_timeout 60 systemctl start again.service
check "... its container ran" wait_until 20 journal_has again "again-ran"
check "Pull=always pulled (the registry got the manifest request)" grep -q "manifests/single" "$REG/proxy/requests"
: >"$REG/proxy/requests"
nspawn_run_timeout 60 systemctl restart again.service
check "... and pulls again on the next start" wait_until 20 grep -q "manifests/single" "$REG/proxy/requests"

# --- an .image unit pulls before its container -------------------------------------------------------------
check_output "user.service needs bb-image.service" "bb-image.service" unit_prop user Requires
check "user.service starts" nspawn_run_timeout 60 systemctl start user.service
check "... after bb-image.service pulled (Result=success)" bash -c '[ "$1" = success ]' _ "$(unit_prop bb-image Result)"
check "... and its container saw the pulled image" wait_until 20 journal_has user "whiteout-of-the-pulled-image"
check_output "the pulled image is in the store" "$P/test/busybox" nspawn_run berth images

done_testing
