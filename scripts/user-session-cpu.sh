#!/usr/bin/env bash
# The SDK's CPU under user-session load, measured cleanly: the backend runs in a process of its own,
# and the application process (driver + SDK) is run with and without the SDK, alternately, RUNS
# times; prints each run's line and the medians (min..max) of the application process's CPU and the
# difference, as % of one core (see BENCHMARKS.md).
#
#   RUNS=3 scripts/user-session-cpu.sh [--rate N] [--seconds N] [--latency-ms N] [--max-in-flight N] ...
#
# Options go to the application (UserSessionLoad); --latency-ms also goes to the backend.
# OUT=dir keeps each run's full output there (default: a new temporary folder, named at the end).
# SKIP_BUILD=1 reuses an existing allstak-benchmarks/target/benchmarks.jar.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=allstak-benchmarks/target/benchmarks.jar
if [[ "${SKIP_BUILD:-0}" != 1 || ! -f "$jar" ]]; then
  mvn -B -q -pl allstak-benchmarks -am package -DskipTests
fi
runs=${RUNS:-3}
latency=50
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  [[ "${args[$i]}" == --latency-ms ]] && latency=${args[$((i + 1))]}
done
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
backend_pid=
trap '[[ -n "$backend_pid" ]] && kill "$backend_pid" 2>/dev/null' EXIT

run() { # $1: sdk|nosdk, $2: run number
  java -Xmx512m -cp "$jar" dev.allstak.benchmarks.load.UserSessionLoad --backend-only --latency-ms "$latency" \
    >"$out/backend" 2>&1 &
  backend_pid=$!
  local url=
  for _ in $(seq 100); do
    url=$(sed -n 's/^backend listening on //p' "$out/backend")
    [[ -n "$url" ]] && break
    sleep 0.1
  done
  local extra=()
  [[ "$1" == nosdk ]] && extra=(--no-sdk)
  java -Xmx1g -cp "$jar" dev.allstak.benchmarks.load.UserSessionLoad --backend-url "$url" "${args[@]}" \
    "${extra[@]}" >"$out/$1-$2" 2>&1 || true
  kill "$backend_pid" && wait "$backend_pid" 2>/dev/null || true
  backend_pid=
  grep '^RESULT' "$out/$1-$2" || { cat "$out/$1-$2"; exit 1; }
}

for ((n = 1; n <= runs; n++)); do
  run sdk "$n" >/dev/null
  run nosdk "$n" >/dev/null
  echo "run $n: $(grep '^RESULT' "$out/sdk-$n")"
  echo "run $n: $(grep '^RESULT' "$out/nosdk-$n")"
done
cat "$out/sdk-$runs"
python3 - "$out" "$runs" <<'PY'
import re, statistics, sys
d, runs = sys.argv[1], int(sys.argv[2])
def field(kind, n, name):
    line = [l for l in open(f"{d}/{kind}-{n}") if l.startswith("RESULT")][0]
    return float(re.search(rf"\b{name}=([-\d.]+)", line).group(1))
def show(label, values):
    print(f"{label}: median {statistics.median(values):.1f} % of one core ({min(values):.1f}..{max(values):.1f})")
sdk = [field("sdk", n, "process") for n in range(1, runs + 1)]
base = [field("nosdk", n, "process") for n in range(1, runs + 1)]
show("application process with the SDK   ", sdk)
show("application process without the SDK", base)
show("difference (the SDK's cost)        ", [a - b for a, b in zip(sdk, base)])
show("SDK threads (allstak-*, OkHttp *)   ", [field("sdk", n, "sdkThreads") for n in range(1, runs + 1)])
print("undelivered (starts + ends) per run:", [int(field("sdk", n, "undelivered")) for n in range(1, runs + 1)])
print("double starts + ends per run:", [int(field("sdk", n, "doubles")) for n in range(1, runs + 1)])
print("close ms per run:", [int(field("sdk", n, "closeMs")) for n in range(1, runs + 1)])
PY
echo "each run's output: $out"
