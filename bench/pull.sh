#!/bin/bash
# A pull of a multi-layer image of about 220 MB (5 gzip layers of random data on busybox, made here)
# from a local docker-registry on 127.0.0.1: `berth pull` against `skopeo copy` into
# containers-storage and `podman pull`, alternated in one hyperfine run, every store wiped before
# each run. podman and skopeo get a storage of their own (--root), so the host's stays untouched.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$BENCH_TOP/tests/lib/fixtures.sh"
source "$BENCH_TOP/tests/lib/registry.sh"
LAYERS=${BENCH_PULL_LAYERS:-5}
LAYER_MIB=${BENCH_PULL_LAYER_MIB:-44}
work=$(mktemp -d /var/tmp/berth-bench-pull.XXXXXX)
# containers-storage bind-mounts its overlay dir onto itself; it must go before the dir can.
cat >"$work/wipe.sh" <<EOS
for m in \$(findmnt -rn -o TARGET | grep "^$work/" | sort -r); do umount "\$m"; done
rm -rf "$work/berth" "$work/cs" "$work/cs-run"
EOS
trap 'bash "$work/wipe.sh"; stop_registries; rm -rf "$work"' EXIT

make_busybox_tar "$work/bb.tar"
make_random_layout "$work/oci" "$LAYERS" $((LAYER_MIB * 1024)) "$work/bb.tar"
start_registry "$work/reg"
skopeo copy -q --dest-tls-verify=false "oci:$work/oci:latest" "docker://$REGISTRY/bench/big:latest"
size=$(du -sm "$work/oci/blobs" | cut -f1)
image=$REGISTRY/bench/big:latest
echo "image: $image, $((LAYERS + 1)) layers, ${size} MB compressed"

# podman on this host: runc and rlimits it may set (see /work/shared/reference/test-environment.md).
cat >"$work/containers.conf" <<'EOC'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOC
cs="--root $work/cs --runroot $work/cs-run --storage-driver overlay"
BENCH_RUNS=${BENCH_RUNS:-5} bench_compare "pull of a ${size} MB, $((LAYERS + 1))-layer image from a local registry" \
        --prepare "bash $work/wipe.sh" \
        --command-name "berth pull" \
        "env BERTH_STORAGE_DIR=$work/berth $BERTH_BUILD/berth pull -q $image" \
        --command-name "skopeo copy (containers-storage)" \
        "skopeo copy -q --src-tls-verify=false docker://$image containers-storage:[overlay@$work/cs+$work/cs-run]$image" \
        --command-name "podman pull" \
        "env CONTAINERS_CONF=$work/containers.conf podman $cs pull -q --tls-verify=false $image"
