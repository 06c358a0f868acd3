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
  setChildren(container, h('figure', { class: 'chart' }, legend, chart));
  return [legend, chart];
}
