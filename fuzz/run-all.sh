#!/usr/bin/env bash
# fuzz/run-all.sh SECONDS_EACH: every target for SECONDS_EACH (fuzz/run.sh), one line each, then a total.
# Exit 1 when any target saved a crash or a hang, 2 when afl could not run. CI: SECONDS_EACH=15 stays under
# 3 minutes for the 10 targets (build and instrumentation included).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
seconds="${1:?usage: fuzz/run-all.sh SECONDS_EACH}"
"$here/build.sh" >&2 || exit 2
worst=0
for target in classifier rewriter homeagent correspondent mobilenode busframe profile journal control udptunnel; do
  SHISA_FUZZ_BUILT=1 "$here/run.sh" "$target" "$seconds"
  status=$?
  (( status > worst )) && worst=$status
done
exit "$worst"
