import type { IdBankSummary, ProbeResult } from '../../../protocol/requests';
import { symmetricExtent } from '../logic/colorScale';
import { frameLabel } from '../logic/grid';
import { argmaxAt, probeRowLayers, similarityAt } from '../logic/probeLayers';
import { h, setChildren } from './dom';
import { enableGridKeys } from './gridKeyboard';
import { type GridPanel, divergingFromTheme, overlaySvg, valueText } from './heatmapOverlay';
import type { Theme } from './theme';

/** Video: per object, the similarity to each frame's temporal ID at the shown layer, under the frame strip; click a frame to steer the object there. */

export interface TemporalInput {
  probe: ProbeResult;
  bank: IdBankSummary;
  numLayers: number | null;
  layer: number;
  frameUris: readonly string[];
  theme: Theme;
  /** Argmax per object before the intervention (dashed), and the steered target. */
  reference: Record<string, number>;
  target: { object: string; cell: number } | null;
  onFrameClick: (object: string, frame: number) => void;
  onFrameShow: (frame: number) => void;
}

export function temporalPanels(probe: ProbeResult, rowLayers: readonly number[], layer: number): GridPanel[] {
  return probe.objects.map((o) => ({ title: o.object, values: similarityAt(o, rowLayers, layer) ?? [], argmax: argmaxAt(o, rowLayers, layer) }));
}

export function renderTemporalStrip(container: HTMLElement, input: TemporalInput): void {
  const { probe, bank } = input;
  const rowLayers = probeRowLayers(probe.objects[0]?.similarity.length ?? 0, input.numLayers, bank);
  const panels = temporalPanels(probe, rowLayers, input.layer);
  const extent = symmetricExtent(panels.flatMap((p) => p.values));
  const scale = divergingFromTheme(input.theme);
  const thumbs = h(
    'div',
    { class: 'temporal-row' },
    h('span', { class: 'temporal-label', text: 'frames' }),
    h(
      'div',
      { class: 'temporal-cells frame-thumbs' },
      ...bank.cells.map((c, i) =>
        input.frameUris[i]
          ? h('button', { class: 'frame-thumb', attrs: { title: `Show ${frameLabel(c.x, bank.cells.length)}`, 'data-frame': i }, on: { click: () => input.onFrameShow(i) } }, h('img', { attrs: { src: input.frameUris[i], alt: frameLabel(c.x, bank.cells.length) } }))
          : h('span', { class: 'frame-thumb empty', text: String(c.x + 1), attrs: { title: frameLabel(c.x, bank.cells.length) } }),
      ),
    ),
  );
  const rows = panels.map((p) => {
    const strip = overlaySvg({
      cells: bank.cells,
      kind: 'temporal',
      object: p.title,
      values: p.values,
      argmax: p.argmax,
      reference: input.reference[p.title],
      target: input.target?.object === p.title ? input.target.cell : undefined,
      extent,
      scale,
      interactive: true,
    });
    strip.classList.add('temporal-strip');
    strip.setAttribute('data-object', p.title);
    strip.addEventListener('click', (e) => {
      const cell = e.target instanceof Element ? e.target.getAttribute('data-cell') : null;
      if (cell !== null) input.onFrameClick(p.title, Number(cell));
    });
    const readout = h('span', { class: 'readout', attrs: { 'aria-live': 'polite' } });
    const read = (cell: number) => (readout.textContent = valueText(p.title, bank.cells[cell], 'temporal', p.values[cell]));
    strip.addEventListener('mousemove', (e) => {
      const cell = e.target instanceof Element ? e.target.getAttribute('data-cell') : null;
      if (cell !== null) read(Number(cell));
    });
    // the frames of each object's strip are one tab stop: arrows move, Enter or Space moves the object to the frame
    enableGridKeys(strip, { cells: bank.cells, initial: Math.max(0, p.argmax), activate: (cell) => input.onFrameClick(p.title, cell), focused: read });
    return h('div', { class: 'temporal-row' }, h('span', { class: 'temporal-label', text: p.title }), h('div', { class: 'temporal-cells' }, strip), readout);
  });
  // a redraw (after a steer, a layer change) keeps keyboard focus on the same object's frame
  const active = document.activeElement;
  const had = active instanceof Element && container.contains(active) ? { object: active.closest('.temporal-strip')?.getAttribute('data-object'), cell: active.getAttribute('data-cell') } : null;
  setChildren(container, thumbs, ...rows);
  if (had?.object && had.cell !== null) {
    const strip = [...container.querySelectorAll('.temporal-strip')].find((s) => s.getAttribute('data-object') === had.object);
    strip?.querySelector<SVGElement>(`.heat-cell[data-cell="${had.cell}"]`)?.focus();
  }
}
