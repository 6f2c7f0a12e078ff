#!/bin/bash
# Bridge networks end to end: `berth network` records, and berth-runtime containers plugged into
# them (veth, addresses, routes, NAT, published ports), cleaned up on exit and after a crash.
# Everything runs in a network namespace (and a private mount namespace) made here, so bridges,
# veths, sysctls and nftables rules live only there and vanish with it; no packet leaves it.
set -u
if [ -z "${BERTH_NETNS_TEST:-}" ]; then
        [ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
        BERTH_NETNS_TEST=1 exec unshare -n -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
require_root

BUILD=$(cd "$BERTH_BUILD" 2>/dev/null && pwd)
RT=$BUILD/berth-runtime
BERTH=$BUILD/berth
[ -x "$RT" ] && [ -x "$BERTH" ] || skip_all "berth and berth-runtime are not built in $BERTH_BUILD"
command -v nft >/dev/null || skip_all "nft is not installed"
CG_MOUNT=$(findmnt -n -t cgroup2 -o TARGET | head -1)
[ -n "$CG_MOUNT" ] || skip_all "no cgroup2 mount"

T=$(mktemp -d /tmp/berth-network-test.XXXXXX)
CG=$CG_MOUNT/berth-nettest.$$
export BERTH_RUN_DIR=$T/run BERTH_STATE_DIR=$T/state BERTH_STORAGE_DIR=$T/storage
unset NOTIFY_SOCKET
declare -A SUP=() # container name -> supervisor pid

cleanup() {
        local p d
        for p in "${SUP[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
        for d in $(find "$CG" -mindepth 1 -type d 2>/dev/null | sort -r); do
                echo 1 >"$d/cgroup.kill" 2>/dev/null
                wait_until 5 test ! -s "$d/cgroup.procs"
                rmdir "$d" 2>/dev/null
        done
        echo $$ >"$CG_MOUNT/cgroup.procs" 2>/dev/null
        rmdir "$CG" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT
mkdir "$CG"
ip link set lo up

make_busybox_rootfs "$T/rootfs"
mkdir -p "$T/rootfs/www"
echo hello-from-web >"$T/rootfs/www/index.html"

# start NAME ARGS...: a supervisor in the background, in a cgroup of its own, as a unit would run it.
start() {
        local name=$1
        shift
        mkdir -p "$CG/$name"
        (echo "$BASHPID" >"$CG/$name/cgroup.procs" && exec "$RT" supervise --rootfs="$T/rootfs" --name="$name" "$@") \
                >"$T/$name.log" 2>&1 &
        SUP[$name]=$!
}
# run NAME ARGS...: a container in the foreground; prints its output.
run() {
        local name=$1 rc
        shift
        mkdir -p "$CG/$name"
        (echo "$BASHPID" >"$CG/$name/cgroup.procs" && exec "$RT" supervise --rootfs="$T/rootfs" --name="$name" "$@")
        rc=$?
        rmdir "$CG/$name" 2>/dev/null
        return $rc
}
stop() { # stop NAME: SIGTERM to the supervisor, wait for it
        kill -TERM "${SUP[$1]}" 2>/dev/null
        wait "${SUP[$1]}" 2>/dev/null
        unset "SUP[$1]"
        wait_until 5 rmdir "$CG/$1"
}
lease_of() { # lease_of NETWORK CONTAINER: the container's address
        sed -n 's/.*"address": "\([0-9.]*\)\/.*/\1/p' "$BERTH_RUN_DIR/networks/$1/$2.json" 2>/dev/null
}
has_lease() { [ -n "$(lease_of "$1" "$2")" ]; }
rules() { nft list table ip berth 2>/dev/null; }
no_rules_for() { ! rules | grep -q "berth-ctr:$1\""; }
no_veths() { ! ip -o link show type veth | grep -q .; }
no_lease() { [ ! -e "$BERTH_RUN_DIR/networks/$1/$2.json" ]; }
http() { wget -T 2 -qO- "$1"; }

# --- records ------------------------------------------------------------------------------------
check_output "create prints the name" "n1" "$BERTH" network create n1
check_output "the first network gets 10.89.0.0/24 on berth1" '"subnet": "10.89.0.0/24"' "$BERTH" network inspect n1
check_output "the gateway is the first address" '"gateway": "10.89.0.1"' "$BERTH" network inspect n1
check_output "ls shows the default network" "berth " "$BERTH" network ls
check_output "ls --format json" '"network_interface": "berth1"' "$BERTH" network ls --format json
check_fails "creating an existing network fails" "$BERTH" network create n1
check "create --ignore accepts an existing network" "$BERTH" network create --ignore n1
check_output "a bad CIDR names the flag" "Invalid --subnet '10.1.2.0/40'" "$BERTH" network create --subnet 10.1.2.0/40 bad
check_output "an overlapping subnet is refused" "overlaps 10.89.0.0/24" "$BERTH" network create --subnet 10.89.0.128/25 bad
check_output "an unknown driver is refused" "Unsupported --driver 'macvlan'" "$BERTH" network create --driver macvlan bad
check_output "a gateway outside the subnet is refused" "--gateway 10.9.0.1 is not in --subnet" \
        "$BERTH" network create --subnet 10.8.0.0/24 --gateway 10.9.0.1 bad
check_fails "no record is left by the failures" test -e "$BERTH_STATE_DIR/networks/bad.json"
check_output "an --internal network gets the next subnet" '"subnet": "10.89.1.0/24"' \
        sh -c "'$BERTH' network create --internal n2 >/dev/null && '$BERTH' network inspect n2"
check_output "--subnet, --gateway, --ip-range, --interface-name, --dns, --label" '"ip_range": "192.168.200.64/26"' \
        sh -c "'$BERTH' network create --subnet 192.168.200.0/24 --gateway 192.168.200.254 --ip-range 192.168.200.64/26 \
                --interface-name brtest --dns 192.0.2.53 --label team=web n3 >/dev/null && '$BERTH' network inspect n3"
ip link add berthtest0 type bridge && ip addr add 10.89.2.7/24 dev berthtest0
check_output "a subnet the host uses is skipped" '"subnet": "10.89.3.0/24"' \
        sh -c "'$BERTH' network create n4 >/dev/null && '$BERTH' network inspect n4"
ip link del berthtest0
check_output "the default network cannot be removed" "cannot be removed" "$BERTH" network rm berth
check_output "an unknown network is refused by the runtime" "or a network made with 'berth network create'" \
        run nope --network=no-such-net true

printf '[Container]\nImage=localhost/busybox\nNetwork=host\nPublishPort=8080:80\n' >"$T/hostpub.container"
check_output "berth check: PublishPort= with Network=host, naming file, line and key" \
        "hostpub.container:4: PublishPort=: --publish cannot take effect with --network=host" "$BERTH" check "$T/hostpub.container"
printf '[Container]\nImage=localhost/busybox\nPublishPort=127.0.0.1::5432\nPublishPort=9000-9001:80-81\n' >"$T/okpub.container"
check "berth check: a free host port and a range on the default network are fine" "$BERTH" check "$T/okpub.container"
printf '[Container]\nImage=localhost/busybox\nPublishPort=80-81:90\n' >"$T/badpub.container"
check_output "berth check: ranges of different lengths" "badpub.container:3: PublishPort=: '80-81:90' is not" \
        "$BERTH" check "$T/badpub.container"
mkdir -p "$T/conf"
printf '[network]\ndefault_subnet = 10.77.0.0/16\n' >"$T/conf/berth.conf"
check_output "berth.conf's default_subnet sets the default network's subnet" '"subnet": "10.77.0.0/16"' \
        env BERTH_CONFIG_DIR="$T/conf" BERTH_STATE_DIR="$T/state-conf" "$BERTH" network inspect berth
printf '[network]\ndefault_subnet = 10.77.0.0\n' >"$T/conf/berth.conf"
check_output "a bad default_subnet is an error naming file, line and key" "berth.conf:2: default_subnet=: '10.77.0.0'" \
        env BERTH_CONFIG_DIR="$T/conf" BERTH_STATE_DIR="$T/state-conf2" "$BERTH" network inspect berth
check_output "--network=bridge is the default network, 10.88.0.0/16 on berth0" "inet 10.88.0.2/16" \
        run dflt --network=bridge ip -4 -o addr show eth0

# --- two containers on one network --------------------------------------------------------------
start web --network=n1 --init --publish=8080:80 --publish=127.0.0.1:8081:80 httpd -f -p 80 -h /www
check "the web container gets a lease" wait_until 10 has_lease n1 web
WEB_IP=$(lease_of n1 web)
check_output "the first container gets 10.89.0.2" "10.89.0.2" echo "$WEB_IP"
check "the bridge berth1 exists and is up" sh -c "ip -o link show berth1 | grep -q UP"
check_output "the bridge has the gateway address" "10.89.0.1/24" ip -o addr show berth1
check "forwarding is on in the namespace" grep -qx 1 /proc/sys/net/ipv4/ip_forward
check "the web server answers on its address" wait_until 10 http "http://$WEB_IP/"
check_output "masquerade for the subnet" 'ip saddr 10.89.0.0/24 ip daddr != 10.89.0.0/24 masquerade comment "berth-net:n1"' rules
check_output "a DNAT rule per published port" 'dnat to 10.89.0.2:80 comment "berth-ctr:n1/web"' rules
check_output "a published port answers on localhost" "hello-from-web" http "http://127.0.0.1:8080/"
check_output "a published port bound to 127.0.0.1 answers" "hello-from-web" http "http://127.0.0.1:8081/"
check_output "a container reaches a published port through the gateway address (hairpin)" "hello-from-web" \
        run hairpin --network=n1 sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 10.89.0.1 8080"
check_output "a host port published twice is refused" "Host port 8080/tcp is already published by container web" \
        run twice --network=n1 --publish=127.0.0.1:8080:81 true
check_output "the same port over udp is another port" "ok" run udp --network=n1 --publish=8080:80/udp echo ok
check_output "inspect lists the running container" '"web": {' "$BERTH" network inspect n1

# busybox-static's wget crashes in a root without glibc's NSS modules; nc speaks HTTP just as well.
OUT=$(run client --network=n1 sh -c "ip -4 -o addr show eth0; ip route; cat /etc/hosts; \
        printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 $WEB_IP 80; \
        printf 'GET /by-name HTTP/1.0\r\n\r\n' | nc -w 5 web 80;\
        cat /etc/hosts" 2>&1)
check_output "another container reaches the web server by IP" "hello-from-web" echo "$OUT"
check_output "the second container gets another address" "inet 10.89.0.3/24" echo "$OUT"
check_output "its default route is the gateway" "default via 10.89.0.1 dev eth0" echo "$OUT"
check_output "its /etc/hosts has its own address and name" "10.89.0.3	client" echo "$OUT"
check_output "its /etc/hosts names the web container" "10.89.0.2	web" echo "$OUT"
check_output "it reaches the web container by name" "404 Not Found" echo "$OUT"
start peer --network=n1 --init sleep 600
check "a running container's /etc/hosts learns a new peer" wait_until 10 grep -q "10.89.0.3	peer" "$BERTH_RUN_DIR/containers/web/hosts"
check_output "the peer's /etc/hosts names the web container" "10.89.0.2	web" cat "$BERTH_RUN_DIR/containers/peer/hosts"
stop peer
check_fails "the web container's /etc/hosts forgets the peer when it exits" grep -q peer "$BERTH_RUN_DIR/containers/web/hosts"
check "the one-shot container left no lease" no_lease n1 client
# --- per-network options, as podman's --network=NAME:OPTIONS (Network=x.network:OPTIONS) -----------
start fixed --network=n1:ip=10.89.0.50,alias=www,alias=api,mac=02:42:0a:59:01:32,interface_name=net0 --init sleep 600
check "a fixed address is leased" wait_until 10 grep -q '"address": "10.89.0.50/24"' "$BERTH_RUN_DIR/networks/n1/fixed.json"
check "the peers learn its name and aliases" wait_until 10 grep -q "10.89.0.50	fixed www api" "$BERTH_RUN_DIR/containers/web/hosts"
check_output "its own /etc/hosts has the aliases" "10.89.0.50	fixed www api" cat "$BERTH_RUN_DIR/containers/fixed/hosts"
check_output "the web container reaches it by alias" "hello-from-web" \
        run byalias --network=n1 sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 web 80"
check_output "interface_name and mac" "link/ether 02:42:0a:59:01:32" run probe --network=container:fixed ip -o link show net0
check_output "an address in use is refused" "in use by container fixed" run dup --network=n1:ip=10.89.0.50 true
check_output "the gateway address is refused" "is reserved" run gw --network=n1:ip=10.89.0.1 true
check_output "an address outside the subnet is refused" "not in a subnet" run out --network=n1:ip=10.1.1.1 true
check_output "an unknown option is refused" "Unknown network option 'color'" run opt --network=n1:color=red true
check "a refused attach leaves no lease" sh -c "! ls '$BERTH_RUN_DIR/networks/n1/' | grep -q -e dup -e gw -e out"
stop fixed
check "the stopped container's aliases leave the peers" sh -c "! grep -q www '$BERTH_RUN_DIR/containers/web/hosts'"
check_output "rm refuses a network in use" "in use by 1 container" "$BERTH" network rm n1
stop web
check "no veth remains" wait_until 5 no_veths
check "no lease remains" no_lease n1 web
check "no rule of the container remains" no_rules_for n1/web
check_fails "the published port is gone" http "http://127.0.0.1:8080/"

# --- published ports: free host ports, ranges, an occupied port, bad input -----------------------
start ports --network=n1 --init --publish=127.0.0.1::80 --publish=9000-9001:80-81 --publish=82 \
        sh -c "httpd -p 81 -h /www; exec httpd -f -p 80 -h /www"
check "the ports container gets a lease" wait_until 10 has_lease n1 ports
FREE=$("$BERTH" port ports 80/tcp | sed -n 's/^127\.0\.0\.1:\([0-9]*\)$/\1/p')
check "berth port names the free host port chosen for 127.0.0.1::80" test -n "$FREE"
check "... and it answers" wait_until 10 http "http://127.0.0.1:$FREE/"
check_output "berth port lists a range port by port" "81/tcp -> 0.0.0.0:9001" "$BERTH" port ports
check_output "the first port of a range answers" "hello-from-web" http "http://127.0.0.1:9000/"
check_output "the second host port goes to the second container port" "hello-from-web" http "http://127.0.0.1:9001/"
check "a container port alone gets a free host port on every address" \
        sh -c "'$BERTH' port ports 82 | grep -q '^0\.0\.0\.0:[0-9][0-9]*$'"
check_output "a port not published is named" "No public port '83'" "$BERTH" port ports 83
check_output "a host port in a range another container publishes is refused" "Host port 9001/tcp is already published by container ports" \
        run overlap --network=n1 --publish=127.0.0.1:9001:22 true
stop ports
check_output "berth port of a stopped container" "is not running on a bridge network" "$BERTH" port ports
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 7070)); s.listen(); time.sleep(60)' &
HOLDER=$!
wait_until 5 sh -c "ss -ltn | grep -q 127.0.0.1:7070"
check_output "a host port another process has bound is refused" "Host port 7070/tcp (--publish :7070:80/tcp) is in use by another process" \
        run busy --network=n1 --publish=7070:80 true
kill "$HOLDER"; wait "$HOLDER" 2>/dev/null
check "... leaving no lease" no_lease n1 busy
check "... and no rules" no_rules_for n1/busy
check_output "a bad --publish is refused before anything is made" "Invalid --publish '80:http'" \
        run bad --network=n1 --publish=80:http true
check "... leaving no lease" no_lease n1 bad
check_output "--publish with --network=none cannot take effect" "--publish cannot take effect with --network=none" \
        run pnone --network=none --publish=8080:80 true
check_output "--publish with --network=host cannot take effect" "--publish cannot take effect with --network=host" \
        run phost --network=host --publish=8080:80 true
check_output "the MAC follows the address (02:42 and its four bytes)" "link/ether 02:42:0a:59:00:4d" \
        run macprobe --network=n1:ip=10.89.0.77 ip -o link show eth0

OUT=$(run flags --network=n1 --ip=10.89.0.88 --mac-address=02:00:00:00:00:88 --network-alias=flagalias \
        sh -c "ip -4 -o addr show eth0; ip -o link show eth0; cat /etc/hosts" 2>&1)
check_output "--ip sets the address" "inet 10.89.0.88/24" echo "$OUT"
check_output "--mac-address sets the MAC" "link/ether 02:00:00:00:00:88" echo "$OUT"
check_output "--network-alias adds a name" "10.89.0.88	flags flagalias" echo "$OUT"
check_output "--ip with --network=host cannot take effect" "--ip cannot take effect with --network=host" \
        run iphost --network=host --ip=10.89.0.89 true
check_output "--opt mtu= is checked" "Invalid --opt mtu=20" "$BERTH" network create --opt mtu=20 badmtu
check "a network with --opt mtu=1400" "$BERTH" network create --opt mtu=1400 nmtu
check_output "its containers' interfaces get the MTU" "mtu 1400" run mtuprobe --network=nmtu ip -o link show eth0
check "rm the MTU network" "$BERTH" network rm nmtu

# --- a restarted container answers at once ------------------------------------------------------
# With a new MAC at each start, the neighbour entry the last connection confirmed still pointed at the
# old one: the first connect after a restart went nowhere for seconds.
listening() { # listening NAME PORT: the container's payload has a TCP socket listening on PORT
        local pid hex
        hex=$(printf '%04X' "$2")
        pid=$(head -1 "$CG/$1/payload/cgroup.procs" 2>/dev/null)
        [ -n "$pid" ] && awk -v p=":$hex" 'substr($2, length($2) - 4) == p && $4 == "0A" { f = 1 } END { exit !f }' \
                "/proc/$pid/net/tcp" "/proc/$pid/net/tcp6"
}
# Another container keeps the bridge's carrier up, which would otherwise flush the neighbours.
start keeper --network=n1 --init sleep 600
late=0
for i in $(seq 20); do
        start sticky --network=n1:ip=10.89.0.60 --init httpd -f -p 80 -h /www
        wait_until 10 listening sticky 80
        wget -T 1 -t 1 -qO /dev/null "http://10.89.0.60/" || late=$((late + 1))
        stop sticky
done
check_output "20 restarts with a fixed address: each answers the first connect within 1 s" "late=0" echo "late=$late"
stop keeper

# --- several networks; connect and disconnect while a client keeps talking -----------------------
"$BERTH" network create nb >/dev/null
"$BERTH" network create nc >/dev/null
NB_GW=$("$BERTH" network inspect nb | sed -n 's/.*"gateway": "\(.*\)".*/\1/p')
NC_PFX=$("$BERTH" network inspect nc | sed -n 's/.*"subnet": "\([0-9]*\.[0-9]*\.[0-9]*\)\.0\/24".*/\1/p')
start multi --network=n1 --network=nb:alias=mb --init httpd -f -p 80 -h /www
check "a container on two networks has a lease on each" wait_until 10 sh -c "test -e '$BERTH_RUN_DIR/networks/n1/multi.json' -a -e '$BERTH_RUN_DIR/networks/nb/multi.json'"
OUT=$(run multiprobe --network=container:multi sh -c "ip -4 -o addr show; ip route" 2>&1)
check_output "eth0 on the first network" "eth0    inet 10.89.0." echo "$OUT"
check_output "eth1 on the second" "eth1    inet ${NB_GW%.1}." echo "$OUT"
check_output "one default route, through the first network's gateway" "1|default via 10.89.0.1 dev eth0" \
        sh -c "printf '%s|%s' \"\$(echo '$OUT' | grep -c default)\" \"\$(echo '$OUT' | grep default)\""
check_output "a peer on the second network reaches it by its alias there" "hello-from-web" \
        run nbpeer --network=nb sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 mb 80"
start talker --network=n1 --init sh -c 'while :; do if printf "GET / HTTP/1.0\r\n\r\n" | nc -w 2 multi 80 | grep -q hello-from-web; then echo ok; else echo fail; fi; sleep 0.05; done'
talked() { [ "$(grep -c ok "$T/talker.log")" -ge "$1" ]; }
check "a client on the first network talks to it" wait_until 10 talked 3
check "berth network connect --alias adds a third network" "$BERTH" network connect --alias viaconnect nc multi
check_output "... as eth2" "eth2    inet $NC_PFX." run multiprobe2 --network=container:multi ip -4 -o addr show
check_output "a container on that network reaches it by the alias" "hello-from-web" \
        run ncpeer --network=nc sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 viaconnect 80"
check_output "its own /etc/hosts has the new address" "$NC_PFX." grep -F "	multi" "$BERTH_RUN_DIR/containers/multi/hosts"
check_output "connecting twice is refused" "connected to network 'nc' already" "$BERTH" network connect nc multi
check "berth network disconnect" "$BERTH" network disconnect nc multi
check "... its lease there goes" no_lease nc multi
check_fails "... and its eth2" run multiprobe3 --network=container:multi ip link show eth2
check_fails "... and its address leaves its /etc/hosts" grep -q "^$NC_PFX\." "$BERTH_RUN_DIR/containers/multi/hosts"
check_fails "a container on that network no longer reaches it" \
        run ncpeer2 --network=nc sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 multi 80 | grep -q hello"
before=$(grep -c ok "$T/talker.log")
check "the client on the first network keeps talking" wait_until 10 talked $((before + 3))
check_output "... and never missed an answer" "0" grep -c fail "$T/talker.log"
check_output "disconnecting from a network it is not on" "is not connected to network 'nc'" "$BERTH" network disconnect nc multi
check_output "connecting a container that does not run" "is not running" "$BERTH" network connect nc nosuch
stop talker
stop multi
check "the container's leases on every network go when it stops" sh -c "no_lease() { [ ! -e \"$BERTH_RUN_DIR/networks/\$1/\$2.json\" ]; }; no_lease n1 multi && no_lease nb multi"
check "... and its veths" wait_until 5 no_veths
start lonely --network=none --init sleep 600
check "a --network=none container runs" wait_until 10 test -e "$BERTH_RUN_DIR/containers/lonely/state.json"
check "berth network connect gives it a network" "$BERTH" network connect n1 lonely
check_output "... as eth0 with a default route" "default via 10.89.0.1 dev eth0" run lonelyprobe --network=container:lonely ip route
stop lonely
check "its lease goes when it stops" no_lease n1 lonely
start hosty --network=host --init sleep 600
check "a --network=host container runs" wait_until 10 test -e "$BERTH_RUN_DIR/containers/hosty/state.json"
check_output "berth network connect refuses a container on the host's namespace" "shares the host's network namespace" \
        "$BERTH" network connect n1 hosty
check "... leaving no lease" no_lease n1 hosty
stop hosty
check_output "--network=none with another network is refused" "--network=none cannot be combined with other networks" \
        run mixed --network=n1 --network=none true
"$BERTH" network rm nb nc >/dev/null

# --- a crashed supervisor ------------------------------------------------------------------------
start crash --network=n1 --init --publish=9090:80 httpd -f -p 80 -h /www
check "the crash container gets a lease" wait_until 10 has_lease n1 crash
check "and answers on its published port" wait_until 10 http "http://127.0.0.1:9090/"
kill -KILL "${SUP[crash]}"; wait "${SUP[crash]}" 2>/dev/null; unset "SUP[crash]"
echo 1 >"$CG/crash/cgroup.kill"
check "after kill -9 the container's processes go" wait_until 10 test ! -s "$CG/crash/cgroup.procs"
rmdir "$CG/crash" 2>/dev/null
check "its veth goes with its namespace" wait_until 10 no_veths
start crash --network=n1 --init --publish=9090:80 httpd -f -p 80 -h /www
check "restarted under the same name at once, it answers again" wait_until 10 http "http://127.0.0.1:9090/"
check_output "with one set of rules, not two" "2" sh -c "nft list ruleset | grep -c 'berth-ctr:n1/crash\"'"
kill -KILL "${SUP[crash]}"; wait "${SUP[crash]}" 2>/dev/null; unset "SUP[crash]"
echo 1 >"$CG/crash/cgroup.kill"
check "killed again, its processes go" wait_until 10 test ! -s "$CG/crash/cgroup.procs"
rmdir "$CG/crash" 2>/dev/null
check "its veth goes again" wait_until 10 no_veths
check_output "a new container on the network starts" "ok" run next --network=n1 echo ok
check "the stale lease is gone" no_lease n1 crash
check "the stale rules are gone" no_rules_for n1/crash
check_output "the freed address is reused" "10.89.0.2" run again --network=n1 ip -4 -o addr show eth0

# --- internal network --------------------------------------------------------------------------
OUT=$(run inside --network=n2 ip -4 -o addr show eth0 2>&1)
check_output "a container on the internal network" "inet 10.89.1.2/24" echo "$OUT"
check_fails "an internal network has no masquerade" sh -c "nft list table ip berth | grep 'masquerade comment \"berth-net:n2\"'"
check_output "an internal network drops forwarding off the bridge" 'iifname "berth2" oifname != "berth2" drop' rules
OUT=$(run inroute --network=n2 ip route 2>&1)
check_output "a container on an internal network has its subnet's route" "10.89.1.0/24 dev eth0" echo "$OUT"
check_fails "... and no default route" grep -q default <<<"$OUT"
check_output "--ip-range and the network's DNS server" "192.168.200.64/26|nameserver 192.0.2.53" \
        run ranged --network=n3 sh -c 'ip -4 -o addr show eth0 | grep -q "inet 192.168.200.64/24" && echo -n "192.168.200.64/26|"; grep nameserver /etc/resolv.conf'

check "a pod on the network with a DNS server" "$BERTH" pod create --network=n3 dnspod
check_output "its containers get the network's DNS server" "nameserver 192.0.2.53" \
        run dnsmember --pod=dnspod cat /etc/resolv.conf
check "... and the pod goes" "$BERTH" pod rm dnspod

# --- IPv6 --------------------------------------------------------------------------------------
"$BERTH" network create --ipv6 n6 >/dev/null
SUB6=$("$BERTH" network inspect n6 | sed -n 's/.*"subnet": "\(fd[0-9a-f:]*\)\/64".*/\1/p')
check "--ipv6 adds a unique-local /64" test -n "$SUB6"
start web6 --network=n6 --init --publish=8086:80 httpd -f -p 80 -h /www
check "the IPv6 container gets a lease" wait_until 10 has_lease n6 web6
ADDR6=$(sed -n 's/.*"address6": "\([0-9a-f:]*\)\/64".*/\1/p' "$BERTH_RUN_DIR/networks/n6/web6.json")
check_output "its IPv6 address is in the subnet" "$SUB6" echo "$ADDR6"
check "it answers over IPv6" wait_until 10 http "http://[$ADDR6]/"
check_output "a published port answers over IPv6 on the bridge's address" "hello-from-web" http "http://[${SUB6}1]:8086/"
check_output "and over IPv4" "hello-from-web" http "http://127.0.0.1:8086/"
check_output "masquerade for the IPv6 subnet" "ip6 saddr $SUB6/64 ip6 daddr != $SUB6/64 masquerade" nft list table ip6 berth
check_output "its /etc/hosts has the IPv6 address too" "$ADDR6	web6" cat "$BERTH_RUN_DIR/containers/web6/hosts"
stop web6
ip addr add fd00:aa::1/128 dev lo
start web6b --network=n6 --init --publish=[fd00:aa::1]:8087:80 --publish=[fd00:aa::1]::80 httpd -f -p 80 -h /www
check "a port published on an IPv6 host address" wait_until 10 has_lease n6 web6b
check "... answers there" wait_until 10 http "http://[fd00:aa::1]:8087/"
check_output "berth port shows it in brackets" "80/tcp -> [fd00:aa::1]:8087" "$BERTH" port web6b
FREE6=$("$BERTH" port web6b 80 | sed -n 's/^\[fd00:aa::1\]:\([0-9]*\)$/\1/p' | grep -v '^8087$')
check "a free host port on the IPv6 address answers too" http "http://[fd00:aa::1]:$FREE6/"
stop web6b
ip addr del fd00:aa::1/128 dev lo
check_output "an IPv6 host address needs an IPv6 network" "needs a network with IPv6" \
        run v6on4 --network=n1 --publish=[fd00:aa::1]:8088:80 true
check "no veth remains after the IPv6 container" wait_until 5 no_veths

# --- many at once --------------------------------------------------------------------------------
for i in 1 2 3 4 5 6; do start many$i --network=n1 --init sleep 600; done
all_leased() { for i in 1 2 3 4 5 6; do has_lease n1 many$i || return 1; done; }
check "six containers started at once all get a lease" wait_until 30 all_leased
check_output "six different addresses" "6" sh -c "cat '$BERTH_RUN_DIR'/networks/n1/many*.json | grep -o '\"address\": \"[0-9.]*' | sort -u | wc -l"
check_output "six veths on the bridge" "6" sh -c "ip -o link show master berth1 | wc -l"
for i in 1 2 3 4 5 6; do stop many$i; done
check "all six are detached" wait_until 5 no_veths

# --- a pod on the network: it holds the address, its containers share it -----------------------
pod_members_ok() { grep -q "$1" "$BERTH_RUN_DIR/containers/podweb/hosts"; }
check_output "pod create --network=n1 --publish" "webpod" \
        "$BERTH" pod create --network=n1 --hostname=podhost --publish=8090:80 webpod
check "the pod holds a lease, with no process" has_lease n1 pod:webpod
POD_IP=$(lease_of n1 pod:webpod)
check_output "the pod's namespace has the address" "inet $POD_IP/24" \
        nsenter --net="$BERTH_RUN_DIR/pods/webpod/netns" ip -4 -o addr show eth0
check_output "and a default route through the gateway" "default via 10.89.0.1" \
        nsenter --net="$BERTH_RUN_DIR/pods/webpod/netns" ip route
check_output "a DNAT rule for the pod's published port" "dnat to $POD_IP:80 comment \"berth-ctr:n1/pod:webpod\"" rules
check_output "network inspect lists the pod" '"pod:webpod": {' "$BERTH" network inspect n1
check_output "pod inspect shows its address" "\"IPAddress\": \"$POD_IP\"" "$BERTH" pod inspect webpod
start podweb --pod=webpod --init httpd -f -p 80 -h /www
check "a container in the pod serves on the pod's address" wait_until 10 http "http://$POD_IP/"
check_output "the pod's published port answers on localhost" "hello-from-web" http "http://127.0.0.1:8090/"
check_output "a second member reaches the first on 127.0.0.1" "hello-from-web" \
        run podclient --pod=webpod sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 127.0.0.1 80"
OUT=$(run outside --network=n1 sh -c "cat /etc/hosts; printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 webpod 80" 2>&1)
check_output "a peer's /etc/hosts lists the pod by name and host name" "$POD_IP	webpod podhost" echo "$OUT"
check_output "the peer reaches the pod by name" "hello-from-web" echo "$OUT"
start peer2 --network=n1 --init sleep 600
check "a running member of the pod learns a new peer" wait_until 10 pod_members_ok "	peer2"
OUT=$(run podclient --pod=webpod cat /etc/hosts 2>&1)
check_output "a member starting later names the peers there already" "	peer2" echo "$OUT"
check_output "a host port the pod publishes is refused for a container" "already published by container pod:webpod" \
        run conflict --network=n1 --publish=8090:81 true
check_output "network rm refuses while the pod holds an address" "in use by" "$BERTH" network rm n1
start podlate --pod=webpod --init sleep 600
check "a member started later names the peer" wait_until 10 grep -q "	peer2" "$BERTH_RUN_DIR/containers/podlate/hosts"
stop peer2
check_fails "the member forgets the peer that left" grep -q "peer2" "$BERTH_RUN_DIR/containers/podweb/hosts"
check_fails "... and so does the one that knew it from its start" grep -q "peer2" "$BERTH_RUN_DIR/containers/podlate/hosts"
check "pod rm -f stops the members and detaches the pod" "$BERTH" pod rm -f webpod
for c in podweb podlate; do wait "${SUP[$c]}" 2>/dev/null; unset "SUP[$c]"; rmdir "$CG/$c" 2>/dev/null; done
check "the pod's lease is gone" no_lease n1 pod:webpod
check "its rules are gone" no_rules_for n1/pod:webpod
check "its veth is gone" wait_until 5 no_veths
check_fails "its published port is gone" http "http://127.0.0.1:8090/"
check_output "--publish on a pod without a berth network is refused" "--publish needs --network naming a berth bridge network" \
        "$BERTH" pod create --publish=8091:80 lonely
check_fails "... and leaves no pod" test -e "$BERTH_RUN_DIR/pods/lonely"
check_output "an unknown network is refused" "no such network" "$BERTH" pod create --network=no-such-net lonely
check_fails "... and leaves no pod" test -e "$BERTH_RUN_DIR/pods/lonely"
# A pod whose namespace went away without `pod rm` (its mounts gone, as after a crash).
"$BERTH" pod create --network=n1 --publish=8092:80 gone >/dev/null
check "the pod gone astray has a lease" has_lease n1 pod:gone
for ns in netns ipcns utsns; do umount "$BERTH_RUN_DIR/pods/gone/$ns"; done
rm -rf "$BERTH_RUN_DIR/pods/gone"
check "its veth goes with its namespace" wait_until 10 no_veths
check_output "the next container on the network starts" "ok" run next2 --network=n1 echo ok
check "the stale pod lease is reclaimed" no_lease n1 pod:gone
check "with its rules" no_rules_for n1/pod:gone

# --- rm -f -------------------------------------------------------------------------------------
"$BERTH" network create n7 >/dev/null
IFACE7=$("$BERTH" network inspect n7 | sed -n 's/.*"network_interface": "\(.*\)".*/\1/p')
start victim --network=n7 --init sleep 600
check "a container on n7" wait_until 10 has_lease n7 victim
check "n7's bridge is up" sh -c "test -n '$IFACE7' && ip link show '$IFACE7'"
check "a pod on n7 too" "$BERTH" pod create --network=n7 --publish=8093:80 victimpod
check_fails "rm without -f refuses" "$BERTH" network rm n7
check "rm -f removes it anyway" "$BERTH" network rm -f n7
check_fails "its bridge is gone at once" ip link show "$IFACE7"
check "the cut-off container still stops cleanly" stop victim
check "the cut-off pod is still removed cleanly" "$BERTH" pod rm victimpod
check "... with no veth left" wait_until 5 no_veths
check "... nor rules" no_rules_for n7/pod:victimpod
check_fails "and leaves no run dir of the network behind" test -e "$BERTH_RUN_DIR/networks/n7"

# --- removal ------------------------------------------------------------------------------------
check "rm removes an unused network" "$BERTH" network rm n1
check_fails "its bridge is gone" ip link show berth1
check_fails "its rules are gone" sh -c "nft list table ip berth | grep -q 'berth-net:n1\"'"
check_fails "its record is gone" test -e "$BERTH_STATE_DIR/networks/n1.json"
check "rm --ignore of a missing network succeeds" "$BERTH" network rm --ignore n1
check_output "prune removes the unused networks" "n2" "$BERTH" network prune
check_output "only the default network is left" "berth" "$BERTH" network ls -q
check_fails "no bridge of a pruned network remains" ip link show berth2
done_testing
