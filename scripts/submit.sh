#!/usr/bin/env bash
# spark-submit wrapper: one facepipe command on a cluster, with a settings profile.
#   scripts/submit.sh --profile local|standalone|yarn|k8s|gpu|gpu-staged [--master URL] [--dry-run] -- COMMAND [ARGS...]
#   e.g. scripts/submit.sh --profile gpu --master spark://spark-master:7077 -- ingest --input s3a://b/crawl --out s3a://b/data
# Needs SPARK_HOME (spark-submit) and the self-contained jar (mvn -Pdist package, or FACEPIPE_JAR).
# gpu: every task of the job holds a quarter GPU (simple; hashing tasks hold one too).
# gpu-staged: stage-level scheduling: tasks take no GPU by default and the ingest's engine stage
#   asks for a quarter GPU through a task resource profile (ingest.engine_task_gpus), so hashing
#   and shuffles use every core. With dynamic allocation off (as here) Spark supports such task
#   profiles on standalone, YARN and Kubernetes (the executors keep the default profile's GPUs);
#   profiles that change executor resources need dynamic allocation. Not in local mode.
# Models: executors read models.dir; on a cluster point it at a path every node has (the image's
# /opt/facepipe/models) with --set models.dir=... in ARGS.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
profile=local master="" dry=0
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile=$2; shift 2 ;;
    --master) master=$2; shift 2 ;;
    --dry-run) dry=1; shift ;;
    --) shift; break ;;
    *) die "unknown option $1 (usage: scripts/submit.sh --profile P [--master URL] [--dry-run] -- COMMAND ...)" ;;
  esac
done
[ $# -gt 0 ] || die "no facepipe command given after --"
jar=${FACEPIPE_JAR:-$(ls "$FACEPIPE_ROOT"/cli/target/facepipe-cli-*-all.jar 2>/dev/null | head -1)}
[ -n "$jar" ] || die "no self-contained jar: run 'mvn -Pdist package -DskipTests' or set FACEPIPE_JAR"
opts=(--class dev.facepipe.cli.Main --conf spark.sql.sources.partitionOverwriteMode=dynamic)
# conf's job.jvm_options (JIT thresholds) for the driver and every executor: on a cluster the executors
# are the JVMs that run the engine. These replace any extraJavaOptions in spark-defaults.conf.
jvm=$(conf_get job.jvm_options "$@")
[ -z "$jvm" ] || opts+=(--conf "spark.driver.extraJavaOptions=$jvm" --conf "spark.executor.extraJavaOptions=$jvm")
# conf's job.native_env (OPENBLAS_THREAD_TIMEOUT) for the driver (spark-submit's JVM in client mode; the
# application master or driver pod in cluster mode) and every executor: native libraries read it as they load.
native_env_export "$@"
for kv in $(native_env_pairs "$@"); do
  opts+=(--conf "spark.executorEnv.$kv")
  case "$profile" in
    yarn) opts+=(--conf "spark.yarn.appMasterEnv.$kv") ;;
    k8s) opts+=(--conf "spark.kubernetes.driverEnv.$kv") ;;
  esac
done
case "$profile" in
  local) opts+=(--master "${master:-local[*]}") ;;
  standalone) opts+=(--master "${master:?--master spark://HOST:7077 is needed}" --deploy-mode client) ;;
  yarn) opts+=(--master yarn --deploy-mode cluster) ;;
  k8s) opts+=(--master "${master:?--master k8s://https://HOST:443 is needed}" --deploy-mode cluster
        --conf spark.kubernetes.container.image="${FACEPIPE_IMAGE:-facepipe:0.1.0}") ;;
  gpu) opts+=(--master "${master:?--master is needed}"
        --conf spark.executor.resource.gpu.amount=1 --conf spark.task.resource.gpu.amount=0.25
        --conf spark.executor.resource.gpu.discoveryScript="${FACEPIPE_GPU_DISCOVERY:-/opt/facepipe/bin/gpu-discovery.sh}"
        --conf spark.executor.cores=4) ;;
  gpu-staged) opts+=(--master "${master:?--master is needed}"
        --conf spark.executor.resource.gpu.amount=1
        --conf spark.executor.resource.gpu.discoveryScript="${FACEPIPE_GPU_DISCOVERY:-/opt/facepipe/bin/gpu-discovery.sh}"
        --conf spark.executor.cores=4 --conf spark.dynamicAllocation.enabled=false) ;;
  *) die "unknown profile $profile (local, standalone, yarn, k8s, gpu, gpu-staged)" ;;
esac
# With a GPU profile the job itself must ask for CUDA. A call's faces fill the embedder's runs only when the engine
# gets more photos a call than a run holds faces (web photos hold fewer than one each): 64 photos for runs of 32.
gpu_batch=(--set onnx.device=cuda --set embed.batch_size=32 --set ingest.batch_images=64)
case "$profile" in
  gpu) set -- "$@" "${gpu_batch[@]}" ;;
  gpu-staged) set -- "$@" "${gpu_batch[@]}" --set ingest.engine_task_gpus=0.25 ;;
esac
cmd=("${SPARK_HOME:-/opt/spark}/bin/spark-submit" "${opts[@]}" "$jar" "$@")
if [ $dry = 1 ]; then printf '%q ' "${cmd[@]}"; echo; exit 0; fi
[ -x "${cmd[0]}" ] || die "spark-submit not found at ${cmd[0]}: set SPARK_HOME"
exec "${cmd[@]}"
