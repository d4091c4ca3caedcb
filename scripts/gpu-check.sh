#!/usr/bin/env bash
# The GPU check of issue 26, one command bounded in time: the engine on CUDA against this machine's CPU on the same
# photos (`facepipe bench gpu`): faces/s at embed.batch_size 32..256, and whether embeddings agree with the CPU's to
# 1e-4. First it says what the machine has (GPU, Java, the CUDA libraries ONNX Runtime's CUDA provider loads) and
# stops at once, in one line, when something is missing, so a lent GPU's minutes are not spent loading models.
# Usage: scripts/gpu-check.sh [--timeout S] [--images DIR] [bench gpu options, e.g. --allow-cpu --seconds 5]
# Exit: 0 agreed on the GPU, 1 disagreed, 2 cannot run here (Java or the build missing), 3 no usable GPU,
# 124 stopped at the timeout (default 300 s).
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$FACEPIPE_ROOT/scripts/lib/fixtures.sh"

timeout_s=300
images=""
allow_cpu=no
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) timeout_s=$2; shift 2 ;;
    --images) images=$2; shift 2 ;;
    --allow-cpu) allow_cpu=yes; args+=("$1"); shift ;;
    *) args+=("$1"); shift ;;
  esac
done
if [ -z "$images" ]; then
  # Photos of real faces: the shared identities where this checkout has them, else the Debian fixtures.
  images=${FACEPIPE_IDENTITIES_DIR:-$FACEPIPE_ROOT/../shared/testdata/identities}
  [ -d "$images" ] || images=$(fixtures_dir)
fi

echo "== gpu check, $(date -u +%Y-%m-%dT%H:%M:%SZ), at most ${timeout_s} s"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader | sed 's/^/gpu: /'
else
  echo "gpu: no nvidia-smi on PATH"
fi

fail() { # fail STATUS MESSAGE: one line, then the exit status
  echo "gpu-check: $2"; exit "$1"
}
command -v java >/dev/null 2>&1 || fail 2 "no java on PATH: the check runs the Java engine; install JDK 17 or run it in the job image (docker/Dockerfile)"
echo "java: $(java -version 2>&1 | head -1)"
# A checkout (bin/facepipe on the build's classpath) or the job image (its entrypoint on lib/facepipe-all.jar).
cp_file="$FACEPIPE_ROOT/cli/target/classpath.txt"
if [ -f "$cp_file" ]; then
  ort=$(tr ':' '\n' < "$cp_file" | grep -o 'onnxruntime[a-z_]*-[0-9][0-9.]*\.jar' | head -1)
  echo "onnxruntime jar: ${ort:-none}"
  case "$ort" in
    onnxruntime_gpu-*) ;;
    *) fail 2 "the build has the CPU-only ONNX Runtime (${ort:-none}): build without -Pcpu-only" ;;
  esac
elif [ -f "$FACEPIPE_ROOT/lib/facepipe-all.jar" ]; then
  ort="the ONNX Runtime in lib/facepipe-all.jar"
  echo "onnxruntime: in lib/facepipe-all.jar (the job image)"
else
  fail 2 "not built: run scripts/setup.sh"
fi
[ -d "$images" ] || fail 2 "no photos at $images: give --images DIR (photos with faces) or run scripts/setup.sh"

# What the CUDA provider of ONNX Runtime 1.23.2 loads (its NEEDED entries, readelf -d: CUDA 12, cuDNN 9), found
# through the loader's cache or LD_LIBRARY_PATH, as the JVM will look.
missing=()
cache=$("$(command -v ldconfig || echo /sbin/ldconfig)" -p 2>/dev/null || true)
for lib in libcudart.so.12 libcublas.so.12 libcublasLt.so.12 libcufft.so.11 libcurand.so.10 libcudnn.so.9; do
  found=no
  if grep -q "[[:space:]]$lib " <<< "$cache"; then found=yes; fi
  IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"
  for d in ${dirs[@]+"${dirs[@]}"}; do [ -n "$d" ] && [ -e "$d/$lib" ] && found=yes; done
  [ $found = yes ] || missing+=("$lib")
done
if [ ${#missing[@]} -gt 0 ]; then
  msg="the CUDA provider of ${ort%.jar} needs CUDA 12 and cuDNN 9; missing: ${missing[*]} (the job image has them)"
  [ $allow_cpu = yes ] || fail 3 "$msg"
  echo "gpu-check: $msg; going on with --allow-cpu"
else
  echo "cuda libraries: found (CUDA 12, cuDNN 9)"
fi

timeout -k 10 "$timeout_s" "$FACEPIPE_ROOT/bin/facepipe" bench gpu --images "$images" ${args[@]+"${args[@]}"}
rc=$?
[ $rc -ne 124 ] && [ $rc -ne 137 ] || { echo "gpu-check: stopped after ${timeout_s} s (--timeout)"; rc=124; }
exit $rc
