#!/usr/bin/env bash
# Builds the linux-x64 NativeAOT image and runs it: the checks of packaging/image-checks.sh, then `shisa run` on
# config/default.toml until GET /api/status answers, `shisa status` against it, and SIGTERM, which must end the run
# with exit 0; a profile naming [plugins] must make `shisa run` exit 1 before it starts anything.
# `run` is what the arm64 image cannot do under qemu (no arm64 libpcap there), so it is smoke-tested here.
# Needs: clang (or gcc) and lld; uses 127.0.0.1:8780 (config/default.toml's [status] listen) and, as root,
# installs and removes the default profile's nftables table and TUN like any `shisa run`.
set -euo pipefail
cd "$(dirname "$0")/.."
source packaging/image-checks.sh
out=artifacts/linux-x64-aot
dotnet publish Shisa.Appliance/Shisa.Appliance.csproj -r linux-x64 -c Release -p:PublishAot=true -o "$out" -v quiet -nologo
shisa=$out/shisa
image_size x64-aot "$shisa"
check_profiles x64-aot "$shisa"

scratch=$(mktemp -d)
{ cat config/default.toml; printf '\n[plugins]\ndirectory = "plugins"\n'; } > "$scratch/plugins.toml"
expect_exit x64-aot 1 "run on a profile naming [plugins]" "$shisa" run --profile "$scratch/plugins.toml"

url=http://127.0.0.1:8780/api/status
"$shisa" run --profile config/default.toml > "$scratch/run.log" 2>&1 &
pid=$!
for _ in $(seq 200); do
  curl -sf "$url" -o "$scratch/status.json" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
if grep -q '"node":"shisa"' "$scratch/status.json" 2>/dev/null; then
  echo "x64-aot: GET $url answered ($(stat -c %s "$scratch/status.json") bytes)"
  if "$shisa" status --url http://127.0.0.1:8780/ > "$scratch/status.txt" && grep -q '^node shisa ' "$scratch/status.txt"; then
    echo "x64-aot: shisa status: $(head -1 "$scratch/status.txt")"
  else
    failed=1; echo "x64-aot: shisa status failed or printed no node line"; cat "$scratch/status.txt"
  fi
else
  failed=1; echo "x64-aot: GET $url gave no status of node shisa"
fi
if kill -TERM "$pid" 2>/dev/null; then
  set +e
  wait "$pid"
  code=$?
  set -e
  [ "$code" -eq 0 ] || { failed=1; echo "x64-aot: shisa run ended with exit $code after SIGTERM, not 0"; }
else
  failed=1; echo "x64-aot: shisa run had ended before SIGTERM"
fi
[ "$failed" -eq 0 ] || cat "$scratch/run.log"
rm -rf "$scratch"
exit $failed
