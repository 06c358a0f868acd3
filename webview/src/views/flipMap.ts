import type { FlipMapResult } from '../../../protocol/requests';
import type { CsvValue } from '../logic/csv';
import { cellLabel } from '../logic/grid';
import { h, setChildren } from './dom';
import { legendSvg } from './legend';
import { Plot, plotSvg } from './plotSvg';
import type { Theme } from './theme';

/**
 * The flip map: the selected object steered to every cell, P(the answer the model gave before)
 * per cell, drawn as the bank's grid beside the same grid under matched-norm noise. A cell where
 * the preferred answer changed is outlined; the cell the object is read at (not steered) is marked.
 */

export interface FlipMapInput {
  result: FlipMapResult;
  width: number;
  theme: Theme;
}

/** One row per cell and condition: the CSV and the chart read the same rows. */
export function flipMapRows(r: FlipMapResult): Record<string, CsvValue>[] {
  const rows: Record<string, CsvValue>[] = [];
  r.results.forEach((c, i) => {
    const { x, y } = r.cells[i];
    const label = cellLabel(r.cells[i], r.kind);
    for (const [condition, lp, preferred, flipped, answer] of [
      ['steering', c.logprobs, c.preferred, c.flipped, c.answer],
      ['noise control', c.logprobsNoise, c.preferredNoise, c.flippedNoise, c.answerNoise],
    ] as const) {
      rows.push({
        condition,
        cell: c.cell,
        x,
        y,
        label,
        steered: c.steered,
        answer,
        preferred,
        flipped,
        // P(the answer preferred before steering): 1 where nothing moved the belief
        p: Math.exp(lp[r.preferredBefore] ?? -Infinity),
        ...Object.fromEntries(r.answers.map((w) => [`logp_${w}`, lp[w] ?? null])),
      });
    }
  });
  return rows;
}

/** "2 of 15 cells flip under steering, 0 of 15 under noise". */
export function flipMapSummary(r: FlipMapResult): string {
  const steered = r.results.filter((c) => c.steered);
  const n = steered.length;
  const flips = steered.filter((c) => c.flipped).length;
  const noise = steered.filter((c) => c.flippedNoise).length;
  return `${r.object} moved to each cell at layers ${r.layers.join(', ')} (factor ${r.factor}): the answer flips in ${flips} of ${n} cells under steering, ${noise} of ${n} under matched-norm noise.`;
}

export function renderFlipMap(container: HTMLElement, input: FlipMapInput): SVGSVGElement[] {
  const { result: r, theme } = input;
  const rows = flipMapRows(r).map((row) => ({ ...row, pct: `${Math.round(100 * (row.p as number))}%` }));
  const cols = Math.max(...r.cells.map((c) => c.x)) + 1;
  const rowsN = Math.max(...r.cells.map((c) => c.y)) + 1;
  const panel = Math.min(260, Math.max(140, (input.width - 40) / 2));
  const chart = plotSvg({
    width: 2 * panel + 40,
    height: Math.round((panel * rowsN) / cols) + 56,
    marginTop: 28,
    marginLeft: 24,
    padding: 0.04,
    style: { background: 'transparent' },
    fx: { label: null, domain: ['steering', 'noise control'], padding: 0.12 },
    x: { label: null, domain: Array.from({ length: cols }, (_, i) => i), tickFormat: (v: number) => `c${v + 1}` },
    y: { label: null, domain: Array.from({ length: rowsN }, (_, i) => i), tickFormat: (v: number) => (r.kind === 'temporal' ? '' : `r${v + 1}`) },
    color: { type: 'linear', domain: [0, 1], range: [theme.background, theme.blue], label: `P(${r.preferredBefore})` },
    marks: [
      Plot.cell(rows, { fx: 'condition', x: 'x', y: 'y', fill: 'p', stroke: (d: { flipped: boolean }) => (d.flipped ? theme.orange : theme.border), strokeWidth: (d: { flipped: boolean }) => (d.flipped ? 3 : 1), inset: 1, tip: true, channels: { cell: 'label', answer: 'answer', preferred: 'preferred' } }),
      Plot.text(rows, { fx: 'condition', x: 'x', y: 'y', text: (d: { steered: boolean; pct: string }) => (d.steered ? d.pct : `read · ${d.pct}`), fill: theme.foreground, fontSize: 10 }),
    ],
  });
  chart.setAttribute('data-chart', 'flip-map');
  const legend = legendSvg(
    [
      { label: `fill: P(${r.preferredBefore}), the answer before steering`, color: theme.blue },
      { label: 'outlined: the preferred answer flipped', color: theme.orange },
      { label: `read · : where ${r.object} is read now (not steered)` },
    ],
    input.width,
    theme,
  );
  const note = r.factorNote ? h('p', { class: 'note', text: r.factorNote }) : null;
  setChildren(container, h('p', { class: 'chart-title', text: flipMapSummary(r) }), ...(note ? [note] : []), h('figure', { class: 'chart flip-map-chart' }, legend, chart));
  return [legend, chart];
}
