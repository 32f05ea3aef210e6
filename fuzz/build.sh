#!/usr/bin/env bash
# fuzz/build.sh: the harness in Release to fuzz/.work/bin, then SharpFuzz's instrumentation of the assemblies whose
# code the targets exercise (Shisa.DataPlane, Shisa.Modules, shisa = Shisa.Appliance, Tomlyn for the profile parser);
# fuzz/.work/bin-plain keeps an uninstrumented copy for replaying inputs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${SHISA_FUZZ_WORK:-$here/.work}"
bin="$work/bin"
rm -rf "$bin"
dotnet build "$here/Shisa.Fuzz/Shisa.Fuzz.csproj" -c Release -o "$bin" -nologo -v q -p:TreatWarningsAsErrors=true
# An uninstrumented copy replays inputs outside afl (instrumented code run outside Fuzzer.Run faults).
rm -rf "$work/bin-plain" && cp -r "$bin" "$work/bin-plain"
(cd "$here" && dotnet tool restore >/dev/null)
for assembly in Shisa.DataPlane.dll Shisa.Modules.dll shisa.dll Tomlyn.dll; do
  (cd "$here" && dotnet tool run sharpfuzz "$bin/$assembly")
done
