import { type ChartData, type ExportFile, type ExportFormat, exportChart } from './chartExport';
import { h } from './dom';
import type { Theme } from './theme';

/** What a card exports: its drawn charts and the data behind them. */
export interface ExportSource {
  /** File name stem, e.g. "similarity-matrix-layer-3". */
  name(): string;
  charts(): SVGSVGElement[];
  data(): ChartData | null;
}

export interface CardContext {
  theme(): Theme;
  exportFile(file: ExportFile): void;
  reportError(action: string, error: unknown): void;
}

const FORMATS: ExportFormat[] = ['png', 'svg', 'csv', 'json'];

/** A collapsible section (like the Explorer's) with PNG/SVG/CSV/JSON export actions in its header. */
export class ChartCard {
  readonly element: HTMLElement;
  readonly body: HTMLDivElement;
  private readonly buttons = new Map<ExportFormat, HTMLButtonElement>();

  constructor(
    readonly id: string,
    title: string,
    private readonly source: ExportSource,
    private readonly context: CardContext,
  ) {
    this.body = h('div', { class: 'card-body' });
    const actions = h('div', { class: 'card-actions', attrs: { slot: 'actions' } });
    for (const format of FORMATS) {
      const button = h('button', {
        class: 'card-action',
        text: format.toUpperCase(),
        attrs: { type: 'button', 'data-export': format, title: `Export ${format === 'png' || format === 'svg' ? 'the chart' : 'its data'} as ${format.toUpperCase()}` },
        on: { click: () => void this.export(format) },
      });
      this.buttons.set(format, button);
      actions.appendChild(button);
    }
    this.element = h('vscode-collapsible', { class: 'card', attrs: { heading: title, open: true, 'always-show-header-actions': true, 'data-card': id } }, actions, this.body);
  }

  setDescription(text: string): void {
    this.element.setAttribute('description', text);
  }

  /** Enables the export actions that have something to export. */
  refresh(): void {
    const hasCharts = this.source.charts().length > 0;
    const hasData = this.source.data() !== null;
    for (const [format, button] of this.buttons) {
      const enabled = format === 'png' || format === 'svg' ? hasCharts : hasData;
      button.disabled = !enabled;
    }
  }

  async export(format: ExportFormat): Promise<void> {
    try {
      const file = await exportChart(this.source.name(), format, this.source.charts(), this.source.data(), this.context.theme());
      this.context.exportFile(file);
    } catch (error) {
      this.context.reportError(`Export ${format.toUpperCase()}`, error);
    }
  }
}
