#!/bin/bash
# Hostile inputs that used to hang berth or make it slow, or that leaked a file's content (issue 16):
# FIFOs inside docker and OCI archives and among definitions; values and files that made the generator
# quadratic, and the caps that now end them with an error unit naming file and key; a drop-in that is
# a symlink to a secret file; an image with 5,000 layers, in an archive and from a registry.
set -u
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/fixtures.sh"
source "$(dirname "$0")/../lib/registry.sh"

BERTH="$BERTH_BUILD/berth"
GEN="$BERTH_BUILD/berth-generator"
# Timings are taken with the optimised build where there is one (make check builds both): ASan
# multiplies every allocation's cost, and the point is the growth, not the sanitizer.
FAST_GEN=$TOP/build/berth-generator
[ -x "$FAST_GEN" ] || FAST_GEN=$GEN
T=$(mktemp -d /tmp/berth-hostile.XXXXXX)
export BERTH_STORAGE_DIR=$T/store
trap 'stop_registries; rm -rf "$T"' EXIT

gen() { # search-dir out-dir [generator]: runs the generator with a deadline (the old one never finished)
        rm -rf "$2" && mkdir -p "$2"
        env -u XDG_RUNTIME_DIR -u XDG_CONFIG_HOME BERTH_UNIT_DIRS="$1" timeout 30 "${3:-$GEN}" --no-kmsg-log "$2"
}
cpu_seconds() { # command...: the CPU time (user + system) it took, on stdout; its output is dropped
        local TIMEFORMAT=%3U+%3S t
        t=$({ time "$@" >/dev/null 2>&1; } 2>&1)
        python3 -c "print($t)"
}
less_than() { python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$1" "$2"; }

# --- the generator: linear in the size of a value, and capped --------------------------------------------
mkdir -p "$T/words"
python3 - "$T/words/words.container" <<'EOPY'
import sys
open(sys.argv[1], "w").write("[Container]\nImage=localhost/busybox\nExec=echo " +
        " ".join("w%d" % i for i in range(131072)) + "\n")
EOPY
t=$(cpu_seconds gen "$T/words" "$T/out" "$FAST_GEN")
diag "a 128k-word Exec=: ${t} s of CPU"
check "a 128k-word Exec= is generated in under 0.2 s (it took 6.9 s)" less_than "$t" 0.2
check "... into a unit holding every word" grep -q ' w0 .* w131071$' "$T/out/words.service"

mkdir -p "$T/cont"
python3 - "$T/cont/cont.container" <<'EOPY'
import sys
open(sys.argv[1], "w").write("[Container]\nImage=localhost/busybox\nExec=echo \\\n" +
        "".join("w%d \\\n" % i for i in range(100000)) + "end\n")
EOPY
t=$(cpu_seconds gen "$T/cont" "$T/out" "$FAST_GEN")
diag "100k continuation lines: ${t} s of CPU"
check "100k continuation lines are read in under 0.5 s (they took 13.9 s)" less_than "$t" 0.5
check "... as one value" grep -q ' w99999 end$' "$T/out/cont.service"

mkdir -p "$T/huge"
python3 -c "import sys; open(sys.argv[1], 'w').write('[Container]\nImage=localhost/busybox\n\nExec=echo ' + 'x' * (2 << 20) + '\n')" \
        "$T/huge/huge.container"
check_fails "a 2 MiB Exec= is an error (exit status 1), not a generator that never ends" gen "$T/huge" "$T/out"
check_output "... whose unit names the file, the line and the key" \
        "Description=berth: $T/huge/huge.container:4: Exec=: the value is longer than 1 MiB" cat "$T/out/huge.service"
check "... and fails when started" grep -q '^ExecStart=/bin/false' "$T/out/huge.service"

mkdir -p "$T/big"
python3 -c "import sys; open(sys.argv[1], 'w').write('[Container]\nImage=localhost/busybox\n' + '# padding\n' * (1 << 20))" \
        "$T/big/big.container"
gen "$T/big" "$T/out" >/dev/null 2>&1
check_output "a definition over 8 MiB is refused, naming the file" \
        "Description=berth: $T/big/big.container: cannot read: larger than the limit" cat "$T/out/big.service"

# --- a drop-in that is a symlink to a secret, or a FIFO ---------------------------------------------------
mkdir -p "$T/leak/web.container.d" "$T/secret"
printf '[Container]\nImage=localhost/busybox\n' >"$T/leak/web.container"
printf 'root:$y$j9T$TOPSECRETHASH:19700:0:99999:7:::\n' >"$T/secret/shadow"
ln -s "$T/secret/shadow" "$T/leak/web.container.d/10-evil.conf"
gen "$T/leak" "$T/out" >"$T/leak.log" 2>&1
check_output "a drop-in linked to a secret file gives an error unit naming the file and line" \
        "web.container.d/10-evil.conf:1: The line is not an assignment" cat "$T/out/web.service"
check_fails "... and the secret appears neither in the unit" grep -q TOPSECRET "$T/out/web.service"
check_fails "... nor in the log" grep -q TOPSECRET "$T/leak.log"

mkdir -p "$T/fifo/db.container.d"
printf '[Container]\nImage=localhost/busybox\n' >"$T/fifo/db.container"
mkfifo "$T/fifo/db.container.d/10-fifo.conf"
check_fails "a FIFO drop-in: the generator returns (status 1) instead of blocking" gen "$T/fifo" "$T/out"
check_output "... with an error unit saying what it is" "10-fifo.conf: cannot read: not a regular file" \
        cat "$T/out/db.service"

# --- FIFOs inside archives: refused at once (the loader used to block on them forever) -------------------
command -v skopeo >/dev/null || { done_testing; exit; }
make_busybox_tar "$T/bb.tar"
make_oci_layout "$T/oci" "$T/bb.tar" >/dev/null
skopeo copy -q "oci:$T/oci:single" "docker-archive:$T/archive.tar:busybox:1.36"
mkdir "$T/x" && tar -C "$T/x" -xf "$T/archive.tar"
load_within() { # seconds archive-or-dir expected-text: berth load fails quickly, saying expected-text
        local out rc start=$SECONDS
        out=$(timeout "$1" "$BERTH" load -i "$2" 2>&1) && rc=0 || rc=$?
        [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [[ "$out" == *"$3"* ]] && [ -z "$(ls -A "$BERTH_STORAGE_DIR/images" 2>/dev/null)" ] ||
                { echo "exit $rc after $((SECONDS - start)) s: $out"; return 1; }
}
fifo_archive() { # name tree member...: a copy of the tree with the members replaced by FIFOs, as a tarball
        local name=$1 tree=$2 m
        shift 2
        rm -rf "$T/$name" && cp -a "$tree" "$T/$name"
        for m in "$@"; do
                rm -f "$T/$name/$m" && mkfifo "$T/$name/$m"
        done
        tar -C "$T/$name" -cf "$T/$name.tar" .
}
config=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[0]['Config'])" "$T/x/manifest.json")
layer=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[0]['Layers'][0])" "$T/x/manifest.json")
fifo_archive d-manifest "$T/x" manifest.json
check "docker archive: a FIFO manifest.json is refused at once" load_within 3 "$T/d-manifest.tar" "not a regular file"
fifo_archive d-config "$T/x" "$config"
check "docker archive: a FIFO config is refused at once" load_within 3 "$T/d-config.tar" "not a regular file"
fifo_archive d-layer "$T/x" "$layer"
check "docker archive: a FIFO layer is refused at once" load_within 3 "$T/d-layer.tar" "not a regular file"

# the OCI layout's "single" manifest, its config and first layer
read -r oci_manifest oci_config oci_layer < <(python3 - "$T/oci" <<'EOPY'
import json, sys
d = sys.argv[1]
idx = json.load(open(d + "/index.json"))
m = [x for x in idx["manifests"] if x.get("annotations", {}).get("org.opencontainers.image.ref.name") == "single"][0]
man = json.load(open(d + "/blobs/sha256/" + m["digest"][7:]))
print(*("blobs/sha256/" + x[7:] for x in (m["digest"], man["config"]["digest"], man["layers"][0]["digest"])))
EOPY
)
rm -rf "$T/o1" && mkdir "$T/o1" && cp -a "$T/oci/." "$T/o1/"
python3 - "$T/o1/index.json" <<'EOPY'
import json, sys
idx = json.load(open(sys.argv[1]))
idx["manifests"] = [m for m in idx["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == "single"]
json.dump(idx, open(sys.argv[1], "w"))
EOPY
fifo_archive o-index "$T/o1" index.json
check "OCI archive: a FIFO index.json is refused at once" load_within 3 "$T/o-index.tar" "not a regular file"
fifo_archive o-manifest "$T/o1" "$oci_manifest"
check "OCI archive: a FIFO manifest blob is refused at once" load_within 3 "$T/o-manifest.tar" "not a regular file"
fifo_archive o-config "$T/o1" "$oci_config"
check "OCI archive: a FIFO config blob is refused at once" load_within 3 "$T/o-config.tar" "not a regular file"
fifo_archive o-layer "$T/o1" "$oci_layer"
check "OCI archive: a FIFO layer blob is refused at once" load_within 3 "$T/o-layer.tar" "not a regular file"
check "OCI layout directory: a FIFO layer blob is refused at once" load_within 3 "$T/o-layer" "not a regular file"

# --- 5,000 layers --------------------------------------------------------------------------------------------
# A docker archive whose config lists 5,000 diffIDs (and manifest.json as many layers, all one file).
rm -rf "$T/many" && cp -a "$T/x" "$T/many"
python3 - "$T/many" "$config" <<'EOPY'
import hashlib, json, os, sys
d, config = sys.argv[1], sys.argv[2]
m = json.load(open(d + "/manifest.json"))
c = json.load(open(d + "/" + config))
c["rootfs"]["diff_ids"] = [c["rootfs"]["diff_ids"][0]] * 5000
data = json.dumps(c).encode()
os.remove(d + "/" + config)
name = hashlib.sha256(data).hexdigest() + ".json"
open(d + "/" + name, "wb").write(data)
m[0]["Config"] = name
m[0]["Layers"] = [m[0]["Layers"][0]] * 5000
json.dump(m, open(d + "/manifest.json", "w"))
EOPY
tar -C "$T/many" -cf "$T/many.tar" .
check "docker archive: an image of 5,000 layers is refused" load_within 30 "$T/many.tar" \
        "lists 5000 layers, more than the limit of 500"

if command -v docker-registry >/dev/null && start_registry "$T/reg"; then
        seed_registry "$REGISTRY" "$T/oci" test/busybox single
        # The same manifest with its first layer listed 5,000 times, and a config with as many diffIDs.
        check "push a manifest of 5,000 layers" python3 - "$REGISTRY" <<'EOPY'
import hashlib, json, sys, urllib.request
reg = "http://" + sys.argv[1]
oci_m = "application/vnd.oci.image.manifest.v1+json"
def req(method, url, data=None, headers={}):
    r = urllib.request.Request(url, data=data, method=method, headers=headers)
    return urllib.request.urlopen(r)
m = json.load(req("GET", reg + "/v2/test/busybox/manifests/single", headers={"Accept": oci_m}))
c = json.load(req("GET", reg + "/v2/test/busybox/blobs/" + m["config"]["digest"]))
c["rootfs"]["diff_ids"] = [c["rootfs"]["diff_ids"][0]] * 5000
data = json.dumps(c).encode()
digest = "sha256:" + hashlib.sha256(data).hexdigest()
loc = req("POST", reg + "/v2/test/many/blobs/uploads/").headers["Location"]
loc = (loc if loc.startswith("http") else reg + loc) + ("&" if "?" in loc else "?") + "digest=" + digest
req("PUT", loc, data, {"Content-Type": "application/octet-stream"})
req("POST", reg + "/v2/test/many/blobs/uploads/?mount=%s&from=test/busybox" % m["layers"][0]["digest"])
m["config"] = {"mediaType": m["config"]["mediaType"], "digest": digest, "size": len(data)}
m["layers"] = [m["layers"][0]] * 5000
req("PUT", reg + "/v2/test/many/manifests/latest", json.dumps(m).encode(), {"Content-Type": oci_m})
EOPY
        check_output "pull: a manifest of 5,000 layers is refused" "lists 5000 layers, more than the limit of 500" \
                timeout 60 "$BERTH" pull "$REGISTRY/test/many:latest"
        check "... and nothing is stored" test -z "$(ls -A "$BERTH_STORAGE_DIR/images" 2>/dev/null)"
else
        diag "no docker-registry: the pull of 5,000 layers is not tested"
fi
done_testing
