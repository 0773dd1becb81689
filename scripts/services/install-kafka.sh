#!/usr/bin/env bash
# Fetches Apache Kafka 3.9.1's jars from Maven Central into $CLICKFLOW_CACHE/kafka-3.9.1/lib, once.
# 3.9.1 is pinned: Kafka 4 drops protocol versions that kafkajs speaks.
set -euo pipefail
cache="${CLICKFLOW_CACHE:-$HOME/.cache/clickflow}"
lib="$cache/kafka-3.9.1/lib"
if [[ -f "$lib/.complete" ]]; then echo "$lib"; exit 0; fi
for tool in java mvn; do
  command -v "$tool" >/dev/null || { echo "install-kafka: '$tool' is missing; install a Java 17 JDK and Maven" >&2; exit 3; }
done
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$lib"
mkdir -p "$lib"
mvn -B -q -f "$here/kafka-pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$lib" >&2
touch "$lib/.complete"
echo "$lib"
