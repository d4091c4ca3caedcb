#!/usr/bin/env bash
# Checks docker/ without a Docker engine: every file the Dockerfile copies from the repository
# exists, the entrypoint runs (against the local build), compose.yaml parses, and the GPU discovery
# script prints Spark's JSON. Exit 0 when all pass; one line per problem otherwise.
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"
cd "$FACEPIPE_ROOT"
bad=0
problem() { echo "check-docker: $*" >&2; bad=1; }

# 1. COPY sources (lines without --from) exist in the repository.
while read -r src; do
  [ -e "$src" ] || problem "Dockerfile copies $src, which does not exist"
done < <(awk '$1 == "COPY" && $2 !~ /^--from/ { for (i = 2; i < NF; i++) print $i }' docker/Dockerfile)
# Every module the parent pom builds is copied (the image's mvn package builds them all).
for m in $(sed -n 's:.*<module>\(.*\)</module>.*:\1:p' pom.xml); do
  awk -v m="$m" '$1 == "COPY" && $2 == m { f = 1 } END { exit !f }' docker/Dockerfile \
    || problem "Dockerfile does not copy module $m, which pom.xml builds"
done
# Every instruction is one Docker knows.
grep -vE '^\s*(#|$)' docker/Dockerfile | grep -vE '^\s' | awk '{print $1}' | sort -u | while read -r ins; do
  case "$ins" in FROM|RUN|COPY|WORKDIR|ENV|ENTRYPOINT|CMD|ARG|LABEL|EXPOSE|USER|VOLUME) ;;
    *) echo "check-docker: unknown Dockerfile instruction $ins" >&2; exit 1 ;; esac
done || bad=1

# 2. The entrypoint runs facepipe --help (with the local build instead of the image's jar).
jar=$(ls cli/target/facepipe-cli-*[0-9T].jar 2>/dev/null | head -1)
if [ -z "$jar" ] || [ ! -f cli/target/classpath.txt ]; then
  problem "cli is not built (mvn package) so the entrypoint cannot be run"
else
  out=$(FACEPIPE_CLASSPATH="$jar:$(cat cli/target/classpath.txt)" FACEPIPE_HOME="$FACEPIPE_ROOT" \
    bash docker/entrypoint.sh --help 2>&1) || problem "entrypoint --help failed: $out"
  grep -q "Usage: facepipe" <<< "$out" || problem "entrypoint --help printed no usage"
fi

# 3. compose.yaml parses and names the services the README promises.
/usr/bin/python3 - <<'PY' || bad=1
import sys, yaml
c = yaml.safe_load(open("docker/compose.yaml"))
missing = {"s3", "master", "worker-1", "worker-2"} - set(c.get("services", {}))
if missing:
    print("check-docker: compose.yaml lacks services %s" % sorted(missing), file=sys.stderr); sys.exit(1)
PY

# 4. The discovery script prints valid ResourceInformation JSON (no GPU here: no addresses).
json=$(bash docker/gpu-discovery.sh) || problem "gpu-discovery.sh failed"
/usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["name"]=="gpu" and isinstance(d["addresses"], list)' "$json" \
  || problem "gpu-discovery.sh printed $json"

[ $bad = 0 ] && echo "check-docker: ok (not run: docker build, docker compose up)"
exit $bad
