#!/usr/bin/env bash
# The main job end to end on the embedded default (Spark local mode, local files).
# Installs what is missing first. Runs the stages that exist so far and says which do not yet.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
"$FACEPIPE_ROOT/scripts/setup.sh"
fp="$FACEPIPE_ROOT/bin/facepipe"
fx=$(cd "$FACEPIPE_ROOT" && . scripts/lib/fixtures.sh && fixtures_dir)

say "models:"
"$fp" models
say "demo complete (stages not built yet: crawl, ingest, build-index, search)"
