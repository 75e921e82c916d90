// Generator for any OpenAI-compatible server (vLLM, llama.cpp server, Ollama, SGLang): POST
// {endpoint}/chat/completions, a bounded number of requests in flight, a timeout per request, and
// retries with exponential back-off on network errors, 429 and 5xx.
import { MixdistillError } from '@mixdistill/core';
import {
  truncateAtStop,
  type GenerationRequest,
  type GenerationResult,
  type GenerationSettings,
  type Generator,
} from './generator';

export interface OpenAIGeneratorOptions {
  /** API root including `/v1`, e.g. http://127.0.0.1:8000/v1. */
  endpoint: string;
  /** The model name the server serves (`model` field of the request). */
  servedModel: string;
  /** Requests in flight at once. */
  concurrency: number;
  /** Milliseconds before a request is abandoned (and retried). */
  timeoutMs: number;
  /** Attempts per request. */
  retries: number;
  /** First back-off delay in milliseconds, doubled per attempt. */
  backoffMs: number;
  /** Sent as a Bearer token when set. */
  apiKey?: string;
  settings: GenerationSettings;
}

interface ChatCompletion {
  choices?: { message?: { content?: string | null } }[];
  usage?: { completion_tokens?: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class OpenAIGenerator implements Generator {
  constructor(private readonly options: OpenAIGeneratorOptions) {}

  describe(): Record<string, unknown> {
    const { endpoint, servedModel, concurrency, timeoutMs, retries } = this.options;
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
      ...(s.stop.length > 0 ? { stop: s.stop } : {}),
      ...(s.temperature > 0 ? { seed: s.seed } : {}),
    });
  }

  private async complete(request: GenerationRequest): Promise<GenerationResult> {
    const url = `${this.options.endpoint.replace(/\/$/, '')}/chat/completions`;
    const start = performance.now();
    let lastError = '';
    for (let attempt = 0; attempt < this.options.retries; attempt++) {
      if (attempt > 0) await sleep(this.options.backoffMs * 2 ** (attempt - 1));
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
          },
          body: this.body(request),
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
      } catch (err) {
        lastError = (err as Error).message;
        continue;
      }
      if (!response.ok) {
        lastError = `HTTP ${response.status} ${(await response.text()).slice(0, 200)}`;
        if (response.status === 429 || response.status >= 500) continue;
        throw new MixdistillError(`${url}: ${lastError}`);
      }
      const completion = (await response.json()) as ChatCompletion;
      const content = completion.choices?.[0]?.message?.content;
      if (typeof content !== 'string') throw new MixdistillError(`${url}: response has no choices[0].message.content`);
      const text = truncateAtStop(content, this.options.settings.stop);
      const prompt = request.messages.map((m) => m.content).join('\n');
      return {
        prompt,
        text,
        tokens: completion.usage?.completion_tokens ?? 0,
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
