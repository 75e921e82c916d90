// The GPU check (benchmarks/gpu/check.sh runs this bundled): on a machine with a GPU and cuBLAS it
// runs, on the `cuda` backend, every kernel case against the cpu backend, the golden fixtures
// (logits and gradients), one training step each full / LoRA / checkpointed with their fallback
// counts, a short generation compared with cpu, a Qwen2.5-0.5B-shaped step timing, and saves a
// random-init checkpoint with its logits for compare_transformers.py. Each stage writes
// report.json and report.md to --out at once, so a run cut short still leaves what it measured.
//
//   node check.mjs --out DIR [--fixtures DIR] [--fake] [--bench-layers N] [--bench-seq N] [--only PREFIX,...]
//
// --fake runs the same stages on the host-memory fake addon (no GPU needed; small shapes), to
// test this script and the backend's TypeScript before a GPU session.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_CONFIGS } from '@mixdistill/benchmarks';
import {
  Checkpoint,
  compareWithCpu,
  crossEntropySum,
  precisionFromEnv,
  IGNORE_INDEX,
  fallbackCounts,
  probeCuda,
  registerFakeCudaBackend,
  resetFallbackCounts,
  selectBackend,
  setCudaMathMode,
  tf,
} from '@mixdistill/core';
import { createModel, generate, loadModel, parseModelConfig, saveModel, type CausalLM } from '@mixdistill/models';
import {
  ALL_LORA_TARGETS,
  AdamW,
  collate,
  LoraAdapters,
  trainingForward,
  trainStep,
  type StepResult,
} from '@mixdistill/train';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: process.env.OUT ?? '.tmp/gpu-out' },
    fixtures: { type: 'string', default: 'fixtures' },
    fake: { type: 'boolean', default: false },
    'bench-layers': { type: 'string', default: '24' },
    'bench-seq': { type: 'string', default: '512' },
    /** comma-separated stage-name prefixes to run (e.g. `kernels` for a MIXDISTILL_CUDA_SYNC=1 rerun) */
    only: { type: 'string' },
  },
});

const OUT = path.resolve(args.out!);
const FIXTURES = path.resolve(args.fixtures!);
fs.mkdirSync(OUT, { recursive: true });

interface Stage {
  ok: boolean;
  seconds: number;
  result?: unknown;
  error?: string;
}
const report: {
  started: string;
  node: string;
  target: string;
  fake: boolean;
  probe?: unknown;
  backend?: unknown;
  stages: Record<string, Stage>;
  ok?: boolean;
} = {
  started: new Date().toISOString(),
  node: process.version,
  target: '',
  fake: args.fake === true,
  stages: {},
};

function writeReport(): void {
  fs.writeFileSync(path.join(OUT, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const lines = [
    `# GPU check (${report.fake ? 'fake addon, no GPU' : report.target})`,
    '',
    `started ${report.started}, Node ${report.node}`,
    '',
  ];
  if (report.backend) lines.push('```', JSON.stringify(report.backend), '```', '');
  lines.push('| stage | ok | seconds | summary |', '|---|---|---|---|');
  for (const [name, s] of Object.entries(report.stages)) {
    const summary =
      s.error ??
      (typeof s.result === 'object'
        ? JSON.stringify((s.result as { summary?: unknown }).summary ?? '')
        : String(s.result));
    lines.push(
      `| ${name} | ${s.ok ? 'yes' : '**no**'} | ${s.seconds.toFixed(1)} | ${summary.replace(/\|/g, '/').slice(0, 400)} |`,
    );
  }
  fs.writeFileSync(path.join(OUT, 'report.md'), `${lines.join('\n')}\n`);
}

/** Runs one stage; its result must carry `ok` (false fails the stage) and a short `summary`. */
async function stage(
  name: string,
  fn: () => Promise<{ ok: boolean; summary: unknown; [k: string]: unknown }>,
): Promise<void> {
  if (args.only && !args.only.split(',').some((prefix) => name.startsWith(prefix))) return;
  const t0 = performance.now();
  process.stderr.write(`[gpu-check] ${name}...\n`);
  try {
    const result = await fn();
    report.stages[name] = { ok: result.ok, seconds: (performance.now() - t0) / 1000, result };
  } catch (err) {
    const msg = err instanceof Error ? `${err.message.split('\n')[0]}` : String(err);
    report.stages[name] = { ok: false, seconds: (performance.now() - t0) / 1000, error: msg };
    if (err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  }
  process.stderr.write(
    `[gpu-check] ${name}: ${report.stages[name].ok ? 'ok' : 'FAILED'} (${report.stages[name].seconds.toFixed(1)} s)\n`,
  );
  writeReport();
}

/** Runs fn on `backend` (the target by default) and returns its fallback counts (reset first). */
async function withFallbackCounts<T>(
  fn: () => Promise<T> | T,
  backend = report.target,
): Promise<{ value: T; fallbacks: Record<string, number> }> {
  await tf.setBackend(backend);
  resetFallbackCounts();
  const value = await fn();
  return { value, fallbacks: fallbackCounts() ?? {} };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return a.length === b.length ? m : Infinity;
}

// ---------------------------------------------------------------- backend

const probe = probeCuda();
report.probe = probe;
if (args.fake) {
  report.target = registerFakeCudaBackend('cuda-fake');
} else if (!probe.ok) {
  report.ok = false;
  report.target = 'no GPU';
  report.stages.backend = { ok: false, seconds: 0, error: `no GPU: ${probe.reason}` };
  writeReport();
  process.stderr.write(`[gpu-check] no GPU: ${probe.reason}\n`);
  process.exit(3);
} else {
  report.backend = await selectBackend('cuda');
  report.target = 'cuda';
}
writeReport();

// ---------------------------------------------------------------- kernels

await stage('kernels', async () => {
  const cases = await compareWithCpu(report.target);
  const failed = cases.filter((c) => !c.ok);
  return {
    ok: failed.length === 0,
    summary: `${cases.length - failed.length}/${cases.length} cases match cpu${failed.length ? `; failed: ${failed.map((f) => f.name).join(', ')}` : ''}`,
    cases,
  };
});

// ---------------------------------------------------------------- golden fixtures

for (const fixture of ['tiny-qwen2', 'tiny-llama3']) {
  await stage(`golden ${fixture}`, async () => {
    await tf.setBackend(report.target);
    const dir = path.join(FIXTURES, fixture);
    const golden = Checkpoint.open(path.join(dir, 'golden.safetensors'));
    const { model } = loadModel(dir);
    try {
      const shape = golden.entries().find((e) => e.name === 'input_ids')!.shape;
      const ids = tf.tensor(golden.readInt32('input_ids'), shape, 'int32');
      // The project's label convention: next-token targets shifted on the host, -100 at each row's end.
      const [rows, seq] = shape;
      const labelValues = golden.readInt32('labels');
      const shifted = new Int32Array(rows * seq).fill(IGNORE_INDEX);
      for (let r = 0; r < rows; r++)
        for (let t = 0; t + 1 < seq; t++) shifted[r * seq + t] = labelValues[r * seq + t + 1];
      const targets = tf.tensor1d(shifted, 'int32');
      const count = shifted.filter((t) => t !== IGNORE_INDEX).length;
      const logits = model.forward(ids);
      const logitsDiff = maxAbsDiff(logits.dataSync(), golden.readFloat32('logits'));
      logits.dispose();
      const { value, grads } = tf.variableGrads(() => {
        const out = model.forward(ids); // [b, s, vocab]
        return tf.div(crossEntropySum(tf.reshape(out, [-1, out.shape[2]!]), targets), count) as tf.Scalar;
      }, [...model.params.values()]);
      const byVariable = new Map([...model.params].map(([name, v]) => [v.name, name]));
      let worstGrad = 0,
        worstName = '';
      for (const [varName, grad] of Object.entries(grads)) {
        const name = byVariable.get(varName)!;
        const expected = golden.readFloat32(`grad.${name}`);
        let maxAbs = 0;
        for (const e of expected) maxAbs = Math.max(maxAbs, Math.abs(e));
        const rel = maxAbsDiff(grad.dataSync(), expected) / Math.max(maxAbs, 1e-30);
        if (!(rel <= worstGrad)) [worstGrad, worstName] = [rel, name];
      }
      const loss = value.dataSync()[0];
      tf.dispose([ids, targets, value, ...Object.values(grads)]);
      return {
        ok: logitsDiff <= 1e-4 && worstGrad <= 1e-4,
        summary: `logits max abs diff ${logitsDiff.toExponential(2)}, worst grad rel diff ${worstGrad.toExponential(2)} (${worstName}), loss ${loss}`,
        logitsDiff,
        worstGrad,
        worstName,
        loss,
      };
    } finally {
      golden.close();
      model.dispose();
    }
  });
}

// ---------------------------------------------------------------- training steps

/** Two micro-batches (the golden batch's rows) per step, through the trainer's own trainStep. */
async function trainSteps(mode: 'full' | 'lora' | 'checkpointed', backend = report.target) {
  await tf.setBackend(backend);
  const dir = path.join(FIXTURES, 'tiny-qwen2');
  const golden = Checkpoint.open(path.join(dir, 'golden.safetensors'));
  const { model } = loadModel(dir);
  const lora =
    mode === 'lora' ? new LoraAdapters(model, { rank: 4, alpha: 8, dropout: 0.1, targets: ALL_LORA_TARGETS }, 0) : null;
  if (lora) model.setLinearAdapter(lora.adapter);
  try {
    const [rows, seq] = golden.entries().find((e) => e.name === 'input_ids')!.shape;
    const ids = golden.readInt32('input_ids'),
      labels = golden.readInt32('labels');
    const micro = Array.from({ length: rows }, (_, r) =>
      collate(
        [
          [
            {
              inputIds: Array.from(ids.subarray(r * seq, (r + 1) * seq)),
              labels: Array.from(labels.subarray(r * seq, (r + 1) * seq)),
            },
          ],
        ],
        0,
        false,
      ),
    );
    const trainable = lora ? lora.trainable() : model.params;
    const optimizer = new AdamW(trainable, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 });
    const forward = trainingForward(model, mode === 'checkpointed', (i) => {
      const names = model.layerParamNames(i);
      return lora ? lora.variablesOf(names) : names.map((n) => model.params.get(n)!);
    });
    const { value: steps, fallbacks } = await withFallbackCounts(() => {
      const done: StepResult[] = [];
      for (let step = 0; step < 2; step++) {
        done.push(
          trainStep(forward, micro, optimizer, {
            lr: 1e-3,
            maxGradNorm: 1,
            beforeMicroBatch: (m) => {
              if (lora) lora.dropoutSeed = step * 16 + m;
            },
          }),
        );
      }
      return done;
    }, backend);
    const value = steps.map((s) => s.loss);
    optimizer.dispose();
    const total = Object.values(fallbacks).reduce((a, b) => a + b, 0);
    return {
      ok: total === 0 && value.every(Number.isFinite),
      summary: `losses ${value.map((l) => l.toFixed(5)).join(', ')}, grad norms ${steps.map((s) => s.gradNorm.toFixed(4)).join(', ')}; fallbacks ${total} ${JSON.stringify(fallbacks)}`,
      losses: value,
      gradNorms: steps.map((s) => s.gradNorm),
      fallbacks,
    };
  } finally {
    golden.close();
    lora?.dispose();
    model.dispose();
  }
}

for (const mode of ['full', 'lora', 'checkpointed'] as const) await stage(`train step ${mode}`, () => trainSteps(mode));

// ---------------------------------------------------------------- generation

await stage('generate', async () => {
  const dir = path.join(FIXTURES, 'tiny-qwen2');
  const prompts = [
    [1, 2, 3, 4, 5],
    [7, 8],
  ];
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const { model } = loadModel(dir);
    try {
      return (await generate(model, prompts, { maxNewTokens: 8 })).map((r) => r.tokens);
    } finally {
      model.dispose();
    }
  };
  const want = await run('cpu');
  const { value: got, fallbacks } = await withFallbackCounts(() => run(report.target));
  const total = Object.values(fallbacks).reduce((a, b) => a + b, 0);
  const same = JSON.stringify(got) === JSON.stringify(want);
  return {
    ok: same && total === 0,
    summary: `greedy tokens ${same ? 'equal cpu' : `differ: ${JSON.stringify(got)} vs cpu ${JSON.stringify(want)}`}; fallbacks ${total} ${JSON.stringify(fallbacks)}`,
    got,
    want,
    fallbacks,
  };
});

// ---------------------------------------------------------------- bf16 matrix products
// `--precision bf16`: the golden logits move by bf16 rounding (reported, loosely bounded), and a
// full training step still runs with zero fallbacks and finite losses. On the fake addon a second
// fake backend in bf16 mode stands in for switching the device's mode.

await stage('bf16 golden + train step', async () => {
  const backend = args.fake ? registerFakeCudaBackend('cuda-fake-bf16', 'bf16') : report.target;
  if (!args.fake) setCudaMathMode('bf16');
  try {
    await tf.setBackend(backend);
    const dir = path.join(FIXTURES, 'tiny-qwen2');
    const golden = Checkpoint.open(path.join(dir, 'golden.safetensors'));
    const { model } = loadModel(dir);
    let logitsDiff: number;
    try {
      const shape = golden.entries().find((e) => e.name === 'input_ids')!.shape;
      const ids = tf.tensor(golden.readInt32('input_ids'), shape, 'int32');
      const logits = model.forward(ids);
      logitsDiff = maxAbsDiff(logits.dataSync(), golden.readFloat32('logits'));
      tf.dispose([ids, logits]);
    } finally {
      golden.close();
      model.dispose();
    }
    const step = await trainSteps('full', backend);
    return {
      ok: step.ok && logitsDiff < 0.1,
      summary: `logits max abs diff ${logitsDiff.toExponential(2)} (bf16 operands); ${String(step.summary)}`,
      logitsDiff,
      losses: step.losses,
    };
  } finally {
    if (!args.fake) setCudaMathMode(precisionFromEnv());
  }
});

// ---------------------------------------------------------------- Qwen2.5-0.5B-shaped checkpoint, logits and step timing
// One random-init model serves both (creating 494M parameters in JS takes tens of seconds): its
// checkpoint and logits are saved first, for compare_transformers.py, then it trains 3 steps.

function qwenShaped(layers: number): CausalLM {
  const json = { ...BENCH_CONFIGS['qwen0.5b'].config, num_hidden_layers: layers };
  return createModel(parseModelConfig(json, 'Qwen2.5-0.5B-shaped config'), { seed: 0 });
}

let big: CausalLM | undefined;
await stage('save checkpoint for transformers', async () => {
  await tf.setBackend(report.target);
  const t0 = performance.now();
  const model = args.fake
    ? loadModel(path.join(FIXTURES, 'tiny-qwen2')).model
    : qwenShaped(Number(args['bench-layers']));
  big = model;
  const createSeconds = (performance.now() - t0) / 1000;
  const dir = path.join(OUT, 'hf');
  saveModel(dir, model);
  const seq = 32;
  const ids = Array.from({ length: seq }, (_, i) => (i * 104729 + 17) % model.config.vocabSize);
  const input = tf.tensor2d([ids], [1, seq], 'int32');
  const logits = model.forward(input);
  const values = logits.dataSync() as Float32Array;
  fs.writeFileSync(
    path.join(dir, 'mixdistill_logits.f32'),
    Buffer.from(values.buffer, values.byteOffset, values.byteLength),
  );
  fs.writeFileSync(
    path.join(dir, 'mixdistill_input.json'),
    JSON.stringify({ input_ids: [ids], logits_shape: logits.shape }),
  );
  tf.dispose([input, logits]);
  return {
    ok: true,
    summary: `saved ${dir} (${model.config.numHiddenLayers} layers, created in ${createSeconds.toFixed(0)} s) and logits [${[1, seq, model.config.vocabSize]}]`,
  };
});

if (big) {
  const model = big;
  // Both precisions of the issue-14 comparison (check.sh times torch_reference.py on the same step
  // beside it). The fake addon has one mode, so there both stages run its float32.
  for (const precision of ['fp32', 'bf16'] as const) {
    await stage(`bench qwen0.5b step ${precision}`, async () => {
      await tf.setBackend(report.target);
      if (!args.fake) setCudaMathMode(precision);
      try {
        return await benchStep(model);
      } finally {
        if (!args.fake) setCudaMathMode(precisionFromEnv());
      }
    });
  }
}
big?.dispose();

/** Three full training steps of `model` at seq --bench-seq; the mean of the last two is timed. */
async function benchStep(model: CausalLM): Promise<Record<string, unknown> & { ok: boolean; summary: string }> {
  const seq = args.fake ? 32 : Number(args['bench-seq']); // the fake computes in JavaScript
  const optimizer = new AdamW(model.params, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  const ids = Array.from({ length: seq }, (_, i) => (i * 7919) % model.config.vocabSize);
  const batch = collate([[{ inputIds: ids, labels: ids }]], 0, false);
  const times: number[] = [];
  const { fallbacks } = await withFallbackCounts(() => {
    for (let step = 0; step < 3; step++) {
      const t0 = performance.now();
      trainStep(model, [batch], optimizer, { lr: 1e-5, maxGradNorm: 1 });
      times.push((performance.now() - t0) / 1000);
    }
  });
  optimizer.dispose();
  const timed = times.slice(1);
  const s = timed.reduce((a, b) => a + b, 0) / timed.length;
  const mem = tf.memory() as unknown as { numBytesInGPU?: number; peakBytesInGPU?: number };
  return {
    ok: true,
    summary: `${model.config.numHiddenLayers} layers, seq ${seq}: ${s.toFixed(3)} s/step, ${(seq / s).toFixed(0)} tokens/s (steps ${times.map((t) => t.toFixed(3)).join(', ')} s); peak device ${((mem.peakBytesInGPU ?? 0) / 2 ** 30).toFixed(2)} GiB; fallbacks ${JSON.stringify(fallbacks)}`,
    layers: model.config.numHiddenLayers,
    seq,
    tokensPerS: seq / s,
    times,
    fallbacks,
  };
}

report.ok = Object.values(report.stages).every((s) => s.ok);
writeReport();
process.stderr.write(`[gpu-check] ${report.ok ? 'all stages passed' : 'some stages FAILED'}; report in ${OUT}\n`);
process.exit(report.ok ? 0 : 1);
