#!/usr/bin/env bash
# Binding scale: new bindings per second through the home agent into a real kernel (netlink, a throwaway network
# namespace), memory per binding, journal restore time, for N = 10k and 100k (bench/README.md). Needs root.
# Arguments: the binding counts (default 10000 100000).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/BindingScale -c Release -v q -nologo >/dev/null
exec dotnet bench/BindingScale/bin/Release/net10.0/binding-scale.dll "$@"
