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
# No Network=: the default bridge network, so PublishPort= publishes.
cat >"$NSPAWN_DIR/etc-berth/plain.container" <<'EOF2'
[Container]
Image=localhost/busybox
PublishPort=127.0.0.1:3002:80
RunInit=yes
StopTimeout=2
Exec=sh -c 'mkdir -p /www && echo hello-from-plain >/www/index.html && exec httpd -f -p 80 -h /www'
EOF2
NSPAWN_ETC_BERTH=$NSPAWN_DIR/etc-berth

# A glibc service: a small HTTP server built here with the host's compiler, in a root of the libraries
# ldd names for it.
make_glibc_server_root() {
        local dir=$1 lib
        mkdir -p "$dir"/{bin,etc,proc,sys,dev,tmp}
        cat >"$NSPAWN_DIR/hello-server.c" <<'EOF2'
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
        static const char reply[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello-from-glibc\n";
        struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(atoi(argv[1])) };
        int one = 1, s = socket(AF_INET6, SOCK_STREAM, 0);
        char buf[4096];
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(s, (struct sockaddr *) &a, sizeof a) < 0 || listen(s, 16) < 0)
                return perror("listen"), 1;
        for (;;) {
                int c = accept(s, NULL, NULL);
                if (c < 0)
                        continue;
                if (read(c, buf, sizeof buf) >= 0 && write(c, reply, strlen(reply)) < 0)
                        perror("write");
                close(c);
        }
}
EOF2
        cc -O2 -o "$dir/bin/hello-server" "$NSPAWN_DIR/hello-server.c" || return 1
        for lib in $(ldd "$dir/bin/hello-server" | grep -o '/[^ ]*'); do
                mkdir -p "$dir$(dirname "$lib")"
                cp -Ln "$lib" "$dir$lib" || return 1
        done
}
check "build a glibc root with an HTTP server" make_glibc_server_root "$NSPAWN_DIR/glibc-root"
nspawn_import_image localhost/glibc-server "$NSPAWN_DIR/glibc-root"
# An image that EXPOSEs two ports, for -P.
import_exposed() {
        local tar=$NSPAWN_DIR/exposed.tar
        make_busybox_tar "$tar" &&
                BERTH_STORAGE_DIR=$NSPAWN_STORAGE "${BERTH_BUILD:-$NSPAWN_TOP/build}/berth" image import \
                        --change 'EXPOSE 80 81/tcp' "$tar" localhost/exposed
}
check "import an image that exposes 80 and 81" import_exposed

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

# --- the default bridge network, as docker's first workshop command uses it --------------------------
ghost_ok() { in_sd wget -T 2 -qO- http://127.0.0.1:3001/ | grep -q hello-from-ghost; }
check "berth run -d -p 3001:2368 without --network" in_sd berth run -d --name some-ghost -p 3001:2368 --init \
        localhost/busybox sh -c 'mkdir -p /www && echo hello-from-ghost >/www/index.html && exec httpd -f -p 2368 -h /www'
check "it answers at 127.0.0.1:3001" wait_until 20 ghost_ok
check_output "berth port some-ghost" "2368/tcp -> 0.0.0.0:3001" in_sd berth port some-ghost
check_output "it is on the default network, 10.88.0.0/16 on berth0" "default via 10.88.0.1 dev eth0" \
        in_sd berth exec some-ghost ip route
check_output "the unit names the network it was given" "--network=berth" in_sd systemctl show -P ExecStart berth-some-ghost.service
plain_ok() { in_sd wget -T 2 -qO- http://127.0.0.1:3002/ | grep -q hello-from-plain; }
check "start plain.service (a .container without Network=)" in_sd systemctl start plain.service
check "its PublishPort= answers" wait_until 20 plain_ok
check_output "a second container reaches the first by name on the default network" "hello-from-ghost" \
        in_sd berth run --rm localhost/busybox sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc -w 5 some-ghost 2368'
check "berth run -d a glibc server with -p 127.0.0.1::8000 (a free host port)" \
        in_sd berth run -d --name glibc-web -p 127.0.0.1::8000 localhost/glibc-server /bin/hello-server 8000
glibc_port() { in_sd berth port glibc-web 8000/tcp | sed -n 's/^127\.0\.0\.1:\([0-9]*\)$/\1/p'; }
glibc_ok() { local p; p=$(glibc_port); [ -n "$p" ] && in_sd wget -T 2 -qO- "http://127.0.0.1:$p/" | grep -q hello-from-glibc; }
check "the glibc server answers on the host port berth chose" wait_until 20 glibc_ok
check "berth run -dP publishes the image's exposed ports" in_sd berth run -dP --name exposed --init localhost/exposed \
        sh -c 'mkdir -p /www && echo hello-exposed >/www/index.html && httpd -p 81 -h /www && exec httpd -f -p 80 -h /www'
exposed_ok() { # each of 80 and 81 has a host port that answers
        local port p
        for port in 80 81; do
                p=$(in_sd berth port exposed "$port" | sed -n 's/^0\.0\.0\.0:\([0-9]*\)$/\1/p')
                [ -n "$p" ] && in_sd wget -T 2 -qO- "http://127.0.0.1:$p/" | grep -q hello-exposed || return 1
        done
}
check "both exposed ports answer on their host ports" wait_until 20 exposed_ok
check_output "-p with --network none is an error at the CLI" "--publish cannot take effect with --network=none" \
        in_sd berth run -d --name pnone --network none -p 8081:80 localhost/busybox true
check_fails "... and no unit was made" in_sd systemctl cat berth-pnone.service
check_output "an occupied host port is refused with a clear error" "is already published by container some-ghost" \
        in_sd berth run --rm -p 3001:80 localhost/busybox true
check "stop them" in_sd berth rm -f some-ghost glibc-web exposed
check "stop plain.service" in_sd systemctl stop plain.service
check_fails "no container rule is left" in_sd sh -c 'nft list ruleset | grep -q berth-ctr:'
check_fails "no veth is left" in_sd sh -c 'ip -o link show type veth | grep -q .'
check "stop web-network.service (NetworkDeleteOnStop=yes)" in_sd systemctl stop web-network.service
check_fails "the network is gone" in_sd sh -c 'berth network ls | grep -q 10.90.0.0'
check_fails "its bridge is gone" in_sd ip link show berth1

done_testing
