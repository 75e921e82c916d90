// Issue #17 items 1, 2 and the small ones: token ids checked when data is read, a run folder that knows
// whose it is, Ctrl-C that saves and says how to resume, stale temporaries, empty --out removed
// after a failure, the model's own dtype kept, an empty data file named as such.
import fs from 'node:fs';
import path from 'node:path';
import { MixdistillError } from '@mixdistill/core';
import { describe, expect, it } from 'vitest';
import { goldenConfig, readMetrics, silent } from '../test/golden_run';
import { tempDir, writeJsonl } from '../test/helpers';
import { TrainInterrupted } from './interrupt';
import { train } from './train';

/** A writable stream that collects what train() prints. */
function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const write = (s: string) => {
    text += s;
    return true;
  };
  const stream = { write } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

const tokens = (ids: number[]) => ({ input_ids: ids, labels: ids });

describe('token ids against the vocabulary (tiny-qwen2 has 448)', () => {
  it('names file:line before the first step, and --skip-bad-lines skips the line', async () => {
    const dir = tempDir();
    const data = writeJsonl(dir, 'oov.jsonl', [tokens([1, 2, 3, 5]), tokens([1, 2, 99999, 5])]);
    const labels = writeJsonl(dir, 'label.jsonl', [{ input_ids: [1, 2, 3], labels: [-100, 2, 4480] }]);
    const cfg = goldenConfig('tiny-qwen2', { data: [{ file: data, weight: null }], maxSteps: 1 });
    await expect(train(cfg, { stderr: silent })).rejects.toThrow(
      new MixdistillError(
        `${data}:2: "input_ids"[2] is 99999, outside the model's vocabulary (vocab_size 448) (use --skip-bad-lines to skip such lines)`,
      ),
    );
    await expect(train({ ...cfg, data: [{ file: labels, weight: null }] }, { stderr: silent })).rejects.toThrow(
      /label\.jsonl:1: "labels"\[2\] is 4480, outside/,
    );
    const r = await train({ ...cfg, skipBadLines: true }, { stderr: silent });
    expect(r.data.badLines.map((b) => b.line)).toEqual([2]);
  });

  it('an empty data file is named as empty', async () => {
    const dir = tempDir();
    const empty = path.join(dir, 'empty.jsonl');
    fs.writeFileSync(empty, '\n');
    const cfg = goldenConfig('tiny-qwen2', { data: [{ file: empty, weight: null }] });
    await expect(train(cfg, { stderr: silent })).rejects.toThrow(`${empty} is empty (no JSONL lines)`);
    // The failed run created --out and wrote nothing worth keeping: it is gone again.
    expect(fs.existsSync(cfg.out)).toBe(false);
  });
});

describe('the run folder knows whose it is', () => {
  it('refuses the model folder, a foreign, finished or unfinished run, and --overwrite replaces', async () => {
    const cfg = goldenConfig('tiny-qwen2', { maxSteps: 2, saveSteps: 1 });
    await expect(train({ ...cfg, out: cfg.model }, { stderr: silent })).rejects.toThrow(
      /--out .*tiny-qwen2 is the --model folder/,
    );
    await train(cfg, { stderr: silent });
    await expect(train(cfg, { stderr: silent })).rejects.toThrow(/holds a finished run .*--overwrite/);
    const other = goldenConfig('tiny-llama3', { out: cfg.out, maxSteps: 2 });
    await expect(train(other, { stderr: silent })).rejects.toThrow(
      /belongs to another run \(model .*tiny-llama3|model/,
    );

    // An interrupted run (no final/, a checkpoint): rerunning without --resume is refused, with the hint.
    fs.rmSync(path.join(cfg.out, 'final'), { recursive: true });
    fs.rmSync(path.join(cfg.out, 'checkpoint-2'), { recursive: true });
    const info = JSON.parse(fs.readFileSync(path.join(cfg.out, 'run.json'), 'utf8'));
    fs.writeFileSync(path.join(cfg.out, 'run.json'), JSON.stringify({ ...info, finished: null }));
    await expect(train(cfg, { stderr: silent })).rejects.toThrow(
      /holds an unfinished run of this model and data \(last checkpoint .*checkpoint-1\); add --resume/,
    );
    // A stale temporary of a killed save (pid 0 is never a live training process) is cleaned at start.
    const stale = path.join(cfg.out, '.tmp-checkpoint-2-999999999');
    fs.mkdirSync(stale);
    const log = capture();
    await train({ ...cfg, resume: true }, { stderr: log.stream });
    expect(log.text()).toContain(`resumed from ${path.join(cfg.out, 'checkpoint-1')} (step 1 of 2)`);
    expect(fs.existsSync(stale)).toBe(false);

    const r = await train({ ...cfg, overwrite: true }, { stderr: silent });
    expect(r.stepsRun).toBe(2);
    expect(readMetrics(cfg.out).map((m) => m.step)).toEqual([1, 2]);
  });

  it('refuses a non-empty folder that is not a run', async () => {
    const cfg = goldenConfig('tiny-qwen2', { maxSteps: 1 });
    fs.mkdirSync(cfg.out);
    fs.writeFileSync(path.join(cfg.out, 'notes.txt'), 'mine');
    await expect(train(cfg, { stderr: silent })).rejects.toThrow(/is not empty and holds no training run/);
    expect(fs.readFileSync(path.join(cfg.out, 'notes.txt'), 'utf8')).toBe('mine');
  });
});

describe('SIGINT', () => {
  it('finishes the step, saves a checkpoint and names the command that resumes', async () => {
    const cfg = goldenConfig('tiny-qwen2', { maxSteps: 6 });
    let sent = false;
    const stderr = {
      write: (s: string) => {
        if (!sent && s.includes(' 2/6 ')) {
          sent = true;
          process.emit('SIGINT', 'SIGINT');
        }
        return true;
      },
    } as unknown as NodeJS.WriteStream;
    const err = await train(cfg, { stderr, resumeCommand: 'mixdistill train … --resume' }).catch((e) => e);
    expect(err).toBeInstanceOf(TrainInterrupted);
    expect(err.exitCode).toBe(130);
    expect(err.message).toBe(
      `interrupted after step 2 of 6; checkpoint in ${path.join(cfg.out, 'checkpoint-2')}; to continue run: mixdistill train … --resume`,
    );
    const r = await train({ ...cfg, resume: true }, { stderr: silent });
    expect(r.stepsRun).toBe(4);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });
});

describe('--save-dtype', () => {
  it('final/ keeps the model own dtype (bf16 tiny-llama3) unless told', async () => {
    const cfg = goldenConfig('tiny-llama3', { maxSteps: 1, saveDtype: undefined });
    await train(cfg, { stderr: silent });
    const saved = JSON.parse(fs.readFileSync(path.join(cfg.out, 'final', 'config.json'), 'utf8'));
    const base = JSON.parse(fs.readFileSync(path.join(cfg.model, 'config.json'), 'utf8'));
    expect(saved.torch_dtype).toBe(base.torch_dtype);
    expect(base.torch_dtype).not.toBe('float32');
    const f32 = goldenConfig('tiny-llama3', { maxSteps: 1, saveDtype: 'float32' });
    await train(f32, { stderr: silent });
    expect(JSON.parse(fs.readFileSync(path.join(f32.out, 'final', 'config.json'), 'utf8')).torch_dtype).toBe('float32');
  });
});

describe('the command that resumes', () => {
  it('keeps the arguments, drops --overwrite and an old --resume, adds --resume once', async () => {
    const { resumeCommandLine } = await import('./interrupt');
    expect(
      resumeCommandLine('mixdistill', ['train', '--out', 'a b', '--overwrite', '--resume', 'o/checkpoint-2']),
    ).toBe("mixdistill train --out 'a b' --resume");
  });
});
