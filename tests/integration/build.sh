#!/bin/bash
# berth build on busybox: every instruction with its effect on the config and the files, the cache
# (a touched file hits, a changed one misses, --no-cache), multi-stage COPY --from with unused stages
# skipped, .dockerignore, --target, --build-arg, and a bad Dockerfile's error naming its line.
set -u
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/fixtures.sh"
require_root

build=$(cd "$BERTH_BUILD" && pwd)
BERTH=$build/berth
export BERTH_RUNTIME=$build/berth-runtime
T=$(mktemp -d /tmp/berth-build-test.XXXXXX)
export BERTH_STORAGE_DIR=$T/store BERTH_RUN_DIR=$T/run BERTH_STATE_DIR=$T/state
CG_MOUNT=$(findmnt -n -t cgroup2 -o TARGET | head -1)
CG=$CG_MOUNT/berth-build-test.$$
cleanup() {
        local d
        echo $$ >"$CG_MOUNT/cgroup.procs" 2>/dev/null
        for d in $(find "$CG" -mindepth 1 -type d 2>/dev/null | sort -r); do rmdir "$d" 2>/dev/null; done
        rmdir "$CG" 2>/dev/null
        rm -rf "$T"
}
trap cleanup EXIT
# RUN's containers get their cgroups below ours, as in a unit's
mkdir "$CG" && echo $$ >"$CG/cgroup.procs"

make_busybox_rootfs "$T/rootfs"
tar -C "$T/rootfs" -c . | "$BERTH" image import - busybox >/dev/null

inspect() { "$BERTH" image inspect "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print(eval(sys.argv[1]))' "$2"; }
config() { python3 -c 'import json,sys; print(eval(sys.argv[2]))' "$1" "$2"; }
# config_json IMAGE: the stored OCI config blob
config_json() { local id; id=$("$BERTH" image inspect "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])'); cat "$BERTH_STORAGE_DIR/blobs/sha256/${id#sha256:}"; }
cfg() { config_json "$1" | python3 -c 'import json,sys; c=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"; }
run_in() { local img=$1; shift; mkdir -p "$T/m"; "$BERTH_RUNTIME" --version >/dev/null; (cd / && unshare -m sh -c '
        set -e; layers=$(python3 -c "import json,sys; print(\":\".join(\"'"$BERTH_STORAGE_DIR"'/layers/\"+d[7:]+\"/diff\" for d in reversed(json.load(sys.stdin)[\"rootfs\"][\"diff_ids\"])))")
        mount -t overlay -o ro,lowerdir=$layers:'"$T"'/rootfs overlay '"$T"'/m; cat '"$T/m$1"'' < <(config_json "$img")); }

# --- every instruction --------------------------------------------------------------------------
C=$T/ctx1
mkdir -p "$C/sub/deeper"
echo one >"$C/a.txt"; echo two >"$C/b.txt"; echo deep >"$C/sub/deeper/x"; echo secret >"$C/secret.key"
printf 'secret.key\n' >"$C/.dockerignore"
tar -C "$C/sub" -czf "$C/arch.tar.gz" .
cat >"$C/Dockerfile" <<'EOF'
# syntax=docker/dockerfile:1
ARG BASE=busybox
FROM $BASE AS base
ARG GREETING=hello
LABEL org.example.name="berth test" version=1
MAINTAINER The Team <team@example.org>
ENV PATH_EXTRA=/opt/bin \
    GREETING_COPY=${GREETING}-copy
EXPOSE 8080 53/udp 9000-9001
VOLUME ["/data"]
USER 1000:1000
USER root
WORKDIR /app
WORKDIR sub
RUN echo "$GREETING from $(pwd)" > /greeting && rm /bin/vi
COPY --chown=12:34 --chmod=0640 *.txt /texts/
COPY sub /copied
ADD arch.tar.gz /unpacked/
COPY <<EOT /etc/heredoc.conf
key=${GREETING}
EOT
RUN <<EOS
echo from heredoc > /heredoc-run
EOS
SHELL ["/bin/sh", "-ec"]
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --timeout=2s --retries=4 CMD wget -q localhost:8080 || exit 1
ONBUILD RUN echo triggered > /onbuild
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["echo hi"]
EOF
out=$("$BERTH" build -t all -t all:v2 --build-arg GREETING=hey "$C" 2>&1); rc=$?
diag "$out"
check "build of every instruction succeeds" test "$rc" = 0
check_output "progress per step" "STEP 23/23: CMD" echo "$out"
check_output "both tags name it" "v2 " "$BERTH" images
check_output "LABEL" "{'org.example.name': 'berth test', 'version': '1'}" cfg all 'c["config"]["Labels"]'
check_output "MAINTAINER is the author" "The Team <team@example.org>" cfg all 'c["author"]'
check_output "ENV with an ARG from --build-arg" "hey-copy" cfg all '[e for e in c["config"]["Env"] if e.startswith("GREETING_COPY=")][0]'
check_output "ARG is not kept in Env" "False" cfg all 'any(e.startswith("GREETING=") for e in c["config"]["Env"])'
check_output "EXPOSE with a range" "['53/udp', '8080/tcp', '9000/tcp', '9001/tcp']" cfg all 'sorted(c["config"]["ExposedPorts"])'
check_output "VOLUME" "['/data']" cfg all 'list(c["config"]["Volumes"])'
check_output "USER (last wins)" "root" cfg all 'c["config"]["User"]'
check_output "WORKDIR relative to the previous" "/app/sub" cfg all 'c["config"]["WorkingDir"]'
check_output "SHELL" "['/bin/sh', '-ec']" cfg all 'c["config"]["Shell"]'
check_output "STOPSIGNAL" "SIGINT" cfg all 'c["config"]["StopSignal"]'
check_output "HEALTHCHECK (Docker's extension, nanoseconds)" "['CMD-SHELL', 'wget -q localhost:8080 || exit 1'] 5000000000 2000000000 4" \
        cfg all '" ".join(str(x) for x in (c["config"]["Healthcheck"]["Test"], c["config"]["Healthcheck"]["Interval"], c["config"]["Healthcheck"]["Timeout"], c["config"]["Healthcheck"]["Retries"]))'
check_output "ONBUILD is recorded" "['RUN echo triggered > /onbuild']" cfg all 'c["config"]["OnBuild"]'
check_output "ENTRYPOINT and CMD" "['/bin/sh', '-c'] ['echo hi']" cfg all 'str(c["config"]["Entrypoint"]) + " " + str(c["config"]["Cmd"])'
check_output "history has an entry per instruction but ARG" "21" cfg all 'len(c["history"]) - 1'
check_output "RUN ran in the working directory with the ARG" "hey from /app/sub" run_in all /greeting
check_output "RUN's deletion is a whiteout" "No such file" run_in all /bin/vi
check_output "COPY glob, --chown, --chmod" "640 12 34" bash -c "ls -ln '$BERTH_STORAGE_DIR'/layers/*/diff/texts/a.txt | awk '{print \$1, \$3, \$4}' | sed 's/-rw-r-----/640/'"
check_output "COPY of a directory copies its contents" "deep" run_in all /copied/deeper/x
check_output "ADD extracts a local tar" "deep" run_in all /unpacked/deeper/x
check_output "COPY heredoc, expanded" "key=hey" run_in all /etc/heredoc.conf
check_output "RUN heredoc" "from heredoc" run_in all /heredoc-run
check_fails ".dockerignore keeps files out" bash -c "find '$BERTH_STORAGE_DIR/layers' -name secret.key | grep -q ."
check_output "a RUN creates no /proc, /dev or /sys in its layer" "" bash -c "find '$BERTH_STORAGE_DIR'/layers/*/diff -maxdepth 1 \( -name proc -o -name sys \) -newer '$C/Dockerfile'"

# --- --label, --env, --pull ----------------------------------------------------------------------
"$BERTH" build -q -t labelled --label org.example.name=override --label extra=1 --env MODE=prod --env GREETING_COPY=x "$C" >/dev/null 2>&1
check_output "--label adds to and overrides LABEL" "{'extra': '1', 'org.example.name': 'override', 'version': '1'}" cfg labelled 'dict(sorted(c["config"]["Labels"].items()))'
check_output "--env adds to and overrides ENV" "['GREETING_COPY=x', 'MODE=prod']" cfg labelled 'sorted(e for e in c["config"]["Env"] if e.startswith(("MODE=", "GREETING_COPY=")))'
check_output "--pull=missing uses a stored FROM image" "COMMIT" bash -c "'$BERTH' build --pull=missing -t pulled '$C' 2>&1"
printf 'FROM nosuch/image\n' >"$T/Dockerfile.nosuch"
check_output "--pull=never refuses a missing FROM image, naming its line" "Dockerfile.nosuch:1: FROM nosuch/image" bash -c "'$BERTH' build --pull=never -f '$T/Dockerfile.nosuch' '$C' 2>&1"
check_output "a bad --pull policy" "--pull=sometimes: expected missing, always, never or newer" bash -c "'$BERTH' build --pull=sometimes '$C' 2>&1"

# --- ONBUILD triggers in a child -----------------------------------------------------------------
mkdir -p "$T/child"
printf 'FROM all\nRUN cat /onbuild\n' >"$T/child/Dockerfile"
check_output "the base's ONBUILD trigger runs after FROM" "triggered" "$BERTH" build -t child "$T/child"
check_output "and is not inherited" "None" cfg child 'c["config"].get("OnBuild")'

# --- cache ---------------------------------------------------------------------------------------
C2=$T/ctx2
mkdir -p "$C2"
echo v1 >"$C2/app.txt"
cat >"$C2/Dockerfile" <<'EOF'
FROM busybox
RUN echo step1 > /s1
COPY app.txt /app.txt
RUN cat /app.txt > /s2
CMD ["cat", "/s2"]
EOF
first=$("$BERTH" build -q -t cached "$C2")
out=$("$BERTH" build -t cached "$C2" 2>&1)
check_output "a rebuild uses the cache for every step" "4" bash -c "echo '$out' | grep -c 'Using cache'"
check_output "and gives the same image" "$first" "$BERTH" build -q "$C2"
touch -d '2001-01-01' "$C2/app.txt"
check_output "a touched but unchanged file still hits" "4" bash -c "'$BERTH' build '$C2' 2>&1 | grep -c 'Using cache'"
echo v2 >"$C2/app.txt"
out=$("$BERTH" build -t cached "$C2" 2>&1)
check_output "a changed file misses from its COPY on" "1" bash -c "echo '$out' | grep -c 'Using cache'"
check_output "... and the new content is in the image" "v2" run_in cached /s2
check_output "--no-cache builds every step" "0" bash -c "'$BERTH' build --no-cache '$C2' 2>&1 | grep -c 'Using cache'"
check_output "a changed --build-arg misses" "0" bash -c "printf 'FROM busybox\nARG X=1\nRUN echo \$X > /x\n' >'$C2/Dockerfile.arg'; '$BERTH' build -f '$C2/Dockerfile.arg' '$C2' >/dev/null 2>&1; '$BERTH' build -f '$C2/Dockerfile.arg' --build-arg X=2 '$C2' 2>&1 | grep -c 'Using cache'"

# --- multi-stage ---------------------------------------------------------------------------------
C3=$T/ctx3
mkdir -p "$C3"
cat >"$C3/Dockerfile" <<'EOF'
FROM busybox AS builder
RUN mkdir -p /out && echo built > /out/artifact
FROM busybox AS unused
RUN echo this stage must not run && exit 1
FROM scratch AS final
COPY --from=builder /out/artifact /artifact
COPY --from=0 /bin/busybox /bin/busybox
FROM final AS test
RUN ["/bin/busybox", "cat", "/artifact"]
EOF
out=$("$BERTH" build -t multi "$C3" 2>&1); rc=$?
diag "$out"
check "multi-stage build succeeds, the unused stage skipped" test "$rc" = 0
check_output "COPY --from=stage" "built" run_in multi /artifact
check_output "FROM scratch has only the two copied layers (a RUN that changes nothing adds none)" "2" cfg multi 'len(c["rootfs"]["diff_ids"])'
check_output "--target stops at a stage" "2" bash -c "'$BERTH' build -q --target final -t multi-final '$C3' >/dev/null && '$BERTH' image inspect multi-final | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0][\"RootFS\"][\"Layers\"]))'"

# --- RUN is confined as a container is ------------------------------------------------------------
C5=$T/ctx5
mkdir -p "$C5"
cat >"$C5/Dockerfile" <<'EOF'
FROM busybox
RUN grep -E '^(Seccomp|NoNewPrivs|CapEff):' /proc/self/status > /status
RUN if unshare -U true 2>/dev/null; then echo allowed; else echo refused; fi > /unshare
EOF
cat >"$C5/Dockerfile.user" <<'EOF'
FROM busybox
COPY --chown=nobody:nogroup Dockerfile /owned
USER nobody
RUN id -u > /tmp/uid; id -G > /tmp/groups
EOF
"$BERTH" build -q -t confined "$C5" >/dev/null 2>&1
"$BERTH" build -q -t as-nobody -f "$C5/Dockerfile.user" "$C5" >/dev/null 2>&1
check_output "USER by name runs RUN as the image's user" "65534" run_in as-nobody /tmp/uid
check_output "... in its passwd group" "65534" run_in as-nobody /tmp/groups
check_output "COPY --chown=user:group by name" "65534 65534" bash -c "ls -ln '$BERTH_STORAGE_DIR'/layers/*/diff/owned | awk '{print \$3, \$4}'"
check_output "RUN has the default seccomp filter" "Seccomp:	2" run_in confined /status
check_output "RUN has no_new_privs" "NoNewPrivs:	1" run_in confined /status
check_output "RUN has Docker's default capabilities" "CapEff:	00000000a80425fb" run_in confined /status
check_output "the filter refuses what it refuses in a container (unshare of a user namespace)" "refused" run_in confined /unshare

# --- errors --------------------------------------------------------------------------------------
C4=$T/ctx4
mkdir -p "$C4"
printf 'FROM busybox\nRUN true\nCOPY --form=x a /b\n' >"$C4/Dockerfile"
check_output "a bad Dockerfile names its line" "Dockerfile:3: COPY: unknown flag --form" bash -c "'$BERTH' build '$C4' 2>&1"
printf 'FROM busybox\n\nRUN exit 3\n' >"$C4/Dockerfile"
check_output "a failing RUN names its line and status" "Dockerfile:3: the command '/bin/sh -c exit 3' returned a non-zero code: 3" bash -c "'$BERTH' build '$C4' 2>&1"
printf 'FROM busybox\nCOPY missing /x\n' >"$C4/Dockerfile"
check_output "a missing source names its line" "Dockerfile:2: missing not found in the build context" bash -c "'$BERTH' build '$C4' 2>&1"
printf 'FROM busybox\nUSER nosuchuser\n\nRUN true\n' >"$C4/Dockerfile"
check_output "a USER not in the image names the RUN's line" "Dockerfile:4: USER nosuchuser: user 'nosuchuser' does not exist in /etc/passwd in the image" bash -c "'$BERTH' build '$C4' 2>&1"
printf 'FROM busybox\nCOPY --chown=root:nosuchgroup Dockerfile /x\n' >"$C4/Dockerfile"
check_output "a --chown group not in the image names its line" "Dockerfile:2: --chown=root:nosuchgroup: group 'nosuchgroup' does not exist in /etc/group in the image" bash -c "'$BERTH' build '$C4' 2>&1"
check "nothing is left in the store's tmp" bash -c "[ -z \"\$(ls -A '$BERTH_STORAGE_DIR/tmp')\" ]"
check "no mount is left" bash -c "! grep -q '$T' /proc/self/mountinfo"

done_testing
