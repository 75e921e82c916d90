// An evaluation end to end (what `mixdistill eval` runs): the generator for a local model folder or an
// OpenAI-compatible server, the optional LLM judge, the resumable runner with one progress bar per
// benchmark on stderr, and clean-up of the generator and the CAS worker whatever happens.
import { basename, resolve } from 'node:path';
import { ProgressBar } from '@mixdistill/core';
import type { BenchmarkName } from '../benchmarks/names';
import type { Generator } from '../generate/generator';
import type { WeightDtype } from '@mixdistill/models';
import { createLocalGenerator } from '../generate/local';
import { OpenAIGenerator, type EndpointConnection } from '../generate/openai';
import { DEFAULT_CAS_OPTIONS, stopCas } from '../grade/cas';
import { resolvePrompt } from '../prompts/presets';
import { runEval } from './eval_runner';
import type { EvalResults } from './results';

/** A model behind an OpenAI-compatible server (vLLM, llama.cpp, Ollama). */
export interface EndpointModel {
  /** API root, e.g. http://127.0.0.1:8000/v1 */
  endpoint: string;
  /** model name the server serves (also the name recorded in the results) */
  servedModel: string;
  /** requests in flight */
  concurrency: number;
  /** time-outs, retries and key */
  connection: EndpointConnection;
}

/** A local model folder (the tensor backend must be selected first). */
export interface LocalModel {
  /** config.json, safetensors, tokenizer */
  modelDir: string;
  /** folder of tokenizer.json when `modelDir` has none */
  tokenizerDir?: string;
  /** prompts decoded together */
  batchSize: number;
  /** how the linear and embedding weights are held (default: the checkpoint's) */
  dtype?: WeightDtype;
}

/** Everything an evaluation needs. */
export interface EvaluateOptions {
  model: EndpointModel | LocalModel;
  benchmarks: BenchmarkName[];
  /** folder with `<benchmark>/test.jsonl` */
  dataDir: string;
  /** first N problems of each benchmark (file order) */
  limit?: number;
  /** MATH/MATH-500 filter, e.g. "level=4,5;subject=algebra" */
  subset?: string;
  /** output folder: `<benchmark>.jsonl` records, results.json, results.md; rerun to resume */
  out: string;
  /** prompt preset name or template file with {problem} */
  prompt: string;
  /** most tokens generated per problem */
  maxNewTokens: number;
  /** 0 = greedy (the paper) */
  temperature: number;
  /** nucleus sampling mass */
  topP: number;
  /** stop strings added to the preset's */
  stop: string[];
  /** sampling seed (when temperature > 0) */
  seed: number;
  /** grader: milliseconds per symbolic comparison */
  timeLimitMs: number;
  /** recorded in results.json (e.g. mixWeight for the Figure 6 plot) */
  metadata: Record<string, string | number>;
  /** optional LLM judge for answers the rules reject; recorded as "judged", never changes "correct" */
  judge?: { endpoint: string; servedModel: string; connection: EndpointConnection };
}

function isEndpoint(m: EndpointModel | LocalModel): m is EndpointModel {
  return 'endpoint' in m;
}

/** One progress bar per benchmark on stderr, with the running accuracy. */
function progressPrinter(): (e: { benchmark: string; done: number; total: number; correct: number }) => void {
  let bar: ProgressBar | undefined;
  let current = '';
  return ({ benchmark, done, total, correct }) => {
    if (!bar || benchmark !== current) {
      bar?.finish();
      bar = new ProgressBar(benchmark.padEnd(13), total);
      current = benchmark;
    }
    const acc = done === 0 ? 0 : (100 * correct) / done;
    bar.update(done, `acc ${acc.toFixed(1)}%`);
    if (done === total) {
      bar.finish();
      bar = undefined;
    }
  };
}

/** Evaluates (or resumes evaluating) a model; writes and returns results.json's content. */
export async function evaluate(options: EvaluateOptions): Promise<EvalResults> {
  const prompt = resolvePrompt(options.prompt);
  const settings = {
    maxNewTokens: options.maxNewTokens,
    temperature: options.temperature,
    topP: options.topP,
    stop: [...prompt.stop, ...options.stop],
    seed: options.seed,
  };
  const source = options.model;
  let generator: Generator;
  let model: string;
  if (isEndpoint(source)) {
    model = source.servedModel;
    generator = new OpenAIGenerator({
      endpoint: source.endpoint,
      servedModel: model,
      concurrency: source.concurrency,
      ...source.connection,
      settings,
    });
  } else {
    model = basename(resolve(source.modelDir));
    generator = await createLocalGenerator({
      modelDir: source.modelDir,
      tokenizerDir: source.tokenizerDir,
      batchSize: source.batchSize,
      dtype: source.dtype,
      settings,
    });
  }
  const judge = options.judge
    ? new OpenAIGenerator({
        endpoint: options.judge.endpoint,
        servedModel: options.judge.servedModel,
        concurrency: 1,
        ...options.judge.connection,
        // The judge answers one word, greedily.
        settings: { maxNewTokens: 8, temperature: 0, topP: 1, stop: [], seed: 0 },
      })
    : undefined;
  try {
    return await runEval({
      benchmarks: options.benchmarks,
      dataDir: options.dataDir,
      limit: options.limit,
      subset: options.subset,
      outDir: options.out,
      model,
      generator,
      prompt,
      settings,
      metadata: options.metadata,
      grading: { cas: { ...DEFAULT_CAS_OPTIONS, timeoutMs: options.timeLimitMs } },
      judge,
      onProgress: progressPrinter(),
    });
  } finally {
    await generator.close();
    stopCas();
  }
}
