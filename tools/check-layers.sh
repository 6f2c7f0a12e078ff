#!/bin/bash
# Refuses an include in lib/ that points up a layer. Usage: tools/check-layers.sh LAYER...
# The layers are folders of lib/, lowest first (the Makefile's LIB_LAYERS); a file may include headers
# of its own layer and of the ones below it. Also refused: a file directly in lib/ or in a folder that
# is no layer (it would have no place in the order), and a header name held by two layers (-I would
# pick one silently). Prints one line per problem, naming file and line, and exits 1 if there is one.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: $0 LAYER..." >&2; exit 2; }
layers=("$@")
declare -A rank=() layer_of=()
for i in "${!layers[@]}"; do
        rank[${layers[$i]}]=$i
done
bad=0
for f in lib/*; do
        if [ -f "$f" ]; then
                echo "$f: in no layer of lib/: move it to one of lib/{$(IFS=,; echo "${layers[*]}")} (docs/ARCHITECTURE.md)"
                bad=1
        elif [ -d "$f" ] && [ -z "${rank[${f#lib/}]+set}" ]; then
                echo "$f/: not a layer: the layers are ${layers[*]} (LIB_LAYERS in the Makefile)"
                bad=1
        fi
done
for l in "${layers[@]}"; do
        for h in lib/"$l"/*.h; do
                [ -e "$h" ] || continue
                name=${h##*/}
                if [ -n "${layer_of[$name]+set}" ]; then
                        echo "$h: lib/${layer_of[$name]}/$name has the same name"
                        bad=1
                fi
                layer_of[$name]=$l
        done
done
for l in "${layers[@]}"; do
        for f in lib/"$l"/*.[ch]; do
                [ -e "$f" ] || continue
                while IFS=: read -r line directive; do
                        name=${directive#*\"}
                        name=${name%%\"*}
                        to=${layer_of[$name]:-}
                        [ -n "$to" ] || continue # not a header of lib/ (a system header or a sibling's)
                        if [ "${rank[$to]}" -gt "${rank[$l]}" ]; then
                                echo "$f:$line: includes $to/$name, a higher layer than $l (${layers[*]}, lowest first)"
                                bad=1
                        fi
                done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" || true)
        done
done
exit $bad
