// Test helper: a small data folder in the layout of ../shared/data/benchmarks, with each benchmark's
// own gold format, and for each gold an equivalent answer written differently.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Per benchmark: records as the real files store them, and an equivalent but differently written answer per record. */
export const FIXTURE_PROBLEMS: Record<
  string,
  { record: Record<string, unknown>; question: string; equivalent: string }[]
> = {
  gsm8k: [
    {
      question: 'Q1 gsm: how many eggs?',
      record: { answer: 'She sells 16 - 3 = 13.\n#### 1,450', idx: 0 },
      equivalent: '\\$1450.00',
    },
    {
      question: 'Q2 gsm: how many loaves?',
      record: { answer: '200 - 132 = 68\n#### 74', idx: 1 },
      equivalent: '74\\text{ loaves}',
    },
    { question: 'Q3 gsm: cost?', record: { answer: '#### 18', idx: 2 }, equivalent: '\\frac{36}{2}' },
  ],
  math: [
    {
      question: 'Q1 math: simplify',
      record: {
        level: 'Level 2',
        type: 'Algebra',
        solution: 'So $\\boxed{\\frac{\\sqrt{2}}{2}}$.',
        unique_id: 'test/algebra/1.json',
      },
      equivalent: '\\dfrac{1}{\\sqrt2}',
    },
    {
      question: 'Q2 math: interval',
      record: {
        level: 'Level 5',
        type: 'Intermediate Algebra',
        solution: 'Hence $\\boxed{[2,5)}$.',
        unique_id: 'test/intermediate_algebra/7.json',
      },
      equivalent: '\\left[ 2, 5 \\right)',
    },
    {
      question: 'Q3 math: roots',
      record: { level: 'Level 3', type: 'Algebra', solution: '$\\boxed{3i,-3i}$', unique_id: 'test/algebra/9.json' },
      equivalent: '-3i, 3i',
    },
    {
      question: 'Q4 math: matrix',
      record: {
        level: 'Level 4',
        type: 'Precalculus',
        solution: '$\\boxed{\\begin{pmatrix} 1/2 \\\\ 3 \\end{pmatrix}}$',
        unique_id: 'test/precalculus/3.json',
      },
      equivalent: '\\begin{bmatrix} 0.5 \\\\ 3 \\end{bmatrix}',
    },
  ],
  math500: [
    {
      question: 'Q1 m500: polar',
      record: {
        answer: '\\left( 3, \\frac{\\pi}{2} \\right)',
        subject: 'Precalculus',
        level: 2,
        unique_id: 'test/precalculus/807.json',
      },
      equivalent: '(3, \\pi/2)',
    },
    {
      question: 'Q2 m500: poly',
      record: { answer: 'x^2-2x+2', subject: 'Algebra', level: 3, unique_id: 'test/algebra/20.json' },
      equivalent: '(x-1)^2+1',
    },
  ],
  aime24: [
    { question: 'Q1 aime', record: { id: 60, answer: '033' }, equivalent: '33' },
    { question: 'Q2 aime', record: { id: 61, answer: '204' }, equivalent: '204.0' },
  ],
  amc23: [
    { question: 'Q1 amc', record: { id: 0, answer: 27.0 }, equivalent: '27' },
    { question: 'Q2 amc', record: { id: 1, answer: 0.5 }, equivalent: '\\frac12' },
  ],
  olympiadbench: [
    { question: 'Q1 olymp', record: { id: 1606, final_answer: ['$\\sqrt{26}$'] }, equivalent: '26^{1/2}' },
    { question: 'Q2 olymp', record: { id: 1607, final_answer: ['$n(n-1)$'] }, equivalent: 'n^2-n' },
  ],
};

const QUESTION_FIELD: Record<string, string> = { gsm8k: 'question', olympiadbench: 'question' };

/** Writes the fixture benchmarks under `dir` and returns a map question -> equivalent answer. */
export function writeFixtureBenchmarks(dir: string): Map<string, string> {
  const answers = new Map<string, string>();
  for (const [name, problems] of Object.entries(FIXTURE_PROBLEMS)) {
    mkdirSync(join(dir, name), { recursive: true });
    const lines = problems.map((p) => {
      answers.set(p.question, p.equivalent);
      return `${JSON.stringify({ [QUESTION_FIELD[name] ?? 'problem']: p.question, ...p.record })}\n`;
    });
    writeFileSync(join(dir, name, 'test.jsonl'), lines.join(''));
  }
  return answers;
}

/** The fixture question contained in a rendered prompt. */
export function questionIn(prompt: string, answers: Map<string, string>): string | undefined {
  return [...answers.keys()].find((q) => prompt.includes(q));
}
