#!/usr/bin/env bash
# Records the class-data archive that bin/facepipe maps at start (a JDK 17 dynamic CDS archive): one
# ingest run over the fixture photos loads what a job loads (Spark, Parquet, Hadoop, the engine), and
# the JVM writes those classes, parsed and verified, at its exit. A fresh JVM then starts its job
# without reading and verifying them again. setup.sh runs this after each build; a stale archive (a
# jar newer than it) is simply not used.
#   scripts/cds-archive.sh              writes cli/target/facepipe.jsa (FACEPIPE_CDS_ARCHIVE to choose)
#   scripts/cds-archive.sh --if-stale   only when that archive is missing or older than a jar
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$FACEPIPE_ROOT/scripts/lib/fixtures.sh"
. "$FACEPIPE_ROOT/scripts/lib/cds.sh"

jsa=${FACEPIPE_CDS_ARCHIVE:-$FACEPIPE_ROOT/cli/target/facepipe.jsa}
case "${1:-}" in
  --if-stale)
    jar=$(ls "$FACEPIPE_ROOT"/cli/target/facepipe-cli-*[0-9T].jar 2>/dev/null | head -1 || true)
    [ -n "$jar" ] || die "not built yet; run scripts/setup.sh"
    if cds_fresh "$jsa" "$jar:$(cat "$FACEPIPE_ROOT/cli/target/classpath.txt")"; then exit 0; fi ;;
  "") ;;
  *) die "usage: scripts/cds-archive.sh [--if-stale]" ;;
esac
photos=$(fixtures_dir)
[ -d "$photos" ] || die "no fixture photos in $photos: run scripts/setup.sh first"
work=$(mktemp -d "${TMPDIR:-/tmp}/facepipe-cds-XXXXXX")
trap 'rm -rf "$work"' EXIT

say "recording the class-data archive (one ingest run over $photos)"
# The recording run itself must not map an older archive.
if ! FACEPIPE_CDS=off FACEPIPE_JAVA_OPTS="${FACEPIPE_JAVA_OPTS:--Xmx4g} -XX:ArchiveClassesAtExit=$work/facepipe.jsa" \
    "$FACEPIPE_ROOT/bin/facepipe" ingest --input "$photos" --out "$work/data" --run-id cds >"$work/log" 2>&1; then
  tail -20 "$work/log" >&2
  die "the recording run failed (its log is above); bin/facepipe runs without an archive"
fi
[ -s "$work/facepipe.jsa" ] || { tail -20 "$work/log" >&2; die "the JVM wrote no archive (log above)"; }
mkdir -p "$(dirname "$jsa")"
mv -f "$work/facepipe.jsa" "$jsa"
say "class-data archive: $jsa ($(du -m "$jsa" | cut -f1) MB)"
