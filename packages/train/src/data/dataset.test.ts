import { describe, expect, it } from 'vitest';
import { charTokenizer, decode, tempDir, writeJsonl } from '../test/helpers';
import { loadTrainingData, type DataOptions } from './dataset';

const base: DataOptions = { format: 'auto', skipBadLines: false, cutoffLen: null, cutoffPolicy: 'truncate', seed: 0 };

function load(lines: unknown[], opts: Partial<DataOptions> = {}) {
  const file = writeJsonl(tempDir(), 'd.jsonl', lines);
  return { file, data: loadTrainingData([{ file, weight: null }], charTokenizer, { ...base, ...opts }) };
}

/** The learned text of an example: the characters whose label is kept. */
function learned(ex: { inputIds: number[]; labels: number[] }): string {
  return decode(ex.labels.filter((l) => l !== -100));
}

describe('reading SFT data', () => {
  it('recognises alpaca, prompt/response, problem/solution, chat and pre-tokenized lines', () => {
    const { data } = load([
      { instruction: 'Add', input: '1+1', output: '2' },
      { prompt: 'Q', response: 'A' },
      { problem: 'P', solution: 'S', level: 'Level 1' },
      {
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'yo' },
        ],
      },
      { input_ids: [5, 6, 7], labels: [-100, 6, 7] },
    ]);
    expect(data.examples.map((e) => decode(e.inputIds)).slice(0, 4)).toEqual([
      '<user>Add\n1+1|<assistant>2|',
      '<user>Q|<assistant>A|',
      '<user>P|<assistant>S|',
      '<user>hi|<assistant>yo|',
    ]);
    expect(data.examples[4]).toEqual({ inputIds: [5, 6, 7], labels: [-100, 6, 7] });
  });

  it('puts the loss on assistant tokens only, unless --train-on-prompt', () => {
    const chat = {
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'c' },
        { role: 'assistant', content: 'd' },
      ],
    };
    expect(learned(load([chat]).data.examples[0])).toBe('b|d|');
    const all = load([chat], { trainOnPrompt: true }).data.examples[0];
    expect(all.labels).toEqual(all.inputIds);
  });

  it('adds --system-prompt to examples that have no system turn', () => {
    const { data } = load([{ prompt: 'Q', response: 'A' }], { systemPrompt: 'Be brief.' });
    expect(decode(data.examples[0].inputIds)).toBe('<system>Be brief.|<user>Q|<assistant>A|');
  });

  it('uses --prompt-field/--response-field', () => {
    const { data } = load([{ question: 'Q?', answer: 'A!' }], { promptField: 'question', responseField: 'answer' });
    expect(learned(data.examples[0])).toBe('A!|');
  });

  it.each([
    ['not json', /d\.jsonl:2: invalid JSON/],
    ['[1, 2]', /d\.jsonl:2: expected a JSON object/],
    [{ prompt: 'Q' }, /d\.jsonl:2: missing field "response"/],
    [{ prompt: 'Q', response: '  ' }, /d\.jsonl:2: field "response" \(the response\) is empty/],
    [{ prompt: 3, response: 'A' }, /d\.jsonl:2: field "prompt" must be a string, got number/],
    [{ messages: [{ role: 'user', content: 'hi' }] }, /d\.jsonl:2: "messages" has no assistant turn/],
    [{ messages: [{ role: 'bot', content: 'hi' }] }, /d\.jsonl:2: messages\[0\]\.role must be/],
    [{ messages: [] }, /d\.jsonl:2: field "messages" must be a non-empty array/],
    [{ input_ids: [1, 2] }, /d\.jsonl:2: missing field "labels"/],
    [{ input_ids: [1, 2], labels: [1] }, /d\.jsonl:2: "labels" has 1 entries but "input_ids" has 2/],
    [{ input_ids: [1, 2], labels: [-100, -100] }, /d\.jsonl:2: "labels" has no target token/],
    [{ input_ids: [1, 'x'], labels: [1, 2] }, /d\.jsonl:2: field "input_ids" must be an array of integers/],
    [{ foo: 1 }, /d\.jsonl:2: cannot tell the format/],
  ])('stops at a bad line %j with file:line', (bad, message) => {
    expect(() => load([{ prompt: 'Q', response: 'A' }, bad])).toThrow(message);
  });

  it('counts bad lines and goes on with --skip-bad-lines', () => {
    const { data, file } = load(
      [{ prompt: 'Q', response: 'A' }, 'oops', { prompt: 'Q' }, { prompt: 'R', response: 'B' }],
      { skipBadLines: true },
    );
    expect(data.examples).toHaveLength(2);
    expect(data.badLines.map((b) => `${b.file}:${b.line}`)).toEqual([`${file}:2`, `${file}:3`]);
  });

  it('reports a missing file', () => {
    expect(() => loadTrainingData([{ file: '/nonexistent/x.jsonl', weight: null }], charTokenizer, base)).toThrow(
      /x\.jsonl: cannot read data file \(ENOENT\)/,
    );
  });

  it('--format forces one shape', () => {
    expect(() =>
      load(
        [
          {
            messages: [
              { role: 'user', content: 'hi' },
              { role: 'assistant', content: 'yo' },
            ],
          },
        ],
        { format: 'tokenized' },
      ),
    ).toThrow(/missing field "input_ids"/);
  });

  it('--cutoff-len truncates the response end, or drops and counts', () => {
    // 31 and 21 tokens; the prompt part is 19
    const lines = [
      { prompt: 'Q', response: 'long answer' },
      { prompt: 'Q', response: 'A' },
    ];
    const t = load(lines, { cutoffLen: 22 }).data;
    expect(t.truncated).toBe(1);
    expect(t.examples.map((e) => e.inputIds.length)).toEqual([22, 21]);
    expect(learned(t.examples[0])).toBe('lon');
    const d = load(lines, { cutoffLen: 22, cutoffPolicy: 'drop' }).data;
    expect(d.examples).toHaveLength(1);
    expect(d.dropped).toBe(1);
    // 19 tokens hold no response token: nothing to learn, so both are dropped.
    expect(() => load(lines, { cutoffLen: 19 })).toThrow(
      /no training examples left \(0 bad lines, 2 dropped by --cutoff-len\)/,
    );
  });

  it('mixes weighted --data files on the fly', () => {
    const dir = tempDir();
    const a = writeJsonl(
      dir,
      'a.jsonl',
      Array.from({ length: 10 }, (_, i) => ({ prompt: `a${i}`, response: 'A' })),
    );
    const b = writeJsonl(
      dir,
      'b.jsonl',
      Array.from({ length: 10 }, (_, i) => ({ prompt: `b${i}`, response: 'B' })),
    );
    const data = loadTrainingData(
      [
        { file: a, weight: 0.2 },
        { file: b, weight: 0.8 },
      ],
      charTokenizer,
      { ...base, mixSize: 10 },
    );
    expect(data.mix!.counts.map((c) => c.drawn)).toEqual([2, 8]);
    expect(data.examples.filter((e) => learned(e) === 'A|')).toHaveLength(2);
    expect(() =>
      loadTrainingData(
        [
          { file: a, weight: 0.2 },
          { file: b, weight: null },
        ],
        charTokenizer,
        base,
      ),
    ).toThrow(/give a weight to every file/);
  });
});
