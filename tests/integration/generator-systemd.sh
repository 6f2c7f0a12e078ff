#!/bin/bash
# berth-generator under a real systemd (booted with systemd-nspawn): a broken definition becomes a unit
# that fails and shows the message in `systemctl status`, [Install] links are honoured at boot, drop-ins
# and `systemctl daemon-reload` pick up changes, and `systemd-analyze --generators=true verify` is quiet.
# Only units whose commands need no runtime are started here; boot-slice.sh runs real containers.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/nspawn.sh"
require_root
command -v systemd-nspawn >/dev/null || skip_all "systemd-nspawn is missing (package systemd-container)"
[ -x "$BERTH_BUILD/berth-generator" ] || skip_all "$BERTH_BUILD/berth-generator is not built"

nspawn_prepare
ETC=$NSPAWN_DIR/etc-berth
mkdir -p "$ETC/web.container.d"
printf '[Container]\nImage=localhost/busybox\nPublishPorts=8080:80\n\n[Install]\nWantedBy=multi-user.target\n' \
        >"$ETC/broken.container"
printf '[Unit]\nDescription=web\n\n[Container]\nImage=localhost/busybox\n\n[Install]\nWantedBy=multi-user.target\n' \
        >"$ETC/web.container"
# A drop-in that parks the unit: it must not start at boot (there is no image in this test).
printf '[Install]\nWantedBy=\n' >"$ETC/web.container.d/10-no-boot.conf"
printf '[Network]\nSubnet=10.89.0.0/24\n' >"$ETC/backend.network"

NSPAWN_ETC_BERTH=$ETC
nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

state_is() { [ "$(nspawn_run systemctl is-active "$1")" = "$2" ]; }
msg="/etc/berth/broken.container:3: PublishPorts=: Unknown key in [Container]; did you mean PublishPort=?"

# --- the broken file: a failed unit that says why, started at boot through its [Install] ---
check "broken.service failed at boot" wait_until 30 state_is broken.service failed
check_output "systemctl status shows the message in the description" "berth: $msg" \
        nspawn_run systemctl status --no-pager broken.service
check_output "... and the message in the log lines" "$msg" nspawn_run journalctl -u broken.service -o cat --no-pager

# --- the good ones ---
check_output "web.service is generated" "SourcePath=/etc/berth/web.container" nspawn_run systemctl cat web.service
check_output "the drop-in removed its boot link" "inactive" nspawn_run systemctl is-active web.service
check_output "backend-network.service is generated" "network create --ignore --subnet=10.89.0.0/24 backend" \
        nspawn_run systemctl cat backend-network.service
check_output "systemd reports generated units as such" "generated" nspawn_run systemctl is-enabled web.service

check_output "systemd-analyze --generators=true verify shows the generator's message" "$msg" \
        nspawn_run systemd-analyze --generators=true verify web.service

# --- daemon-reload runs the generator again ---
printf '[Container]\nImage=localhost/busybox\nPublishPort=8080:80\n' >"$ETC/broken.container"
check "daemon-reload" nspawn_run systemctl daemon-reload
check_output "the fixed file now gives a container unit" "--publish=8080:80" nspawn_run systemctl cat broken.service
verify_quiet() {
        local out
        out=$(nspawn_run systemd-analyze --generators=true verify web.service backend-network.service 2>&1)
        printf '%s\n' "$out"
        [ -z "$out" ]
}
check "systemd-analyze --generators=true verify is quiet" verify_quiet
done_testing
