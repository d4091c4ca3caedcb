#!/usr/bin/env bash
# The main job end to end on the embedded default (this machine, Spark local mode, local files):
# serve the demo web site on loopback, crawl it, ingest what was crawled, build the index, and
# search it with a photo that is not in the corpus byte for byte, then once more through the search service
# (facepipe serve, over HTTP). Installs what is missing first.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$FACEPIPE_ROOT/scripts/lib/fixtures.sh"
"$FACEPIPE_ROOT/scripts/setup.sh"
fp="$FACEPIPE_ROOT/bin/facepipe"
photos=$(fixtures_dir)
ids=${FACEPIPE_IDENTITIES_DIR:-$FACEPIPE_ROOT/../shared/testdata/identities}
work=${FACEPIPE_DEMO_DIR:-$FACEPIPE_ROOT/work/demo}
rm -rf "$work"; mkdir -p "$work"

# The site's photos: the identity photos when they are beside the checkout, then the Debian ones.
site_photos="$photos/grace_hopper.jpg,$photos/astronaut.png,$photos/camera.png,$photos/chelsea.png"
query="$photos/grace_hopper_512x512.jpg"
if [ -f "$ids/obama_1.jpg" ]; then
  site_photos="$ids/obama_1.jpg,$ids/obama_2.jpg,$ids/biden_1.jpg,$site_photos"
  query="$ids/obama_3.jpg"
fi

say "1/6 start the demo site on loopback"
"$fp" demo-site --photos "$site_photos" --url-file "$work/site-url" > "$work/site.log" 2>&1 &
site_pid=$!
trap 'kill $site_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do [ -s "$work/site-url" ] && break; sleep 0.5; done
[ -s "$work/site-url" ] || die "the demo site did not start; see $work/site.log"
url=$(cat "$work/site-url")

say "2/6 crawl $url"
"$fp" crawl --seed "$url/" --out "$work/crawl" --run-id demo --set crawler.allow_private_hosts=127.0.0.1
say "3/6 ingest the crawl"
"$fp" ingest --input "$work/crawl" --out "$work/data" --run-id demo
say "4/6 build the index"
"$fp" build-index --faces "$work/data/faces" --out "$work/index"
say "5/6 search with $(basename "$query") (not in the corpus byte for byte)"
"$fp" search --index "$work/index" --image "$query" --k 5
say "6/6 the same search through the search service (facepipe serve, HTTP on loopback)"
"$fp" serve --index "$work/index" --set serve.port=0 --set serve.follow_seconds=0 \
  --set serve.crawl_roots="$work/crawl" --set serve.audit_dir="$work/serve-audit" \
  --set serve.cache_dir="$work/serve-cache" > "$work/serve.log" 2>&1 &
serve_pid=$!
trap 'kill $site_pid $serve_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -q '^facepipe serve: ready' "$work/serve.log" && break; sleep 0.5; done
ready=$(grep '^facepipe serve: ready' "$work/serve.log") || die "facepipe serve did not start; see $work/serve.log"
echo "$ready"
api=$(sed 's|.* on \(http://[^ ]*\) .*|\1|' <<< "$ready")
# python3 (set-up installs it) rather than curl, which a fresh Debian may lack.
python3 - "$api/v1/search/image?faces=main&k=3" "$query" "$work/serve-answer.json" <<'PY' \
  || die "the search service refused the photo; see $work/serve.log"
import json, sys, urllib.request
url, photo, out = sys.argv[1:4]
with open(photo, "rb") as f:
    answer = json.load(urllib.request.urlopen(urllib.request.Request(url, data=f.read(), method="POST")))
json.dump(answer, open(out, "w"), indent=2)
for face in answer["faces"]:
    for h in (face["search"] or {}).get("hits", []):
        print(f'  face {face["face"]}: {h["score"]:.3f} {"match" if h["match"] else "no match"}  {h["evidence"]["source_url"]}')
PY
say "the search page is at $api/ while the service runs (here it stops now); answer in $work/serve-answer.json"
kill $serve_pid 2>/dev/null || true
say "demo complete; everything is under $work (run manifest: $work/data/runs/run_id=demo/manifest.json)"
