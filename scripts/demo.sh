#!/usr/bin/env bash
# The main job end to end on the embedded default (this machine, Spark local mode, local files):
# ingest a folder of photos, build the index, search it with a photo that is not in the corpus.
# Installs what is missing first. (Crawling the demo site joins when the crawler lands.)
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$FACEPIPE_ROOT/scripts/lib/fixtures.sh"
"$FACEPIPE_ROOT/scripts/setup.sh"
fp="$FACEPIPE_ROOT/bin/facepipe"
photos=$(fixtures_dir)
ids=${FACEPIPE_IDENTITIES_DIR:-$FACEPIPE_ROOT/../shared/testdata/identities}
work=${FACEPIPE_DEMO_DIR:-$FACEPIPE_ROOT/work/demo}
rm -rf "$work"; mkdir -p "$work/corpus"

# The corpus: freely licensed photos, plus the identity photos when they are beside the checkout.
cp "$photos"/*.jpg "$photos"/*.png "$work/corpus/"
query="$photos/grace_hopper_512x512.jpg"; rm -f "$work/corpus/grace_hopper_512x512.jpg"
if [ -f "$ids/obama_1.jpg" ]; then
  cp "$ids/obama_1.jpg" "$ids/obama_2.jpg" "$ids/biden_1.jpg" "$work/corpus/"
  query="$ids/obama_3.jpg"
fi

say "1/4 models pinned by sha256:"
"$fp" models
say "2/4 ingest $(ls "$work/corpus" | wc -l) photos:"
"$fp" ingest --input "$work/corpus" --out "$work/data" --run-id demo
say "3/4 build the index:"
"$fp" build-index --faces "$work/data/faces" --out "$work/index"
say "4/4 search with $(basename "$query") (not in the corpus byte for byte):"
"$fp" search --index "$work/index" --image "$query" --k 5
say "demo complete; data in $work (run manifest: $work/data/runs/run_id=demo/manifest.json)"
