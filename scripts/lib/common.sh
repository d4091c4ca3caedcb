# Shared helpers for the scripts; source it, don't run it.
FACEPIPE_ROOT=${FACEPIPE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FACEPIPE_DEFAULTS="$FACEPIPE_ROOT/conf/facepipe-defaults.properties"

say() { printf 'facepipe: %s\n' "$*" >&2; }
die() { printf 'facepipe: %s\n' "$*" >&2; exit 1; }

# conf_get KEY [ARGS...]: KEY's effective value, in the JVM's order (later wins): the defaults file, the
# FACEPIPE_CONF file, a --conf FILE among ARGS, the environment (FACEPIPE_ + KEY in capitals, dots as
# underscores), a --set KEY=VALUE among ARGS. Pass a command's own arguments as ARGS.
conf_get() {
  local key=$1 v f s ev; shift
  local files=() sets=()
  v=$(conf_file_get "$key" "$FACEPIPE_DEFAULTS")
  [ -z "${FACEPIPE_CONF:-}" ] || files+=("$FACEPIPE_CONF")
  while [ $# -gt 0 ]; do
    case "$1" in
      --conf) [ $# -lt 2 ] || files+=("$2"); shift; [ $# -eq 0 ] || shift ;;
      --conf=*) files+=("${1#--conf=}"); shift ;;
      --set) [ $# -lt 2 ] || sets+=("$2"); shift; [ $# -eq 0 ] || shift ;;
      --set=*) sets+=("${1#--set=}"); shift ;;
      --) break ;;
      *) shift ;;
    esac
  done
  for f in ${files[@]+"${files[@]}"}; do
    if [ -f "$f" ] && conf_file_has "$key" "$f"; then v=$(conf_file_get "$key" "$f"); fi
  done
  ev="FACEPIPE_$(printf '%s' "$key" | tr 'a-z.' 'A-Z_')"
  if [ -n "${!ev+set}" ]; then v=${!ev}; fi
  for s in ${sets[@]+"${sets[@]}"}; do
    if [ "${s%%=*}" = "$key" ]; then v=${s#*=}; fi
  done
  printf '%s\n' "$v"
}

# native_env_pairs [ARGS...]: conf's job.native_env (as conf_get reads it from ARGS), one NAME=VALUE a line, each
# VALUE the environment's where it already sets NAME.
native_env_pairs() {
  local kv name
  for kv in $(conf_get job.native_env "$@"); do
    name=${kv%%=*}
    [[ $kv == *=* && $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "job.native_env: '$kv' is not NAME=VALUE"
    if [ -n "${!name+set}" ]; then printf '%s=%s\n' "$name" "${!name}"; else printf '%s\n' "$kv"; fi
  done
}

# native_env_export [ARGS...]: export native_env_pairs for the JVM about to start.
native_env_export() {
  local kv pairs
  pairs=$(native_env_pairs "$@") || exit 1
  for kv in $pairs; do export "${kv?}"; done
}

# conf_file_get KEY FILE: KEY's last value in a properties file (key=value or key: value, one a line).
conf_file_get() {
  awk -v k="$1" '{ sub(/^[ \t]+/, "") } index($0, k) == 1 && substr($0, length(k) + 1) ~ /^[ \t]*[=:]/ {
    v = substr($0, length(k) + 1); sub(/^[ \t]*[=:][ \t]*/, "", v); out = v; found = 1 }
    END { if (found) print out }' "$2"
}

conf_file_has() {
  [ -n "$(awk -v k="$1" '{ sub(/^[ \t]+/, "") } index($0, k) == 1 && substr($0, length(k) + 1) ~ /^[ \t]*[=:]/ {
    print "y"; exit }' "$2")" ]
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
