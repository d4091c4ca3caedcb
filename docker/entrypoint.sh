#!/usr/bin/env bash
# facepipe inside the job image: the self-contained jar on Spark's classpath. Cluster jobs are
# started with spark-submit (scripts/submit.sh); this runs any command in local mode.
set -euo pipefail
home=${FACEPIPE_HOME:-$(cd "$(dirname "$0")/.." && pwd)}
jar=${FACEPIPE_JAR:-$home/lib/facepipe-all.jar}
# FACEPIPE_CLASSPATH replaces the jar (scripts/check-docker.sh runs this file against a local build).
if [ -n "${FACEPIPE_CLASSPATH:-}" ]; then cp=$FACEPIPE_CLASSPATH; else
  [ -f "$jar" ] || { echo "facepipe: $jar is missing (image built without the jar?)" >&2; exit 2; }
  cp="$jar"
fi
[ -d "${SPARK_HOME:-/nonexistent}/jars" ] && cp="$cp:$SPARK_HOME/jars/*"
opens=(--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false)
# conf's job.jvm_options (JIT thresholds; the effective value: --conf, --set and the environment count)
# first, so FACEPIPE_JAVA_OPTS can override any of them.
. "$home/scripts/lib/common.sh"
jvm=$(FACEPIPE_DEFAULTS="$home/conf/facepipe-defaults.properties" conf_get job.jvm_options "$@")
# conf's job.native_env (OPENBLAS_THREAD_TIMEOUT) for the native libraries, read as they load.
FACEPIPE_DEFAULTS="$home/conf/facepipe-defaults.properties" native_env_export "$@"
exec java $jvm ${FACEPIPE_JAVA_OPTS:--Xmx4g} "${opens[@]}" -cp "$cp" dev.facepipe.cli.Main "$@"
