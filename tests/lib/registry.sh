# A local registry for pull tests: Debian's docker-registry (distribution 2.8) on 127.0.0.1, config and
# data in a scratch directory, stopped by stop_registries (call it from the test's EXIT trap).
#
#   start_registry DIR [htpasswd USER PASS]   starts one; prints its "127.0.0.1:PORT"
#   stop_registries                           stops every registry this shell started
#   make_oci_layout DIR BUSYBOX_TAR           an OCI layout with tags "latest" (an index: linux/amd64
#                                             and linux/arm64, two layers: tar+gzip and plain tar with a
#                                             whiteout) and "single" (the amd64 manifest alone)
#   seed_registry HOSTPORT LAYOUT NAME TAG [FORMAT]   skopeo copy --all into the registry (FORMAT v2s2
#                                             converts to docker schema 2 media types)

REGISTRY_PIDS=()

free_port() {
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_registry() {
        local dir=$1 mode=${2:-} port auth=""
        mkdir -p "$dir/data"
        port=$(free_port)
        if [ "$mode" = htpasswd ]; then
                htpasswd -Bbn "$3" "$4" >"$dir/htpasswd"
                auth="auth: {htpasswd: {realm: berth-test, path: $dir/htpasswd}}"
        fi
        cat >"$dir/config.yml" <<EOC
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage:
  cache: {blobdescriptor: inmemory}
  filesystem: {rootdirectory: $dir/data}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:$port
health:
  storagedriver: {enabled: false}
$auth
EOC
        docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
        REGISTRY_PIDS+=($!)
        local deadline=$((SECONDS + 20))
        until curl -s -o /dev/null "http://127.0.0.1:$port/v2/"; do
                [ "$SECONDS" -ge "$deadline" ] && { echo "registry did not start: $(cat "$dir/log")" >&2; return 1; }
                sleep 0.05
        done
        echo "127.0.0.1:$port"
}

stop_registries() {
        local pid
        for pid in "${REGISTRY_PIDS[@]}"; do
                kill "$pid" 2>/dev/null
                wait "$pid" 2>/dev/null
        done
        REGISTRY_PIDS=()
}

make_oci_layout() {
        python3 - "$1" "$2" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
out, base_tar = sys.argv[1], sys.argv[2]
os.makedirs(out + "/blobs/sha256", exist_ok=True)
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    with open(f"{out}/blobs/sha256/{d}", "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + d, "size": len(data)}
base = open(base_tar, "rb").read()
top = io.BytesIO()
with tarfile.open(fileobj=top, mode="w") as tf:
    for name, data in [("etc/hostname", b"pulled\n"), ("etc/.wh.group", b"")]:
        ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = 0o644
        tf.addfile(ti, io.BytesIO(data))
top = top.getvalue()
l1 = dict(blob(gzip.compress(base, mtime=0)), mediaType="application/vnd.oci.image.layer.v1.tar+gzip")
l2 = dict(blob(top), mediaType="application/vnd.oci.image.layer.v1.tar")
diff_ids = ["sha256:" + hashlib.sha256(x).hexdigest() for x in (base, top)]
def image(arch):
    config = {"architecture": arch, "os": "linux", "created": "2026-11-01T10:00:00Z",
              "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin", "ARCH=" + arch], "WorkingDir": "/root",
                         "Labels": {"org.example.test": "yes"}, "ExposedPorts": {"80/tcp": {}}},
              "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    c = dict(blob(json.dumps(config).encode()), mediaType="application/vnd.oci.image.config.v1+json")
    m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": c, "layers": [l1, l2]}
    return dict(blob(json.dumps(m).encode()), mediaType=m["mediaType"], platform={"architecture": arch, "os": "linux"})
arm, amd = image("arm64"), image("amd64")
index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [arm, amd]}
idx = dict(blob(json.dumps(index).encode()), mediaType=index["mediaType"])
single = {k: v for k, v in amd.items() if k != "platform"}
tag = lambda d, t: dict(d, annotations={"org.opencontainers.image.ref.name": t})
json.dump({"schemaVersion": 2, "manifests": [tag(idx, "latest"), tag(single, "single")]}, open(out + "/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(out + "/oci-layout", "w"))
print(idx["digest"])
PY
}

seed_registry() {
        local hostport=$1 layout=$2 name=$3 tag=$4 format=${5:-} all=--all preserve=--preserve-digests
        [ "$tag" = single ] && all=
        [ -n "$format" ] && preserve= # converting changes the manifests' digests
        skopeo copy -q $all $preserve ${format:+--format $format} --dest-tls-verify=false \
                "oci:$layout:$tag" "docker://$hostport/$name:$tag" ${REGISTRY_CREDS:+--dest-creds "$REGISTRY_CREDS"}
}
