#!/usr/bin/env bash
# Drives user sessions at a configurable rate against a loopback backend with a configurable latency
# and prints what the application sent against what reached the backend (see BENCHMARKS.md).
#
#   scripts/user-session-load.sh [--rate N] [--seconds N] [--latency-ms N] [--end-after-ms N]
#                                [--shutdown-timeout-ms N] [--no-sdk] [--open N] [--max-in-flight N]
#
# SKIP_BUILD=1 reuses an existing allstak-benchmarks/target/benchmarks.jar.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=allstak-benchmarks/target/benchmarks.jar
if [[ "${SKIP_BUILD:-0}" != 1 || ! -f "$jar" ]]; then
  mvn -B -q -pl allstak-benchmarks -am package -DskipTests
fi
exec java -Xmx1g -cp "$jar" dev.allstak.benchmarks.load.UserSessionLoad "$@"
