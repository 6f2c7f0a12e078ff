#!/bin/bash
# Bridge networks the way admins use them: .network, .container and .pod files in /etc/berth, turned
# into units by berth-generator and started by a real systemd (the nspawn harness, on its own
# private network, so every bridge, veth and nftables rule lives and dies in there).
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"

nspawn_prepare
mkdir -p "$NSPAWN_DIR/etc-berth"
nspawn_import_image localhost/busybox
cat >"$NSPAWN_DIR/etc-berth/web.network" <<'EOF2'
[Network]
Subnet=10.90.0.0/24
NetworkDeleteOnStop=yes
EOF2
cat >"$NSPAWN_DIR/etc-berth/web.container" <<'EOF2'
[Container]
Image=localhost/busybox
Network=web.network:alias=www
PublishPort=127.0.0.1:8080:80
RunInit=yes
StopTimeout=2
Exec=sh -c 'mkdir -p /www && echo hello-from-systemd >/www/index.html && exec httpd -f -p 80 -h /www'
EOF2
cat >"$NSPAWN_DIR/etc-berth/client.container" <<'EOF2'
[Container]
Image=localhost/busybox
Network=web.network
Exec=sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc -w 5 www 80'
EOF2
# A pod on the same network: the pod unit attaches it (one address for its containers) and forwards
# the published port to it; one member serves, the other answers through it.
cat >"$NSPAWN_DIR/etc-berth/app.pod" <<'EOF2'
[Pod]
Network=web.network
PublishPort=127.0.0.1:8090:80
HostName=apphost
EOF2
cat >"$NSPAWN_DIR/etc-berth/appserver.container" <<'EOF2'
[Container]
Image=localhost/busybox
Pod=app.pod
RunInit=yes
StopTimeout=2
Exec=sh -c 'mkdir -p /www && echo hello-from-the-pod >/www/index.html && exec httpd -f -p 80 -h /www'
EOF2
cat >"$NSPAWN_DIR/etc-berth/appclient.container" <<'EOF2'
[Container]
Image=localhost/busybox
Pod=app.pod
RunInit=yes
StopTimeout=2
Exec=sh -c 'for i in $(seq 200); do if printf "GET / HTTP/1.0\r\n\r\n" | nc -w 2 127.0.0.1 80 | grep -q hello-from-the-pod; then echo "appclient: answered on $(hostname)"; exec sleep 1000; fi; sleep 0.1; done; echo "appclient: no answer"; exit 1'
EOF2
NSPAWN_ETC_BERTH=$NSPAWN_DIR/etc-berth

nspawn_boot && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }

in_sd() { nspawn_run_timeout 60 "$@"; }
unit_is() { [ "$(in_sd systemctl is-active "$1")" = "$2" ]; }
http_ok() { in_sd wget -T 2 -qO- http://127.0.0.1:8080/ | grep -q hello-from-systemd; }

check "web.service and web-network.service were generated" in_sd systemctl cat web.service web-network.service
check "start web.service" in_sd systemctl start web.service
check "it pulled in web-network.service" unit_is web-network.service active
check_output "the network has the .network file's subnet" "10.90.0.0/24" in_sd berth network ls
check "the published port answers on 127.0.0.1" wait_until 20 http_ok
check "start client.service (by the alias, over the bridge)" in_sd systemctl start client.service
# start returns once the payload was executed; its output comes a moment later.
client_got_page() { nspawn_journal -u client.service | grep -q hello-from-systemd; }
check "the client got the page" wait_until 10 client_got_page
check "stop web.service" in_sd systemctl stop web.service
check_fails "no container rule is left" in_sd sh -c 'nft list ruleset | grep -q berth-ctr:'
check_fails "no veth is left" in_sd sh -c 'ip -o link show type veth | grep -q .'
pod_http_ok() { in_sd wget -T 2 -qO- http://127.0.0.1:8090/ | grep -q hello-from-the-pod; }
pod_lease() { in_sd sh -c 'ls /run/berth/networks/*/ 2>/dev/null | grep -q "^pod:app.json$"'; }
client_answered() { nspawn_journal -u appclient.service -o cat | grep -q "appclient: answered on apphost"; }
check_output "app-pod.service attaches the pod to the network" "berth pod create --ignore --network=web --hostname=apphost --publish=127.0.0.1:8090:80 app" \
        in_sd systemctl cat app-pod.service
check "start app-pod.service" in_sd systemctl start app-pod.service
check "the pod holds a lease on the network" wait_until 10 pod_lease
check "the server in the pod started" wait_until 30 unit_is appserver.service active
check "the other member reaches it on 127.0.0.1" wait_until 30 client_answered
check "the pod's published port answers in the container's own network namespace" wait_until 20 pod_http_ok
check_output "a DNAT rule forwards it to the pod" 'berth-ctr:web/pod:app' in_sd nft list ruleset
check "stop app-pod.service" in_sd systemctl stop app-pod.service
not_active() { [ "$(in_sd systemctl is-active "$1")" != active ]; }
check "... the server" wait_until 20 not_active appserver.service
check "... the client" wait_until 20 not_active appclient.service
check "the pod is gone" wait_until 10 in_sd test ! -e /run/berth/pods/app
check_fails "no lease of the pod is left" pod_lease
check_fails "no rule of the pod is left" in_sd sh -c 'nft list ruleset | grep -q berth-ctr:'
check_fails "no veth is left after the pod" in_sd sh -c 'ip -o link show type veth | grep -q .'
check_fails "the pod's published port is gone" pod_http_ok
check "stop web-network.service (NetworkDeleteOnStop=yes)" in_sd systemctl stop web-network.service
check_fails "the network is gone" in_sd sh -c 'berth network ls | grep -q 10.90.0.0'
check_fails "its bridge is gone" in_sd sh -c 'ip -o link show type bridge | grep -q .'

done_testing
