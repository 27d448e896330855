#!/usr/bin/env bash
# Installs SwiftShader, a Vulkan driver that runs on the CPU, into .swiftshader/ (git-ignored),
# so that the WebGPU tests run on machines without a GPU (Dawn, from the npm package `webgpu`,
# over SwiftShader's Vulkan). Nothing is installed system-wide.
#
# Source: Debian's `chromium-common` package, fetched with `apt-get download` and unpacked with
# `dpkg-deb -x`; only three files are kept: libvk_swiftshader.so, its ICD manifest
# vk_swiftshader_icd.json, and the Vulkan loader libvulkan.so.1 shipped beside them.
#
# Idempotent: does nothing when .swiftshader/ is complete. Use with
#   LD_LIBRARY_PATH=$PWD/.swiftshader VK_ICD_FILENAMES=$PWD/.swiftshader/vk_swiftshader_icd.json
# (the WebGPU tests set both for their own processes, see test/webgpu/).
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=.swiftshader
FILES=(libvk_swiftshader.so vk_swiftshader_icd.json libvulkan.so.1)

complete() {
  for f in "${FILES[@]}"; do [ -s "$DEST/$f" ] || return 1; done
}

if complete; then
  echo "SwiftShader: already in $DEST/"
  exit 0
fi
command -v apt-get >/dev/null || { echo "SwiftShader: apt-get is needed (Debian/Ubuntu)" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "SwiftShader: dpkg-deb is needed (Debian/Ubuntu)" >&2; exit 1; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if ! (cd "$TMP" && apt-get download chromium-common); then
  # A fresh machine may have no package lists yet.
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update
  (cd "$TMP" && apt-get download chromium-common)
fi
DEB=$(ls "$TMP"/chromium-common_*.deb)
dpkg-deb -x "$DEB" "$TMP/root"
mkdir -p "$DEST"
for f in "${FILES[@]}"; do
  src="$TMP/root/usr/lib/chromium/$f"
  [ -s "$src" ] || { echo "SwiftShader: $f is missing from $(basename "$DEB")" >&2; exit 1; }
  cp "$src" "$DEST/$f.tmp" && mv "$DEST/$f.tmp" "$DEST/$f"
done
basename "$DEB" >"$DEST/SOURCE"
echo "SwiftShader: installed in $DEST/ from $(basename "$DEB")"
