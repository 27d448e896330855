#!/usr/bin/env bash
# The whole GPU benchmark in one command, under 8 minutes, results under $OUT/gpu/:
#   1. tfjs (from .device-kit, made by bench/gpu-pack.sh): the filter-gradient microbenchmark
#      and ResNet-20/56 training throughput at batch 128 and 512 (bench/gpu.ts);
#   2. PyTorch on the same GPU, same models and batches (bench/gpu_pytorch.py);
#   3. the main job, `autolrs train --preset full`, for the time that is left.
# Every part has its own time limit. On the GPU machine (device tool, carry [".device-kit"]):
#
#   bash bench/gpu-run.sh
#
# Here, end to end with tiny sizes (the kit's bundle run by this machine's node):
#   OUT=/tmp/x bash bench/gpu-run.sh --local --smoke --backend wasm
#   OUT=/tmp/x LD_LIBRARY_PATH=$PWD/.swiftshader VK_ICD_FILENAMES=$PWD/.swiftshader/vk_swiftshader_icd.json \
#     bash bench/gpu-run.sh --local --smoke --backend webgpu
set -uo pipefail
cd "$(dirname "$0")/.."
LOCAL=0; SMOKE=(); BACKEND=webgpu; TOTAL=450
while [ $# -gt 0 ]; do
  case "$1" in
    --local) LOCAL=1 ;;
    --smoke) SMOKE=(--smoke); TOTAL=900 ;;
    --backend) BACKEND=$2; shift ;;
    --total-seconds) TOTAL=$2; shift ;;
    *) echo "gpu-run: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
KIT=.device-kit
[ -f "$KIT/app.mjs" ] || { echo "gpu-run: $KIT is missing: run bash bench/gpu-pack.sh first" >&2; exit 2; }
OUT=${OUT:-runs/gpu-run}
RES="$OUT/gpu"
mkdir -p "$RES"
START=$(date +%s)
elapsed() { echo $(( $(date +%s) - START )); }
log() { echo "gpu-run [$(elapsed) s]: $*" >&2; }

# The main job's data: xz-compressed IDX files from the kit, unpacked for the loader.
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT
for f in "$KIT"/data/*; do
  case "$f" in
    *.xz) xz -dc "$f" > "$DATA/$(basename "${f%.xz}")" ;;
    *) cp "$f" "$DATA/" ;;
  esac
done
export FASHION_MNIST_DIR="$DATA"

if [ "$LOCAL" = 1 ]; then
  # Unpacked for this run only: the kit must keep its size for the device run.
  dawn="$KIT/node_modules/webgpu/dist/linux-x64/dawn.node"
  xz -dc "$KIT/dawn.node.xz" > "$dawn"
  trap 'rm -rf "$DATA" "$dawn"' EXIT
  KITCMD=(env DEVICE_KIT_DATA="$KIT/data" node "$KIT/app.mjs")
else
  KITCMD=(bash "$KIT/run.sh")
fi

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > "$RES/nvidia-smi.csv" 2>&1

log "1/3 tfjs: filter gradient and throughput"
LIMIT1=$(( ${#SMOKE[@]} ? 720 : 260 ))
timeout -k 5 "$LIMIT1" "${KITCMD[@]}" --parts filtergrad,throughput --backend "$BACKEND" --out "$RES" "${SMOKE[@]}"
log "tfjs parts ended with status $?"

log "2/3 PyTorch"
PYARGS=(--out "$RES/pytorch.json" --seconds 80 "${SMOKE[@]}")
[ "$LOCAL" = 1 ] && PYARGS+=(--device cpu)
if python3 -c 'import torch' 2>/dev/null; then
  timeout -k 5 100 python3 bench/gpu_pytorch.py "${PYARGS[@]}"
  log "PyTorch ended with status $?"
else
  log "PyTorch skipped: python3 has no torch"
fi

LEFT=$(( TOTAL - $(elapsed) - 15 ))
log "3/3 main job for ${LEFT} s"
if [ "$LEFT" -ge 60 ]; then
  timeout -k 5 "$LEFT" "${KITCMD[@]}" --parts main --backend "$BACKEND" --main-seconds $(( LEFT - 10 )) --out "$RES" "${SMOKE[@]}"
  log "main job ended with status $?"
else
  log "main job skipped: only ${LEFT} s left"
fi
log "done; results:"
find "$RES" -type f | sort >&2
