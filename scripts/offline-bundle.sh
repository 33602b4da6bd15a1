#!/bin/sh
# `sh scripts/offline-bundle.sh OUT.tar.xz`: wgml for a Linux x86-64 machine with neither Node nor a
# package registry (an air-gapped GPU node): this machine's node binary beside a production install
# of the packed package (dependencies only; Dawn's binary for linux-x64 alone). Unpacked anywhere:
#   tar -xJf OUT.tar.xz -C DIR && DIR/wgml/bin/wgml info        (also: DIR/wgml/bin/recipe ...)
set -eu
out=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/wgml/bin" "$work/wgml/app"
(cd "$repo" && npm pack --silent --pack-destination "$work" >/dev/null)
(cd "$work/wgml/app" && npm init -y >/dev/null && npm install --silent --omit=dev --no-audit --no-fund "$work"/wgml-*.tgz)
find "$work/wgml/app/node_modules/webgpu/dist" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
cp "$(command -v node)" "$work/wgml/bin/node"
for cli in wgml recipe; do
  printf '#!/bin/sh\nhere=$(cd "$(dirname "$0")" && pwd)\nexec "$here/node" "$here/../app/node_modules/wgml/dist/src/cli/%s.js" "$@"\n' "$cli" > "$work/wgml/bin/$cli"
  chmod +x "$work/wgml/bin/$cli"
done
tar -C "$work" -cJf "$out.tmp" wgml
mv "$out.tmp" "$out"
echo "$out: $(du -h "$out" | cut -f1)"
