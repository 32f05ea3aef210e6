#!/usr/bin/env bash
# Tunnel throughput: packets per second through the home agent's tunnel path vs kernel forwarding, one run,
# medians of 3 (bench/README.md). Needs root (network namespaces). Extra arguments go to the program (--help).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/TunnelThroughput -c Release -v q -nologo >/dev/null
exec dotnet bench/TunnelThroughput/bin/Release/net10.0/tunnel-throughput.dll "$@"
