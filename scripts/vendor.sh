#!/bin/sh
# Copy the front-end libraries pinned in package.json, with their licences, into
# src/guanxi/web/static/vendor/. Run after changing a version; commit the result.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/src/guanxi/web/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp "$root/package.json" "$work/"
(cd "$work" && npm install --no-audit --no-fund --ignore-scripts --omit=dev >/dev/null)

mods="$work/node_modules"
rm -rf "$dest"
mkdir -p "$dest/echarts" "$dest/htmx" "$dest/sortablejs"

cp "$mods/echarts/dist/echarts.min.js" "$dest/echarts/"
cp "$mods/echarts/LICENSE" "$dest/echarts/LICENSE"
cp "$mods/echarts/NOTICE" "$dest/echarts/NOTICE"
cp "$mods/htmx.org/dist/htmx.min.js" "$dest/htmx/"
cp "$mods/htmx.org/LICENSE" "$dest/htmx/LICENSE"
cp "$mods/sortablejs/Sortable.min.js" "$dest/sortablejs/"
cp "$mods/sortablejs/LICENSE" "$dest/sortablejs/LICENSE"

for pkg in echarts htmx.org sortablejs; do
    node -e "const p=require('$mods/$pkg/package.json');console.log(p.name+' '+p.version)"
done >"$dest/VERSIONS"
echo "vendored into $dest:"
cat "$dest/VERSIONS"
