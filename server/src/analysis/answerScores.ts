import type { SteerCondition, WholeAnswer } from '../../../protocol/requests';
import type { ModelRunner, RunOutput } from '../run/modelRunner';

/**
 * Whole answers judged whole (issue 18.1): a grounding answer "row 2 column 1" that becomes
 * "row 4 column 4" starts with the same token, so comparing first tokens calls it unchanged.
 * Each run's generated answer is scored under every run, teacher-forced over all its tokens
 * (the token ids the model generated, so no re-tokenisation can differ from what it said).
 */

/** Tokens generated per answer when answers are judged whole: a grounding answer is 4 words plus its end. */
export const WHOLE_ANSWER_TOKENS = 12;

export const CONDITIONS: readonly SteerCondition[] = ['before', 'steered', 'noise'];

/** The distinct answers of the runs (by their text, in the runs' order), each with log P under every run. */
export async function wholeAnswerScores(runner: Pick<ModelRunner, 'scoreAnswers'>, runs: Record<SteerCondition, RunOutput>): Promise<WholeAnswer[]> {
  const distinct: { text: string; ids: number[]; generatedBy: SteerCondition[] }[] = [];
  for (const c of CONDITIONS) {
    const r = runs[c];
    const known = distinct.find((d) => d.text === r.answer);
    if (known) known.generatedBy.push(c);
    else distinct.push({ text: r.answer, ids: r.answerIds, generatedBy: [c] });
  }
  const scores = new Map<SteerCondition, number[]>();
  for (const c of CONDITIONS) scores.set(c, await runner.scoreAnswers(runs[c], distinct.map((d) => d.ids)));
  return distinct.map((d, i) => ({
    text: d.text,
    generatedBy: d.generatedBy,
    tokens: d.ids.length,
    logprob: { before: scores.get('before')![i], steered: scores.get('steered')![i], noise: scores.get('noise')![i] },
  }));
}
