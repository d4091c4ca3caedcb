#!/usr/bin/env bash
# Prints the enrolment figures of issue 27 on the fixture photos and their degradations:
# failures to enrol and verification figures before (every sub-score gated, no second check) and
# after (the shipped defaults), the error-versus-discard table, 1:N open-set figures (eval search: a
# gallery of three people, every other photo and copy as a probe, two people never enrolled), and
# the detectors' recall and false faces. Usage: scripts/eval-enrolment.sh [OUT_DIR]   (extra settings: FACEPIPE_<KEY> variables)
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$FACEPIPE_ROOT/scripts/lib/fixtures.sh"
fx=$(fixtures_dir)
ids=${FACEPIPE_IDENTITIES_DIR:-$FACEPIPE_ROOT/../shared/testdata/identities}
out=${1:-$(mktemp -d)}
fp="$FACEPIPE_ROOT/bin/facepipe"
mkdir -p "$out"
cat > "$out/photos.csv" <<CSV
file,person
$fx/astronaut.png,collins
$fx/camera.png,cameraman
$fx/grace_hopper.jpg,hopper
$fx/grace_hopper_512x512.jpg,hopper
$ids/obama_1.jpg,obama
$ids/obama_2.jpg,obama
$ids/obama_3.jpg,obama
$ids/obama_partial_face.jpg,obama
$ids/biden_1.jpg,biden
CSV
"$fp" eval degrade --photos "$out/photos.csv" --out "$out/set"
figures() { "$fp" eval verification --pairs "$out/set/pairs.csv" --root "$out/set" "$@" | grep -v '^failure to enrol'; }
echo "== before: every sub-score gated, no second check"
figures --set quality.gates=detector,size,sharpness,exposure,frontality,eyes,norm --set detector.confirm=none
echo "== after: the defaults"
figures
echo "== error versus discard (defaults)"
"$fp" eval quality --pairs "$out/set/pairs.csv" --root "$out/set" --svg "$out/edc.svg" --per-photo "$out/per-photo.csv"
echo "== 1:N open set: gallery one photo each of collins, hopper, obama; probes every other photo and copy"
gallery="astronaut grace_hopper obama_1"
echo photo,identity > "$out/set/gallery.csv"
echo photo,identity > "$out/set/probes.csv"
# photos.csv names each original's person; a copy is named ORIGINAL__how.jpg.
ls "$out/set" | grep -v '\.csv$' | awk -F, -v g=" $gallery " -v dir="$out/set" '
  NR == FNR { if (FNR > 1) { n = $1; sub(/.*\//, "", n); sub(/\.[^.]*$/, "", n); p[n] = $2 } next }
  { b = $0; sub(/\.[^.]*$/, "", b); split(b, part, "__"); line = $0 "," p[part[1]]
    print line >> (dir (index(g, " " b " ") ? "/gallery.csv" : "/probes.csv")) }' "$out/photos.csv" -
"$fp" eval search --gallery "$out/set/gallery.csv" --probes "$out/set/probes.csv" | grep -v '^failure to enrol'
echo "== detectors"
objects=$(sed -n 's/^python3-skimage [^ ]* \([^ ]*\) .*/\1/p' <<< "$FIXTURES_LIST" | grep -v -e astronaut -e camera \
  | sed "s|^|$fx/|" | paste -sd, -)
"$fp" eval detectors --placements 5 --faces "$fx/astronaut.png,$fx/grace_hopper.jpg,$ids/obama_1.jpg,$ids/obama_2.jpg,$ids/obama_3.jpg,$ids/biden_1.jpg" \
  --no-faces "$objects,$fx/ice_block_640.jpg"
echo "files: $out (set/, edc.svg, per-photo.csv)"
