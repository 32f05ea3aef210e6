#!/usr/bin/env bash
# Builds the linux-arm64 board image (self-contained, trimmed + ReadyToRun + single file) and runs its
# `shisa check` on every bundled profile under qemu-aarch64-static (binfmt is not active on CI machines,
# so qemu is called directly with the arm64 libc from Debian's cross packages as QEMU_LD_PREFIX).
# Needs: qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross.
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/linux-arm64
dotnet publish Shisa.Appliance/Shisa.Appliance.csproj -r linux-arm64 -c Release --self-contained \
  -p:PublishSingleFile=true -p:PublishReadyToRun=true -p:PublishTrimmed=true -o "$out" -v quiet -nologo
size=$(stat -c %s "$out/shisa")
echo "arm64: image $out/shisa, $((size / 1024 / 1024)) MiB ($size bytes)"
export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu
failed=0
for profile in config/*.toml config/*/*.toml; do
  [ -f "$profile" ] || continue
  if qemu-aarch64-static "$out/shisa" check --profile "$profile"; then :; else failed=1; echo "arm64: check failed on $profile"; fi
done
# A broken profile must be refused by the arm64 build too (exit 2, with line and column).
broken=$(mktemp --suffix=.toml)
printf '[node]\nname = "x"\nroles = ["correspondent_node"]\n[correspondent_node]\nroute_optimisation = true\n' > "$broken"
set +e
qemu-aarch64-static "$out/shisa" check --profile "$broken"
code=$?
set -e
rm -f "$broken"
if [ "$code" -ne 2 ]; then failed=1; echo "arm64: a broken profile gave exit $code, not 2"; fi
exit $failed
