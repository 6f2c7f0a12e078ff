#!/bin/bash
# berth pull against a local registry (docker-registry on 127.0.0.1): OCI index with platform
# selection, docker schema 2 manifest and manifest list, pull by digest, layer reuse, basic auth,
# and tampered content refused with nothing committed.
set -u
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/fixtures.sh"
source "$(dirname "$0")/../lib/registry.sh"
command -v docker-registry >/dev/null || skip_all "docker-registry is not installed (tests/packages.txt)"
command -v skopeo >/dev/null || skip_all "skopeo is not installed (tests/packages.txt)"

BERTH="$BERTH_BUILD/berth"
T=$(mktemp -d /tmp/berth-image-pull.XXXXXX)
export BERTH_STORAGE_DIR=$T/store
trap 'stop_registries; rm -rf "$T"' EXIT

make_busybox_tar "$T/bb.tar"
index_digest=$(make_oci_layout "$T/oci" "$T/bb.tar")
start_registry "$T/reg" || { echo "not ok 1 - the registry starts"; exit 1; }
R=$REGISTRY
seed_registry "$R" "$T/oci" test/busybox latest
seed_registry "$R" "$T/oci" test/busybox single
seed_registry "$R" "$T/oci" test/docker single v2s2
seed_registry "$R" "$T/oci" test/list latest v2s2

field() { # image python-expression-on-d
        "$BERTH" image inspect "$1" | python3 -c "import json,sys; d=json.load(sys.stdin)[0]; print($2)"
}
n_layers() { find "$BERTH_STORAGE_DIR/layers" -mindepth 1 -maxdepth 1 | wc -l; }
store_clean() {
        [ -z "$(ls -A "$BERTH_STORAGE_DIR/layers")" ] && [ -z "$(ls -A "$BERTH_STORAGE_DIR/images")" ] &&
                [ -z "$(ls -A "$BERTH_STORAGE_DIR/tmp")" ]
}

# --- OCI index ---------------------------------------------------------------------------------------
check "pull an OCI index" "$BERTH" pull "$R/test/busybox:latest"
check_output "listed under the registry's name" "$R/test/busybox" "$BERTH" images
check_output "the amd64 entry was picked" "ARCH=amd64" field "$R/test/busybox" 'd["Config"]["Env"]'
check_output "Cmd from the config" "['/bin/sh']" field "$R/test/busybox" 'd["Config"]["Cmd"]'
check_output "WorkingDir, ExposedPorts and Labels" "/root {'80/tcp': {}} {'org.example.test': 'yes'}" \
        field "$R/test/busybox" 'd["Config"]["WorkingDir"], d["Config"]["ExposedPorts"], d["Config"]["Labels"]'
check_output "two layers" "2" field "$R/test/busybox" 'len(d["RootFS"]["Layers"])'
check_output "RepoDigests holds the index digest" "$R/test/busybox@$index_digest" field "$R/test/busybox" 'd["RepoDigests"]'
top=$(field "$R/test/busybox" 'd["GraphDriver"]["Data"]["LowerDir"].split(":")[0]')
check_output "the top layer's file" "pulled" cat "$top/etc/hostname"
check "the top layer's whiteout" test -c "$top/etc/group"
check "the short name finds the pulled image" "$BERTH" image inspect test/busybox
check_output "two layer dirs" "2" n_layers

# --- digests, platforms, reuse ------------------------------------------------------------------------
check_output "pull by digest" "sha256:" "$BERTH" pull "$R/test/busybox@$index_digest"
check "the digest reference finds the image" "$BERTH" image inspect "$R/test/busybox@$index_digest"
check_output "a second pull reuses the layers" "already exists" "$BERTH" pull "$R/test/busybox:latest"
# progress redrawn in place on a terminal (escape sequences), never with NO_COLOR or TERM=dumb
has_escapes() { script -qec "$*" /dev/null | grep -q $'\033\\['; }
check "on a terminal, pull redraws its progress" has_escapes "$BERTH" pull "$R/test/busybox:latest"
check_fails "... not with NO_COLOR" has_escapes env NO_COLOR=1 "$BERTH" pull "$R/test/busybox:latest"
check_fails "... nor with TERM=dumb" has_escapes env TERM=dumb "$BERTH" pull "$R/test/busybox:latest"
check "pull --platform linux/arm64" "$BERTH" pull -q --platform linux/arm64 "$R/test/busybox:latest"
check_output "the arm64 entry was picked" "arm64" field "$R/test/busybox:latest" 'd["Architecture"]'
check_output "still two layer dirs" "2" n_layers
check_output "a missing platform is an error" "no image for linux/s390x" \
        "$BERTH" pull --platform linux/s390x "$R/test/busybox:latest"

# --- docker schema 2 -----------------------------------------------------------------------------------
check "pull a docker schema 2 manifest" "$BERTH" pull -q "$R/test/docker:single"
check_output "its Cmd" "['/bin/sh']" field "$R/test/docker:single" 'd["Config"]["Cmd"]'
check "pull a docker manifest list" "$BERTH" pull -q "$R/test/list"
check_output "its amd64 entry" "ARCH=amd64" field "$R/test/list" 'd["Config"]["Env"]'

# --- a download that breaks off is resumed with a Range request -------------------------------------------
start_flaky_proxy "$R"
for i in $("$BERTH" images -q); do "$BERTH" image rm -f "$i" >/dev/null; done
layer_dir() { # image index (0 = top)
        "$BERTH" image inspect "$1" |
                python3 -c "import json,sys; print(json.load(sys.stdin)[0]['GraphDriver']['Data']['LowerDir'].split(':')[$2])"
}
check_output "a broken-off layer download resumes" "resuming" "$BERTH" pull "$FLAKY/test/busybox:single"
check_output "the resumed image is complete" "pulled" cat "$(layer_dir "$FLAKY/test/busybox:single" 0)/etc/hostname"
check "the resumed base layer has every file" \
        cmp <(cd "$(layer_dir "$FLAKY/test/busybox:single" 1)" && find . | sort) <(tar tf "$T/bb.tar" | sed 's,/$,,' | sort)

# --- errors -----------------------------------------------------------------------------------------------
check_output "a missing tag names the registry's error" "MANIFEST_UNKNOWN" "$BERTH" pull "$R/test/busybox:nosuchtag"
check_output "a missing repository fails" "404" "$BERTH" pull "$R/nosuch/repo"
check_fails "an unreachable registry fails" "$BERTH" pull "127.0.0.1:1/x/y"
check_output "an invalid reference is refused" "Invalid image reference" "$BERTH" pull "UPPER/case"

# --- two pulls of the same image at once end with one correct copy ----------------------------------------
for i in $("$BERTH" images -q); do "$BERTH" image rm -f "$i" >/dev/null; done
check "the store is empty before the race" store_clean
"$BERTH" pull -q "$R/test/busybox:single" >"$T/race1.log" 2>&1 &
race1=$!
"$BERTH" pull -q "$R/test/busybox:single" >"$T/race2.log" 2>&1 &
race2=$!
wait "$race1" && rc1=0 || rc1=$?
wait "$race2" && rc2=0 || rc2=$?
check "both concurrent pulls succeed" test "$rc1" -eq 0 -a "$rc2" -eq 0
check_output "one image, listed once" "1" bash -c "'$BERTH' images -q | sort -u | wc -l"
check_output "one directory per layer" "2" n_layers
check_output "the copy is complete" "pulled" cat "$(layer_dir "$R/test/busybox:single" 0)/etc/hostname"
check "nothing left in staging after the race" test -z "$(ls -A "$BERTH_STORAGE_DIR/tmp")"

# --- tampered content: nothing is committed -----------------------------------------------------------------
for i in $("$BERTH" images -q); do "$BERTH" image rm -f "$i" >/dev/null; done
check "the store is empty" store_clean
layer_hex=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(m['layers'][1]['digest'][7:])" \
        "$(python3 -c "
import json,sys
idx=json.load(open('$T/oci/index.json'))
print('$T/oci/blobs/sha256/' + [m for m in idx['manifests'] if m['annotations']['org.opencontainers.image.ref.name']=='single'][0]['digest'][7:])")")
data=$(find "$T/reg/data" -path "*/blobs/sha256/*/$layer_hex/data")
check "found the layer blob in the registry's storage" test -f "$data"
python3 -c "
import sys; p=sys.argv[1]; b=bytearray(open(p,'rb').read()); b[600]^=0x55; open(p,'wb').write(bytes(b))" "$data"
check_output "a tampered layer is refused" "digest did not match" "$BERTH" pull "$R/test/busybox:single"
check "nothing was committed" store_clean

# --- basic auth -------------------------------------------------------------------------------------------
start_registry "$T/reg-auth" htpasswd tester secret
RA=$REGISTRY
REGISTRY_CREDS=tester:secret seed_registry "$RA" "$T/oci" private/busybox single
check_output "without credentials: refused" "user name and password" "$BERTH" pull "$RA/private/busybox:single"
check_output "wrong credentials: refused" "401" "$BERTH" pull --creds tester:wrong "$RA/private/busybox:single"
check "with credentials: pulled" "$BERTH" pull --creds tester:secret "$RA/private/busybox:single"
# an auth file as `podman login` writes it; the more specific key wins over the host's
printf '{"auths": {"%s": {"auth": "%s"}, "%s/private": {"auth": "%s"}}}' \
        "$RA" "$(printf tester:wrong | base64)" "$RA" "$(printf tester:secret | base64)" >"$T/auth.json"
check "credentials from \$REGISTRY_AUTH_FILE" env REGISTRY_AUTH_FILE="$T/auth.json" "$BERTH" pull -q "$RA/private/busybox:single"
check_output "elsewhere the host-wide (wrong) entry is used" ": 401 UNAUTHORIZED" \
        env REGISTRY_AUTH_FILE="$T/auth.json" "$BERTH" pull -q "$RA/other/busybox:single"
mkdir -p "$T/home/.docker"
printf '{"auths": {"http://%s/v1/": {"auth": "%s"}}}' "$RA" "$(printf tester:secret | base64)" >"$T/home/.docker/config.json"
check "credentials from ~/.docker/config.json (URL key)" env HOME="$T/home" XDG_RUNTIME_DIR= XDG_CONFIG_HOME= \
        "$BERTH" pull -q "$RA/private/busybox:single"

# --- bearer tokens ------------------------------------------------------------------------------------------
if /usr/bin/python3 -c 'import jwt, cryptography' 2>/dev/null; then
        start_registry "$T/reg-token" token tester secret
        RT=$REGISTRY
        REGISTRY_CREDS=tester:secret seed_registry "$RT" "$T/oci" private/busybox single
        REGISTRY_CREDS=tester:secret seed_registry "$RT" "$T/oci" public/busybox single
        check "token: anonymous pull of a public repository" "$BERTH" pull -q "$RT/public/busybox:single"
        check_output "token: anonymous pull of a private one is refused" "UNAUTHORIZED" "$BERTH" pull "$RT/private/busybox:single"
        check_output "token: wrong credentials are refused by the token server" "token server" \
                "$BERTH" pull --creds tester:wrong "$RT/private/busybox:single"
        check "token: credentials get a token" "$BERTH" pull -q --creds tester:secret "$RT/private/busybox:single"
else
        diag "python3-jwt is missing for /usr/bin/python3 (tests/packages.txt); skipping bearer-token checks"
fi
# --- registries.conf: search registries, aliases, location rewrites, mirrors, blocking --------------------
mkdir -p "$T/conf"
start_counting_proxy "$T/mirror" "$R" || echo "not ok - the mirror proxy starts"
M=$COUNTING
cat >"$T/conf/registries.conf" <<EOC
# berth reads the containers-registries.conf(5) subset
unqualified-search-registries = [
        "$RA",   # needs credentials: anonymous pulls fail here
        "$R",
]
short-name-mode = "permissive"

[[registry]]
prefix = "mirror.example.test/team"
location = "$R/test"

[[registry]]
location = "$R/forbidden"
blocked = true

[[registry]]
prefix = "mirrored.example.test/team"
location = "$R/test"
[[registry.mirror]]
location = "127.0.0.1:1/unreachable"
[[registry.mirror]]
location = "$M/test"

[[registry]]
prefix = "bydigest.example.test/team"
location = "$R/test"
[[registry.mirror]]
location = "$M/test"
pull-from-mirror = "digest-only"

[aliases]
"bb" = "$R/test/busybox"
EOC
export BERTH_CONFIG_DIR=$T/conf
check_output "a short name is searched in order" "$R/test/busybox:single" \
        bash -c "'$BERTH' pull -q test/busybox:single && '$BERTH' image inspect test/busybox:single"
check_output "an alias names a repository" "\"$R/test/busybox:latest\"" \
        bash -c "'$BERTH' pull -q bb && '$BERTH' image inspect '$R/test/busybox:latest'"
check "a prefix pulls from its location" "$BERTH" pull -q mirror.example.test/team/busybox:single
check_output "... and is stored under the name asked for" "mirror.example.test/team/busybox" "$BERTH" images
check_output "a blocked registry is refused" "blocked by registries.conf" "$BERTH" pull "$R/forbidden/x"
out=$("$BERTH" pull mirrored.example.test/team/busybox:single 2>&1)
check "mirrors are tried in order: a failing one is skipped" grep -q "Mirror 127.0.0.1:1/unreachable/busybox failed" <<<"$out"
check "... and the next one serves the pull" grep -q "manifests/single" "$T/mirror/requests"
check "... so the location was not needed" bash -c '! grep -q "from $1/test/busybox:single\.\$" <<<"$2"' _ "$R" "$out"
check_output "... stored under the name asked for" "mirrored.example.test/team/busybox" "$BERTH" images
: >"$T/mirror/requests"
check "a digest-only mirror is not used for a tag" "$BERTH" pull -q bydigest.example.test/team/busybox:single
check "... (the mirror saw no request)" test ! -s "$T/mirror/requests"
check "... but is for a digest" "$BERTH" pull -q "bydigest.example.test/team/busybox@$index_digest"
check "... (the mirror served it)" grep -q "manifests/$index_digest" "$T/mirror/requests"
mkdir -p "$T/conf/registries.conf.d"
printf '[aliases]\n"broken" = true\n' >"$T/conf/registries.conf.d/50-broken.conf"
check_output "a bad drop-in is reported with file and line" "50-broken.conf:2" "$BERTH" pull broken
unset BERTH_CONFIG_DIR

check "nothing left in staging" test -z "$(ls -A "$BERTH_STORAGE_DIR/tmp")"

done_testing
