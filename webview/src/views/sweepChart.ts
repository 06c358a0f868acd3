import type { SweepPatchesResult } from '../../../protocol/requests';
import { SWEEP_GROUP_LABELS, sweepRows } from '../logic/chartData';
import { h, setChildren } from './dom';
import { legendSvg } from './legend';
import { Plot, plotSvg } from './plotSvg';
import type { Theme } from './theme';

/**
 * Mirror patching: the normalised belief shift each token group carries, per layer (bands:
 * batch intervals); the attribute-swap control, when the server ran it, dashed.
 */

export interface SweepInput {
  result: SweepPatchesResult;
  layer: number;
  width: number;
  theme: Theme;
}

export function renderSweep(container: HTMLElement, input: SweepInput): SVGSVGElement[] {
  const { result, theme } = input;
  const labelled = (source: string) =>
    sweepRows(result)
      .filter((r) => r.source === source)
      .map((r) => ({ ...r, groupLabel: SWEEP_GROUP_LABELS[r.group as keyof typeof SWEEP_GROUP_LABELS] }));
  const rows = labelled('mirror');
  const control = labelled('attribute swap');
  const labels = Object.values(SWEEP_GROUP_LABELS);
  const bands = result.n > 1;
  const chart = plotSvg({
    width: input.width,
    height: 240,
    style: { background: 'transparent' },
    x: { label: 'layer', ticks: Math.min(12, result.layers.length) },
    y: { label: 'belief shift (fraction of the mirror effect)', grid: true },
    color: { domain: labels, range: [theme.blue, theme.orange, theme.green] },
    marks: [
      Plot.ruleY([0], { stroke: theme.muted }),
      Plot.ruleX([input.layer], { stroke: theme.focus }),
      ...(bands ? [Plot.areaY(rows, { x: 'layer', y1: 'low', y2: 'high', fill: 'groupLabel', fillOpacity: 0.18 })] : []),
      Plot.line(control, { x: 'layer', y: 'mean', stroke: 'groupLabel', strokeWidth: 1.5, strokeDasharray: '4 3', strokeOpacity: 0.8 }),
      Plot.line(rows, { x: 'layer', y: 'mean', stroke: 'groupLabel', strokeWidth: 2 }),
      Plot.dot(rows, {
        x: 'layer',
        y: 'mean',
        fill: 'groupLabel',
        r: 2.5,
        tip: true,
        channels: bands ? { low: 'low', high: 'high', n: 'n' } : {},
      }),
    ],
  });
  const colors = [theme.blue, theme.orange, theme.green];
  const legend = legendSvg(
    [
      ...(['image', 'text', 'objects'] as const).map((g, i) => ({ label: SWEEP_GROUP_LABELS[g], color: colors[i] })),
      ...(control.length > 0 ? [{ label: 'attribute-swap control', color: theme.muted, dash: '4 3' }] : []),
      { label: bands ? `bands: interval over ${result.n} scenes` : 'this picture (n = 1)' },
    ],
    input.width,
    theme,
  );
  const left = skippedText(result);
  setChildren(container, h('figure', { class: 'chart' }, legend, chart), ...(left ? [h('p', { class: 'note sweep-skipped', text: left })] : []));
  return [legend, chart];
}

/** "n = 199 of 200" when inputs were left out, else "n = 200" (results saved before `skipped` say only n). */
export function sweepCountText(result: SweepPatchesResult): string {
  const left = result.skipped?.length ?? 0;
  return left > 0 ? `n = ${result.n} of ${result.n + left}` : `n = ${result.n}`;
}

/** Which inputs the sweep left out and why, naming at most a few (the CSV/JSON export carries them all). */
export function skippedText(result: SweepPatchesResult, named = 5): string {
  const skipped = result.skipped ?? [];
  if (skipped.length === 0) return '';
  const list = skipped.slice(0, named).map((s) => `#${s.item} ("${s.question}")`).join(', ');
  const more = skipped.length > named ? ` and ${skipped.length - named} more` : '';
  const reasons = [...new Set(skipped.map((s) => s.reason))].join('; ');
  return `${skipped.length} of ${result.n + skipped.length} left out of the curves: ${list}${more}. Why: ${reasons}.`;
}

/** The Batch field's hint for what is typed there: 0 is this picture, N held-out scenes; anything else says what to type. */
export function batchHint(typed: string, max: number): string {
  const text = typed.trim();
  const n = Number(text);
  if (text === '' || n === 0) return '0: this picture';
  if (!Number.isInteger(n) || n < 0) return `Type 0 for this picture or a whole number of held-out scenes (1 to ${max})`;
  if (n > max) return `At most ${max} held-out scenes`;
  return `${n} held-out scene${n === 1 ? '' : 's'} asking the same relation, with confidence bands and the attribute-swap control`;
}
