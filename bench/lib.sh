# Shared by the benchmark scripts: run commands alternated by hyperfine in one run and print ratios.
BENCH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${BERTH_BUILD:=$BENCH_TOP/build}"
BENCH_RUNS=${BENCH_RUNS:-20}
BENCH_WARMUP=${BENCH_WARMUP:-3}

# bench_compare TITLE -- hyperfine args (--command-name/commands pairs)...
# Prints a table of medians and each command's ratio to the first one (BENCH_RUNS runs each after
# BENCH_WARMUP warmups); on a failure, hyperfine's last words.
bench_compare() {
        local title=$1 json log
        shift
        json=$(mktemp)
        log=$(mktemp)
        echo "## $title"
        if ! hyperfine -N --style none --warmup "$BENCH_WARMUP" --runs "$BENCH_RUNS" --export-json "$json" "$@" \
                >"$log" 2>&1; then
                echo "(hyperfine failed: a command exited non-zero)"
                tail -5 "$log"
                rm -f "$json" "$log"
                return 1
        fi
        python3 - "$json" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
base = statistics.median(r[0]["times"])
print(f"| {'command':<40} | median ms | ratio to {r[0]['command']} |")
print(f"|{'-'*42}|-----------|------|")
for x in r:
    m = statistics.median(x["times"])
    print(f"| {x['command']:<40} | {m*1000:9.2f} | {m/base:.2f} |")
PY
        rm -f "$json" "$log"
        echo
}

# bench_private_namespaces "$@": re-executes the script in a network and mount namespace of its own,
# so podman's CNI bridge and rules and its overlay mounts live and die there; then lo is up.
bench_private_namespaces() {
        if [ -z "${BERTH_BENCH_INNER:-}" ]; then
                export BERTH_BENCH_INNER=1
                exec unshare -n -m --propagation private bash "$0" "$@"
        fi
        ip link set lo up
}

# bench_podman_config DIR: podman's (and buildah's) images, containers and network configs below
# DIR/containers, never in the host's, with the settings these hybrid cgroups need (runc, cgroupfs,
# rlimits below the hard limits); exports CONTAINERS_CONF and CONTAINERS_STORAGE_CONF.
bench_podman_config() {
        export CONTAINERS_CONF=$1/containers.conf CONTAINERS_STORAGE_CONF=$1/storage.conf
        mkdir -p "$1/containers/networks"
        cat >"$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[network]
network_config_dir = "$1/containers/networks"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
CONF
        cat >"$CONTAINERS_STORAGE_CONF" <<CONF
[storage]
driver = "overlay"
graphroot = "$1/containers/storage"
runroot = "$1/containers/run"
CONF
}

# berth under the nspawn-booted systemd of the tests, podman rootful on the host, configured by
# bench_podman_config below $NSPAWN_DIR. bench_podman_prepare: sources the test harness, makes $NSPAWN_DIR and podman's configuration,
# imports a busybox root as localhost/busybox on both sides. The caller boots (nspawn_boot ARGS).
# Teardown on EXIT: bench_podman_cleanup, then the container.
bench_podman_prepare() {
        # shellcheck source=../tests/lib/tap.sh
        source "$BENCH_TOP/tests/lib/tap.sh"
        # shellcheck source=../tests/lib/fixtures.sh
        source "$BENCH_TOP/tests/lib/fixtures.sh"
        # shellcheck source=../tests/lib/nspawn.sh
        source "$BENCH_TOP/tests/lib/nspawn.sh"
        nspawn_prepare
        trap 'bench_podman_cleanup; nspawn_stop >/dev/null 2>&1' EXIT
        bench_podman_config "$NSPAWN_DIR"
        make_busybox_tar "$NSPAWN_DIR/bb.tar" >/dev/null || return 1
        podman import -q "$NSPAWN_DIR/bb.tar" localhost/busybox >/dev/null || return 1
        nspawn_import_image localhost/busybox >/dev/null
}

# bench_nspawn_boot [nspawn args...]: boots the container (nspawn_boot) and sets NSPAWN_ENTER. Also
# writes the /etc/ld.so.cache every installed system has, which the container's fresh /etc lacks:
# without it, each program started inside looks for each of its libraries through the glibc-hwcaps
# and tls directories first (about 200 failed opens and stats for berth), the host's podman not.
bench_nspawn_boot() {
        nspawn_boot "$@" >/dev/null 2>&1 || return 1
        nspawn_run ldconfig || return 1
        nspawn_enter_cmd
}

# Removes podman's containers (a compose project in $NSPAWN_DIR/podman first), then its overlay
# mounts below $NSPAWN_DIR, before nspawn_stop removes the files.
bench_podman_cleanup() {
        if [ -e "$NSPAWN_DIR/podman/compose.yaml" ]; then
                (cd "$NSPAWN_DIR/podman" && podman-compose down -t 1) >/dev/null 2>&1
        fi
        podman rm -af >/dev/null 2>&1
        findmnt -rn -o TARGET | grep "^$NSPAWN_DIR/containers/" | sort -r | xargs -r umount -l 2>/dev/null
}
