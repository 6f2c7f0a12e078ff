#!/bin/bash
# Pods under a real systemd (the nspawn harness): web.pod becomes web-pod.service, which makes the
# pod at boot and pulls in its two containers; they share 127.0.0.1 and the host name. Stopping
# the pod stops the containers (BindsTo=) and `berth pod rm` leaves no mount behind.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"

nspawn_prepare
ETC=$NSPAWN_DIR/etc-berth
mkdir -p "$ETC" "$NSPAWN_DIR/img/www"
make_busybox_rootfs "$NSPAWN_DIR/img"
echo "served inside the pod" >"$NSPAWN_DIR/img/www/index.html"
nspawn_import_image localhost/web "$NSPAWN_DIR/img"

cat >"$ETC/web.pod" <<'EOF2'
[Pod]
HostName=webhost

[Install]
WantedBy=multi-user.target
EOF2
cat >"$ETC/server.container" <<'EOF2'
[Container]
Image=localhost/web
Pod=web.pod
Exec=httpd -f -p 127.0.0.1:8080 -h /www
StopTimeout=2
EOF2
# The client retries for a while (its own deadline): the server may still be starting.
cat >"$ETC/client.container" <<'EOF2'
[Container]
Image=localhost/web
Pod=web.pod
Exec=sh -c 'for i in $(seq 200); do if page=$(wget -q -O - http://127.0.0.1:8080/); then echo "client got: $page on $(hostname)"; exec sleep 1000; fi; sleep 0.1; done; echo "client: no answer"; exit 1'
StopTimeout=2
EOF2
NSPAWN_ETC_BERTH=$ETC
nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

in_sd() { nspawn_run_timeout 60 "$@"; }
unit_is() { [ "$(in_sd systemctl is-active "$1")" = "$2" ]; }
journal_has() { nspawn_journal -u "$1" -o cat | grep -qF -- "$2"; }
pod_mounts_are() { local n; n=$(in_sd sh -c 'grep -c " /run/berth/pods/" /proc/self/mountinfo'); [ "$n" = "$1" ] || { echo "$n mounts"; return 1; }; }

check_output "web-pod.service runs berth pod create" "berth pod create --ignore --hostname=webhost web" \
        in_sd systemctl cat web-pod.service
check "the pod unit is active after boot" wait_until 30 unit_is web-pod.service active
check "the server started with the pod" wait_until 30 unit_is server.service active
check "the client started with the pod" wait_until 30 unit_is client.service active
check "the client reached the server on 127.0.0.1 and shares its host name" \
        wait_until 30 journal_has client.service "client got: served inside the pod on webhost"
members_are() { [ "$(in_sd berth pod ls | awk '$1 == "web" {print $4}')" = "$1" ]; }
check "berth pod ls counts two running containers" members_are 2
check "the pod's namespaces are mounted" pod_mounts_are 3
check_fails "pod rm is refused while its containers run" in_sd berth pod rm web
check "systemctl stop web-pod.service" in_sd systemctl stop web-pod.service
# PID 1 of a container ignores SIGTERM unless it handles it, as httpd and sleep do not: the runtime
# kills them after StopTimeout=, and the units may end up failed rather than inactive.
not_active() { [ "$(in_sd systemctl is-active "$1")" != active ]; }
check "the server stopped with it" wait_until 20 not_active server.service
check "the client stopped with it" wait_until 20 not_active client.service
check "the pod is gone" wait_until 10 in_sd test ! -e /run/berth/pods/web
check "no pod mount is left" pod_mounts_are 0
check "starting the pod again starts both containers" in_sd systemctl start web-pod.service
client_answers_are() { [ "$(nspawn_journal -u client.service -o cat | grep -c 'client got: served inside the pod')" -ge "$1" ]; }
check "... the client reaches the server again" wait_until 30 client_answers_are 2

done_testing
