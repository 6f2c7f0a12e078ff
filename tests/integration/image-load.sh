#!/bin/bash
# berth load and save: docker-archive tarballs (as skopeo/docker/podman save write them), plain and compressed;
# hostile archives whose manifest.json points outside, or whose layers do not match the config.
set -u
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/fixtures.sh"
source "$(dirname "$0")/../lib/registry.sh"
command -v skopeo >/dev/null || skip_all "skopeo is not installed (tests/packages.txt)"

BERTH="$BERTH_BUILD/berth"
T=$(mktemp -d /tmp/berth-image-load.XXXXXX)
export BERTH_STORAGE_DIR=$T/store
trap 'rm -rf "$T"' EXIT

make_busybox_tar "$T/bb.tar"
make_oci_layout "$T/oci" "$T/bb.tar" >/dev/null
skopeo copy -q "oci:$T/oci:single" "docker-archive:$T/archive.tar:busybox:1.36"
store_clean() {
        [ -z "$(ls -A "$BERTH_STORAGE_DIR/layers")" ] && [ -z "$(ls -A "$BERTH_STORAGE_DIR/images")" ] &&
                [ -z "$(ls -A "$BERTH_STORAGE_DIR/tmp")" ]
}
field() {
        "$BERTH" image inspect "$1" | python3 -c "import json,sys; d=json.load(sys.stdin)[0]; print($2)"
}

check_output "load -i FILE" "Loaded image: docker.io/library/busybox:1.36" "$BERTH" load -i "$T/archive.tar"
check_output "the short name finds it" "['/bin/sh']" field busybox:1.36 'd["Config"]["Cmd"]'
check_output "two layers" "2" field busybox:1.36 'len(d["RootFS"]["Layers"])'
check "the top layer's whiteout" bash -c "test -c \$('$BERTH' image inspect busybox:1.36 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"GraphDriver\"][\"Data\"][\"LowerDir\"].split(\":\")[0])')/etc/group"
check "load a gzip archive from stdin" bash -c "gzip -c '$T/archive.tar' | '$BERTH' image load -q"
check "staging is empty" test -z "$(ls -A "$BERTH_STORAGE_DIR/tmp")"
"$BERTH" image rm busybox:1.36 >/dev/null
check "the store is empty again" store_clean

# hostile archives: rewrite manifest.json of a copy
mkdir "$T/x" && tar -C "$T/x" -xf "$T/archive.tar"
evil() { # name python-edit-of-m
        rm -rf "$T/$1" && cp -a "$T/x" "$T/$1"
        python3 - "$T/$1/manifest.json" "$2" <<'EOPY'
import json, sys
m = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(m, open(sys.argv[1], "w"))
EOPY
        tar -C "$T/$1" -cf "$T/$1.tar" .
}
evil escape 'm[0]["Layers"][0] = "../../../../../../etc/passwd"'
check_fails "a layer path outside the archive is not followed out" "$BERTH" load -i "$T/escape.tar"
check "... and nothing is loaded" store_clean
evil swapped 'm[0]["Layers"].reverse()'
check_output "layers that do not match the config's diffIDs are refused" "does not match the config's diffID" \
        "$BERTH" load -i "$T/swapped.tar"
check "... and nothing is loaded" store_clean
rm -rf "$T/link" && cp -a "$T/x" "$T/link" && ln -s /etc/passwd "$T/link/evil.tar"
python3 -c "import json,sys; m=json.load(open(sys.argv[1])); m[0]['Layers'][0]='evil.tar'; json.dump(m, open(sys.argv[1],'w'))" "$T/link/manifest.json"
tar -C "$T/link" -cf "$T/link.tar" .
check_output "an absolute symlink in the archive resolves inside it" "cannot open layer 'evil.tar'" "$BERTH" load -i "$T/link.tar"
check "... and nothing is loaded" store_clean
check_output "a tarball without manifest.json is not an archive" "no manifest.json" "$BERTH" load -i "$T/bb.tar"
# A layer with an entry that leaves the layer: one error line (the program's), naming the layer and the
# entry; the store's functions hand the reason out instead of logging it themselves.
rm -rf "$T/escaping" && cp -a "$T/x" "$T/escaping"
python3 - "$T/escaping" <<'EOPY'
import io, json, sys, tarfile
d = sys.argv[1]
with tarfile.open(d + "/bad-layer.tar", "w") as t:
    i = tarfile.TarInfo("../escape"); i.size = 1; t.addfile(i, io.BytesIO(b"x"))
m = json.load(open(d + "/manifest.json"))
m[0]["Layers"][0] = "bad-layer.tar"
json.dump(m, open(d + "/manifest.json", "w"))
EOPY
tar -C "$T/escaping" -cf "$T/escaping.tar" .
out=$("$BERTH" load -i "$T/escaping.tar" 2>&1)
check "a layer entry leaving the layer is refused in one line" test "$(printf '%s\n' "$out" | wc -l)" = 1
check_output "... that names the archive, the layer and the entry" \
        "Failed to load $T/escaping.tar: Archive: layer 'bad-layer.tar' could not be extracted: Layer entry '../escape' refused" \
        echo "$out"
check "... and nothing is loaded" store_clean

# --- save: a docker archive that skopeo and berth load read back, with the same trees ----------------------
tree_listing() { (cd "$1" && find . -printf '%P %y %m %U %G %s %l\n' | sort); }
lower() { "$BERTH" image inspect "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['GraphDriver']['Data']['LowerDir'].split(':')[$2])"; }
check "load the archive again" "$BERTH" load -q -i "$T/archive.tar"
check "tag a second name" "$BERTH" image tag busybox:1.36 localhost/other:2
# an opaque directory in a layer of its own
python3 - "$T/opq.tar" <<'EOPY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as tf:
    for name, data in [("etc/.wh..wh..opq", b""), ("etc/only", b"x")]:
        ti = tarfile.TarInfo(name); ti.size = len(data); tf.addfile(ti, io.BytesIO(data))
EOPY
check "import an opaque-directory layer" "$BERTH" image import "$T/opq.tar" opq
check "save three names to a file" "$BERTH" save -o "$T/saved.tar" busybox:1.36 localhost/other:2 opq
check_output "skopeo reads the archive" '"org.example.test": "yes"' skopeo inspect "docker-archive:$T/saved.tar:docker.io/library/busybox:1.36"
check_output "a layer shared by two images is written once" "3" bash -c \
        "tar -xOf '$T/saved.tar' manifest.json | python3 -c 'import json,sys; print(len({l for e in json.load(sys.stdin) for l in e[\"Layers\"]}))'"
check_output "skopeo reads it as an OCI archive too" '"org.example.test": "yes"' skopeo inspect "oci-archive:$T/saved.tar:1.36"
check_output "... whose index names every image" "docker.io/library/busybox:1.36 localhost/opq:latest localhost/other:2" bash -c \
        "tar -xOf '$T/saved.tar' index.json | python3 -c 'import json,sys; print(*sorted({m[\"annotations\"][\"io.containerd.image.name\"] for m in json.load(sys.stdin)[\"manifests\"]}))'"
check "skopeo copies the OCI side into a layout" skopeo copy -q "oci-archive:$T/saved.tar:2" "oci:$T/fromsaved:x"
BERTH_STORAGE_DIR=$T/store2 check_output "berth load reads it into a fresh store" "Loaded image: localhost/opq:latest" \
        "$BERTH" load -i "$T/saved.tar"
for i in 0 1; do
        check "layer $i: the same tree after save and load" \
                diff <(tree_listing "$(lower busybox:1.36 $i)") <(tree_listing "$(BERTH_STORAGE_DIR=$T/store2 lower busybox:1.36 $i)")
done
check_output "the opaque directory survives" "y" python3 -c "import os,sys; print(os.getxattr(sys.argv[1] + '/etc', 'trusted.overlay.opaque').decode())" \
        "$(BERTH_STORAGE_DIR=$T/store2 lower opq 0)"
check_output "the second name came along" "localhost/other:2" env BERTH_STORAGE_DIR="$T/store2" "$BERTH" images --format json
# --- load of OCI layouts: a directory, an oci-archive tarball ------------------------------------------------
skopeo copy -q "oci:$T/oci:single" "oci-archive:$T/oci-archive.tar:example.test/team/app:3"
check_output "load an oci-archive (skopeo's), named by its ref.name" "Loaded image: example.test/team/app:3" \
        env BERTH_STORAGE_DIR="$T/store3" "$BERTH" load -i "$T/oci-archive.tar"
check_output "... with its config" "['/bin/sh']" env BERTH_STORAGE_DIR="$T/store3" bash -c \
        "'$BERTH' image inspect example.test/team/app:3 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"Config\"][\"Cmd\"])'"
check_output "load an OCI layout directory (an index: this machine's platform)" "Loaded image ID: sha256:" \
        env BERTH_STORAGE_DIR="$T/store3" "$BERTH" load -i "$T/oci"
check_output "... the amd64 entry" "ARCH=amd64" env BERTH_STORAGE_DIR="$T/store3" bash -c "'$BERTH' image inspect \$('$BERTH' images -q | head -n1)"
cp -r "$T/oci" "$T/oci-bad"
cfg=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1]+'/index.json'))['manifests'][1]['digest'][7:]; print(json.load(open(sys.argv[1]+'/blobs/sha256/'+m))['config']['digest'][7:])" "$T/oci-bad")
chmod u+w "$T/oci-bad/blobs/sha256/$cfg"; echo ' ' >>"$T/oci-bad/blobs/sha256/$cfg"
check_output "a config that does not match its digest is refused" "does not match its digest" \
        env BERTH_STORAGE_DIR="$T/store4" "$BERTH" load -i "$T/oci-bad"
# --- every blob is checked against its descriptor before anything is stored ---------------------------------
store_listing() { (cd "$1" && find . -path ./tmp -prune -o -printf '%P %y %s\n' | sort); }
mkdir -p "$T/store6"
check "a store that has the base layer already" env BERTH_STORAGE_DIR="$T/store6" "$BERTH" load -q -i "$T/oci-archive.tar"
before=$(store_listing "$T/store6")
# the same diffID, other compressed bytes: a gzip -9 of the amd64 image's first layer under the old name
cp -r "$T/oci" "$T/oci-recompressed"
layer=$(python3 -c "import json,sys; d=sys.argv[1]; m=json.load(open(d+'/index.json'))['manifests'][1]['digest'][7:]; print(json.load(open(d+'/blobs/sha256/'+m))['layers'][0]['digest'][7:])" "$T/oci-recompressed")
chmod u+w "$T/oci-recompressed/blobs/sha256/$layer"
gzip -dc "$T/oci/blobs/sha256/$layer" | gzip -9n >"$T/oci-recompressed/blobs/sha256/$layer"
got=$(sha256sum "$T/oci-recompressed/blobs/sha256/$layer" | cut -d' ' -f1)
check_output "a layer blob that does not match the manifest's digest is refused, naming it and both digests" \
        "blobs/sha256/$layer (layer 1 of 2) does not match its digest: expected sha256:$layer, got sha256:$got" \
        env BERTH_STORAGE_DIR="$T/store6" "$BERTH" load -i "$T/oci-recompressed"
check_output "... and the store is unchanged" "$before" store_listing "$T/store6"
cp -r "$T/oci" "$T/oci-short"
chmod u+w "$T/oci-short/blobs/sha256/$layer" && truncate -s -1 "$T/oci-short/blobs/sha256/$layer"
check_output "a blob of the wrong size is refused" "its descriptor says" \
        env BERTH_STORAGE_DIR="$T/store6" "$BERTH" load -i "$T/oci-short"
check_output "... and the store is unchanged" "$before" store_listing "$T/store6"
# three images; only the last one's layer is altered (a byte of its tar's end padding): not even the
# first two are stored
rm -rf "$T/oci3" && mkdir "$T/oci3" && tar -C "$T/oci3" -xf "$T/saved.tar" && rm "$T/oci3/manifest.json"
last=$(python3 -c "import json,sys; d=sys.argv[1]; m=json.load(open(d+'/index.json'))['manifests'][-1]['digest'][7:]; print(json.load(open(d+'/blobs/sha256/'+m))['layers'][-1]['digest'][7:])" "$T/oci3")
chmod u+w "$T/oci3/blobs/sha256/$last" && printf 'x' | dd of="$T/oci3/blobs/sha256/$last" bs=1 seek=$(($(stat -c %s "$T/oci3/blobs/sha256/$last") - 1)) conv=notrunc status=none
check_output "a tampered blob of the last image of a layout is refused" "does not match its digest: expected sha256:$last" \
        env BERTH_STORAGE_DIR="$T/store7" "$BERTH" load -i "$T/oci3"
check "... and no image of it is stored" env BERTH_STORAGE_DIR="$T/store7" bash -c "$(declare -f store_clean); store_clean"
# docker archives: a config or layer whose file name states a digest must have it
rm -rf "$T/dconf" && cp -a "$T/x" "$T/dconf"
conf=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[0]['Config'])" "$T/dconf/manifest.json")
chmod u+w "$T/dconf/$conf" && echo ' ' >>"$T/dconf/$conf" && tar -C "$T/dconf" -cf "$T/dconf.tar" .
check_output "a docker archive's config that does not match the digest its name states is refused" \
        "config '$conf' does not match the digest its name states: expected sha256:${conf%.json}" \
        env BERTH_STORAGE_DIR="$T/store8" "$BERTH" load -i "$T/dconf.tar"
check "... and nothing is stored" env BERTH_STORAGE_DIR="$T/store8" bash -c "$(declare -f store_clean); store_clean"
check_output "berth loads its own save through the OCI side as well" "Loaded image: localhost/opq:latest" \
        bash -c "mkdir -p '$T/ocionly' && tar -C '$T/ocionly' -xf '$T/saved.tar' && rm '$T/ocionly/manifest.json' && \
                BERTH_STORAGE_DIR='$T/store5' '$BERTH' load -i '$T/ocionly'"

check_fails "save of a missing image fails" "$BERTH" save -o "$T/missing.tar" nosuchimage
check "... and leaves no file" bash -c "! ls '$T'/missing.tar* 2>/dev/null"

done_testing
