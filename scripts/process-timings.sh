#!/usr/bin/env bash
# Times a minimal application with and without the SDK, as whole processes (see BENCHMARKS.md):
# what AllStak.init adds to start-up, and what the SDK adds to exit with a healthy backend, a refused
# port and a backend that never answers. Needs only a JDK 17+ and Maven; every backend is on 127.0.0.1.
#
#   scripts/process-timings.sh [--runs N] [--warmup N] [--shutdown-timeout-ms N] [--work-ms N]
#
# SKIP_BUILD=1 reuses an existing allstak-benchmarks/target/benchmarks.jar.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=allstak-benchmarks/target/benchmarks.jar
if [[ "${SKIP_BUILD:-0}" != 1 || ! -f "$jar" ]]; then
  mvn -B -q -pl allstak-benchmarks -am package -DskipTests
fi
exec java -cp "$jar" dev.allstak.benchmarks.process.ProcessTimings "$@"
