#!/usr/bin/env bash
# Startup time and resident memory of `shisa run` on the bundled default profile.
# Usage: bench/startup.sh [path-to-shisa-executable-or-dll] [runs]
#   default: the Release build of Shisa.Appliance (built first). Prints the median of the runs.
# Startup = from exec to the first 200 from GET /api/status; RSS = VmRSS 5 s after that.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-}
runs=${2:-5}
if [ -z "$target" ]; then
  dotnet build Shisa.Appliance -c Release -v quiet -nologo >/dev/null
  target=Shisa.Appliance/bin/Release/net10.0/shisa
fi
url=http://127.0.0.1:8780/api/status
starts=(); rss=()
for i in $(seq "$runs"); do
  t0=$(date +%s%N)
  "$target" run --profile config/default.toml >/dev/null 2>&1 &
  pid=$!
  until curl -sf "$url" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "shisa exited early"; exit 1; }
    sleep 0.01
  done
  t1=$(date +%s%N)
  sleep 5
  rss+=("$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")")
  kill -TERM "$pid"; wait "$pid" || true
  starts+=("$(( (t1 - t0) / 1000000 ))")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "startup to first /api/status: median $(median "${starts[@]}") ms (runs: ${starts[*]})"
echo "resident memory after 5 s:    median $(( $(median "${rss[@]}") / 1024 )) MiB (kB: ${rss[*]})"
