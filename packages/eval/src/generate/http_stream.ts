// What the OpenAI-compatible generator needs below HTTP: a TCP probe with its own timeout (a dead
// host fails in seconds, not after the request timeout), a streamed body read with an idle timeout
// (a server that stops sending is noticed whatever the length of the answer), and the real cause of a
// failed fetch ("fetch failed" hides ECONNREFUSED, ENOTFOUND, ETIMEDOUT in err.cause).
import net from 'node:net';

/** Opens and closes one TCP connection to the URL's host; rejects with the cause within `timeoutMs`. */
export function probeConnection(url: string, timeoutMs: number): Promise<void> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect timeout: no connection to ${host}:${port} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** One line for a failed request: the code and message of the innermost cause. */
export function describeFetchError(err: unknown): string {
  let e = err as { message?: string; code?: string; cause?: unknown; name?: string } | undefined;
  while (e && typeof e === 'object' && e.cause && typeof e.cause === 'object') e = e.cause as typeof e;
  if (!e) return String(err);
  const msg = e.message ?? String(e);
  return e.code && !msg.includes(e.code) ? `${e.code} ${msg}` : msg;
}

/**
 * Reads a response body chunk by chunk, aborting when nothing arrives for `idleMs` (the first chunk
 * included). Returns the whole text.
 */
export async function readWithIdleTimeout(
  response: Response,
  idleMs: number,
  abort: (reason: Error) => void,
): Promise<string> {
  if (!response.body) return await response.text();
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new Error(`idle timeout: nothing received for ${idleMs / 1000} s`);
        abort(err);
        reject(err);
      }, idleMs);
    });
    try {
      const { done, value } = await Promise.race([reader.read(), idle]);
      if (done) break;
      text += decoder.decode(value, { stream: true });
    } finally {
      clearTimeout(timer);
    }
  }
  return text + decoder.decode();
}

/** The content and token count of a streamed (`data: {...}` lines) or a plain JSON chat completion. */
export function parseCompletion(
  body: string,
  contentType: string,
): { content: string | null; tokens: number | null; chunks: number } {
  if (!contentType.includes('text/event-stream')) {
    const j = JSON.parse(body) as {
      choices?: { message?: { content?: string | null } }[];
      usage?: { completion_tokens?: number };
    };
    const content = j.choices?.[0]?.message?.content;
    return {
      content: typeof content === 'string' ? content : null,
      tokens: j.usage?.completion_tokens ?? null,
      chunks: 1,
    };
  }
  let content = '';
  let tokens: number | null = null;
  let chunks = 0;
  let sawChoice = false;
  for (const line of body.split('\n')) {
    const data = line.startsWith('data:') ? line.slice(5).trim() : '';
    if (data === '' || data === '[DONE]') continue;
    const j = JSON.parse(data) as {
      choices?: { delta?: { content?: string | null } }[];
      usage?: { completion_tokens?: number } | null;
    };
    if (j.choices?.length) sawChoice = true;
    const piece = j.choices?.[0]?.delta?.content;
    if (typeof piece === 'string' && piece !== '') {
      content += piece;
      chunks++;
    }
    if (j.usage?.completion_tokens !== undefined) tokens = j.usage.completion_tokens;
  }
  return { content: sawChoice ? content : null, tokens, chunks };
}
