#!/usr/bin/env bash
# Flood resilience of the home agent (issue 16): registration time of a listed mobile node while forged Binding
# Updates arrive as fast as one AF_PACKET sender can push them, against the same registration without load.
# Usage: sudo bench/flood.sh [runs]   (default 3; needs root: network namespaces)
# Runs tests/EndToEnd FloodTests; each run prints the offered rate, the rate that reached the home agent's
# classifier, both registration times, the home agent's RSS before and after, and its flood counters.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
dotnet build tests/EndToEnd -c Debug -v quiet -nologo >/dev/null
for i in $(seq "$runs"); do
  echo "== run $i"
  dotnet test tests/EndToEnd --no-build --filter "FullyQualifiedName~FloodTests" --logger "console;verbosity=detailed" 2>&1 \
    | grep -E '^(no load|flood):|Passed A_|Failed A_' | sort -u
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
