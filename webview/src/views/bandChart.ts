import type { SteerResult } from '../../../protocol/requests';
import type { CsvValue } from '../logic/csv';
import { h, setChildren } from './dom';
import { legendSvg } from './legend';
import { Plot, plotSvg } from './plotSvg';
import type { Theme } from './theme';

/**
 * Steering vs noise by layer band (the model card's headline table): per band, the flip rate of
 * steering beside the flip rate of matched-norm noise over held-out scenes, with 95% Wilson
 * intervals; the band with the largest steering-minus-noise gap is named.
 */

export type BandRows = NonNullable<SteerResult['perLayer']>;

export interface BandChartInput {
  result: SteerResult;
  width: number;
  theme: Theme;
}

const bandName = (layers: readonly number[]) => (layers.length === 1 ? `${layers[0]}` : `${layers[0]}-${layers[layers.length - 1]}`);

/** One row per band and condition, as the CSV holds them. */
export function bandRows(result: SteerResult): Record<string, CsvValue>[] {
  return (result.perLayer ?? []).flatMap((b) =>
    (['steering', 'noise'] as const).map((condition) => ({
      band: bandName(b.layers),
      layers: b.layers.join(' '),
      condition,
      rate: b[condition].rate,
      low: b[condition].low,
      high: b[condition].high,
      n: b[condition].n,
      meanDeltaLogprob: condition === 'steering' ? b.meanDeltaLogprobSteering : b.meanDeltaLogprobNoise,
      factor: result.factor ?? null,
    })),
  );
}

export function bandSummary(result: SteerResult): string {
  const best = result.perLayer?.find((b) => b.layers.join() === result.bestBand?.join());
  const n = result.perLayer?.[0]?.steering.n ?? 0;
  const pct = (v: number) => `${Math.round(100 * v)}%`;
  const head = `Flip rate over ${n} held-out scenes at factor ${result.factor ?? '?'}`;
  return best ? `${head}; best band ${bandName(best.layers)}: steering ${pct(best.steering.rate)} vs noise ${pct(best.noise.rate)}.` : `${head}.`;
}

export function renderBandChart(container: HTMLElement, input: BandChartInput): SVGSVGElement[] {
  const { result, theme } = input;
  const rows = bandRows(result);
  const bands = (result.perLayer ?? []).map((b) => bandName(b.layers));
  const colours = { steering: theme.blue, noise: theme.muted };
  const chart = plotSvg({
    width: input.width,
    height: 240,
    marginBottom: 36,
    style: { background: 'transparent' },
    fx: { label: 'layer band', domain: bands, padding: 0.15 },
    x: { axis: null, domain: ['steering', 'noise'], padding: 0.1 },
    y: { label: 'flip rate', domain: [0, 1], grid: true, tickFormat: '%' },
    color: { domain: ['steering', 'noise'], range: [colours.steering, colours.noise] },
    marks: [
      Plot.barY(rows, { fx: 'band', x: 'condition', y: 'rate', fill: 'condition', fillOpacity: 0.85, tip: true, channels: { low: 'low', high: 'high', n: 'n', 'mean Δ log P': 'meanDeltaLogprob' } }),
      Plot.ruleX(rows, { fx: 'band', x: 'condition', y1: 'low', y2: 'high', stroke: theme.foreground, strokeWidth: 1.5 }),
      Plot.ruleY([0], { stroke: theme.muted }),
    ],
  });
  chart.setAttribute('data-chart', 'band-flip-rates');
  const legend = legendSvg(
    [
      { label: 'steering (ID difference)', color: colours.steering },
      { label: 'matched-norm noise', color: colours.noise },
      { label: 'bars: flip rate · lines: 95% interval' },
    ],
    input.width,
    theme,
  );
  setChildren(container, h('p', { class: 'chart-title', text: bandSummary(result) }), h('figure', { class: 'chart band-chart' }, legend, chart));
  return [legend, chart];
}
