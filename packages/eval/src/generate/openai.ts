// Generator for any OpenAI-compatible server (vLLM, llama.cpp server, Ollama, SGLang): POST
// {endpoint}/chat/completions, streamed, a bounded number of requests in flight, and retries with
// exponential back-off on network errors, 429 and 5xx, each one announced with its cause. Three
// timeouts fit the three ways a server fails: no connection (seconds), silence before the first token
// or between tokens (a hung server), and a whole request (a backstop for answers that never end).
import { MixdistillError } from '@mixdistill/core';
import {
  truncateAtStop,
  type GenerationRequest,
  type GenerationResult,
  type GenerationSettings,
  type Generator,
} from './generator';
import { describeFetchError, parseCompletion, probeConnection, readWithIdleTimeout } from './http_stream';

export interface OpenAIGeneratorOptions {
  /** API root including `/v1`, e.g. http://127.0.0.1:8000/v1. */
  endpoint: string;
  /** The model name the server serves (`model` field of the request). */
  servedModel: string;
  /** Requests in flight at once. */
  concurrency: number;
  /** Milliseconds before a whole request is abandoned (and retried). */
  timeoutMs: number;
  /** Milliseconds to open a TCP connection to the endpoint (default 10 s). */
  connectTimeoutMs?: number;
  /** Milliseconds of silence (before the first token or between two) before a request is abandoned (default 120 s). */
  idleTimeoutMs?: number;
  /** Where a failed attempt is announced (default: stderr), so a retrying run is never silent. */
  onRetry?: (line: string) => void;
  /** Attempts per request. */
  retries: number;
  /** First back-off delay in milliseconds, doubled per attempt. */
  backoffMs: number;
  /** Sent as a Bearer token when set. */
  apiKey?: string;
  settings: GenerationSettings;
}

/** How requests reach a server: time-outs, retries and the key (eval's model and judge, distill's teacher). */
export type EndpointConnection = Omit<OpenAIGeneratorOptions, 'endpoint' | 'servedModel' | 'concurrency' | 'settings'>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const formatSeconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`);

export class OpenAIGenerator implements Generator {
  constructor(private readonly options: OpenAIGeneratorOptions) {}

  describe(): Record<string, unknown> {
    const { endpoint, servedModel, concurrency, timeoutMs, retries } = this.options;
    // The timeouts are not part of the description: run.json compares it, and a rerun with another
    // timeout is the same evaluation.
    return { kind: 'openai', endpoint, servedModel, concurrency, timeoutMs, retries };
  }

  private body(request: GenerationRequest): string {
    const s = this.options.settings;
    return JSON.stringify({
      model: this.options.servedModel,
      messages: request.messages,
      max_tokens: s.maxNewTokens,
      temperature: s.temperature,
      top_p: s.topP,
      // Streamed, so a silent server is told apart from a long answer (see idleTimeoutMs).
      stream: true,
      ...(s.stop.length > 0 ? { stop: s.stop } : {}),
      ...(s.temperature > 0 ? { seed: s.seed } : {}),
    });
  }

  private async complete(request: GenerationRequest): Promise<GenerationResult> {
    const url = `${this.options.endpoint.replace(/\/$/, '')}/chat/completions`;
    const start = performance.now();
    const connectMs = this.options.connectTimeoutMs ?? 10_000;
    const idleMs = this.options.idleTimeoutMs ?? 120_000;
    const announce = this.options.onRetry ?? ((line: string) => process.stderr.write(`${line}\n`));
    let lastError = '';
    for (let attempt = 0; attempt < this.options.retries; attempt++) {
      if (attempt > 0) {
        const wait = this.options.backoffMs * 2 ** (attempt - 1);
        announce(
          `${url}: attempt ${attempt}/${this.options.retries} failed (${lastError}); retrying in ${formatSeconds(wait)}`,
        );
        await sleep(wait);
      }
      const controller = new AbortController();
      const total = setTimeout(
        () =>
          controller.abort(new Error(`request timeout: no complete answer within ${this.options.timeoutMs / 1000} s`)),
        this.options.timeoutMs,
      );
      let response: Response;
      let body: string;
      try {
        await probeConnection(url, connectMs);
        const idle = setTimeout(
          () => controller.abort(new Error(`idle timeout: no response within ${idleMs / 1000} s`)),
          idleMs,
        );
        try {
          response = await fetch(url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
            },
            body: this.body(request),
            signal: controller.signal,
          });
        } finally {
          clearTimeout(idle);
        }
        body = await readWithIdleTimeout(response, idleMs, (reason) => controller.abort(reason));
      } catch (err) {
        lastError = describeFetchError(controller.signal.aborted ? (controller.signal.reason ?? err) : err);
        continue;
      } finally {
        clearTimeout(total);
      }
      if (!response.ok) {
        lastError = `HTTP ${response.status} ${body.slice(0, 200)}`;
        if (response.status === 429 || response.status >= 500) continue;
        throw new MixdistillError(`${url}: ${lastError}`);
      }
      let parsed: ReturnType<typeof parseCompletion>;
      try {
        parsed = parseCompletion(body, response.headers.get('content-type') ?? '');
      } catch (err) {
        throw new MixdistillError(`${url}: response is not a chat completion (${(err as Error).message})`);
      }
      if (parsed.content === null) throw new MixdistillError(`${url}: response has no choices[0].message.content`);
      const text = truncateAtStop(parsed.content, this.options.settings.stop);
      const prompt = request.messages.map((m) => m.content).join('\n');
      return {
        prompt,
        text,
        tokens: parsed.tokens ?? parsed.chunks,
        seconds: (performance.now() - start) / 1000,
      };
    }
    throw new MixdistillError(`${url}: no answer after ${this.options.retries} attempts (${lastError})`);
  }

  async generate(
    requests: GenerationRequest[],
    onResult: (index: number, result: GenerationResult) => Promise<void> | void,
  ): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const index = next++;
        await onResult(index, await this.complete(requests[index]));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, requests.length) }, worker));
  }

  async close(): Promise<void> {}
}
