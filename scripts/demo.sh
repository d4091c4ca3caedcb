#!/usr/bin/env bash
# The main job end to end on the embedded default (this machine, local files).
# Installs what is missing first, then runs the stages that exist so far and says which do not yet.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$FACEPIPE_ROOT/scripts/lib/fixtures.sh"
"$FACEPIPE_ROOT/scripts/setup.sh"
fp="$FACEPIPE_ROOT/bin/facepipe"
photos=$(fixtures_dir)
ids=${FACEPIPE_IDENTITIES_DIR:-$FACEPIPE_ROOT/../shared/testdata/identities}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say "1/3 models pinned by sha256:"
"$fp" models

say "2/3 face verification on real photos (engine: detect, align, embed):"
if [ -f "$ids/obama_1.jpg" ]; then a="$ids/obama_1.jpg"; b="$ids/obama_2.jpg"; c="$ids/biden_1.jpg"
else a="$photos/grace_hopper.jpg"; b="$photos/grace_hopper_512x512.jpg"; c="$photos/astronaut.png"; fi
"$fp" verify "$a" "$b" || true
"$fp" verify "$a" "$c" || true

say "3/3 verification figures on labelled pairs:"
cp "$photos"/grace_hopper.jpg "$photos"/grace_hopper_512x512.jpg "$photos"/astronaut.png "$photos"/camera.png "$work"/
printf '%s\n' "file_x,file_y,same" "grace_hopper.jpg,grace_hopper_512x512.jpg,yes" \
  "grace_hopper.jpg,astronaut.png,no" "grace_hopper_512x512.jpg,astronaut.png,no" \
  "astronaut.png,camera.png,no" "grace_hopper.jpg,camera.png,no" > "$work/pairs.csv"
"$fp" eval verification --pairs "$work/pairs.csv" --root "$work"

say "demo complete. Not built yet (open issues): crawl, ingest, build-index, search."
