import type { CalibrationPoint, ForwardResult, IdBankSummary, SweepPatchesResult, ProbeResult, SteerResult, SteeringCalibration, WholeAnswer } from '../../../protocol/requests';
import type { StepMethod } from '../../../protocol/experimentSteps';
import type { FlipMapResult } from '../../../protocol/plotRequests';
import { flipMapReport } from './flipMapCommand';

/** Plain-text tables of the analyses' results for the terminal (the JSON carries everything). */

const f2 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '  -  ' : v.toFixed(2).padStart(5));
const pct = (v: number) => `${(100 * v).toFixed(0).padStart(3)}%`;

function bankReport(s: IdBankSummary): string {
  const lines = [
    `${s.kind} ID bank of ${s.model}${s.bank ? ` -> ${s.bank}` : ''} (${s.cells.length} cells, ${s.seconds.toFixed(1)} s)`,
    `layer  lattice  ${s.baselineLatticeScores ? 'random-init  ' : ''}own-axes  PCA explained variance`,
  ];
  for (const v of s.layers) {
    const base = s.baselineLatticeScores ? `${f2(s.baselineLatticeScores[v.layer])}        ` : '';
    lines.push(`${String(v.layer).padStart(5)}  ${f2(v.latticeScore)}    ${base}${f2(v.ownAxesScore)}     ${v.pca.explainedVarianceRatio.map(pct).join(' ')}`);
  }
  lines.push(`best middle layer (1..L-1): ${s.bestLayer}, lattice score ${f2(s.layers[s.bestLayer].latticeScore)}${s.baselineLatticeScores ? ` vs ${f2(s.baselineLatticeScores[s.bestLayer])} for the random-init model` : ''}`);
  lines.push('lattice = leave-one-out R^2 of (x, y) from the (x_axis, y_axis) plane; own-axes = the same with axes from all IDs (near 1 even for random vectors)');
  if (s.calibration) lines.push(...calibrationReport(s.calibration));
  return lines.join('\n');
}

const rateCi = (r: CalibrationPoint['steering']) => (r.n > 0 ? `${pct(r.rate)} [${pct(r.low)}, ${pct(r.high)}]` : '  -  ');

function calibrationReport(c: SteeringCalibration): string[] {
  const lines = [`steering factor calibration (${c.relation}, ${c.items} held-out items, seed ${c.seed}): factor, best layer, steering vs noise flip rate [95% CI]`];
  for (const p of c.sweep) lines.push(`${String(p.factor).padStart(6)}  ${p.layers.join('-').padStart(5)}  ${rateCi(p.steering)} vs ${rateCi(p.noise)}  (n ${p.steering.n})${p.factor === c.factor ? '  <- chosen' : ''}`);
  if (c.pruned.length) lines.push(`layers ${c.pruned.join(', ')} flipped under ${pct(c.minSeparation)} at the largest factor: not tried at smaller ones`);
  lines.push(c.factor === null ? `no calibrated factor: ${c.note}; steering defaults to the paper's factor 5` : `default steering factor of this bank: ${c.factor} (${c.note})`);
  return lines;
}

/** The factor a steering result used, where it came from, and why when it is the fallback. */
function factorLine(r: SteerResult): string[] {
  if (r.factor === undefined) return [];
  const source = r.factorSource === 'bank' ? "the ID bank's calibrated factor" : r.factorSource === 'request' ? 'as requested' : "the paper's default";
  return [`factor ${r.factor} (${source})${r.factorNote ? `: ${r.factorNote}` : ''}`];
}

function probeReport(r: ProbeResult): string {
  const lines = [`answer: ${r.answer}  ${Object.entries(r.logprobs).map(([w, v]) => `logP(${w}) ${v.toFixed(2)}`).join('  ')}`];
  for (const o of r.objects) {
    lines.push(`${o.object} (token ${o.position}): believed cell per layer ${o.argmax.map((c, l) => `L${l}:(${r.cells[c].x},${r.cells[c].y})`).join(' ')}`);
  }
  return lines.join('\n');
}

/** log P of each whole answer (summed over its tokens) under the run before steering, the steered run and the noise control. */
function wholeAnswerLines(answers: WholeAnswer[]): string[] {
  return answers.map((a) => `logP("${a.text}", ${a.tokens} tokens, generated ${a.generatedBy.join('/')}): ${a.logprob.before.toFixed(2)} -> ${a.logprob.steered.toFixed(2)} (noise ${a.logprob.noise.toFixed(2)})`);
}

function steerReport(r: SteerResult): string {
  if (r.single) {
    const s = r.single;
    const verdict = (changed: boolean) => (changed ? ` (${s.changedBy === 'wholeAnswer' ? 'changed' : 'flipped'})` : '');
    return [
      ...factorLine(r),
      `before: ${s.answerBefore}   after steering: ${s.answerAfter}${verdict(s.flipped)}   noise control: ${s.answerNoise}${verdict(s.flippedNoise)}`,
      // whole answers when the server scored them; else the answer words' first-token log P
      ...(s.wholeAnswers ? wholeAnswerLines(s.wholeAnswers) : Object.keys(s.logprobsBefore).map((w) => `logP(${w}): ${s.logprobsBefore[w].toFixed(2)} -> ${s.logprobsAfter[w].toFixed(2)} (noise ${s.logprobsNoise[w].toFixed(2)})`)),
    ].join('\n');
  }
  const lines = [...factorLine(r), 'layers   steering flip rate [95% CI]   noise flip rate [95% CI]   dlogP(answer) steer / noise'];
  for (const b of r.perLayer ?? []) {
    lines.push(`${b.layers.join('-').padEnd(8)} ${pct(b.steering.rate)} [${pct(b.steering.low)}, ${pct(b.steering.high)}]          ${pct(b.noise.rate)} [${pct(b.noise.low)}, ${pct(b.noise.high)}]         ${f2(b.meanDeltaLogprobSteering)} / ${f2(b.meanDeltaLogprobNoise)}   (n ${b.steering.n})`);
  }
  const best = r.perLayer?.find((b) => b.layers.join() === r.bestBand?.join());
  if (best) lines.push(`best band (largest steering minus noise): ${best.layers.join('-')}, steering ${pct(best.steering.rate)} vs noise ${pct(best.noise.rate)}`);
  return lines.join('\n');
}

function sweepReport(r: SweepPatchesResult): string {
  const lines = [`normalised belief shift per layer (mean over ${r.n} items; 1 = the patch carries the whole mirror effect)`, `layer  image   text  objects${r.control ? '  | control: image   text  objects' : ''}`];
  for (const l of r.layers) {
    const g = r.groups;
    const c = r.control;
    lines.push(`${String(l).padStart(5)}  ${f2(g.image.mean[l])}  ${f2(g.text.mean[l])}  ${f2(g.objects.mean[l])}${c ? `    |          ${f2(c.image.mean[l])}  ${f2(c.text.mean[l])}  ${f2(c.objects.mean[l])}` : ''}`);
  }
  return lines.join('\n');
}

function forwardReport(r: ForwardResult): string {
  return `answer: ${r.answer}  ${Object.entries(r.logprobs).map(([w, v]) => `logP(${w}) ${v.toFixed(2)}`).join('  ')}`;
}

/** The table of one step's result (a saved experiment's steps may be any request, forward included). */
export function reportOf(method: StepMethod, result: unknown): string {
  switch (method) {
    case 'forward':
      return forwardReport(result as ForwardResult);
    case 'deriveIds':
    case 'deriveTids':
      return bankReport(result as IdBankSummary);
    case 'probe':
      return probeReport(result as ProbeResult);
    case 'steer':
      return steerReport(result as SteerResult);
    case 'sweepPatches':
      return sweepReport(result as SweepPatchesResult);
    case 'flipMap':
      return flipMapReport(result as FlipMapResult);
  }
}
