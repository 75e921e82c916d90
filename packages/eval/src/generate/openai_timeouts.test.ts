// Issue #17 item 3: a hung or absent endpoint is reported in seconds, each retry is announced with its
// cause (ECONNREFUSED rather than "fetch failed"), and streamed answers are read.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GENERATION_SETTINGS } from './generator';
import { OpenAIGenerator } from './openai';

const base = {
  servedModel: 'm',
  concurrency: 1,
  timeoutMs: 60_000,
  retries: 2,
  backoffMs: 1,
  settings: DEFAULT_GENERATION_SETTINGS,
};

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

describe('OpenAIGenerator timeouts and retries', () => {
  it('announces each retry with ECONNREFUSED and ends naming it', async () => {
    const lines: string[] = [];
    const g = new OpenAIGenerator({ ...base, endpoint: 'http://127.0.0.1:9/v1', onRetry: (l) => lines.push(l) });
    await expect(g.generate([{ messages: [] }], () => {})).rejects.toThrow(
      /127\.0\.0\.1:9\/v1\/chat\/completions: no answer after 2 attempts \(.*ECONNREFUSED/,
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/attempt 1\/2 failed \(.*ECONNREFUSED.*\); retrying in 1 ms/);
  });

  it('gives up on a server that accepts and never answers after the idle timeout, not the request timeout', async () => {
    const server = createServer(() => {}); // reads the request, never responds
    const endpoint = await listen(server);
    const lines: string[] = [];
    const started = Date.now();
    try {
      const g = new OpenAIGenerator({ ...base, endpoint, idleTimeoutMs: 300, onRetry: (l) => lines.push(l) });
      await expect(g.generate([{ messages: [] }], () => {})).rejects.toThrow(/idle timeout: no response within 0\.3 s/);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(lines[0]).toMatch(/idle timeout/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('reads a streamed answer and notices a stream that stalls', async () => {
    let stall = false;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: 'The answer' } }] })}\n\n`);
      if (stall) return;
      res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: ' is 4.' } }] })}\n\n`);
      res.end('data: [DONE]\n\n');
    });
    const endpoint = await listen(server);
    try {
      const texts: string[] = [];
      await new OpenAIGenerator({ ...base, endpoint }).generate([{ messages: [] }], (_, r) => {
        texts.push(r.text);
      });
      expect(texts).toEqual(['The answer is 4.']);
      stall = true;
      const g = new OpenAIGenerator({ ...base, endpoint, retries: 1, idleTimeoutMs: 300 });
      await expect(g.generate([{ messages: [] }], () => {})).rejects.toThrow(
        /idle timeout: nothing received for 0\.3 s/,
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
