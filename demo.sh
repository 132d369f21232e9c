#!/usr/bin/env bash
# Builds what the demo needs and runs it: example applications report sessions and errors to a
# local collector, which prints release health and serves it as a web page.
#   ./demo.sh [--port N] [--data-dir DIR] [--serve-seconds N]
#   ./demo.sh collector [--port N] [--data-dir DIR] [--key KEY]...   (the collector alone)
# Needs JDK 17+ and Maven 3.6.3+; downloads only from Maven Central; installs nothing in ~/.m2.
set -euo pipefail
cd "$(dirname "$0")"

main=dev.allstak.examples.demo.Demo
if [[ "${1:-}" == "collector" ]]; then
  main=dev.allstak.examples.collector.LocalCollector
  shift
fi

echo "Building allstak-core, allstak-servlet and allstak-examples (mvn package, tests skipped)..."
mvn -B -q -pl allstak-examples -am package -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true

exec java -cp "allstak-examples/target/classes:$(cat allstak-examples/target/demo-classpath.txt)" "$main" "$@"
