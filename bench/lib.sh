# Shared by the benchmark scripts: run commands alternated by hyperfine in one run and print ratios.
BENCH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${BERTH_BUILD:=$BENCH_TOP/build}"
BENCH_RUNS=${BENCH_RUNS:-20}

# bench_compare TITLE BASELINE_NAME -- hyperfine args (--command-name/commands pairs)...
# Prints a table of medians and each command's ratio to the first one.
bench_compare() {
        local title=$1 json
        shift
        json=$(mktemp)
        echo "## $title"
        hyperfine -N --style none --warmup 3 --runs "$BENCH_RUNS" --export-json "$json" "$@" >/dev/null ||
                { echo "(hyperfine failed: a command exited non-zero)"; rm -f "$json"; return 1; }
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
        rm -f "$json"
        echo
}
