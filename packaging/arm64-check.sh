#!/usr/bin/env bash
# Builds the linux-arm64 board image and runs its `shisa check` on every bundled profile under qemu-aarch64-static
# (binfmt is not active on CI machines, so qemu is called directly with the arm64 libc from Debian's cross
# packages as QEMU_LD_PREFIX). See packaging/image-checks.sh for the checks.
#   (default)  NativeAOT, cross-compiled from x64: clang --target=aarch64-linux-gnu finds Debian's arm64 cross
#              libc and libgcc on its own (no sysroot), lld links, llvm-objcopy strips.
#              artifacts/linux-arm64-aot/shisa
#   --r2r      self-contained, trimmed + ReadyToRun + single file (the JIT stays): artifacts/linux-arm64/shisa
# Needs: qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross, and for NativeAOT
# clang lld llvm libc6-dev-arm64-cross libgcc-12-dev-arm64-cross.
set -euo pipefail
cd "$(dirname "$0")/.."
source packaging/image-checks.sh
if [ "${1:-}" = "--r2r" ]; then
  out=artifacts/linux-arm64
  dotnet publish Shisa.Appliance/Shisa.Appliance.csproj -r linux-arm64 -c Release --self-contained \
    -p:PublishSingleFile=true -p:PublishReadyToRun=true -p:PublishTrimmed=true -o "$out" -v quiet -nologo
else
  out=artifacts/linux-arm64-aot
  dotnet publish Shisa.Appliance/Shisa.Appliance.csproj -r linux-arm64 -c Release \
    -p:PublishAot=true -p:CppCompilerAndLinker=clang -p:LinkerFlavor=lld -p:ObjCopyName=llvm-objcopy \
    -o "$out" -v quiet -nologo
fi
image_size arm64 "$out/shisa"
export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu
check_profiles arm64 qemu-aarch64-static "$out/shisa"
exit $failed
