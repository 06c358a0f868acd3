import type { IdBankSummary, ProbeResult } from '../../../protocol/requests';
import { probeRows } from '../logic/chartData';
import { symmetricExtent } from '../logic/colorScale';
import { cellTick } from '../logic/grid';
import { h, setChildren } from './dom';
import { Plot, plotSvg } from './plotSvg';
import type { Theme } from './theme';

/** Per object, similarity to each cell's ID (columns) at each layer (rows); the shown layer outlined, argmax dotted. */

export interface MatrixInput {
  probe: ProbeResult;
  bank: IdBankSummary | null;
  numLayers: number | null;
  layer: number;
  width: number;
  theme: Theme;
  onLayer: (layer: number) => void;
}

interface MatrixDatum {
  object: string;
  layer: number;
  cell: number;
  label: string;
  similarity: number;
  argmax: boolean;
}

export function renderSimilarityMatrices(container: HTMLElement, input: MatrixInput): SVGSVGElement[] {
  const { probe, bank, theme } = input;
  const kind = bank?.kind ?? 'spatial';
  const rows = probeRows(probe, input.numLayers, bank) as unknown as MatrixDatum[];
  const extent = symmetricExtent(rows.map((r) => r.similarity));
  const labels = probe.cells.map((c) => cellTick(c, kind));
  const charts: SVGSVGElement[] = [];
  const figures: HTMLElement[] = [];
  for (const obj of probe.objects) {
    const data = rows.filter((r) => r.object === obj.object).map((r) => ({ ...r, label: labels[r.cell] }));
    const layers = [...new Set(data.map((d) => d.layer))];
    const crowded = input.width / Math.max(1, labels.length) < 38;
    const chart = plotSvg({
      width: input.width,
      height: 40 + (crowded ? 24 : 0) + layers.length * 20,
      marginLeft: 44,
      marginTop: 6,
      marginBottom: crowded ? 44 : 28,
      style: { background: 'transparent' },
      x: { domain: labels, label: kind === 'temporal' ? 'frame' : 'cell (row, column)', tickRotate: crowded ? -45 : 0 },
      y: { domain: layers, label: 'layer' },
      color: { type: 'linear', domain: [-extent, 0, extent], range: [theme.blue, theme.background, theme.red] },
      marks: [
        Plot.cell(data, {
          x: 'label',
          y: 'layer',
          fill: 'similarity',
          inset: 0.5,
          tip: true,
          channels: { object: 'object', similarity: 'similarity' },
        }),
        Plot.cell(
          data.filter((d) => d.layer === input.layer),
          { x: 'label', y: 'layer', fill: 'none', stroke: theme.focus, strokeWidth: 1.5 },
        ),
        Plot.dot(
          data.filter((d) => d.argmax),
          { x: 'label', y: 'layer', r: 2.5, fill: theme.foreground },
        ),
      ],
    });
    chart.classList.add('clickable-chart');
    chart.setAttribute('data-object', obj.object);
    chart.addEventListener('click', () => {
      const d = (chart as unknown as { value?: MatrixDatum | null }).value;
      if (d && typeof d.layer === 'number') input.onLayer(d.layer);
    });
    charts.push(chart);
    figures.push(h('figure', { class: 'chart' }, h('figcaption', { text: obj.object }), chart));
  }
  setChildren(container, ...figures);
  return charts;
}
