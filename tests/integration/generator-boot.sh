#!/bin/bash
# berth-generator at boot, under a real systemd (the nspawn harness): one set of definitions as an admin
# writes them, and what systemd makes of it.
#   web.container     on backend.network (IP=, NetworkAlias=), with data.volume, running app.image,
#                     [Install]ed: everything it names starts first, at boot, in that order
#   app.image         pulls from a registry that runs inside the nspawn container (test-registry.service,
#                     Debian's docker-registry on 127.0.0.1:5000 there, its data seeded here beforehand
#                     with skopeo), so the pull never leaves the test's private network
#   tick@.container   a template; tick@a.container (a symlink) is the instance started at boot
#   hello.container   a plain [Install]ed container on an imported image; edited later, then
#                     daemon-reload and restart must run the new definition
#   broken.container  a typo: a unit that fails at boot and says why in `systemctl status`
#   parked.container  [Install]ed, but a drop-in empties WantedBy=: not started at boot
# and `systemd-analyze --generators=true verify` shows the broken file's message, then nothing once fixed.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/registry.sh"
. "$(dirname "$0")/../lib/nspawn.sh"
command -v docker-registry >/dev/null || skip_all "docker-registry is missing (tests/packages.txt)"
command -v skopeo >/dev/null || skip_all "skopeo is missing (tests/packages.txt)"
[ -x "$BERTH_BUILD/berth-generator" ] || skip_all "$BERTH_BUILD/berth-generator is not built"

nspawn_prepare
trap 'stop_registries; nspawn_stop' EXIT
ETC=$NSPAWN_DIR/etc-berth REG=$NSPAWN_DIR/registry
mkdir -p "$ETC/parked.container.d" "$REG"

# --- images: one imported into the store, one seeded into the registry's data directory ---
nspawn_import_image localhost/busybox
make_busybox_tar "$NSPAWN_DIR/busybox.tar"
make_oci_layout "$NSPAWN_DIR/oci" "$NSPAWN_DIR/busybox.tar" >/dev/null
# A registry on the host's loopback only while seeding: its storage is plain files the one inside reads.
start_registry "$REG" || { echo "not ok 1 - a registry to seed"; exit 1; }
seed_registry "$REGISTRY" "$NSPAWN_DIR/oci" test/app latest || { echo "not ok 1 - seed the registry"; exit 1; }
stop_registries
cat >"$REG/inside.yml" <<'EOF2'
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: /srv/registry/data}
http:
  addr: 127.0.0.1:5000
health:
  storagedriver: {enabled: false}
EOF2
# Ready only when it answers, so the pull ordered after it does not race its listen().
cat >"$NSPAWN_DIR/test-registry.service" <<'EOF2'
[Unit]
Description=registry for generator-boot.sh
[Service]
ExecStart=/usr/bin/docker-registry serve /srv/registry/inside.yml
ExecStartPost=/bin/sh -c 'until curl -sf -o /dev/null http://127.0.0.1:5000/v2/; do sleep 0.1; done'
TimeoutStartSec=30
EOF2

# --- the definitions ---
cat >"$ETC/backend.network" <<'EOF2'
[Network]
Subnet=10.90.0.0/24
EOF2
cat >"$ETC/data.volume" <<'EOF2'
[Volume]
Label=purpose=boot-test
EOF2
cat >"$ETC/app.image" <<'EOF2'
[Unit]
Wants=test-registry.service
After=test-registry.service

[Image]
Image=127.0.0.1:5000/test/app:latest
ImageTag=localhost/app:boot
TLSVerify=no
EOF2
cat >"$ETC/web.container" <<'EOF2'
[Container]
Image=app.image
Network=backend.network
IP=10.90.0.5
NetworkAlias=www
Volume=data.volume:/data
RunInit=yes
Exec=sh -c 'echo "web: arch=$ARCH"; ip -4 -o addr show eth0; echo up >/data/web; exec sleep 1000'

[Install]
WantedBy=multi-user.target
EOF2
cat >"$ETC/tick@.container" <<'EOF2'
[Container]
Image=localhost/busybox
RunInit=yes
ReloadSignal=SIGHUP
Exec=sh -c 'trap "echo tick %i got HUP" HUP; echo "tick instance %i"; while :; do sleep 1 & wait; done'

[Install]
WantedBy=multi-user.target
EOF2
ln -s tick@.container "$ETC/tick@a.container"
cat >"$ETC/hello.container" <<'EOF2'
[Container]
Image=localhost/busybox
Environment=GREETING=first
RunInit=yes
ReloadCmd=/bin/sh -c "echo reloaded by command"
Exec=sh -c 'echo "hello: $GREETING"; exec sleep 1000'

[Install]
WantedBy=multi-user.target
EOF2
cat >"$ETC/parked.container" <<'EOF2'
[Container]
Image=localhost/busybox
Exec=true

[Install]
WantedBy=multi-user.target
EOF2
printf '[Install]\nWantedBy=\n' >"$ETC/parked.container.d/10-no-boot.conf"
cat >"$ETC/broken.container" <<'EOF2'
[Container]
Image=localhost/busybox
Enviroment=A=b

[Install]
WantedBy=multi-user.target
EOF2

NSPAWN_ETC_BERTH=$ETC
nspawn_boot --bind="$REG:/srv/registry" \
        --bind-ro="$NSPAWN_DIR/test-registry.service:/etc/systemd/system/test-registry.service" && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed and the definitions in /etc/berth"
[ $rc -eq 0 ] || { done_testing; exit 1; }

in_sd() { nspawn_run_timeout 60 "$@"; }
unit_is() { [ "$(in_sd systemctl is-active "$1")" = "$2" ]; }
unit_prop() { in_sd systemctl show -P "$2" "$1"; }
journal_has() { nspawn_journal -u "$1" -o cat | grep -qF -- "$2"; }

# --- what started at boot, and in which order ---
check "web.service is active after boot" wait_until 60 unit_is web.service active
check "tick@a.service (the template instance) is active" wait_until 30 unit_is tick@a.service active
check "hello.service is active" wait_until 30 unit_is hello.service active
only_tick_a() { [ "$(in_sd systemctl list-units --no-legend --plain 'tick@*' | awk '{print $1}')" = tick@a.service ]; }
check "the template itself started no other instance" only_tick_a
for dep in test-registry.service app-image.service backend-network.service data-volume.service; do
        ready=$(unit_prop "$dep" ActiveEnterTimestampMonotonic)
        web_start=$(unit_prop web.service InactiveExitTimestampMonotonic)
        diag "$dep active at $ready, web.service started at $web_start (monotonic usec)"
        check "$dep was active before web.service started" test "${ready:-0}" -gt 0 -a "${ready:-0}" -le "${web_start:-0}"
done
check "web runs the pulled image (its config's ARCH)" wait_until 20 journal_has web.service "web: arch=amd64"
check "... with the address from IP=" wait_until 10 journal_has web.service "inet 10.90.0.5/24"
check_output "... and the tag from ImageTag=" "localhost/app" in_sd berth image ls
check_output "... and wrote into data.volume" "up" in_sd cat /var/lib/berth/volumes/data/_data/web
check "the template instance got its instance name" wait_until 20 journal_has tick@a.service "tick instance a"
check "hello.service says hello" wait_until 20 journal_has hello.service "hello: first"

check_output "parked.service: its drop-in removed the boot link" "inactive" in_sd systemctl is-active parked.service
check_output "systemd reports generated units as such" "generated" in_sd systemctl is-enabled web.service
check_output "web's ExecStart carries the alias" "alias=www" in_sd systemctl show -P ExecStart web.service

# --- systemctl reload: ReloadCmd= runs in the container, ReloadSignal= reaches its payload ---
check "systemctl reload hello.service" in_sd systemctl reload hello.service
check "... ran the command inside" wait_until 10 journal_has hello.service "reloaded by command"
check "systemctl reload tick@a.service" in_sd systemctl reload tick@a.service
check "... the payload got SIGHUP" wait_until 10 journal_has tick@a.service "tick a got HUP"

# --- the broken file ---
msg="/etc/berth/broken.container:3: Enviroment=: Unknown key in [Container]; did you mean Environment=?"
check "broken.service failed at boot" wait_until 30 unit_is broken.service failed
check_output "systemctl status shows its message" "$msg" in_sd systemctl status --no-pager -n 5 broken.service
check_output "... and so does its log" "$msg" nspawn_journal -u broken.service -o cat
check_output "systemd-analyze --generators=true verify shows it" "$msg" \
        in_sd systemd-analyze --generators=true verify hello.service

# --- an edit, daemon-reload and a restart apply the change ---
sed -i 's/GREETING=first/GREETING=second/' "$ETC/hello.container"
sed -i 's/Enviroment=/Environment=/; s/^\(Environment=.*\)$/\1\nExec=sh -c "echo fixed; exec sleep 1000"/' \
        "$ETC/broken.container"
check "daemon-reload" in_sd systemctl daemon-reload
check "restart hello.service" in_sd systemctl restart hello.service
check "hello.service runs the edited definition" wait_until 20 journal_has hello.service "hello: second"
check "restart the fixed broken.service" in_sd systemctl restart broken.service
check "... it runs now" wait_until 20 unit_is broken.service active
check "... the container's output" wait_until 20 journal_has broken.service "fixed"
verify_quiet() {
        local out
        out=$(in_sd systemd-analyze --generators=true verify hello.service web.service backend-network.service \
                data-volume.service app-image.service tick@a.service 2>&1)
        printf '%s\n' "$out"
        [ -z "$out" ]
}
check "systemd-analyze --generators=true verify is quiet now" verify_quiet

done_testing
