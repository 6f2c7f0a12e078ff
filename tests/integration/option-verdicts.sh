#!/bin/bash
# The generator (and so `berth check`) and berth-runtime give every option value the same verdict
# (issue 10): each unit the generator writes for a golden case (tests/generator/cases) or a fuzz corpus
# entry of the unit-file parser (tests/fuzz/corpus/fuzz-unitfile, and build/fuzz/corpus-fuzz-unitfile
# when a local fuzz run left one) has an
# ExecStart= that `berth-runtime check-options` takes, and each value the generator refused is refused
# by the runtime too when given as the option it becomes.
source "$(dirname "$0")/../lib/tap.sh"
gen=$BERTH_BUILD/berth-generator
runtime=$BERTH_BUILD/berth-runtime
[ -x "$gen" ] && [ -x "$runtime" ] || skip_all "build first"
command -v python3 >/dev/null || skip_all "python3 not installed"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Key -> option, from the one table.
python3 - "$TOP/lib/spec/run-options.c" >"$work/keys" <<'PY'
import re, sys
for m in re.finditer(r'(STR|BOOL|LIST|WORDS)\("([a-z-]+)", [^,]+, "([A-Za-z]+)"', open(sys.argv[1]).read()):
    print(m.group(3), m.group(2), m.group(1))
for m in re.finditer(r'PROP\("([a-z-]+)", "([A-Za-z]+)"', open(sys.argv[1]).read()):
    print(m.group(2), m.group(1), "PROP")
PY

# Prints, one per line, the arguments a unit's ExecStart= gives berth-runtime after "supervise", or
# for an error unit about a value the runtime takes as an option, "REFUSED" and the option arguments.
cat >"$work/args.py" <<'PY'
import os, re, shlex, sys
keys = {}
for line in open(sys.argv[1]):
    k, o, kind = line.split()
    keys[k] = (o, kind)
unit, indir = sys.argv[2], sys.argv[3]
text = open(unit, errors="replace").read()
m = re.search(r"^ExecStart=\S*berth-runtime supervise (.*)$", text, re.M)
def expand(w):
    # systemd's specifiers, as it expands them before the runtime sees its command line
    name = os.path.basename(unit)[:-len(".service")]
    prefix, _, instance = name.partition("@")
    table = {"N": name, "n": name + ".service", "p": prefix, "i": instance, "I": instance, "%": "%"}
    return re.sub(r"%(.)", lambda x: table.get(x.group(1), x.group(0)), w)
if m:
    print("OK")
    for w in shlex.split(m.group(1)):
        print(expand(w))
    sys.exit(0)
m = re.search(r"^Description=berth: (.+?):(\d+): ([A-Za-z]+)=: (.*)$", text, re.M)
if not m or not ("Invalid value" in m.group(4) or "is not SOURCE:DEST" in m.group(4) or "is not type=" in m.group(4)):
    sys.exit(0)
path, line, key = m.group(1), int(m.group(2)), m.group(3)
value = open(path, errors="replace").read().split("\n")[line - 1].split("=", 1)[1].strip()
print("REFUSED")
if key == "PodmanArgs":
    for w in shlex.split(value):
        print(w)
elif key in keys:
    opt, kind = keys[key]
    words = shlex.split(value) if kind == "WORDS" else [value[1:-1] if value[:1] == value[-1:] == '"' and len(value) > 1 else value]
    for w in words:
        print("--%s=%s" % (opt, w))
PY

n_ok=0 n_refused=0 disagree=0
judge() { # input_dir label
        local in=$1 label=$2 out=$work/out u verdict
        rm -rf "$out" && mkdir -p "$out"
        env BERTH_UNIT_DIRS="$in" BERTH_STATE_DIR=/var/lib/berth BERTH_STORAGE_DIR=/var/lib/berth/storage \
                BERTH_RUN_DIR=/run/berth BERTH_CONFIG_DIR=/etc/berth "$gen" --no-kmsg-log "$out" >/dev/null 2>&1
        for u in "$out"/*.service; do
                [ -f "$u" ] && [ ! -L "$u" ] || continue
                mapfile -t args < <(python3 "$work/args.py" "$work/keys" "$u" "$in" 2>/dev/null)
                [ ${#args[@]} -gt 0 ] || continue
                verdict=${args[0]}
                args=("${args[@]:1}")
                if [ "$verdict" = OK ]; then
                        n_ok=$((n_ok + 1))
                        "$runtime" check-options "${args[@]}" >/dev/null 2>"$work/err" && continue
                else
                        n_refused=$((n_refused + 1))
                        "$runtime" check-options "${args[@]}" image >/dev/null 2>"$work/err" || continue
                fi
                disagree=$((disagree + 1))
                diag "$label ${u##*/}: the generator says $verdict, berth-runtime $( [ -s "$work/err" ] && cat "$work/err" || echo agrees-not)"
                diag "  arguments: ${args[*]}"
        done
}

for c in "$TOP"/tests/generator/cases/*/; do
        judge "$c/input" "$(basename "$c")"
done
# The committed corpus of the unit-file parser's fuzz target always; a local fuzz run's as well, when
# one left it (up to BERTH_VERDICT_CORPUS_MAX entries).
golden_ok=$n_ok golden_refused=$n_refused n_corpus=0
replay() { # corpus_dir max
        local i=0 f
        for f in "$1"/*; do
                [ -f "$f" ] || continue
                i=$((i + 1))
                [ $i -le "$2" ] || break
                n_corpus=$((n_corpus + 1))
                rm -rf "$work/in" && mkdir -p "$work/in" && cp "$f" "$work/in/fuzz.container"
                judge "$work/in" "corpus:${f##*/}"
        done
}
replay "$TOP/tests/fuzz/corpus/fuzz-unitfile" 100000
[ -d "$TOP/build/fuzz/corpus-fuzz-unitfile" ] && replay "$TOP/build/fuzz/corpus-fuzz-unitfile" "${BERTH_VERDICT_CORPUS_MAX:-100}"
diag "$n_ok units taken, $n_refused refused values compared ($((n_ok - golden_ok)) and $((n_refused - golden_refused)) of them from $n_corpus fuzz corpus entries)"
check "the committed fuzz corpus was replayed" test "$n_corpus" -ge 20
check "fuzz corpus entries were compared" test $((n_ok + n_refused - golden_ok - golden_refused)) -ge 5
check "the golden cases refuse values (some were compared)" test "$n_refused" -ge 20
check "the golden cases write units (some were compared)" test "$n_ok" -ge 20
check "the generator and berth-runtime agree on every option value" test "$disagree" -eq 0
done_testing
