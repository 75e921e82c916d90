import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startFakeOpenAIServer } from '../testing/fake_openai_server';
import { DEFAULT_GENERATION_SETTINGS, truncateAtStop, type GenerationResult } from './generator';
import { OpenAIGenerator } from './openai';

const options = {
  servedModel: 'm',
  concurrency: 2,
  timeoutMs: 2000,
  retries: 3,
  backoffMs: 1,
  settings: { ...DEFAULT_GENERATION_SETTINGS, stop: ['Q:'] },
};

describe('OpenAIGenerator', () => {
  it('sends greedy settings and stop strings, and cuts the reply at a stop string the server ignored', async () => {
    const server = await startFakeOpenAIServer(() => 'answer 4\nQ: next question');
    try {
      const results: GenerationResult[] = [];
      await new OpenAIGenerator({ ...options, endpoint: server.endpoint }).generate(
        [{ messages: [{ role: 'user', content: 'hi' }] }],
        (i, r) => {
          results[i] = r;
        },
      );
      expect(results[0].text).toBe('answer 4\n');
      expect(server.bodies[0]).toMatchObject({ model: 'm', max_tokens: 16000, temperature: 0, top_p: 1, stop: ['Q:'] });
      expect(server.bodies[0]).not.toHaveProperty('seed');
    } finally {
      await server.close();
    }
  });

  it('fails at once on a client error, naming the URL and status', async () => {
    const server = createServer((_req, res) => res.writeHead(400).end('bad model'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    try {
      await expect(
        new OpenAIGenerator({ ...options, endpoint }).generate([{ messages: [] }], () => {}),
      ).rejects.toThrow(`${endpoint}/chat/completions: HTTP 400 bad model`);
    } finally {
      server.close();
    }
  });

  it('gives up after the retries when nothing listens', async () => {
    await expect(
      new OpenAIGenerator({ ...options, endpoint: 'http://127.0.0.1:9/v1', retries: 2 }).generate(
        [{ messages: [] }],
        () => {},
      ),
    ).rejects.toThrow(/no answer after 2 attempts/);
  });

  it('truncates at the earliest stop string', () => {
    expect(truncateAtStop('a</s>b Q: c', ['Q:', '</s>'])).toBe('a');
    expect(truncateAtStop('abc', [''])).toBe('abc');
  });
});
