#!/usr/bin/env bash
# Nightly: discover and re-crawl what is due, ingest what changed, sync the index to the live,
# unforgotten faces (it rebuilds by itself when its layout is outgrown or its lists too uneven).
# One run at a time: a second start exits 75 at once. Prints one summary line per night.
#   scripts/nightly-recrawl.sh CRAWL_ROOT DATA_ROOT INDEX_ROOT
# Exit 0 on success; otherwise non-zero with one line on stderr naming the step that failed.
# Extra options for every command (e.g. --conf /etc/facepipe.properties): FACEPIPE_ARGS.
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"
[ $# -eq 3 ] || die "usage: scripts/nightly-recrawl.sh CRAWL_ROOT DATA_ROOT INDEX_ROOT"
crawl=$1 data=$2 index=$3
fp="$FACEPIPE_ROOT/bin/facepipe"
lock=${FACEPIPE_LOCK:-${TMPDIR:-/tmp}/facepipe-nightly.lock}
exec 9>"$lock"
if ! flock -n 9; then
  echo "facepipe nightly: another run holds $lock; not starting" >&2
  exit 75
fi
run_id=$(date -u +%Y%m%d-%H%M%S)
log=${FACEPIPE_LOG_DIR:-${TMPDIR:-/tmp}}/facepipe-nightly-$run_id.log
said=$(mktemp); trap 'rm -f "$said"' EXIT
summary=()
step() {
  local name=$1; shift
  if ! "$fp" "$@" ${FACEPIPE_ARGS:-} >"$said" 2>>"$log"; then
    cat "$said" >>"$log"
    echo "facepipe nightly $run_id: $name failed (log: $log)" >&2
    exit 1
  fi
  cat "$said" >>"$log"
  summary+=(" $name: $(grep -m1 -E '^(recrawl [^ ]+: |run [^ ]+: |published )' "$said" | sed -E 's/^(recrawl|run) [^ ]+: //')")
}
step recrawl recrawl --out "$crawl" --run-id "$run_id"
step ingest ingest --input "$crawl" --out "$data" --run-id "$run_id"
step build-index build-index --faces "$data/faces" --out "$index" --incremental
(IFS=';'; echo "facepipe nightly $run_id: done;${summary[*]} (log: $log)")
