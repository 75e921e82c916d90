#!/usr/bin/env bash
# Builds benchmarks/gpu/carry/ (gitignored) for check.sh on a lent GPU machine, which has Python,
# PyTorch and cuBLAS but no Node and no network: the local node binary (gzipped), the CUDA addon,
# and an esbuild bundle of the check and of the CLI. Run it here, after `pnpm install`:
#
#   benchmarks/gpu/prepare.sh
#
# then carry `benchmarks/gpu/carry` (must stay under the device tool's 64 MiB).
set -euo pipefail
cd "$(dirname "$0")/../.."
CARRY=benchmarks/gpu/carry
rm -rf "$CARRY"
mkdir -p "$CARRY/app"

echo "[gpu-prepare] type-checking benchmarks/gpu" >&2
npx tsc -p benchmarks/gpu/tsconfig.json --noEmit

node benchmarks/gpu/bundle.mjs "$CARRY/app"

ADDON=packages/core/cuda/build/mixdistill_cuda.node
[ -f "$ADDON" ] || node packages/core/cuda/build.mjs
if [ ! -f "$ADDON" ]; then
  echo "[gpu-prepare] $ADDON was not built (see the line above); the check needs it" >&2
  exit 1
fi
cp "$ADDON" "$CARRY/"

# The GPU machine has no Node: carry this one (self-contained apart from libc/libstdc++).
gzip -6 -c "$(command -v node)" > "$CARRY/node.gz"
git rev-parse HEAD > "$CARRY/commit.txt"

BYTES=$(du -sb "$CARRY" | cut -f1)
echo "[gpu-prepare] $CARRY: $((BYTES / 1048576)) MiB (node $(node --version), commit $(cat "$CARRY/commit.txt"))" >&2
if [ "$BYTES" -gt $((64 * 1048576)) ]; then
  echo "[gpu-prepare] $CARRY is over the device tool's 64 MiB carry limit" >&2
  exit 1
fi
