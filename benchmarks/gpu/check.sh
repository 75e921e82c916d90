#!/usr/bin/env bash
# The GPU check for issue 13, run from the repository root on a lent GPU machine after
# benchmarks/gpu/prepare.sh built benchmarks/gpu/carry here and it was carried there:
#
#   OUT=/some/dir benchmarks/gpu/check.sh        ($OUT defaults to .tmp/gpu-out)
#
# Sets up Node from the carry folder, finds cuBLAS in the Python environment, records the GPU,
# runs `mixdistill backend --json`, the check's stages (kernels vs cpu, golden fixtures, training
# steps with fallback counts, generation, a Qwen2.5-0.5B-shaped step timed in fp32 and bf16, a
# checkpoint), transformers' logits on that checkpoint, and PyTorch timing the same step
# (benchmarks/peers/torch_reference.py, issue 14's peer). Writes report.json, report.md and logs to $OUT in
# under 6 minutes (each step has a timeout within a 350 s budget). FAKE=1 runs the stages on the host-memory fake
# addon instead (no GPU needed; for trying this script anywhere).
set -u
cd "$(dirname "$0")/../.."
HERE=benchmarks/gpu
CARRY="$HERE/carry"
OUT="${OUT:-.tmp/gpu-out}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
START=$(date +%s)
DEADLINE=$((START + 355)) # the whole check stays under 6 minutes
left() { echo $((DEADLINE - $(date +%s))); }
log() { echo "[gpu-check.sh +$(( $(date +%s) - START ))s] $*" | tee -a "$OUT/check.log" >&2; }

if [ ! -d "$CARRY/app" ]; then
  log "no $CARRY/app: run benchmarks/gpu/prepare.sh where pnpm install ran, and carry $CARRY"
  exit 2
fi

# Node: the carried binary, else one on PATH.
NODE=""
if [ -f "$CARRY/node.gz" ]; then
  mkdir -p /tmp/mixdistill-node
  gunzip -c "$CARRY/node.gz" > /tmp/mixdistill-node/node && chmod +x /tmp/mixdistill-node/node && NODE=/tmp/mixdistill-node/node
fi
[ -n "$NODE" ] || NODE="$(command -v node || true)"
if [ -z "$NODE" ] || ! "$NODE" --version > "$OUT/node-version.txt" 2>&1; then
  log "no working Node ($(cat "$OUT/node-version.txt" 2>/dev/null))"
  exit 2
fi
log "node $(cat "$OUT/node-version.txt") at $NODE, carry commit $(cat "$CARRY/commit.txt" 2>/dev/null)"

# The GPU as the driver sees it.
(nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv 2>&1 || echo "nvidia-smi failed or is missing") > "$OUT/nvidia-smi.txt"
log "gpu: $(tail -n +2 "$OUT/nvidia-smi.txt" | head -1)"

# cuBLAS from the Python environment (nvidia-cublas wheel: nvidia/cu13/lib or nvidia/cublas/lib).
if [ -z "${MIXDISTILL_CUBLAS_DIR:-}" ] && command -v python3 > /dev/null; then
  DIRS=$(timeout 30 python3 - <<'PY' 2>/dev/null
import glob, site, sys
roots = site.getsitepackages() + [site.getusersitepackages()] + [p for p in sys.path if p.endswith("-packages")]
hits = []
for r in roots:
    for d in glob.glob(r + "/nvidia/*/lib"):
        if glob.glob(d + "/libcublas.so.*") and d not in hits:
            hits.append(d)
print(":".join(hits))
PY
)
  [ -n "$DIRS" ] && export MIXDISTILL_CUBLAS_DIR="$DIRS"
fi
log "MIXDISTILL_CUBLAS_DIR=${MIXDISTILL_CUBLAS_DIR:-<unset>}"
CUBLAS_DIRS="${MIXDISTILL_CUBLAS_DIR:-}"
for d in ${CUBLAS_DIRS//:/ }; do ls -la "$d" >> "$OUT/cublas-dirs.txt" 2>&1; done

export MIXDISTILL_CUDA_ADDON="$PWD/$CARRY/mixdistill_cuda.node"
export MIXDISTILL_SKIP_NATIVE_BUILD=1

log "mixdistill backend --json"
timeout 45 "$NODE" "$CARRY/app/mixdistill.mjs" backend --json > "$OUT/backend.json" 2> "$OUT/backend.stderr"
BRC=$?
log "backend (exit $BRC): $(cat "$OUT/backend.json")"

FAKE_ARG=()
[ "${FAKE:-}" = 1 ] && FAKE_ARG=(--fake)
log "check stages${FAKE_ARG:+ (fake addon)}"
# The timed step's shape, shared with the PyTorch peer below.
BENCH_LAYERS="${BENCH_LAYERS:-24}"
BENCH_SEQ="${BENCH_SEQ:-512}"
timeout 285 "$NODE" --max-old-space-size=16384 "$CARRY/app/check.mjs" --out "$OUT" --fixtures fixtures ${FAKE_ARG[@]+"${FAKE_ARG[@]}"} \
  --bench-layers "$BENCH_LAYERS" --bench-seq "$BENCH_SEQ" ${CHECK_ARGS:-} 2> "$OUT/check.stderr"
RC=$?
log "check.mjs exit $RC ($( [ $RC = 124 ] && echo 'timed out' || echo 'see report.md'))"
tail -n 5 "$OUT/check.stderr" | tee -a "$OUT/check.log" >&2

# A device fault poisons the CUDA context, so every later stage fails the same way: rerun the
# kernel cases with a sync after each kernel, which names the kernel that faulted.
if [ "$RC" != 0 ] && [ "$RC" != 3 ] && [ "$(left)" -gt 100 ]; then
  log "some stage failed: rerunning the kernel cases with MIXDISTILL_CUDA_SYNC=1 into $OUT/sync-rerun"
  MIXDISTILL_CUDA_SYNC=1 timeout 40 "$NODE" "$CARRY/app/check.mjs" --out "$OUT/sync-rerun" --fixtures fixtures --only kernels \
    ${FAKE_ARG[@]+"${FAKE_ARG[@]}"} 2> "$OUT/sync-rerun.stderr"
  log "sync rerun exit $?: $(grep -m1 -i 'error\|fail' "$OUT/sync-rerun.stderr" || echo 'no error line')"
fi

if [ -f "$OUT/hf/mixdistill_logits.f32" ] && command -v python3 > /dev/null && [ "$(left)" -gt 20 ]; then
  log "transformers logits on the saved checkpoint"
  timeout "$(left)" python3 "$HERE/compare_transformers.py" "$OUT/hf" "$OUT/transformers.json" > "$OUT/transformers.stdout" 2> "$OUT/transformers.stderr"
  log "transformers: $(cat "$OUT/transformers.json" 2>/dev/null || tail -n 3 "$OUT/transformers.stderr")"
  {
    echo
    echo "## transformers vs mixdistill logits (fp32, limit 1e-3)"
    echo
    echo '```'
    cat "$OUT/transformers.json" 2>/dev/null || tail -n 3 "$OUT/transformers.stderr"
    echo
    echo '```'
  } >> "$OUT/report.md"
fi
# PyTorch on the same step (issue 14): fp32 and bf16 autocast, fused AdamW, beside ours.
if [ "${FAKE:-}" != 1 ] && command -v python3 > /dev/null && [ "$(left)" -gt 40 ]; then
  for P in fp32 bf16; do
    log "PyTorch step, $P"
    timeout "$(( $(left) / 2 ))" python3 benchmarks/peers/torch_reference.py --device cuda --precision "$P" \
      --layers "$BENCH_LAYERS" --seq "$BENCH_SEQ" train qwen0.5b > "$OUT/torch-$P.json" 2> "$OUT/torch-$P.stderr"
    log "torch $P: $(cat "$OUT/torch-$P.json" 2>/dev/null || tail -n 2 "$OUT/torch-$P.stderr")"
  done
  python3 "$HERE/step_vs_torch.py" "$OUT" >> "$OUT/report.md" 2>> "$OUT/check.log"
fi
# transformers' own model on issue 14's workloads, if time is left (alone it needs no carry:
# `python3 benchmarks/peers/transformers_gpu.py > $OUT/transformers-peer.json`).
if [ "${FAKE:-}" != 1 ] && command -v python3 > /dev/null && [ "$(left)" -gt 90 ]; then
  log "transformers peer (train seq 2048 batch 1/4/8, decode 512+256 batch 1/32)"
  timeout "$(left)" python3 benchmarks/peers/transformers_gpu.py > "$OUT/transformers-peer.json" 2> "$OUT/transformers-peer.stderr"
  log "transformers peer exit $?: $(grep -c '"workload"' "$OUT/transformers-peer.stderr") workloads"
  { echo; echo "## transformers peer (issue 14 anchors)"; echo; echo '```'; grep '^{"workload"' "$OUT/transformers-peer.stderr"; echo '```'; } >> "$OUT/report.md"
fi
# The checkpoint (2 GB for the 0.5B shape) must not travel back; the numbers are in the report.
rm -f "$OUT"/hf/*.safetensors "$OUT"/hf/*.tmp* "$OUT/hf/mixdistill_logits.f32"

log "done in $(( $(date +%s) - START )) s"
# The device tool brings back at most 8 files from $OUT: keep the report and the log, pack the rest.
PACK="$(mktemp /tmp/mixdistill-logs.XXXXXX)"
(cd "$OUT" && tar czf "$PACK" --exclude=./report.md --exclude=./report.json --exclude=./check.log --exclude=./logs.tgz . \
  && find . -mindepth 1 ! -name report.md ! -name report.json ! -name check.log -delete && mv "$PACK" logs.tgz)
cat "$OUT/report.md" >&2 2>/dev/null
exit $RC
