import * as Plot from '@observablehq/plot';

/**
 * Observable Plot, CSP-safe: Plot appends a <style> element to each chart, which a strict
 * style-src (nonce only) blocks; the rules it carries live in panel.css under `.sil-plot`,
 * so the element is removed before the chart enters the page. Everything else Plot writes is
 * presentation attributes or CSSOM (element.style), which CSP allows.
 */
export const PLOT_CLASS = 'sil-plot';

export function plotSvg(options: Plot.PlotOptions): SVGSVGElement {
  const node = Plot.plot({ ...options, className: PLOT_CLASS });
  for (const style of node.querySelectorAll('style')) style.remove();
  if (!(node instanceof SVGSVGElement)) throw new Error('Plot returned a figure: give charts no title, caption or legend option');
  return node;
}

export { Plot };
