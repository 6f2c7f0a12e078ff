#!/bin/bash
# Pods: `berth pod create|ls|inspect|rm` and containers joining them with berth-runtime --pod.
# The whole script runs in a private mount namespace, since a pod's namespaces are held by bind
# mounts; each pod has its own network namespace, so nothing here touches the host's network.
set -u
if [ -z "${BERTH_POD_TEST_UNSHARED:-}" ] && [ "$(id -u)" -eq 0 ]; then
        BERTH_POD_TEST_UNSHARED=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/runtime.sh"
runtime_test_setup pod
# Pods left by a failed check: their nsfs mounts must go before the directory.
umount_pods() { grep -o "$T/run/pods/[^ ]*" /proc/self/mountinfo 2>/dev/null | sort -r | xargs -r umount -l 2>/dev/null; }
RUNTIME_CLEANUP+=(umount_pods)

mkdir -p "$ROOTFS/www" && echo "hello from the pod" >"$ROOTFS/www/index.html"
running() { [ -s "$BERTH_RUN_DIR/containers/$1/state.json" ]; }
pod_mounts_are() { local n; n=$(grep -c " $T/run/pods/" /proc/self/mountinfo); [ "$n" -eq "$1" ] || { echo "$n mounts"; return 1; }; }
ns_inode() { stat -L -c %i "$BERTH_RUN_DIR/pods/$1/$2"; }

# --- the CLI ------------------------------------------------------------------------------------
check_output "pod create prints the name" "web" "$BERTH" pod create --hostname=webhost --add-host=db:10.1.2.3 --dns=192.0.2.53 --label=tier=front web
check_fails "creating it again is an error" "$BERTH" pod create web
check "... unless --ignore" "$BERTH" pod create --ignore web
for ns in netns ipcns utsns; do
        check "$ns is a bind-mounted namespace" bash -c "[ \"\$(stat -f -c %T '$BERTH_RUN_DIR/pods/web/$ns')\" = nsfs ]"
done
check "pod.json is written" test -s "$BERTH_RUN_DIR/pods/web/pod.json"
check_output "the pod's UTS namespace has its host name" "webhost" \
        nsenter --uts="$BERTH_RUN_DIR/pods/web/utsns" hostname
check_output "lo is up in the pod's network namespace" "UP" \
        nsenter --net="$BERTH_RUN_DIR/pods/web/netns" ip -br link show lo
check_output "pod ls" "web" "$BERTH" pod ls
inspect=$("$BERTH" pod inspect web)
check "pod inspect: name, host name, namespaces" jq -e \
        '.[0].Name == "web" and .[0].Hostname == "webhost" and (.[0].Namespaces.net | endswith("/pods/web/netns")) and .[0].Labels.tier == "front"' <<<"$inspect"
check_fails "an invalid name is refused" "$BERTH" pod create -- -bad
check_output "an unknown network is refused clearly" "no such network; create it with 'berth network create mynet'" \
        "$BERTH" pod create --network=mynet other
check_output "host networking is refused" "not supported for pods" "$BERTH" pod create --network=host other
check_output "--publish without a berth network is refused" "--publish needs --network naming a berth bridge network" \
        "$BERTH" pod create --publish=8080:80 other
check_fails "... and leaves nothing" test -e "$BERTH_RUN_DIR/pods/other"

# --- two containers in the pod ------------------------------------------------------------------
bg --rootfs="$ROOTFS" --name=server --pod=web busybox httpd -f -p 127.0.0.1:8080 -h /www
check "the server container runs" wait_until 20 running server
check "the server listens" wait_until 20 nsenter --net="$BERTH_RUN_DIR/pods/web/netns" \
        busybox wget -q -O /dev/null http://127.0.0.1:8080/
check_output "a second container reaches it on 127.0.0.1" "hello from the pod" \
        rt --rootfs="$ROOTFS" --name=client --pod=web wget -q -O - http://127.0.0.1:8080/
check_output "it shares the pod's host name" "h=webhost" rt --rootfs="$ROOTFS" --name=client --pod=web sh -c 'echo h=$(hostname)'
check_output "it is in the pod's IPC namespace" "ipc:[$(ns_inode web ipcns)]" \
        rt --rootfs="$ROOTFS" --name=client --pod=web readlink /proc/self/ns/ipc
check_output "it is in the pod's UTS namespace" "uts:[$(ns_inode web utsns)]" \
        rt --rootfs="$ROOTFS" --name=client --pod=web readlink /proc/self/ns/uts
check_output "the pod's --add-host reaches its containers' /etc/hosts" "10.1.2.3	db" \
        rt --rootfs="$ROOTFS" --name=client --pod=web cat /etc/hosts
check_output "the pod's --dns reaches their resolv.conf" "nameserver 192.0.2.53" \
        rt --rootfs="$ROOTFS" --name=client --pod=web cat /etc/resolv.conf
check_output "a container outside the pod does not reach the server" "Connection refused" \
        rt --rootfs="$ROOTFS" --name=outsider sh -c 'wget -q -O - http://127.0.0.1:8080/ 2>&1; echo rc=$?'
check_output "pod inspect lists the running member" '"server"' "$BERTH" pod inspect web
check_output "pod rm is refused while a member runs" "has running containers (server)" "$BERTH" pod rm web
check "... the pod is still there" "$BERTH" pod inspect web
check "pod rm -f stops the member and removes the pod" "$BERTH" pod rm -f web
check "... the member has stopped" wait_until 20 bash -c "! kill -0 ${BG_PIDS[0]} 2>/dev/null"
wait "${BG_PIDS[0]}" 2>/dev/null
BG_PIDS=()
check "pod rm leaves no mount" pod_mounts_are 0
check_fails "... nor the directory" test -e "$BERTH_RUN_DIR/pods/web"
check_fails "a container cannot join a removed pod" rt --rootfs="$ROOTFS" --name=late --pod=web true
check_fails "rm of a missing pod fails" "$BERTH" pod rm web
check "... unless --ignore" "$BERTH" pod rm --ignore web

# --- a crash between mounts and pod.json --------------------------------------------------------
check "create a pod" "$BERTH" pod create crash
rm "$BERTH_RUN_DIR/pods/crash/pod.json"
umount "$BERTH_RUN_DIR/pods/crash/utsns"
check_fails "a half-made pod is not listed" bash -c "'$BERTH' pod ls -q | grep -qx crash"
check "create copes with the stale directory" "$BERTH" pod create crash
check "... and has all three mounts, once" pod_mounts_are 3
check "pod rm" "$BERTH" pod rm crash
check "rm --ignore also cleans a stale directory" bash -c "'$BERTH' pod create crash && rm '$BERTH_RUN_DIR/pods/crash/pod.json' && '$BERTH' pod rm --ignore crash"
check "no mount is left" pod_mounts_are 0

done_testing
