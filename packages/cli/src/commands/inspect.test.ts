// `mixdistill inspect` end to end (spawned like a user runs it) and its report on the fixtures.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatInspectReport, inspectCheckpoint } from '@mixdistill/models';

const ROOT = resolve(__dirname, '../../../..');
const FIXTURES = join(ROOT, 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'mixdistill-inspect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI through its bin script from the repository root. */
function mixdistill(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'packages/cli/bin/mixdistill.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mixdistill inspect', () => {
  it('--json lists both shards of tiny-llama3 as BF16 with the config shapes', () => {
    const r = mixdistill('inspect', 'fixtures/tiny-llama3', '--json');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const config = report.config;
    expect(config).toMatchObject({
      architecture: 'LlamaForCausalLM',
      modelType: 'llama',
      hiddenSize: 96,
      layers: 3,
      heads: 6,
      kvHeads: 2,
      vocab: 336,
    });
    expect(report.shards).toBe(2);
    expect(report.files).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    const files = new Set(report.tensors.map((t: { file: string }) => t.file));
    expect(files).toEqual(new Set(report.files));
    expect(report.tensors.every((t: { dtype: string }) => t.dtype === 'BF16')).toBe(true);
    const shape = (name: string) => report.tensors.find((t: { name: string }) => t.name === name)?.shape;
    expect(shape('model.embed_tokens.weight')).toEqual([336, 96]);
    expect(shape('model.layers.2.self_attn.q_proj.weight')).toEqual([6 * 16, 96]);
    expect(shape('model.layers.0.self_attn.v_proj.weight')).toEqual([2 * 16, 96]);
    expect(shape('model.layers.1.mlp.down_proj.weight')).toEqual([96, 256]);
    expect(shape('model.norm.weight')).toEqual([96]);
    // Per layer: 2 norms [h], q/o [h,h], k/v [kv*d,h], gate/up/down h*i; plus embeddings and final norm (tied head).
    const perLayer = 2 * 96 + 2 * 96 * 96 + 2 * 32 * 96 + 3 * 96 * 256;
    expect(report.parameters).toBe(336 * 96 + 96 + 3 * perLayer);
    expect(report.bytes).toBe(2 * report.parameters);
    expect(report.indexTotalSize).toBe(report.bytes);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('fails on a malformed file with exit code 1 and one line, no stack trace', () => {
    const bad = join(dir, 'bad.safetensors');
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(4n);
    writeFileSync(bad, Buffer.concat([prefix, Buffer.from('{"a"')]));
    const r = mixdistill('inspect', bad);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(`^mixdistill: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: header is not valid JSON \\(.+\\)\\n$`),
    );
  });
});

describe('inspectCheckpoint / formatInspectReport', () => {
  it('reports a single F16 file with its architecture and totals', () => {
    const report = inspectCheckpoint(join(FIXTURES, 'tiny-llama-untied-f16'));
    expect(report.shards).toBe(1);
    expect(report.files).toEqual(['model.safetensors']);
    expect(report.tensors.find((t) => t.name === 'lm_head.weight')).toEqual({
      name: 'lm_head.weight',
      dtype: 'F16',
      shape: [336, 96],
      bytes: 336 * 96 * 2,
      file: 'model.safetensors',
    });
    const text = formatInspectReport(report);
    expect(text.split('\n')[0]).toMatch(/^name\s+dtype\s+shape\s+bytes$/);
    expect(text).toContain(`${report.tensors.length} tensors, ${report.parameters.toLocaleString('en-US')} parameters`);
    expect(text).toContain('1 shard\n');
    expect(text).toContain(
      'architecture: LlamaForCausalLM (llama), hidden 96, layers 2, heads 6 (kv 2), vocab 336, torch_dtype float16',
    );
  });

  it('reports a bare .safetensors file without config, with mixed dtypes', () => {
    const report = inspectCheckpoint(join(FIXTURES, 'tiny-qwen2', 'golden.safetensors'));
    expect(report.config).toBeNull();
    expect(report.tensors.find((t) => t.name === 'input_ids')).toMatchObject({
      dtype: 'I64',
      shape: [2, 16],
      bytes: 256,
      file: 'golden.safetensors',
    });
  });
});
