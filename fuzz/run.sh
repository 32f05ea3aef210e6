#!/usr/bin/env bash
# fuzz/run.sh TARGET SECONDS: builds the harness (Release), instruments the Shisa assemblies with SharpFuzz, runs
# afl-fuzz on fuzz/corpus/TARGET for SECONDS and prints one line:
#   TARGET execs=N execs_per_sec=N crashes=N hangs=N seconds=N
# Exit 1 when afl saved a crash or a hang (each is printed with its stack, replayed in-process, and kept under
# fuzz/.work/findings/TARGET/default/{crashes,hangs}); exit 2 when afl could not run. See fuzz/README.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${1:?usage: fuzz/run.sh TARGET SECONDS}"
seconds="${2:?usage: fuzz/run.sh TARGET SECONDS}"
work="${SHISA_FUZZ_WORK:-$here/.work}"
bin="$work/bin"
findings="$work/findings/$target"

if ! command -v afl-fuzz >/dev/null; then
  echo "afl-fuzz not found: apt-get install afl++" >&2
  exit 2
fi

# Build and instrument once per run of run-all.sh (SHISA_FUZZ_BUILT=1 skips it).
if [[ "${SHISA_FUZZ_BUILT:-0}" != 1 ]]; then
  "$here/build.sh" >&2
fi

if [[ ! -d "$here/corpus/$target" ]]; then
  echo "no corpus for target '$target' (fuzz/corpus/$target)" >&2
  exit 2
fi

rm -rf "$findings"
mkdir -p "$findings"
# The documented afl++ settings for a machine we do not own (afl-fuzz -hh, docs/env_variables.md):
# AFL_SKIP_BIN_CHECK: the target is `dotnet`, instrumented by SharpFuzz rather than afl-cc;
# AFL_NO_AFFINITY: no CPU pinning on a shared machine; AFL_SKIP_CPUFREQ: no governor check;
# AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES: core_pattern is not ours to change; AFL_NO_UI: a log, not a screen;
# AFL_FAST_CAL: shorter calibration of the seeds (the .NET start-up makes calibration slow).
export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
  AFL_NO_UI=1 AFL_FAST_CAL=1 AFL_SUPPRESS_THIS_WARNING=1 DOTNET_TieredPGO=0
start=$(date +%s)
status=0
# -t 10000: an input is a hang past 10 s (generous: the first inputs pay for the JIT, and on a loaded machine a GC
# pause must not pass for a hang, since afl then kills the whole in-process fork server). No '+': in afl++ 4.04c it
# means "auto-calculate, this being the maximum", and afl chose 60 ms from the calibration, which a loaded machine
# exceeded and lost the fork server ("Unable to communicate with fork server" after 5 to 9 minutes).
timeout --kill-after=10 $((seconds + 60)) \
  afl-fuzz -i "$here/corpus/$target" -o "$findings" -V "$seconds" -t 10000 -m none \
  -- dotnet "$bin/Shisa.Fuzz.dll" "$target" > "$findings/afl.log" 2>&1 || status=$?
elapsed=$(( $(date +%s) - start ))

stats="$findings/default/fuzzer_stats"
if [[ ! -f "$stats" ]]; then
  echo "$target afl-fuzz did not start (exit $status); last lines of $findings/afl.log:" >&2
  tail -n 20 "$findings/afl.log" >&2
  exit 2
fi

if grep -q "PROGRAM ABORT" "$findings/afl.log"; then
  # afl lost the fork server: the .NET process died on an uncatchable fault (a crash) or was killed on a timeout.
  reason=$(grep -a -A1 "PROGRAM ABORT" "$findings/afl.log" | head -n1 | sed 's/\x1b\[[0-9;]*m//g; s/.*PROGRAM ABORT : //')
  echo "$target afl-fuzz aborted after $elapsed s: $reason" >&2
  if [[ -f "$findings/default/.cur_input" ]]; then
    cp "$findings/default/.cur_input" "$findings/last_input"
    if ! timeout 60 dotnet "$work/bin-plain/Shisa.Fuzz.dll" "$target" "$findings/last_input" >&2; then
      echo "$target execs=? execs_per_sec=? crashes=1 hangs=0 seconds=$elapsed (the last input crashes: $findings/last_input)"
      exit 1
    fi
  fi
  echo "$target execs=? execs_per_sec=? crashes=0 hangs=0 seconds=$elapsed (aborted; the last input replays cleanly)"
  exit 2
fi

stat() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
execs=$(stat execs_done)
crashes=$(stat saved_crashes); crashes=${crashes:-$(stat unique_crashes)}
hangs=$(stat saved_hangs); hangs=${hangs:-$(stat unique_hangs)}
run_time=$(stat run_time); run_time=${run_time:-$elapsed}
rate=$(awk -v e="$execs" -v t="$run_time" 'BEGIN { printf "%.0f", (t > 0 ? e / t : 0) }')
echo "$target execs=$execs execs_per_sec=$rate crashes=$crashes hangs=$hangs seconds=$run_time"

if [[ "$crashes" != 0 || "$hangs" != 0 ]]; then
  for input in "$findings"/default/crashes/id:* "$findings"/default/hangs/id:*; do
    [[ -f "$input" ]] || continue
    echo "--- $input" >&2
    timeout 20 dotnet "$work/bin-plain/Shisa.Fuzz.dll" "$target" "$input" 2>&1 | head -n 30 >&2 || true
  done
  exit 1
fi
