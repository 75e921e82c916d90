// Training throughput and peak memory for the exact Qwen2.5-0.5B architecture (random init):
// tokens/s of full optimizer steps (forward, backward, clipping, AdamW) and the process's peak RSS,
// for a full fine-tune and for LoRA rank 8 (all linear layers), batch 1.
//
//   npx tsx benchmarks/src/train_qwen05b.ts [--seq 1024] [--steps 3] [--mode both|full|lora]
//        [--grad-checkpointing] [--backend native|cpu|tensorflow] [--layers N]
//
// Each mode runs in its own process so peak RSS is that mode's alone. The first step is a warm-up
// and is not timed. `--layers` shrinks the depth for a quick smoke run (not the reported config).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng, selectBackend, tf } from '@mixdistill/core';
import { createModel, parseModelConfig } from '@mixdistill/models';
import { ALL_LORA_TARGETS, AdamW, collate, LoraAdapters, trainingForward, trainStep } from '@mixdistill/train';
import { BENCH_CONFIGS } from './configs';

/** Qwen/Qwen2.5-0.5B's shapes (the fields the architecture reads), shared with `mixdistill bench`. */
const QWEN25_05B = BENCH_CONFIGS['qwen0.5b'].config;

const { values: args } = parseArgs({
  options: {
    seq: { type: 'string', default: '1024' },
    steps: { type: 'string', default: '3' },
    mode: { type: 'string', default: 'both' },
    'grad-checkpointing': { type: 'boolean', default: false },
    backend: { type: 'string' },
    layers: { type: 'string' },
  },
});

if (args.mode === 'both') {
  // One child per mode: peak RSS is a per-process number.
  const self = fileURLToPath(import.meta.url);
  const rows: string[] = [];
  for (const mode of ['full', 'lora']) {
    const childArgs = process.argv.slice(2).filter((a, i, all) => a !== '--mode' && all[i - 1] !== '--mode');
    const r = spawnSync(process.execPath, [...process.execArgv, self, ...childArgs, '--mode', mode], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`${mode} run failed (exit ${r.status})`);
    rows.push(r.stdout.trim());
  }
  process.stdout.write(`${rows.join('\n')}\n`);
} else {
  await runMode(args.mode === 'lora' ? 'lora' : 'full');
}

async function runMode(mode: 'full' | 'lora'): Promise<void> {
  const backend = await selectBackend(args.backend);
  const seq = Number(args.seq);
  const steps = Number(args.steps);
  const json = { ...QWEN25_05B, num_hidden_layers: args.layers ? Number(args.layers) : QWEN25_05B.num_hidden_layers };
  const config = parseModelConfig(json, 'Qwen2.5-0.5B config');
  const model = createModel(config, { seed: 0 });
  const lora =
    mode === 'lora' ? new LoraAdapters(model, { rank: 8, alpha: 16, dropout: 0, targets: ALL_LORA_TARGETS }, 0) : null;
  if (lora) model.setLinearAdapter(lora.adapter);
  const trainable = lora ? lora.trainable() : model.params;
  const optimizer = new AdamW(trainable, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  const forward = trainingForward(model, args['grad-checkpointing'] === true, (i) => {
    const names = model.layerParamNames(i);
    return lora ? lora.variablesOf(names) : names.map((n) => model.params.get(n)!);
  });
  const rng = new Rng(1);
  const trainableCount = [...trainable.values()].reduce((a, v) => a + v.size, 0);
  let timedSeconds = 0;
  let timedTokens = 0;
  for (let step = 0; step < steps; step++) {
    const ids = Array.from({ length: seq }, () => rng.int(config.vocabSize));
    const batch = collate([[{ inputIds: ids, labels: ids }]], 0, false);
    const t0 = performance.now();
    const acc = trainStep(forward, [batch], optimizer, { lr: 1e-5, maxGradNorm: 1 });
    const seconds = (performance.now() - t0) / 1000;
    process.stderr.write(
      `${mode} step ${step + 1}/${steps}: ${seconds.toFixed(1)} s, loss ${acc.loss.toFixed(3)}, rss ${(process.memoryUsage().rss / 2 ** 30).toFixed(2)} GiB, tensors ${tf.memory().numTensors}, tensor bytes ${(tf.memory().numBytes / 2 ** 30).toFixed(2)} GiB\n`,
    );
    if (step > 0) {
      timedSeconds += seconds;
      timedTokens += acc.tokens;
    }
  }
  const peakRssGiB = process.resourceUsage().maxRSS / 2 ** 20; // maxRSS is in KiB
  const result = {
    mode,
    backend: `${backend.name} ${backend.version} (${backend.threads} threads)`,
    layers: config.numHiddenLayers,
    seq,
    grad_checkpointing: args['grad-checkpointing'] === true,
    trainable_params: trainableCount,
    timed_steps: Math.max(0, steps - 1),
    tokens_per_s: timedSeconds > 0 ? Number((timedTokens / timedSeconds).toFixed(1)) : null,
    s_per_step: steps > 1 ? Number((timedSeconds / (steps - 1)).toFixed(2)) : null,
    peak_rss_gib: Number(peakRssGiB.toFixed(2)),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
