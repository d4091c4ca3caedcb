#!/usr/bin/env bash
# Installs what is missing, then runs every test (unit, integration, end-to-end) with Maven.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
"$FACEPIPE_ROOT/scripts/setup.sh" --no-build
cd "$FACEPIPE_ROOT"
exec mvn -B verify "$@"
