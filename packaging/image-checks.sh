#!/usr/bin/env bash
# Checks every board or release image gets, sourced by arm64-check.sh and aot-smoke.sh:
#   image_size LABEL FILE        prints "LABEL: image FILE, N MiB (B bytes)"
#   check_profiles LABEL CMD...  `CMD check` on every bundled profile (exit 0), on a broken profile (exit 2, with
#                                line and column), and on a profile naming [plugins] (exit 2: trimmed and NativeAOT
#                                builds cannot load plugins)
# A failed check prints "LABEL: ..." and sets failed=1; the caller exits with $failed.
failed=${failed:-0}

image_size() {
  local size
  size=$(stat -c %s "$2")
  echo "$1: image $2, $((size / 1024 / 1024)) MiB ($size bytes)"
}

# expect_exit LABEL WANTED WHAT CMD...: runs CMD, fails unless it exits WANTED.
expect_exit() {
  local label=$1 wanted=$2 what=$3 code
  shift 3
  set +e
  "$@"
  code=$?
  set -e
  if [ "$code" -ne "$wanted" ]; then failed=1; echo "$label: $what gave exit $code, not $wanted"; fi
}

check_profiles() {
  local label=$1 profile scratch
  shift
  for profile in config/*.toml config/*/*.toml; do
    [ -f "$profile" ] || continue
    expect_exit "$label" 0 "check on $profile" "$@" check --profile "$profile"
  done
  scratch=$(mktemp -d)
  printf '[node]\nname = "x"\nroles = ["correspondent_node"]\n[correspondent_node]\nroute_optimisation = true\n' > "$scratch/broken.toml"
  expect_exit "$label" 2 "a broken profile" "$@" check --profile "$scratch/broken.toml"
  { cat config/default.toml; printf '\n[plugins]\ndirectory = "plugins"\n'; } > "$scratch/plugins.toml"
  expect_exit "$label" 2 "a profile naming [plugins]" "$@" check --profile "$scratch/plugins.toml"
  rm -rf "$scratch"
}
