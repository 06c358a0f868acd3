import type { FlipMapCell, FlipMapParams, FlipMapResult } from '../../../protocol/requests';
import type { ModelRunner, RunOutput } from '../run/modelRunner';
import { answerWordsOf } from '../run/tokenPositions';
import { AnalysisContext, badAnalysisRequest, checkCancelled, progressReporter } from './analysisContext';
import { bankFor, factorFor, kindOfMedia } from './analysisRequests';
import { bankCells } from './idBank';
import { probeObjects } from './probeObjects';
import { preferredAnswer, steerOnce } from './steerObject';

/**
 * The flip map: the object steered to every cell of the bank's grid in turn (METHOD.md 3,
 * "arbitrary target cell"), each beside its matched-norm noise control, so a user sees where
 * moving the object changes the answer and where noise of the same size does too. One clean run
 * is shared by every cell, and the runner's prefix reuse makes each steered run cost only the
 * tokens from the object word on. Checked for cancellation before each cell.
 */

const DEFAULT_SEED = 1;

export async function flipMap(runner: ModelRunner, params: FlipMapParams, ctx: AnalysisContext = {}): Promise<FlipMapResult> {
  const started = Date.now();
  const answers = params.answers ?? answerWordsOf(params.question);
  if (answers.length < 2) {
    throw badAnalysisRequest(`The flip map reads which of two answer words the model prefers in each cell, and "${params.question}" has none ("... left or right ..."): give answers, e.g. ["left", "right"].`);
  }
  const kind = kindOfMedia(params.media);
  const bank = await bankFor(runner, params.bank, kind, ctx);
  const chosen = await factorFor(runner, bank, { factor: params.factor, bank: params.bank }, ctx);
  const layers = params.layers?.length ? params.layers : [Math.max(1, Math.round(runner.numLayers / 2))];
  const seed = params.seed ?? DEFAULT_SEED;
  const cells = bankCells(bank.meta);
  checkCancelled(ctx);

  // encoded once: every cell's runs share the media and, through it, the clean prompt prefix
  const media = { encoded: await runner.encode(params.media) };
  const read = await probeObjects(runner, bank, { media, question: params.question, objects: [params.object] });
  const sourceCell = read.objects[0].argmax[layers[0]];
  const before: RunOutput = await runner.forward({ media, question: params.question, answers, capture: { layers, positions: { words: [params.object] } }, maxNewTokens: 1 });
  const preferredBefore = preferredAnswer(before.logprobs, answers);

  const tick = progressReporter(ctx, 'cells', cells.length);
  const results: FlipMapCell[] = [];
  for (let cell = 0; cell < cells.length; cell++) {
    tick(cell);
    if (cell === sourceCell) {
      // where the object is read already: there is no direction to move it in, so the run's own answer stands
      results.push({ cell, steered: false, answer: before.answer, answerNoise: before.answer, preferred: preferredBefore, preferredNoise: preferredBefore, logprobs: before.logprobs, logprobsNoise: before.logprobs, flipped: false, flippedNoise: false });
      continue;
    }
    const o = await steerOnce(runner, bank, { media, question: params.question, answers, subject: params.object, sourceCell, targetCell: cell, layers, factor: chosen.factor, seed: seed + cell }, before);
    results.push({
      cell,
      steered: true,
      answer: o.answerAfter,
      answerNoise: o.answerNoise,
      preferred: preferredAnswer(o.logprobsAfter, answers),
      preferredNoise: preferredAnswer(o.logprobsNoise, answers),
      logprobs: o.logprobsAfter,
      logprobsNoise: o.logprobsNoise,
      flipped: o.flipped,
      flippedNoise: o.flippedNoise,
    });
  }
  tick(cells.length);
  return {
    object: params.object,
    answers,
    answerBefore: before.answer,
    preferredBefore,
    logprobsBefore: before.logprobs,
    sourceCell,
    cells,
    kind,
    layers,
    factor: chosen.factor,
    factorSource: chosen.source,
    ...(chosen.note ? { factorNote: chosen.note } : {}),
    results,
    seconds: (Date.now() - started) / 1000,
  };
}

