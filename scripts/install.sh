#!/usr/bin/env bash
# Installs everything autolrs needs on Debian/Ubuntu with Node.js >= 20:
# the Fashion-MNIST data set (Debian package dataset-fashion-mnist), the npm packages, and
# SwiftShader (a Vulkan driver on the CPU, from Debian's chromium-common) in .swiftshader/ for
# the WebGPU tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update
  $SUDO apt-get install -y dataset-fashion-mnist
fi
npm ci
bash scripts/swiftshader.sh
