#!/usr/bin/env bash
# Packs bench/gpu.ts into .device-kit/ for the GPU machine (with ../shared/device/pack.sh, or
# the path in $PACK), with the Fashion-MNIST files of the main job recompressed with xz so that
# the kit and the working tree stay under the 64 MiB a device run carries.
#
#   bash bench/gpu-pack.sh            # then, on the GPU machine: bash bench/gpu-run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PACK=${PACK:-../shared/device/pack.sh}
SRC=${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT
# xz -9 of the images takes minutes on a small machine: kept in a cache for the next pack.
CACHE=${GPU_DATA_CACHE:-$HOME/.cache/autolrs/fashion-mnist-xz}
mkdir -p "$CACHE"
for f in train-images-idx3-ubyte t10k-images-idx3-ubyte; do
  if [ ! -s "$CACHE/$f.xz" ] || [ "$SRC/$f.gz" -nt "$CACHE/$f.xz" ]; then
    gunzip -c "$SRC/$f.gz" | xz -T0 -9 -c > "$CACHE/$f.xz.tmp" && mv "$CACHE/$f.xz.tmp" "$CACHE/$f.xz"
  fi
  cp "$CACHE/$f.xz" "$DATA/"
done
cp "$SRC/train-labels-idx1-ubyte.gz" "$SRC/t10k-labels-idx1-ubyte.gz" "$DATA/"
if [ -f .git ]; then
  # A git worktree: .git is a file, so pack.sh's note in .git/info/exclude goes to the
  # worktree's own git folder instead (.device-kit/ is in .gitignore anyway).
  exclude=$(git rev-parse --git-path info/exclude)
  sed -e "s#\.git/info/exclude#$exclude#g" -e "s#mkdir -p \.git/info#mkdir -p $(dirname "$exclude")#" "$PACK" > "$DATA/pack.sh"
  PACK="$DATA/pack.sh"
fi
files=("$DATA"/*.xz "$DATA"/*.gz)
bash "$PACK" bench/gpu.ts "${files[@]}"
# Whitespace and syntax minification (names kept) takes 2.3 MB off the 7.7 MB bundle.
node_modules/.bin/esbuild .device-kit/app.mjs --minify-whitespace --minify-syntax --format=esm --platform=node \
  --target=node20 --log-level=error --outfile="$DATA/app.mjs"
mv "$DATA/app.mjs" .device-kit/app.mjs
kit=$(du -sb .device-kit | cut -f1)
tree=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
limit=$(( 64 * 1048576 ))
echo "gpu-pack: .device-kit ${kit} B + tracked files ${tree} B = $(( kit + tree )) B; limit ${limit} B, $(( (limit - kit - tree) / 1024 )) KiB to spare"
[ $(( kit + tree )) -lt "$limit" ] || { echo "gpu-pack: over the 64 MiB a device run carries" >&2; exit 1; }
