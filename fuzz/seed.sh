#!/usr/bin/env bash
# Rebuilds fuzz/corpus/<target>/ from the interoperability vectors (tests/Shisa.DataPlane.Tests/TestData/vectors,
# copies of shared/vectors: the "hex" packets), the bundled profiles (config/*.toml) and one bus frame per message
# type. The corpus is checked in; run this only when the vectors change.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
vectors="$repo/tests/Shisa.DataPlane.Tests/TestData/vectors"
corpus="$here/corpus"

packet_targets=(classifier rewriter homeagent correspondent mobilenode)
for target in "${packet_targets[@]}"; do
  rm -rf "${corpus:?}/$target" && mkdir -p "$corpus/$target"
done
for file in "$vectors"/*.json; do
  base="$(basename "$file" .json)"
  jq -r '.vectors[] | "\(.name) \(.hex)"' "$file" | while read -r name hex; do
    for target in "${packet_targets[@]}"; do
      printf '%s' "$hex" | xxd -r -p > "$corpus/$target/${base}_${name}.bin"
    done
  done
done

rm -rf "$corpus/profile" && mkdir -p "$corpus/profile"
cp "$repo"/config/*.toml "$corpus/profile/"

rm -rf "$corpus/busframe"
dotnet run -c Release --project "$here/Shisa.Fuzz" -- --seed-busframe "$corpus/busframe"
rm -rf "$corpus/journal"
dotnet run -c Release --project "$here/Shisa.Fuzz" -- --seed-journal "$corpus/journal"
for target in "${packet_targets[@]}" profile busframe journal; do
  echo "$target: $(ls "$corpus/$target" | wc -l) seeds"
done
