# Freely licensed test photos from Debian packages; source it after common.sh. The scikit-image
# photos after ice_block are of objects without faces: the false-face set of `eval detectors`.
# Each line: package, path inside the package, file name here, sha256.
FIXTURES_LIST="python3-skimage usr/lib/python3/dist-packages/skimage/data/astronaut.png astronaut.png 88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5
python3-skimage usr/lib/python3/dist-packages/skimage/data/camera.png camera.png b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a
python3-skimage usr/lib/python3/dist-packages/skimage/data/chelsea.png chelsea.png 596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb
python3-skimage usr/lib/python3/dist-packages/skimage/data/coffee.png coffee.png cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7
python-matplotlib-data usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg grace_hopper.jpg a8ca6d734765703b09728ab47fe59f473d93ae3967fc24c7c0288c3c7adb7130
facedetect usr/share/doc/facedetect/examples/grace_hopper_512x512.jpg grace_hopper_512x512.jpg ee9d775343587100337da3bd24f9f9daf49756132362f09ca3ac9b676c4341b3
facedetect usr/share/doc/facedetect/examples/640px-IceBlockNearJoekullsarlon.jpg ice_block_640.jpg 593cdf845bc284b98abbca0eabb0fa45cdc0590f7cb7d7d71c4ca86a9d5077a4
python3-skimage usr/lib/python3/dist-packages/skimage/data/brick.png brick.png 7966caf324f6ba843118d98f7a07746d22f6a343430add0233eca5f6eaaa8fcf
python3-skimage usr/lib/python3/dist-packages/skimage/data/cell.png cell.png 8d23a7fb81f7cc877cd09f330357fc7f595651306e84e17252f6e0a1b3f61515
python3-skimage usr/lib/python3/dist-packages/skimage/data/clock_motion.png clock_motion.png f029226b28b642e80113d86622e9b215ee067a0966feaf5e60604a1e05733955
python3-skimage usr/lib/python3/dist-packages/skimage/data/coins.png coins.png f8d773fc9cfa6f4d8e5942dc34d0a0788fcaed2a4fefbbed0aef5398d7ef4cba
python3-skimage usr/lib/python3/dist-packages/skimage/data/color.png color.png 7d2df993de2b4fa2a78e04e5df8050f49a9c511aa75e59ab3bd56ac9c98aef7e
python3-skimage usr/lib/python3/dist-packages/skimage/data/grass.png grass.png b6b6022426b38936c43a4ac09635cd78af074e90f42ffa8227ac8b7452d39f89
python3-skimage usr/lib/python3/dist-packages/skimage/data/gravel.png gravel.png c48615b451bf1e606fbd72c0aa9f8cc0f068ab7111ef7d93bb9b0f2586440c12
python3-skimage usr/lib/python3/dist-packages/skimage/data/horse.png horse.png c7fb60789fe394c485f842291ea3b21e50d140f39d6dcb5fb9917cc178225455
python3-skimage usr/lib/python3/dist-packages/skimage/data/hubble_deep_field.jpg hubble_deep_field.jpg 3a19c5dd8a927a9334bb1229a6d63711b1c0c767fb27e2286e7c84a3e2c2f5f4
python3-skimage usr/lib/python3/dist-packages/skimage/data/ihc.png ihc.png f8dd1aa387ddd1f49d8ad13b50921b237df8e9b262606d258770687b0ef93cef
python3-skimage usr/lib/python3/dist-packages/skimage/data/logo.png logo.png f2c57fe8af089f08b5ba523d95573c26e62904ac5967f4c8851b27d033690168
python3-skimage usr/lib/python3/dist-packages/skimage/data/moon.png moon.png 78739619d11f7eb9c165bb5d2efd4772cee557812ec847532dbb1d92ef71f577
python3-skimage usr/lib/python3/dist-packages/skimage/data/motorcycle_left.png motorcycle_left.png db18e9c4157617403c3537a6ba355dfeafe9a7eabb6b9b94cb33f6525dd49179
python3-skimage usr/lib/python3/dist-packages/skimage/data/page.png page.png 341a6f0a61557662b02734a9b6e56ec33a915b2c41886b97509dedf2a43b47a3
python3-skimage usr/lib/python3/dist-packages/skimage/data/phantom.png phantom.png 552ff698167aa402cceb17981130607a228a0a0aa7c519299eaa4d5f301ba36c
python3-skimage usr/lib/python3/dist-packages/skimage/data/retina.jpg retina.jpg 38a07f36f27f095e818aea7b96d34202c05176d30253c66733f2e00379e9e0e6
python3-skimage usr/lib/python3/dist-packages/skimage/data/rocket.jpg rocket.jpg c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c
python3-skimage usr/lib/python3/dist-packages/skimage/data/text.png text.png bd84aa3a6e3c9887850d45d606c96b2e59433fbef50338570b63c319e668e6d1"

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
