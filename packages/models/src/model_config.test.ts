import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MixdistillError } from '@mixdistill/core';
import { describe, expect, it } from 'vitest';
import { modelConfigJson, parseModelConfig } from './model_config';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures');
const fixtureConfig = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'config.json'), 'utf8'));

describe('parseModelConfig', () => {
  it('maps Qwen2: q/k/v biases, no o or MLP bias, head_dim from hidden / heads', () => {
    const config = parseModelConfig(fixtureConfig('tiny-qwen2'), 'config.json');
    expect(config).toMatchObject({
      modelType: 'qwen2',
      hiddenSize: 64,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
      headDim: 16,
      qkvBias: true,
      outputBias: false,
      mlpBias: false,
      ropeTheta: 1e6,
      ropeScaling: null,
      tieWordEmbeddings: true,
      eosTokenIds: [2],
    });
  });

  it('maps Llama 3: llama3 rope scaling and attention_bias/mlp_bias', () => {
    const config = parseModelConfig(fixtureConfig('tiny-llama3'), 'config.json');
    expect(config.ropeScaling).toEqual({
      type: 'llama3',
      factor: 32,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 8192,
    });
    expect(config.headDim).toBe(16);
    const biased = parseModelConfig(
      { ...fixtureConfig('tiny-llama3'), attention_bias: true, eos_token_id: [128001, 128009] },
      'c.json',
    );
    expect(biased).toMatchObject({ qkvBias: true, outputBias: true, mlpBias: false, eosTokenIds: [128001, 128009] });
  });

  it('round-trips through config.json', () => {
    for (const name of ['tiny-qwen2', 'tiny-llama3', 'tiny-llama-untied-f16']) {
      const config = parseModelConfig(fixtureConfig(name), 'config.json');
      expect(parseModelConfig(modelConfigJson(config), 'saved.json')).toEqual(config);
    }
  });

  it('names the file and the field of a missing or bad value', () => {
    const { hidden_size: _, ...noHidden } = fixtureConfig('tiny-qwen2');
    expect(() => parseModelConfig(noHidden, 'm/config.json')).toThrow(
      new MixdistillError('m/config.json: field "hidden_size" must be a positive integer; it is missing'),
    );
    expect(() => parseModelConfig({ ...fixtureConfig('tiny-qwen2'), num_key_value_heads: 3 }, 'c.json')).toThrow(
      /"num_key_value_heads" must be a divisor/,
    );
    expect(() => parseModelConfig({ ...fixtureConfig('tiny-qwen2'), hidden_act: 'gelu' }, 'c.json')).toThrow(
      /"hidden_act"/,
    );
  });

  it('rejects unsupported families and rope scalings', () => {
    expect(() => parseModelConfig({ ...fixtureConfig('tiny-qwen2'), model_type: 'gpt2' }, 'c.json')).toThrow(
      /c.json: field "model_type" is "gpt2"; supported: qwen2 \(Qwen2ForCausalLM\), llama \(LlamaForCausalLM\)/,
    );
    expect(() =>
      parseModelConfig({ ...fixtureConfig('tiny-qwen2'), architectures: ['LlamaForCausalLM'] }, 'c.json'),
    ).toThrow(/"architectures"/);
    expect(() =>
      parseModelConfig({ ...fixtureConfig('tiny-llama3'), rope_scaling: { rope_type: 'yarn', factor: 4 } }, 'c.json'),
    ).toThrow(/rope_scaling.rope_type" is "yarn"/);
    expect(() => parseModelConfig([], 'c.json')).toThrow(MixdistillError);
    expect(() => parseModelConfig({ ...fixtureConfig('tiny-qwen2'), use_sliding_window: true }, 'c.json')).toThrow(
      /"use_sliding_window" must be false/,
    );
  });
});
