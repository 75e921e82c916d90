// The demo's statistics: the majority-answer baseline here; the intervals on its accuracies (Wilson,
// and the normal interval of Δ_long) are eval's, the one implementation every report uses.
export { differenceHalfWidth, wilsonInterval } from '@mixdistill/eval';

/** The most common value of `answers` (ties: the smallest), the constant guess a model could learn. */
export function majorityAnswer(answers: number[]): number {
  const counts = new Map<number, number>();
  for (const a of answers) counts.set(a, (counts.get(a) ?? 0) + 1);
  let best = answers[0];
  let bestCount = -1;
  for (const [a, c] of counts) {
    if (c > bestCount || (c === bestCount && a < best)) {
      best = a;
      bestCount = c;
    }
  }
  return best;
}
