// `train --data FILE[:weight]...` -> tokenised examples, with counts of what was skipped and why.
import { MixdistillError } from '@mixdistill/core';
import { mixRecords, type MixResult } from '../mix/mix';
import type { SourceSpec } from '../mix/source_spec';
import { applyCutoff, type CutoffPolicy } from './cutoff';
import { parseRecord, RecordError, type FieldOptions, type SftFormat } from './formats';
import { BadLineSink, readJsonl, type BadLine, type JsonlRecord } from './jsonl';
import { tokenizeExample, type ChatTokenizer, type TokenizeOptions, type TokenizedExample } from './tokenize';

/** How to read and prepare the training data. */
export interface DataOptions extends FieldOptions, TokenizeOptions {
  /** record shape, or auto per line (`--format`) */
  format: SftFormat;
  /** count bad lines and go on instead of stopping (`--skip-bad-lines`) */
  skipBadLines: boolean;
  /** maximum tokens per example (`--cutoff-len`), null for none */
  cutoffLen: number | null;
  /** what happens to longer examples (`--cutoff-policy`) */
  cutoffPolicy: CutoffPolicy;
  /** seed of on-the-fly mixing (`--seed`) */
  seed: number;
  /** mix size (`--mix-size`) */
  mixSize?: number;
  /** pair mixed sources on this field (`--mix-by`) */
  mixBy?: string;
  /**
   * The model's vocabulary size: token ids and labels at or above it are bad lines, found when the
   * data is read rather than as a crash in the middle of the run.
   */
  vocabSize?: number;
}

/** Examples ready for batching and what happened on the way. */
export interface TrainingData {
  examples: TokenizedExample[];
  /** lines skipped with --skip-bad-lines */
  badLines: BadLine[];
  /** examples left out by the cutoff (over-long with drop, or no target token left after truncation) */
  dropped: number;
  /** examples cut to --cutoff-len */
  truncated: number;
  /** set when the sources were mixed by weight */
  mix: MixResult | null;
}

/**
 * Reads, (mixes,) validates and tokenises. Several files without weights are concatenated; with
 * weights they are mixed by `mixRecords`, the same rules as `mixdistill mix`.
 */
export function loadTrainingData(
  sources: readonly SourceSpec[],
  tokenizer: ChatTokenizer | null | (() => ChatTokenizer | null),
  opts: DataOptions,
): TrainingData {
  // A getter lets pre-tokenized data train without ever reading tokenizer.json (which may be absent or broken).
  const getTokenizer = typeof tokenizer === 'function' ? tokenizer : () => tokenizer;
  if (sources.length === 0) throw new MixdistillError('give at least one --data file');
  const weighted = sources.filter((s) => s.weight !== null).length;
  if (weighted > 0 && weighted < sources.length) {
    throw new MixdistillError('--data: give a weight to every file (FILE:weight) or to none');
  }
  const sink = new BadLineSink(opts.skipBadLines);
  // Validate every line first, so a bad line stops training before the first step (or is counted).
  const valid = sources.map((s) => {
    const badBefore = sink.bad.length;
    const lines = readJsonl(s.file, sink);
    // Said as such, not as "no training examples left" after all the processing.
    if (lines.length === 0 && sink.bad.length === badBefore)
      throw new MixdistillError(`${s.file} is empty (no JSONL lines)`);
    return lines.filter((r) => check(r, opts, sink));
  });
  let records: JsonlRecord[];
  let mix: MixResult | null = null;
  if (weighted > 0) {
    mix = mixRecords(
      sources.map((s, i) => ({ file: s.file, weight: s.weight!, records: valid[i] })),
      { seed: opts.seed, size: opts.mixSize, by: opts.mixBy },
    );
    records = mix.records;
  } else {
    records = valid.flat();
  }
  const examples: TokenizedExample[] = [];
  let dropped = 0;
  let truncated = 0;
  for (const r of records) {
    const ex = parseRecord(r, opts.format, opts);
    const tok = ex.kind === 'chat' ? getTokenizer() : null;
    if (ex.kind === 'chat' && tok === null) {
      throw new MixdistillError(
        `${r.file}:${r.line}: text records need a tokenizer (the model folder has no tokenizer.json; pass --tokenizer DIR)`,
      );
    }
    let tokens: TokenizedExample;
    try {
      tokens = tokenizeExample(ex, tok!, opts);
      // The tokenizer's own ids can exceed the model's embedding table too (a tokenizer of another model).
      if (ex.kind === 'chat') checkVocab(tokens.inputIds, tokens.labels, opts.vocabSize);
    } catch (err) {
      if (err instanceof RecordError) {
        sink.report(r.file, r.line, err.message);
        continue;
      }
      throw err;
    }
    const cut = applyCutoff(tokens, opts.cutoffLen, opts.cutoffPolicy);
    if (cut === null) dropped++;
    else {
      if (cut !== tokens) truncated++;
      examples.push(cut);
    }
  }
  if (examples.length === 0) {
    throw new MixdistillError(
      `no training examples left (${sink.bad.length} bad lines, ${dropped} dropped by --cutoff-len)`,
    );
  }
  return { examples, badLines: sink.bad, dropped, truncated, mix };
}

function check(r: JsonlRecord, opts: DataOptions, sink: BadLineSink): boolean {
  try {
    const ex = parseRecord(r, opts.format, opts);
    if (ex.kind === 'tokens') checkVocab(ex.inputIds, ex.labels, opts.vocabSize);
    return true;
  } catch (err) {
    if (!(err instanceof RecordError)) throw err;
    sink.report(r.file, r.line, err.message);
    return false;
  }
}

/** Throws RecordError for an id the model's embedding (input) or output layer (label) does not have. */
function checkVocab(inputIds: readonly number[], labels: readonly number[], vocabSize: number | undefined): void {
  if (vocabSize === undefined) return;
  const badInput = inputIds.findIndex((t) => t >= vocabSize);
  if (badInput >= 0)
    throw new RecordError(
      `"input_ids"[${badInput}] is ${inputIds[badInput]}, outside the model's vocabulary (vocab_size ${vocabSize})`,
    );
  const badLabel = labels.findIndex((t) => t >= vocabSize);
  if (badLabel >= 0)
    throw new RecordError(
      `"labels"[${badLabel}] is ${labels[badLabel]}, outside the model's vocabulary (vocab_size ${vocabSize})`,
    );
}
