import { fillTemplate, objectsNamedIn } from '../logic/questions';
import { h } from './dom';

/** Question templates filled with the object words the model can name; the question stays freely editable. */

export interface QuestionBoxHandlers {
  onQuestion(question: string, templateIndex: number, a: string, b: string): void;
  onRun(): void;
}

type Select = HTMLElement & { value: string };
type TextField = HTMLElement & { value: string };

export class QuestionBox {
  readonly element: HTMLElement;
  private readonly template: Select;
  private readonly a: Select;
  private readonly b: Select;
  private readonly question: TextField;
  private readonly run: HTMLElement;
  private readonly spinner: HTMLElement;
  private templates: string[] = [];
  private words: string[] = [];

  constructor(private readonly handlers: QuestionBoxHandlers) {
    this.template = h('vscode-single-select', { class: 'template-select', attrs: { 'aria-label': 'Question template' } }) as Select;
    this.a = h('vscode-single-select', { class: 'word-select', attrs: { 'aria-label': 'First object' } }) as Select;
    this.b = h('vscode-single-select', { class: 'word-select', attrs: { 'aria-label': 'Second object' } }) as Select;
    this.question = h('vscode-textfield', { class: 'question-field', attrs: { 'aria-label': 'Question', placeholder: 'Ask about the objects…' } }) as TextField;
    this.run = h('vscode-button', { class: 'run-button', text: 'Run', attrs: { 'data-action': 'run' }, on: { click: () => this.handlers.onRun() } });
    this.spinner = h('vscode-progress-ring', { class: 'busy-ring', attrs: { hidden: true } });
    for (const s of [this.template, this.a, this.b]) s.addEventListener('change', () => this.templateChanged());
    this.question.addEventListener('input', () => this.questionTyped());
    this.question.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Enter') this.handlers.onRun();
    });
    this.element = h(
      'section',
      { class: 'question-box', attrs: { 'data-view': 'question' } },
      h('div', { class: 'field-row template-row' }, h('vscode-label', { text: 'Template' }), this.template),
      h('div', { class: 'field-row words-row' }, h('vscode-label', { text: 'Objects' }), this.a, h('span', { class: 'muted', text: 'and' }), this.b),
      h('div', { class: 'field-row question-row' }, this.question, this.run, this.spinner),
    );
  }

  /** Fills the selects (once per init: they do not change while the panel is open). */
  setChoices(templates: readonly string[], words: readonly string[], templateIndex: number, a: string, b: string): void {
    if (sameList(templates, this.templates) && sameList(words, this.words)) return;
    this.templates = [...templates];
    this.words = [...words];
    fillOptions(this.template, templates.map((t) => fillTemplate(t, '…', '…')), templates.map((_, i) => String(i)), String(templateIndex));
    fillOptions(this.a, words, words, a);
    fillOptions(this.b, words, words, b);
  }

  update(question: string, busy: boolean, canRun: boolean): void {
    if (this.question.value !== question && document.activeElement !== this.question) this.question.value = question;
    this.run.toggleAttribute('disabled', busy || !canRun);
    this.spinner.toggleAttribute('hidden', !busy);
  }

  private templateIndex(): number {
    const i = Number(this.template.value);
    return Number.isInteger(i) ? i : 0;
  }

  /** A typed question moves the object selects to the objects it names, so steering offers those. */
  private questionTyped(): void {
    const [a = this.a.value, b = this.b.value] = objectsNamedIn(this.question.value, this.words);
    this.a.value = a;
    this.b.value = b;
    this.handlers.onQuestion(this.question.value, this.templateIndex(), a, b);
  }

  private templateChanged(): void {
    const i = this.templateIndex();
    const template = this.templates[i];
    if (template === undefined) return;
    const question = fillTemplate(template, this.a.value, this.b.value);
    this.question.value = question;
    this.handlers.onQuestion(question, i, this.a.value, this.b.value);
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function fillOptions(select: Select, labels: readonly string[], values: readonly string[], selected: string): void {
  while (select.firstChild) select.removeChild(select.firstChild);
  labels.forEach((label, i) => {
    select.appendChild(h('vscode-option', { text: label, attrs: { value: values[i], selected: values[i] === selected } }));
  });
  select.value = selected;
}
