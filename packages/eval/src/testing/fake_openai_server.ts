// Test helper: a tiny OpenAI-compatible chat server on 127.0.0.1 that answers each problem with a
// response chosen by the test (e.g. the gold answer in another form), and counts requests.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeServer {
  /** API root, e.g. http://127.0.0.1:PORT/v1. */
  endpoint: string;
  /** Chat-completion requests received so far. */
  requests: () => number;
  /** Request bodies received so far. */
  bodies: Record<string, unknown>[];
  close: () => Promise<void>;
}

/**
 * Starts the server. `answer(userMessage)` returns the response text; `failFirst` makes the first
 * N requests fail with HTTP 503 (to exercise retries).
 */
export async function startFakeOpenAIServer(
  answer: (user: string) => string,
  options: { failFirst?: number; delayMs?: number } = {},
): Promise<FakeServer> {
  let count = 0;
  let failures = options.failFirst ?? 0;
  const bodies: Record<string, unknown>[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end('not found');
        return;
      }
      count++;
      if (failures > 0) {
        failures--;
        res.writeHead(503).end('busy');
        return;
      }
      const parsed = JSON.parse(body) as { messages: { role: string; content: string }[] };
      bodies.push(parsed);
      const user = parsed.messages.filter((m) => m.role === 'user').pop()?.content ?? '';
      const content = answer(user);
      const reply = () =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
            usage: { completion_tokens: content.split(/\s+/).length },
          }),
        );
      if (options.delayMs) setTimeout(reply, options.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/v1`,
    requests: () => count,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
