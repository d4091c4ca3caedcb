#!/usr/bin/env bash
# Nightly: discover and re-crawl what is due (on Spark with recrawl.spark=true), ingest what changed, sync the index to the live,
# unforgotten faces (it rebuilds by itself when its layout is outgrown or its lists too uneven), and with
# cluster.nightly=true place the new faces among the persons (facepipe cluster --incremental), and with
# retention.nightly=true (the default) apply retention (facepipe gc: forgotten originals go that night).
# One run at a time: a second start exits 75 at once. Prints one summary line per night.
#   scripts/nightly-recrawl.sh CRAWL_ROOT DATA_ROOT INDEX_ROOT
# Exit 0 on success; 1 with one line on stderr naming the step that failed; 3 with one line on stderr naming
# the step and the figure when a step raised an alarm: a host that answered before and answered nothing, a
# discovery that read no page (recrawl: the night goes on, the other hosts' changes count), an ingest that read
# no input or whose figures drifted (ingest: the index is left as it was; an alarm named in conf's
# report.alarms_index_goes_on, such as images run on the CPU instead of CUDA, lets the night go on).
# Extra options for every command (e.g. --conf /etc/facepipe.properties): FACEPIPE_ARGS.
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"
[ $# -eq 3 ] || die "usage: scripts/nightly-recrawl.sh CRAWL_ROOT DATA_ROOT INDEX_ROOT"
crawl=$1 data=$2 index=$3
fp="$FACEPIPE_ROOT/bin/facepipe"
lock=${FACEPIPE_LOCK:-${TMPDIR:-/tmp}/facepipe-nightly.lock}
exec 9>"$lock"
if ! flock -n 9; then
  echo "facepipe nightly: another run holds $lock; not starting" >&2
  exit 75
fi
run_id=$(date -u +%Y%m%d-%H%M%S)
log=${FACEPIPE_LOG_DIR:-${TMPDIR:-/tmp}}/facepipe-nightly-$run_id.log
said=$(mktemp); warned=$(mktemp); trap 'rm -f "$said" "$warned"' EXIT
summary=()
alarm= more=0
finish() {
  (IFS=';'; echo "facepipe nightly $run_id: $1;${summary[*]} (log: $log)")
  if [ -n "$alarm" ]; then
    echo "facepipe nightly $run_id: alarm in $alarm$([ $more -gt 0 ] && echo " (and $more more)") (log: $log)" >&2
    exit 3
  fi
  exit 0
}
# shellcheck disable=SC2086 # FACEPIPE_ARGS is a list of options
go_on_alarms=",$(conf_get report.alarms_index_goes_on ${FACEPIPE_ARGS:-} | tr -d ' '),"
# stopping_alarms FILE: how many of a command's "alarm: METRIC ..." lines name a metric not in go_on_alarms.
stopping_alarms() {
  sed -n 's/^alarm: \([^ ]*\).*/\1/p' "$1" | while read -r metric; do
    case "$go_on_alarms" in *",$metric,"*) ;; *) echo "$metric" ;; esac
  done | wc -l
}
# step NAME ON_ALARM ARGS...: runs one command; ON_ALARM is "go on" or "stop" (exit 3 of the command; a stop
# goes on when every alarm it printed is one of go_on_alarms). The line names the alarm that stopped the
# night, else the first one.
step() {
  local name=$1 on_alarm=$2 rc n first; shift 2
  "$fp" "$@" ${FACEPIPE_ARGS:-} >"$said" 2>"$warned"; rc=$?
  cat "$said" "$warned" >>"$log"
  if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then
    echo "facepipe nightly $run_id: $name failed (log: $log)" >&2
    exit 1
  fi
  summary+=(" $name: $(grep -m1 -E '^(recrawl [^ ]+: |run [^ ]+: |published |deleted )' "$said" | sed -E -e 's/^(recrawl|run) [^ ]+: //' -e 's/^(deleted [^;]*);.*/\1/')")
  [ $rc -eq 3 ] || return 0
  n=$(grep -c '^alarm: ' "$warned"); [ "$n" -gt 0 ] || n=1
  if [ "$on_alarm" = stop ] && grep -q '^alarm: ' "$warned" && [ "$(stopping_alarms "$warned")" -eq 0 ]; then
    on_alarm="go on"
  fi
  first=$(grep -m1 '^alarm: ' "$warned" | sed 's/^alarm: //')
  if [ -z "$alarm" ] || [ "$on_alarm" = stop ]; then
    [ -n "$alarm" ] && more=$((more + 1))
    alarm="$name: ${first:-exit 3}" more=$((more + n - 1))
  else
    more=$((more + n))
  fi
  [ "$on_alarm" = stop ] && finish "stopped after $name, the index is left as it was"
  return 0
}
on_spark=()
# shellcheck disable=SC2086 # FACEPIPE_ARGS is a list of options
[ "$(conf_get recrawl.spark ${FACEPIPE_ARGS:-})" = true ] && on_spark=(--spark)
step recrawl "go on" recrawl --out "$crawl" --run-id "$run_id" "${on_spark[@]}"
step ingest stop ingest --input "$crawl" --out "$data" --run-id "$run_id"
step build-index stop build-index --faces "$data/faces" --out "$index" --incremental
# shellcheck disable=SC2086 # FACEPIPE_ARGS is a list of options
if [ "$(conf_get cluster.nightly ${FACEPIPE_ARGS:-})" = true ]; then
  step cluster stop cluster --index "$index" --incremental
fi
# After the sync: gc keeps what the published version holds, so it runs once the forgotten have left it.
# shellcheck disable=SC2086 # FACEPIPE_ARGS is a list of options
if [ "$(conf_get retention.nightly ${FACEPIPE_ARGS:-})" = true ]; then
  step gc "go on" gc --crawl "$crawl" --data "$data" --index "$index"
fi
finish done
