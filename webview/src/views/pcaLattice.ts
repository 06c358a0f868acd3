import type { IdBankSummary, LayerIdView } from '../../../protocol/requests';
import { cellLabel, neighbourPairs } from '../logic/grid';
import { h, setChildren } from './dom';
import { legendSvg } from './legend';
import { Plot, plotSvg } from './plotSvg';
import type { Theme } from './theme';

/** The ID bank at one layer: the cell IDs in PCA (or axis-plane) coordinates, grid neighbours joined, and the lattice score across layers. */

export interface LatticeInput {
  bank: IdBankSummary;
  layer: number;
  view: 'pca' | 'plane';
  width: number;
  theme: Theme;
}

export function layerView(bank: IdBankSummary, layer: number): LayerIdView | null {
  return bank.layers.find((v) => v.layer === layer) ?? null;
}

function percent(v: number | undefined): string {
  return v === undefined ? '' : ` (${(v * 100).toFixed(0)}%)`;
}

export function latticeSummary(bank: IdBankSummary, view: LayerIdView): string {
  const baseline = bank.baselineLatticeScores?.[view.layer];
  const base = baseline === undefined ? '' : ` · random init ${baseline.toFixed(2)}`;
  const best = view.layer === bank.bestLayer ? ' · best layer' : '';
  const own = Number.isFinite(view.ownAxesScore) ? ` (own axes ${view.ownAxesScore.toFixed(2)})` : '';
  return `Layer ${view.layer} · lattice score ${view.latticeScore.toFixed(2)}${own}${base}${best}`;
}

export function renderLattice(container: HTMLElement, input: LatticeInput): SVGSVGElement[] {
  const { bank, theme } = input;
  const view = layerView(bank, input.layer);
  if (!view) {
    const have = bank.layers.map((v) => v.layer);
    setChildren(container, h('p', { class: 'note', text: `The ID bank has no view at layer ${input.layer} (it has layers ${have.join(', ')}).` }));
    return [];
  }
  const points = bank.cells.map((c, i) => {
    const p = input.view === 'pca' ? view.pca.projections[i] ?? [] : view.plane[i] ?? [];
    return { cell: i, label: cellLabel(c, bank.kind).replace('frame ', 'f'), u: p[0] ?? 0, v: p[1] ?? 0 };
  });
  const links = neighbourPairs(bank.cells).map(([a, b]) => ({ x1: points[a].u, y1: points[a].v, x2: points[b].u, y2: points[b].v }));
  const evr = view.pca.explainedVarianceRatio;
  const size = Math.min(input.width, 360);
  const lattice = plotSvg({
    width: size,
    height: size,
    inset: 18,
    style: { background: 'transparent' },
    x: { label: input.view === 'pca' ? `PC1${percent(evr[0])}` : 'x axis', ticks: 4 },
    y: { label: input.view === 'pca' ? `PC2${percent(evr[1])}` : 'y axis', ticks: 4 },
    marks: [
      Plot.link(links, { x1: 'x1', y1: 'y1', x2: 'x2', y2: 'y2', stroke: theme.muted, strokeOpacity: 0.8 }),
      Plot.dot(points, { x: 'u', y: 'v', r: 4, fill: theme.blue, tip: true, channels: { cell: 'label' } }),
      Plot.text(points, { x: 'u', y: 'v', text: 'label', dy: -9, fill: theme.foreground }),
    ],
  });
  const scores = bank.layers.map((v) => ({ layer: v.layer, score: v.latticeScore, series: 'this model' }));
  const ownAxes = bank.layers.filter((v) => Number.isFinite(v.ownAxesScore)).map((v) => ({ layer: v.layer, score: v.ownAxesScore, series: 'own axes' }));
  const baseline = (bank.baselineLatticeScores ?? []).map((score, layer) => ({ layer, score, series: 'random init' }));
  const scoreChart = plotSvg({
    width: input.width,
    height: 150,
    style: { background: 'transparent' },
    x: { label: 'layer', ticks: Math.min(12, scores.length) },
    y: { label: 'lattice score', grid: true },
    color: { domain: ['this model', 'random init', 'own axes'], range: [theme.blue, theme.muted, theme.muted] },
    marks: [
      Plot.ruleX([input.layer], { stroke: theme.focus }),
      Plot.line(ownAxes, { x: 'layer', y: 'score', stroke: 'series', strokeDasharray: '1 3' }),
      Plot.line(baseline, { x: 'layer', y: 'score', stroke: 'series', strokeDasharray: '4 3' }),
      Plot.line(scores, { x: 'layer', y: 'score', stroke: 'series' }),
      Plot.dot(scores, { x: 'layer', y: 'score', fill: 'series', r: 3, tip: true }),
    ],
  });
  const scoreLegend = legendSvg(
    [
      { label: 'leave-one-out lattice score', color: theme.blue },
      ...(ownAxes.length > 0 ? [{ label: 'own-axes fit (near 1 even for random vectors; for comparison)', color: theme.muted, dash: '1 3' }] : []),
      ...(baseline.length > 0 ? [{ label: `random init${bank.baselineModel ? ` (${bank.baselineModel.split(/[\\/]/).pop()})` : ''}`, color: theme.muted, dash: '4 3' }] : []),
    ],
    input.width,
    theme,
  );
  setChildren(
    container,
    h('p', { class: 'chart-title', text: latticeSummary(bank, view) }),
    h('figure', { class: 'chart lattice-chart' }, lattice),
    h('figure', { class: 'chart' }, h('figcaption', { text: 'Lattice score by layer' }), scoreLegend, scoreChart),
  );
  return [lattice, scoreLegend, scoreChart];
}
