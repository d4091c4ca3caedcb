# Shared helpers for the scripts; source it, don't run it.
FACEPIPE_ROOT=${FACEPIPE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FACEPIPE_DEFAULTS="$FACEPIPE_ROOT/conf/facepipe-defaults.properties"

say() { printf 'facepipe: %s\n' "$*" >&2; }
die() { printf 'facepipe: %s\n' "$*" >&2; exit 1; }

# conf_get KEY: the value of KEY in the defaults file (properties, one key=value a line).
conf_get() {
  awk -v k="$1" 'index($0, k "=") == 1 { print substr($0, length(k) + 2); exit }' "$FACEPIPE_DEFAULTS"
}

# model_names: every NAME with a model.NAME.file line in the defaults.
model_names() {
  sed -n 's/^model\.\([A-Za-z0-9_]*\)\.file=.*/\1/p' "$FACEPIPE_DEFAULTS"
}

# models_dir: FACEPIPE_MODELS_DIR, else models.dir from conf, resolved against the root.
models_dir() {
  local d=${FACEPIPE_MODELS_DIR:-$(conf_get models.dir)}
  case "$d" in /*) printf '%s\n' "$d" ;; *) printf '%s\n' "$FACEPIPE_ROOT/$d" ;; esac
}
