# Freely licensed test photos from Debian packages; source it after common.sh.
# Each line: package, path inside the package, file name here, sha256.
FIXTURES_LIST="python3-skimage usr/lib/python3/dist-packages/skimage/data/astronaut.png astronaut.png 88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5
python3-skimage usr/lib/python3/dist-packages/skimage/data/camera.png camera.png b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a
python3-skimage usr/lib/python3/dist-packages/skimage/data/chelsea.png chelsea.png 596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb
python3-skimage usr/lib/python3/dist-packages/skimage/data/coffee.png coffee.png cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7
python-matplotlib-data usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg grace_hopper.jpg a8ca6d734765703b09728ab47fe59f473d93ae3967fc24c7c0288c3c7adb7130
facedetect usr/share/doc/facedetect/examples/grace_hopper_512x512.jpg grace_hopper_512x512.jpg ee9d775343587100337da3bd24f9f9daf49756132362f09ca3ac9b676c4341b3
facedetect usr/share/doc/facedetect/examples/640px-IceBlockNearJoekullsarlon.jpg ice_block_640.jpg 593cdf845bc284b98abbca0eabb0fa45cdc0590f7cb7d7d71c4ca86a9d5077a4"

fixtures_dir() { printf '%s\n' "${FACEPIPE_FIXTURES_DIR:-$FACEPIPE_ROOT/fixtures/debian}"; }

fixtures_ok() {
  local dir=$1 pkg path name sum
  while read -r pkg path name sum; do
    [ -f "$dir/$name" ] && [ "$(sha256sum "$dir/$name" | cut -d' ' -f1)" = "$sum" ] || return 1
  done <<< "$FIXTURES_LIST"
}

fetch_fixtures() {
  local dir=$1 tmp pkg path name sum pkgs
  fixtures_ok "$dir" && return 0
  say "fetching test photos from Debian packages"
  tmp=$(mktemp -d); mkdir -p "$dir"
  pkgs=$(cut -d' ' -f1 <<< "$FIXTURES_LIST" | sort -u)
  # apt-get download needs package lists; refresh them once if the first try finds nothing.
  (cd "$tmp" && chmod 777 . && apt-get download $pkgs >/dev/null 2>&1) \
    || { apt-get update -qq >/dev/null && (cd "$tmp" && apt-get download $pkgs >/dev/null 2>&1); } \
    || { rm -rf "$tmp"; die "apt-get download $pkgs failed"; }
  for f in "$tmp"/*.deb; do dpkg -x "$f" "$tmp/x"; done
  while read -r pkg path name sum; do
    cp "$tmp/x/$path" "$dir/$name"
    [ "$(sha256sum "$dir/$name" | cut -d' ' -f1)" = "$sum" ] || { rm -rf "$tmp"; die "test photo $name from $pkg: sha256 differs from the pinned $sum"; }
  done <<< "$FIXTURES_LIST"
  rm -rf "$tmp"
}
