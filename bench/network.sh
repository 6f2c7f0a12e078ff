#!/bin/bash
# What bridge networking adds to a container's start: berth-runtime with --network=none against the
# default bridge network (veth, address, routes, lease, hosts file, nftables rules), and the same pair
# for podman (netavark), all four alternated in one hyperfine run. Each run starts a container that
# runs /bin/true and waits for it to end, so the teardown is counted too.
#
# Everything runs in a network namespace (and a private mount namespace) made here: the bridges, veths
# and nftables rules live and die in it, and no packet leaves it. podman keeps its images, containers
# and networks below a scratch directory (--root, --runroot, CONTAINERS_CONF).
set -eEuo pipefail
source "$(dirname "$0")/lib.sh"
source "$BENCH_TOP/tests/lib/fixtures.sh"
RT=$(cd "$BERTH_BUILD" && pwd)/berth-runtime
[ "$(id -u)" = 0 ] || { echo "network.sh: needs root"; exit 1; }
for t in hyperfine nft; do
        command -v $t >/dev/null || { echo "network.sh: $t is not installed"; exit 1; }
done

if [ -z "${BERTH_BENCH_INNER:-}" ]; then
        export BERTH_BENCH_INNER=1
        exec unshare -n -m --propagation private bash "$0" "$@"
fi

work=$(mktemp -d /tmp/berth-bench-network.XXXXXX)
cg_mount=$(findmnt -n -t cgroup2 -o TARGET | head -1)
cg=$cg_mount/berth-bench-network.$$
podman_ok=""
cleanup() {
        set +e # everything here is best effort
        [ -n "$podman_ok" ] && "${podman[@]}" rm -af >/dev/null 2>&1
        [ -d "$cg" ] && { find "$cg" -mindepth 1 -depth -type d -exec rmdir {} + ; rmdir "$cg"; } 2>/dev/null
        findmnt -rn -o TARGET | grep "^$work/" | sort -r | xargs -r umount -l 2>/dev/null
        rm -rf "$work"
}
trap cleanup EXIT
ip link set lo up
mkdir "$cg"
export BERTH_RUN_DIR=$work/berth-run BERTH_STATE_DIR=$work/berth-state BERTH_STORAGE_DIR=$work/berth-storage
make_busybox_rootfs "$work/rootfs"

# The supervisor in a cgroup of its own, as its unit would give it.
cat >"$work/berth" <<EOF2
#!/bin/sh
echo \$\$ >"$cg/cgroup.procs" && exec "$RT" supervise --name=bench --rootfs="$work/rootfs" --network="\$1" true
EOF2
chmod +x "$work/berth"
for n in none berth; do
        "$work/berth" $n >/dev/null 2>&1 || { echo "network.sh: berth-runtime with --network=$n fails"; exit 1; }
done

args=(--command-name "berth, --network=none" "$work/berth none"
      --command-name "berth, default bridge" "$work/berth berth")
if command -v podman >/dev/null; then
        # The settings that make podman work on this host (tests/lib and the reference notes).
        printf '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nruntime = "runc"\n' \
                >"$work/containers.conf"
        export CONTAINERS_CONF=$work/containers.conf
        podman=(podman --root "$work/podman-root" --runroot "$work/podman-run")
        tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
        if "${podman[@]}" import "$work/rootfs.tar" localhost/bench >/dev/null 2>&1 &&
                        "${podman[@]}" run --rm localhost/bench true >/dev/null 2>&1; then
                podman_ok=1
                args+=(--command-name "podman, --network=none" "${podman[*]} run --rm --network=none localhost/bench true"
                       --command-name "podman, default bridge" "${podman[*]} run --rm localhost/bench true")
        else
                echo "network.sh: podman does not run here; only berth is measured"
        fi
fi

echo "berth-runtime supervise of /bin/true (busybox root); podman $(podman --version 2>/dev/null | awk '{print $3}') with runc, netavark"
echo
bench_compare "Container start and stop with and without a bridge network (one network namespace of its own)" "${args[@]}"
