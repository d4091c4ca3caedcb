#!/usr/bin/env bash
# Spark GPU discovery script (spark.{worker,executor}.resource.gpu.discoveryScript): the GPUs that
# nvidia-smi sees, as Spark's ResourceInformation JSON.
set -euo pipefail
ids=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null | tr -d ' ' | paste -sd, - || true)
printf '{"name":"gpu","addresses":[%s]}\n' "$(printf '%s' "$ids" | sed 's/[0-9][0-9]*/"&"/g')"
