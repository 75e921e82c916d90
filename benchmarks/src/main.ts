// pnpm bench: kernel and model throughput of the active backend next to PyTorch, OpenBLAS and
// llama.cpp on the same machine, written to benchmarks/results/ as JSON (one object per workload,
// with ratios) and a markdown table.
//
//   pnpm bench [--only matmul,kernels,train,decode] [--configs tiny,qwen0.5b-4l,qwen0.5b] [--repeat N] [--no-peers]
//
// llama.cpp joins the qwen0.5b decode rows when MIXDISTILL_LLAMA_CPP names a llama.cpp checkout
// with llama-bench built (peers.ts: LlamaCppPeer); its best 16-bit figures sit beside bf16.
//
// The machine may be shared: each figure is the best of its repetitions (--repeat reruns whole
// workloads and keeps the best), and the report says so.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeBackend, selectBackend } from '@mixdistill/core';
import { parseModelConfig } from '@mixdistill/models';
import { BENCH_CONFIGS } from './configs';
import {
  type Ceilings,
  decodeBytesPerToken,
  measureCeilings,
  prefillFlopsPerToken,
  trainFlopsPerToken,
} from './ceilings';
import { measureAttention, measureMatmul, measureMemoryKernels } from './measure';
import { type LlamaCppFigures, LlamaCppPeer, OpenBlasPeer, TorchPeer } from './peers';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS_DIR = path.join(ROOT, 'benchmarks', 'results');

/** Qwen2.5-0.5B linear layers at seq 512 (weights stored [out, in], hence transposeB), plus 1024³. */
const MATMUL_SHAPES: { name: string; m: number; n: number; k: number; transposeB: boolean }[] = [
  { name: '1024³', m: 1024, n: 1024, k: 1024, transposeB: false },
  { name: 'q/o proj 512x896x896', m: 512, n: 896, k: 896, transposeB: true },
  { name: 'k/v proj 512x128x896', m: 512, n: 128, k: 896, transposeB: true },
  { name: 'gate/up 512x4864x896', m: 512, n: 4864, k: 896, transposeB: true },
  { name: 'down 512x896x4864', m: 512, n: 896, k: 4864, transposeB: true },
  { name: 'lm_head 512x151936x896', m: 512, n: 151936, k: 896, transposeB: true },
];

/**
 * Decoding shapes per config: the full Qwen2.5-0.5B at the issue's evaluation-like shape (a 512-token
 * prompt, 128 new tokens) for one sequence and for 16 together; the smaller configs a quick 32 + 32.
 */
function decodeShapes(config: string): { prompt: number; newTokens: number; batch: number }[] {
  if (config === 'qwen0.5b')
    return [
      { prompt: 512, newTokens: 128, batch: 1 },
      { prompt: 512, newTokens: 128, batch: 16 },
    ];
  return [{ prompt: 32, newTokens: 32, batch: 1 }];
}

interface Workload {
  kind: string;
  name: string;
  figures: Record<string, number | string | null>;
  ratios: Record<string, number | null>;
}

const USAGE = `pnpm bench [--only matmul,kernels,train,decode] [--configs tiny,qwen0.5b-4l,qwen0.5b] [--repeat N] [--no-peers]

  --only      workloads to measure (default: all four)
  --configs   model shapes for train and decode (default: tiny,qwen0.5b-4l; qwen0.5b is the full model)
  --repeat    reruns of each workload, the best kept (default: 1)
  --no-peers  skip PyTorch, OpenBLAS and llama.cpp

Peers: PyTorch when /usr/bin/python3 imports torch, OpenBLAS when libopenblas-dev is installed,
llama.cpp (qwen0.5b decode) when MIXDISTILL_LLAMA_CPP names a checkout with build/bin/llama-bench
(where llama.cpp cannot be cloned: sh benchmarks/peers/llama_cpp_debian.sh DIR, then that DIR).
Ceilings: with gcc, the machine's FMA, vdpbf16ps and memory-read rates at the kernel table's width,
before and after the workloads; decode, prefill and training rows say what fraction of theirs they reach.
Writes benchmarks/results/bench-<date>.json and .md; the table goes to stdout, progress to stderr.
`;

function args(): { only: Set<string>; configs: string[]; repeat: number; peers: boolean } {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    only: new Set((value('--only') ?? 'matmul,kernels,train,decode').split(',')),
    configs: (value('--configs') ?? 'tiny,qwen0.5b-4l').split(','),
    repeat: Math.max(1, Number(value('--repeat') ?? 1)),
    peers: !argv.includes('--no-peers'),
  };
}

function best<T>(repeat: number, run: () => T | null, score: (t: T) => number): T | null {
  let top: T | null = null;
  for (let i = 0; i < repeat; i++) {
    const r = run();
    if (r && (!top || score(r) > score(top))) top = r;
  }
  return top;
}

function ratio(a: number | undefined | null, b: number | undefined | null): number | null {
  return a && b ? a / b : null;
}

/** `mixdistill bench <workload> --json` in a fresh process, so peak RSS belongs to that workload. */
function cli(workload: string, flags: string[], env: NodeJS.ProcessEnv = process.env): Record<string, number> | null {
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'packages/cli/bin/mixdistill.js'), 'bench', workload, ...flags, '--json'],
    {
      env,
      encoding: 'utf8',
      cwd: ROOT,
    },
  );
  if (r.status !== 0) {
    process.stderr.write(`bench ${workload} failed:\n${r.stderr}\n`);
    return null;
  }
  return JSON.parse(r.stdout.trim()) as Record<string, number>;
}

/**
 * Rounds of a step at each precision for the bf16 training speedup (--compare-precision): about
 * 4 s of float32 steps, 5 to 60 rounds. The median of 5 rounds of the tiny model's 50 ms steps
 * ranged over 1.25-1.63x (garbage collection and drift land in single steps); of 40, 1.43-1.46x.
 */
function alternatedRounds(f32StepMs: number | undefined): number {
  return Math.min(60, Math.max(5, Math.ceil(4000 / (f32StepMs ?? 4000))));
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const times = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : `${v.toFixed(2)}×`);
const fmt = (v: number | string | null | undefined, digits = 1): string =>
  v === null || v === undefined ? '–' : typeof v === 'number' ? v.toFixed(digits) : v;

async function main(): Promise<void> {
  const opts = args();
  const backend = await selectBackend();
  log(describeBackend(backend));
  const threads = backend.threads;
  const torch = new TorchPeer(threads);
  const blas = new OpenBlasPeer(threads);
  const llama = new LlamaCppPeer(threads);
  const usePeers = opts.peers;
  log(
    `peers: torch ${torch.available ? torch.version : 'absent'}, openblas ${blas.available ? 'present' : 'absent'}, llama.cpp ${llama.available ? llama.source : 'absent (set MIXDISTILL_LLAMA_CPP)'}${usePeers ? '' : ' (disabled)'}`,
  );
  const workloads: Workload[] = [];
  const ceilingsBefore = measureCeilings(backend.kernels, threads);
  if (ceilingsBefore) log(`ceilings before: ${describeCeilings(ceilingsBefore)}`);

  if (opts.only.has('matmul')) {
    for (const s of MATMUL_SHAPES) {
      const ours = best(
        opts.repeat,
        () => measureMatmul(s.m, s.n, s.k, s.transposeB),
        (r) => r.gflops,
      );
      const ob = usePeers
        ? best(
            opts.repeat,
            () => blas.sgemm(s.m, s.n, s.k, s.transposeB),
            (r) => r.gflops as number,
          )
        : null;
      const pt = usePeers
        ? best(
            opts.repeat,
            () => torch.run('matmul', [s.m, s.n, s.k, s.transposeB ? 1 : 0].map(String)),
            (r) => r.gflops as number,
          )
        : null;
      const w: Workload = {
        kind: 'matmul',
        name: s.name,
        figures: {
          gflops: ours?.gflops ?? null,
          openblas_gflops: (ob?.gflops as number) ?? null,
          torch_gflops: (pt?.gflops as number) ?? null,
        },
        ratios: {
          vs_openblas: ratio(ours?.gflops, ob?.gflops as number),
          vs_torch: ratio(ours?.gflops, pt?.gflops as number),
        },
      };
      log(
        `matmul ${s.name}: ${fmt(w.figures.gflops)} GFLOP/s (openblas ${fmt(w.figures.openblas_gflops)}, torch ${fmt(w.figures.torch_gflops)})`,
      );
      workloads.push(w);
    }
  }

  if (opts.only.has('kernels')) {
    const kernels = [...measureMemoryKernels(), measureAttention(512), measureAttention(2048)];
    for (const k of kernels) {
      workloads.push({
        kind: 'kernel',
        name: k.name,
        figures: { ms: k.ms, gb_per_s: k.gbPerS ?? null, gflops: k.gflops ?? null },
        ratios: {},
      });
      log(
        `kernel ${k.name}: ${fmt(k.ms, 2)} ms${k.gbPerS ? `, ${fmt(k.gbPerS)} GB/s` : ''}${k.gflops ? `, ${fmt(k.gflops)} GFLOP/s` : ''}`,
      );
    }
  }

  for (const config of opts.configs) {
    // The costs the ceilings bound (withCeilings).
    const model = parseModelConfig(BENCH_CONFIGS[config].config, `${config} (benchmark config)`);
    const trainFlops = trainFlopsPerToken(model, BENCH_CONFIGS[config].seq);
    if (opts.only.has('train')) {
      const ours = best(
        opts.repeat,
        () => cli('train', ['--config', config]),
        (r) => r.tokens_per_s,
      );
      // The same run with the buffer pool off: the difference is what fresh allocation costs.
      const unpooled =
        backend.name === 'native'
          ? cli('train', ['--config', config], { ...process.env, MIXDISTILL_POOL_MB: '0' })
          : null;
      const pt = usePeers
        ? best(
            opts.repeat,
            () => torch.run('train', [config]),
            (r) => r.tokens_per_s as number,
          )
        : null;
      const w: Workload = {
        kind: 'train',
        name: config,
        figures: {
          tokens_per_s: ours?.tokens_per_s ?? null,
          step_ms: ours?.stepMs ?? null,
          peak_rss_mb: ours?.peak_rss_mb ?? null,
          step_ms_without_buffer_pool: unpooled?.stepMs ?? null,
          flops_per_token: trainFlops,
          torch_tokens_per_s: (pt?.tokens_per_s as number) ?? null,
          torch_peak_rss_mb: (pt?.peak_rss_mb as number) ?? null,
        },
        ratios: { vs_torch: ratio(ours?.tokens_per_s, pt?.tokens_per_s as number) },
      };
      log(
        `train ${config}: ${fmt(w.figures.tokens_per_s, 0)} tokens/s (torch ${fmt(w.figures.torch_tokens_per_s, 0)}), step ${fmt(w.figures.step_ms, 0)} ms, ${fmt(w.figures.step_ms_without_buffer_pool, 0)} ms without the pool, peak RSS ${fmt(w.figures.peak_rss_mb, 0)} MB`,
      );
      workloads.push(w);
      if (backend.name === 'native') {
        // Mixed precision: bf16 operands in every matrix product, float32 everything else. Its own
        // run gives tokens/s and peak RSS; the speedup comes from steps of both precisions in turns
        // in one process (a drifting host moves two separate runs apart by more than 5%).
        const mixed = best(
          opts.repeat,
          () => cli('train', ['--config', config, '--precision', 'bf16']),
          (r) => r.tokens_per_s,
        );
        const turns = cli('train', [
          '--config',
          config,
          '--precision',
          'bf16',
          '--compare-precision',
          'fp32',
          '--steps',
          String(alternatedRounds(ours?.stepMs)),
        ]);
        const wm: Workload = {
          kind: 'train',
          name: `${config} bf16`,
          figures: {
            tokens_per_s: mixed?.tokens_per_s ?? null,
            step_ms: mixed?.stepMs ?? null,
            peak_rss_mb: mixed?.peak_rss_mb ?? null,
            flops_per_token: trainFlops,
            bf16_products: 1,
            alternated_rounds: turns?.rounds ?? null,
          },
          ratios: {
            vs_f32: turns?.speedup ?? null,
            vs_f32_separate_runs: ratio(mixed?.tokens_per_s, ours?.tokens_per_s),
          },
        };
        log(
          `train ${config} bf16: ${fmt(wm.figures.tokens_per_s, 0)} tokens/s, ${times(wm.ratios.vs_f32)} float32 (median of ${fmt(turns?.rounds, 0)} rounds in turns; ${times(wm.ratios.vs_f32_separate_runs)} across the two runs), step ${fmt(wm.figures.step_ms, 0)} ms, peak RSS ${fmt(wm.figures.peak_rss_mb, 0)} MB`,
        );
        workloads.push(wm);
      }
    }
    if (opts.only.has('decode')) {
      // float32 and bf16 weights side by side; the PyTorch peer decodes in float32, one sequence.
      for (const shape of decodeShapes(config)) {
        const pt =
          usePeers && shape.batch === 1
            ? best(
                opts.repeat,
                () => torch.run('decode', [config, String(shape.prompt), String(shape.newTokens)]),
                (r) => r.tokens_per_s as number,
              )
            : null;
        // llama.cpp: float32, and the better of its two 16-bit types for prefill and for decode.
        const lc =
          usePeers && llama.available && config === 'qwen0.5b' && shape.batch === 1
            ? (['f32', 'f16', 'bf16'] as const).map((d) =>
                llama.run(d, shape.prompt, shape.newTokens, Math.max(3, opts.repeat)),
              )
            : [null, null, null];
        const lc16 = (key: keyof LlamaCppFigures): number | null =>
          lc[1] || lc[2] ? Math.max(lc[1]?.[key] ?? 0, lc[2]?.[key] ?? 0) : null;
        let f32TokensPerS: number | undefined;
        for (const dtype of ['f32', 'bf16'] as const) {
          const ours = best(
            opts.repeat,
            () =>
              cli('decode', [
                '--config',
                config,
                '--dtype',
                dtype,
                '--prompt',
                String(shape.prompt),
                '--new-tokens',
                String(shape.newTokens),
                '--batch',
                String(shape.batch),
              ]),
            (r) => r.tokens_per_s,
          );
          if (dtype === 'f32') f32TokensPerS = ours?.tokens_per_s;
          // llama.cpp's row beside ours: its F32 beside f32, its better 16-bit type beside bf16.
          const peerFigure = (key: keyof LlamaCppFigures): number | null =>
            dtype === 'f32' ? (lc[0]?.[key] ?? null) : lc16(key);
          const llamaDecode = peerFigure('decode_tokens_per_s');
          const llamaPrefill = peerFigure('prefill_tokens_per_s');
          const llamaDepth = (dtype === 'f32' ? lc[0] : (lc[2] ?? lc[1]))?.decode_depth ?? null;
          const w: Workload = {
            kind: 'decode',
            name: `${config} ${dtype} prompt ${shape.prompt} +${shape.newTokens} batch ${shape.batch}`,
            figures: {
              tokens_per_s: ours?.tokens_per_s ?? null,
              prefill_tokens_per_s: ours?.prefill_tokens_per_s ?? null,
              time_to_first_token_ms: ours?.time_to_first_token_ms ?? null,
              peak_rss_mb: ours?.peak_rss_mb ?? null,
              // of a decoding step's wall time, the JavaScript between the native kernels
              host_ms_per_step: ours?.host_ms_per_step ?? null,
              // the kernel table (and the bf16 path) the run used; cli() types its numbers only
              kernels: ((ours as Record<string, unknown> | null)?.kernels as string | undefined) ?? null,
              torch_tokens_per_s: dtype === 'f32' ? ((pt?.tokens_per_s as number) ?? null) : null,
              torch_time_to_first_token_ms: dtype === 'f32' ? ((pt?.time_to_first_token_ms as number) ?? null) : null,
              torch_peak_rss_mb: dtype === 'f32' ? ((pt?.peak_rss_mb as number) ?? null) : null,
              llama_cpp_tokens_per_s: llamaDecode,
              llama_cpp_prefill_tokens_per_s: llamaPrefill,
              // context llama.cpp decoded after: the prompt, as ours, or 0 (its llama-bench has no -d)
              llama_cpp_decode_depth: llamaDepth,
              // What the ceilings bound (withCeilings): bytes a decoding step of one sequence reads,
              // flops a prompt token costs.
              bytes_per_token:
                shape.batch === 1
                  ? decodeBytesPerToken(model, dtype === 'bf16' ? 2 : 4, shape.prompt + shape.newTokens / 2)
                  : null,
              prefill_flops_per_token: prefillFlopsPerToken(model, shape.prompt),
              bf16_products: dtype === 'bf16' && String(ours?.kernels ?? '').includes('vdpbf16ps') ? 1 : 0,
            },
            ratios: {
              ...(dtype === 'f32'
                ? { vs_torch: ratio(ours?.tokens_per_s, pt?.tokens_per_s as number) }
                : { vs_f32: ratio(ours?.tokens_per_s, f32TokensPerS) }),
              ...(lc[0] || lc[1] || lc[2]
                ? {
                    vs_llama_cpp: ratio(ours?.tokens_per_s, llamaDecode),
                    prefill_vs_llama_cpp: ratio(ours?.prefill_tokens_per_s, llamaPrefill),
                  }
                : {}),
            },
          };
          log(
            `decode ${w.name} (${w.figures.kernels ?? '?'}): ${fmt(w.figures.tokens_per_s)} tokens/s, prefill ${fmt(w.figures.prefill_tokens_per_s, 0)} tokens/s, peak RSS ${fmt(w.figures.peak_rss_mb, 0)} MB, host ${fmt(w.figures.host_ms_per_step, 2)} ms a step`,
          );
          workloads.push(w);
        }
      }
    }
  }
  blas.dispose();
  const ceilingsAfter = measureCeilings(backend.kernels, threads);
  if (ceilingsAfter) log(`ceilings after: ${describeCeilings(ceilingsAfter)}`);
  const ceilings = bestCeilings(ceilingsBefore, ceilingsAfter);
  if (ceilings) for (const w of workloads) withCeilings(w, ceilings);

  const report = {
    date: new Date().toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.availableParallelism(),
      loadavg: os.loadavg(),
      ceilings: { before: ceilingsBefore, after: ceilingsAfter },
    },
    backend,
    peers: {
      torch: torch.available ? torch.version : null,
      openblas: blas.available,
      llama_cpp: llama.available ? llama.source : null,
    },
    note: 'best of --repeat runs per figure; the machine may be shared with other processes (see loadavg)',
    workloads,
  };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = report.date.replace(/[:.]/g, '-');
  fs.writeFileSync(path.join(RESULTS_DIR, `bench-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  const md = markdown(
    report.workloads,
    `${describeBackend(backend)}; torch ${report.peers.torch ?? 'absent'}; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}${ceilings ? `\n\nceilings (best of before and after): ${describeCeilings(ceilings)}` : ''}`,
  );
  fs.writeFileSync(path.join(RESULTS_DIR, `bench-${stamp}.md`), md);
  process.stdout.write(md);
  log(`wrote ${path.relative(ROOT, path.join(RESULTS_DIR, `bench-${stamp}.json`))} and .md`);
}

function describeCeilings(c: Ceilings): string {
  const dot = c.bf16_dot_gflops ? `, vdpbf16ps ${fmt(c.bf16_dot_gflops, 0)} GFLOP/s` : '';
  return `table ${c.isa}, ${c.threads} threads: FMA ${fmt(c.fma_gflops, 0)} GFLOP/s${dot}, memory read ${fmt(c.read_gb_per_s)} GB/s`;
}

/** The higher of each ceiling measured before and after the workloads. */
function bestCeilings(a: Ceilings | null, b: Ceilings | null): Ceilings | null {
  if (!a || !b) return a ?? b;
  const dot = Math.max(a.bf16_dot_gflops ?? 0, b.bf16_dot_gflops ?? 0);
  return {
    ...a,
    fma_gflops: Math.max(a.fma_gflops, b.fma_gflops),
    bf16_dot_gflops: dot || null,
    read_gb_per_s: Math.max(a.read_gb_per_s, b.read_gb_per_s),
  };
}

/**
 * Adds each workload's ceiling in tokens/s and its fraction of it: decoding one sequence against
 * reading its bytes a token, prefill and training against the multiply-add rate of the products
 * they run (vdpbf16ps for bf16 products where the run used it).
 */
function withCeilings(w: Workload, c: Ceilings): void {
  const f = w.figures;
  const flopRate = (f.bf16_products === 1 && c.bf16_dot_gflops ? c.bf16_dot_gflops : c.fma_gflops) * 1e9;
  const ceiling = (perSecond: number, cost: unknown): number | null =>
    typeof cost === 'number' && cost > 0 ? perSecond / cost : null;
  if (w.kind === 'train') {
    f.flops_ceiling_tokens_per_s = ceiling(flopRate, f.flops_per_token);
    w.ratios.of_flops_ceiling = ratio(f.tokens_per_s as number, f.flops_ceiling_tokens_per_s);
  }
  if (w.kind === 'decode') {
    f.read_ceiling_tokens_per_s = ceiling(c.read_gb_per_s * 1e9, f.bytes_per_token);
    w.ratios.of_read_ceiling = ratio(f.tokens_per_s as number, f.read_ceiling_tokens_per_s);
    f.prefill_ceiling_tokens_per_s = ceiling(flopRate, f.prefill_flops_per_token);
    w.ratios.prefill_of_flops_ceiling = ratio(f.prefill_tokens_per_s as number, f.prefill_ceiling_tokens_per_s);
    w.ratios.llama_cpp_of_ceiling = ratio(f.llama_cpp_tokens_per_s as number, f.read_ceiling_tokens_per_s);
    w.ratios.llama_cpp_prefill_of_ceiling = ratio(
      f.llama_cpp_prefill_tokens_per_s as number,
      f.prefill_ceiling_tokens_per_s,
    );
  }
}

/** ", 62% of its ceiling (57 tok/s)" for a fraction and the ceiling it is of. */
function ofCeiling(fraction: number | null | undefined, ceiling: unknown, what: string): string {
  return fraction && typeof ceiling === 'number'
    ? `, ${(fraction * 100).toFixed(0)}% of the ${what} ceiling (${fmt(ceiling, 0)} tok/s)`
    : '';
}

function markdown(workloads: Workload[], header: string): string {
  const rows = workloads.map((w) => {
    const f = w.figures;
    if (w.kind === 'matmul')
      return `| matmul ${w.name} | ${fmt(f.gflops)} GFLOP/s | OpenBLAS ${fmt(f.openblas_gflops)}, torch ${fmt(f.torch_gflops)} | ${times(w.ratios.vs_openblas)} OpenBLAS |`;
    if (w.kind === 'kernel')
      return `| ${w.name} | ${fmt(f.ms, 2)} ms${f.gb_per_s ? `, ${fmt(f.gb_per_s)} GB/s` : ''}${f.gflops ? `, ${fmt(f.gflops)} GFLOP/s` : ''} | | |`;
    const flops = ofCeiling(w.ratios.of_flops_ceiling, f.flops_ceiling_tokens_per_s, 'flops');
    if (w.kind === 'train' && w.ratios.vs_f32 !== undefined)
      return `| train ${w.name} | ${fmt(f.tokens_per_s, 0)} tok/s, peak RSS ${fmt(f.peak_rss_mb, 0)} MB (step ${fmt(f.step_ms, 0)} ms) | (float32 above) | ${times(w.ratios.vs_f32)} f32 (steps in turns; ${times(w.ratios.vs_f32_separate_runs)} across runs)${flops} |`;
    if (w.kind === 'train')
      return `| train ${w.name} | ${fmt(f.tokens_per_s, 0)} tok/s, peak RSS ${fmt(f.peak_rss_mb, 0)} MB (step ${fmt(f.step_ms, 0)} ms; ${fmt(f.step_ms_without_buffer_pool, 0)} ms without buffer pool) | torch ${fmt(f.torch_tokens_per_s, 0)} tok/s, ${fmt(f.torch_peak_rss_mb, 0)} MB | ${times(w.ratios.vs_torch)} torch${flops} |`;
    const ours = `${fmt(f.tokens_per_s)} tok/s, prefill ${fmt(f.prefill_tokens_per_s, 0)} tok/s (first token ${fmt(f.time_to_first_token_ms, 0)} ms), peak RSS ${fmt(f.peak_rss_mb, 0)} MB, kernels ${f.kernels ?? '?'}`;
    const llamaCpp =
      w.ratios.vs_llama_cpp !== undefined
        ? `; llama.cpp ${w.ratios.vs_f32 !== undefined ? 'best 16-bit' : 'F32'} ${fmt(f.llama_cpp_tokens_per_s)} tok/s (after ${fmt(f.llama_cpp_decode_depth, 0)} tokens), prefill ${fmt(f.llama_cpp_prefill_tokens_per_s, 0)} tok/s`
        : '';
    const llamaRatio =
      (w.ratios.vs_llama_cpp !== undefined
        ? `, ${times(w.ratios.vs_llama_cpp)} llama.cpp (prefill ${times(w.ratios.prefill_vs_llama_cpp)})`
        : '') +
      ofCeiling(w.ratios.of_read_ceiling, f.read_ceiling_tokens_per_s, 'read') +
      ofCeiling(w.ratios.prefill_of_flops_ceiling, f.prefill_ceiling_tokens_per_s, 'prefill flops');
    if (w.ratios.vs_f32 !== undefined)
      return `| decode ${w.name} | ${ours} | (float32 weights above)${llamaCpp} | ${times(w.ratios.vs_f32)} f32${llamaRatio} |`;
    return `| decode ${w.name} | ${ours} | torch ${fmt(f.torch_tokens_per_s)} tok/s, first token ${fmt(f.torch_time_to_first_token_ms, 0)} ms, ${fmt(f.torch_peak_rss_mb, 0)} MB${llamaCpp} | ${times(w.ratios.vs_torch)} torch${llamaRatio} |`;
  });
  return [`${header}\n`, '| workload | mixdistill | peers | ratio |', '|---|---|---|---|', ...rows, ''].join('\n');
}

await main();
