/**
 * WCAG 2 contrast of every visible control in a webview, from the colours the browser rendered
 * (getComputedStyle), not from the theme's declared variables: a control whose text or edge is
 * below 3:1 against what is behind it is reported by its label. The same measure as the webview's
 * browser test (webview/test/panelAccess.browser.test.mjs), here run in the real workbench's
 * webview frame, where the colours come from VS Code's own theme.
 *
 * `measureControls` runs in the page (Playwright serialises it): it must not use anything from
 * this module's scope, and it reads the DOM through the minimal types below (this project is
 * type-checked without DOM types).
 */

export interface ContrastReport {
  checked: { name: string; kind: 'text' | 'boundary'; ratio: number }[];
  failures: string[];
}

interface PageElement {
  tagName: string;
  className: unknown;
  textContent: string | null;
  type?: string;
  shadowRoot: { querySelector(selector: string): PageElement | null } | null;
  assignedSlot: PageElement | null;
  parentElement: PageElement | null;
  getRootNode(): { host?: PageElement };
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number; height: number };
}

interface PageStyle {
  color: string;
  backgroundColor: string;
  borderTopColor: string;
  borderTopWidth: string;
  opacity: string;
  visibility: string;
}

interface PageGlobals {
  document: { body: PageElement; querySelectorAll(selector: string): Iterable<PageElement> };
  getComputedStyle(element: PageElement): PageStyle;
}

/** In the page: each visible button, text field, select, radio and checkbox: its text and its edge against the background behind it. */
export function measureControls(): ContrastReport {
  const win = globalThis as unknown as PageGlobals;
  type Rgba = { r: number; g: number; b: number; a: number };
  const parse = (c: string): Rgba | null => {
    const m = /rgba?\(([^)]+)\)/.exec(c);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const over = (top: Rgba, under: Rgba): Rgba => ({ r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1 });
  const lum = ({ r, g, b }: Rgba) => {
    const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a: Rgba, b: Rgba) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  // the rendered tree: a slotted element sits in its slot inside the shadow root (the export buttons in a card header)
  const parentOf = (el: PageElement): PageElement | null => el.assignedSlot ?? el.parentElement ?? el.getRootNode()?.host ?? null;
  // the colour behind `el`: the first opaque background up the tree (through shadow hosts), the translucent ones above it blended down
  const backdrop = (el: PageElement): Rgba => {
    const layers: Rgba[] = [];
    for (let n = parentOf(el); n; n = parentOf(n)) {
      const bg = parse(win.getComputedStyle(n).backgroundColor);
      if (bg && bg.a > 0) {
        layers.push(bg);
        if (bg.a >= 1) break;
      }
    }
    let colour = parse(win.getComputedStyle(win.document.body).backgroundColor) ?? { r: 255, g: 255, b: 255, a: 1 };
    if (colour.a < 1) colour = over(colour, { r: 255, g: 255, b: 255, a: 1 });
    for (const l of layers.reverse()) colour = over(l, colour);
    return colour;
  };
  const opacityOf = (el: PageElement) => {
    let o = 1;
    for (let n: PageElement | null = el; n; n = parentOf(n)) o *= Number(win.getComputedStyle(n).opacity);
    return o;
  };
  const visible = (el: PageElement) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && win.getComputedStyle(el).visibility !== 'hidden';
  };
  const label = (el: PageElement) => {
    const text = (el.getAttribute('aria-label') || el.textContent || el.getAttribute('data-action') || el.getAttribute('placeholder') || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ')[0]}` : ''} "${text}"`;
  };
  const checked: ContrastReport['checked'] = [];
  const failures: string[] = [];
  for (const el of win.document.querySelectorAll('button, input, select, vscode-button, vscode-textfield, vscode-single-select, vscode-radio, vscode-checkbox')) {
    if (!visible(el)) continue;
    // a custom element is read through the part that paints it
    const inner = el.shadowRoot?.querySelector('.base, button, input, .select-face, .icon, .wrapper, .root') ?? el;
    const name = label(el);
    const style = win.getComputedStyle(inner);
    const behind = backdrop(inner);
    const own = parse(style.backgroundColor);
    const face = own && own.a > 0 ? over(own, behind) : behind;
    const alpha = opacityOf(inner);
    const text = parse(style.color);
    const hasText = inner.tagName !== 'INPUT' || !['range', 'checkbox', 'radio'].includes(inner.type ?? '');
    if (text && hasText && (el.textContent?.trim() || inner.tagName === 'INPUT')) {
      const r = ratio(over({ ...text, a: text.a * alpha }, face), face);
      checked.push({ name, kind: 'text', ratio: Math.round(r * 100) / 100 });
      if (r < 3) failures.push(`${name}: text ${r.toFixed(2)}:1`);
    }
    // the control's edge against what is around it: its border if drawn, else its own face
    const border = parse(style.borderTopColor);
    const edge = border && border.a > 0 && parseFloat(style.borderTopWidth) > 0 ? over({ ...border, a: border.a * alpha }, behind) : face;
    const r = ratio(edge, behind);
    checked.push({ name, kind: 'boundary', ratio: Math.round(r * 100) / 100 });
    // a borderless text button on the page's own background is bounded by its text
    const textBounds = !!(text && hasText && el.textContent?.trim() && ratio(over(text, face), behind) >= 3 && !(own && own.a > 0));
    if (r < 3 && !textBounds) failures.push(`${name}: boundary ${r.toFixed(2)}:1`);
  }
  return { checked, failures };
}
