#!/usr/bin/env bash
# Full index rebuild (new training) from the faces dataset; publishes a new version when done.
#   scripts/rebuild-index.sh DATA_ROOT INDEX_ROOT [build-index options...]
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
[ $# -ge 2 ] || die "usage: scripts/rebuild-index.sh DATA_ROOT INDEX_ROOT [--factory F] [--shards N]"
data=$1 index=$2; shift 2
exec "$FACEPIPE_ROOT/bin/facepipe" build-index --faces "$data/faces" --out "$index" "$@"
