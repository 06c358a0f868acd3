import type { IdBankSummary, LayerIdView } from '../../../protocol/requests';
import { neighbourPairs } from '../logic/grid';
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
  // the random-init control's lattice at the same layer, beside this model's, when the derivation had one
  const baseView = bank.baselineLayers?.find((v) => v.layer === input.layer) ?? null;
  const size = baseView ? Math.min(Math.floor((input.width - 12) / 2), 300) : Math.min(input.width, 360);
  const lattice = latticePlot(bank, view, input.view, size, theme, theme.blue);
  lattice.setAttribute('data-lattice', 'model');
  const baseLattice = baseView ? latticePlot(bank, baseView, input.view, size, theme, theme.muted) : null;
  baseLattice?.setAttribute('data-lattice', 'random-init');
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
      ...(baseline.length > 0 ? [{ label: `random init${baselineName(bank)}`, color: theme.muted, dash: '4 3' }] : []),
    ],
    input.width,
    theme,
  );
  // which lattice is which, named in an SVG legend so the exported SVG/PNG says it too
  const pairLegend = baseView ? legendSvg([{ label: `this model · lattice ${view.latticeScore.toFixed(2)}`, color: theme.blue }, { label: `random init${baselineName(bank)} · lattice ${baseView.latticeScore.toFixed(2)}`, color: theme.muted }], input.width, theme) : null;
  pairLegend?.setAttribute('data-legend', 'lattice-pair');
  const lattices = baseLattice && pairLegend
    ? h('figure', { class: 'chart' }, pairLegend, h('div', { class: 'lattice-pair' }, h('div', { class: 'lattice-chart' }, lattice), h('div', { class: 'lattice-chart lattice-baseline' }, baseLattice)))
    : h('figure', { class: 'chart lattice-chart' }, lattice);
  setChildren(
    container,
    h('p', { class: 'chart-title', text: latticeSummary(bank, view) }),
    lattices,
    h('figure', { class: 'chart' }, h('figcaption', { text: 'Lattice score by layer' }), scoreLegend, scoreChart),
  );
  return [...(pairLegend ? [pairLegend] : []), lattice, ...(baseLattice ? [baseLattice] : []), scoreLegend, scoreChart];
}

/** A cell's short label on a crowded plot, 1-based as the panel names cells: "r2 c1", or "f3" for a frame. */
const shortLabel = (c: { x: number; y: number }, kind: 'spatial' | 'temporal') => (kind === 'temporal' ? `f${c.x + 1}` : `r${c.y + 1} c${c.x + 1}`);

const baselineName = (bank: IdBankSummary) => (bank.baselineModel ? ` (${bank.baselineModel.split(/[\\/]/).pop()})` : '');

/** One layer's cell IDs in PCA or axis-plane coordinates, grid neighbours joined. */
function latticePlot(bank: IdBankSummary, view: LayerIdView, coords: 'pca' | 'plane', size: number, theme: Theme, colour: string): SVGSVGElement {
  const points = bank.cells.map((c, i) => {
    const p = coords === 'pca' ? view.pca.projections[i] ?? [] : view.plane[i] ?? [];
    return { cell: i, label: shortLabel(c, bank.kind), u: p[0] ?? 0, v: p[1] ?? 0 };
  });
  const links = neighbourPairs(bank.cells).map(([a, b]) => ({ x1: points[a].u, y1: points[a].v, x2: points[b].u, y2: points[b].v }));
  const evr = view.pca.explainedVarianceRatio;
  return plotSvg({
    width: size,
    height: size,
    inset: 18,
    style: { background: 'transparent' },
    x: { label: coords === 'pca' ? `PC1${percent(evr[0])}` : 'x axis', ticks: 4 },
    y: { label: coords === 'pca' ? `PC2${percent(evr[1])}` : 'y axis', ticks: 4 },
    marks: [
      Plot.link(links, { x1: 'x1', y1: 'y1', x2: 'x2', y2: 'y2', stroke: theme.muted, strokeOpacity: 0.8 }),
      Plot.dot(points, { x: 'u', y: 'v', r: 4, fill: colour, tip: true, channels: { cell: 'label' } }),
      Plot.text(points, { x: 'u', y: 'v', text: 'label', dy: -9, fill: theme.foreground }),
    ],
  });
}
