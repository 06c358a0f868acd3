import type { QuestionTemplate } from '../../../protocol/requests';
import type { InitBody } from '../../../protocol/webview';
import { type QuestionFields, UNNAMED, askedQuestion, choiceForTyped, closedObjectWords, fillTemplate, nameAmong, questionFrom, templatesOf, wordsFor } from '../logic/questions';
import { h, show } from './dom';

/**
 * The question: one of the model's templates filled with object names (chosen from a closed
 * vocabulary, typed freely for a model that reads open text), or a question of the user's own with
 * its object names and answer words typed beside it. The question stays freely editable.
 */

export interface QuestionBoxHandlers {
  onQuestion(fields: QuestionFields): void;
  onRun(): void;
}

type Field = HTMLElement & { value: string };

/** The template select's value for a question of the user's own. */
const OWN = '-1';
/** An object select's first option: no object chosen yet (a picture whose objects the panel does not know). */
const CHOOSE = 'Choose…';

export class QuestionBox {
  readonly element: HTMLElement;
  private readonly template: Field;
  /** Closed vocabulary: selects of its words. */
  private readonly selects: [Field, Field];
  /** Open vocabulary: free names. */
  private readonly names: [Field, Field];
  private readonly and: HTMLElement;
  private readonly answersRow: HTMLElement;
  private readonly answers: Field;
  private readonly question: Field;
  private readonly run: HTMLElement;
  private readonly spinner: HTMLElement;
  private templates: QuestionTemplate[] = [];
  private words: string[] | null = null;
  /** The names the selects offer now: the chosen template's (the colour question's shapes) or the vocabulary's. */
  private offered: string[] | null = null;
  private choicesFrom: InitBody | null = null;
  private fields: QuestionFields = { question: '', templateIndex: -1, objectA: '', objectB: '', answerText: '' };

  constructor(private readonly handlers: QuestionBoxHandlers) {
    this.template = h('vscode-single-select', { class: 'template-select', attrs: { 'aria-label': 'Question template' } }) as Field;
    // combobox: type-ahead over the closed vocabulary (64 names on the bundled model)
    const select = (label: string) => h('vscode-single-select', { class: 'word-select', attrs: { 'aria-label': label, combobox: '' } }) as Field;
    const name = (label: string, example: string) => h('vscode-textfield', { class: 'object-field', attrs: { 'aria-label': label, placeholder: example } }) as Field;
    this.selects = [select('First object'), select('Second object')];
    this.names = [name('First object', 'e.g. dog'), name('Second object', 'e.g. traffic light')];
    this.and = h('span', { class: 'muted', text: 'and' });
    this.answers = h('vscode-textfield', { class: 'answers-field', attrs: { 'aria-label': 'Answer words', placeholder: 'e.g. yes, no (none: the generated answer)' } }) as Field;
    this.question = h('vscode-textfield', { class: 'question-field', attrs: { 'aria-label': 'Question', placeholder: 'Ask about the objects…' } }) as Field;
    this.run = h('vscode-button', { class: 'run-button', text: 'Run', attrs: { 'data-action': 'run' }, on: { click: () => this.handlers.onRun() } });
    this.spinner = h('vscode-progress-ring', { class: 'busy-ring', attrs: { hidden: true } });
    this.template.addEventListener('change', () => this.templateChosen());
    for (const s of this.selects) s.addEventListener('change', () => this.objectsChanged(this.selects));
    for (const n of this.names) n.addEventListener('input', () => this.objectsChanged(this.names));
    this.answers.addEventListener('input', () => this.emit({ answerText: this.answers.value }));
    this.question.addEventListener('input', () => this.questionTyped());
    for (const f of [this.question, this.answers, ...this.names]) {
      f.addEventListener('keydown', (e) => {
        if ((e as KeyboardEvent).key === 'Enter') this.handlers.onRun();
      });
    }
    this.answersRow = h('div', { class: 'field-row answers-row' }, h('vscode-label', { text: 'Answers' }), this.answers);
    this.element = h(
      'section',
      { class: 'question-box', attrs: { 'data-view': 'question' } },
      h('div', { class: 'field-row template-row' }, h('vscode-label', { text: 'Template' }), this.template),
      h('div', { class: 'field-row words-row' }, h('vscode-label', { text: 'Objects' }), this.selects[0], this.names[0], this.and, this.selects[1], this.names[1]),
      this.answersRow,
      h('div', { class: 'field-row question-row' }, this.question, this.run, this.spinner),
    );
  }

  /** Shows the state's question; the choices are filled once per init (they do not change while the panel is open). */
  update(state: QuestionFields & { init: InitBody }, busy: boolean, canRun: boolean): void {
    if (state.init !== this.choicesFrom) this.setChoices(state.init, state);
    this.offerWords(wordsFor(this.templates[state.templateIndex], this.words), state);
    this.fields = { question: state.question, templateIndex: state.templateIndex, objectA: state.objectA, objectB: state.objectB, answerText: state.answerText };
    const objects = this.words ? this.selects : this.names;
    setUnlessFocused(this.template, String(state.templateIndex));
    setUnlessFocused(objects[0], state.objectA);
    setUnlessFocused(objects[1], state.objectB);
    setUnlessFocused(this.answers, state.answerText);
    setUnlessFocused(this.question, state.question);
    const oneObject = this.templates[state.templateIndex]?.objects === 1;
    // the second object only when the question names two (a one-object template left "blue square and blue square" before)
    show(this.selects[0], !!this.words);
    show(this.selects[1], !!this.words && !oneObject);
    show(this.names[0], !this.words);
    show(this.names[1], !this.words && !oneObject);
    show(this.and, !oneObject);
    show(this.answersRow, state.templateIndex < 0);
    this.question.setAttribute('placeholder', this.templates[state.templateIndex] ? questionFrom(this.templates[state.templateIndex], '', '') : 'Ask about the objects…');
    this.run.toggleAttribute('disabled', busy || !canRun);
    // Run says what is missing (e.g. the objects of a picture the panel knows nothing about); clicking it says so too
    const asking = askedQuestion(state, this.templates, this.words);
    if (asking.ok || !canRun) this.run.removeAttribute('title');
    else this.run.setAttribute('title', asking.problem);
    this.spinner.toggleAttribute('hidden', !busy);
  }

  private setChoices(init: InitBody, state: QuestionFields): void {
    const templates = templatesOf(init);
    const words = closedObjectWords(init);
    const unchanged = this.choicesFrom !== null && sameTemplates(templates, this.templates) && sameList(words, this.words);
    this.choicesFrom = init;
    if (unchanged) return;
    this.templates = templates;
    this.words = words;
    fillOptions(this.template, [...templates.map((t) => fillTemplate(t.text, UNNAMED, UNNAMED)), 'Own question'], [...templates.map((_, i) => String(i)), OWN], String(state.templateIndex));
    this.offered = null;
  }

  /** Fills the selects with the names a template's objects are chosen from, when they change. */
  private offerWords(words: string[] | null, state: QuestionFields): void {
    if (!words || sameList(words, this.offered)) return;
    this.offered = words;
    for (const [select, chosen] of [[this.selects[0], state.objectA], [this.selects[1], state.objectB]] as const) fillOptions(select, [CHOOSE, ...words], ['', ...words], chosen);
  }

  private emit(change: Partial<QuestionFields>): void {
    this.fields = { ...this.fields, ...change };
    this.handlers.onQuestion(this.fields);
  }

  /** A template rewrites the question with the current names; "Own question" keeps it, for editing. */
  private templateChosen(): void {
    const i = Number(this.template.value);
    const template = this.templates[i];
    if (!template) {
      this.emit({ templateIndex: -1 });
      return;
    }
    // a template with its own names (the colour question's shapes) takes the names' counterparts
    const words = wordsFor(template, this.words);
    // a name not chosen yet stays unchosen
    const among = (name: string) => (words && name.trim() ? nameAmong(words, name) : name);
    const [objectA, objectB] = [among(this.fields.objectA), among(this.fields.objectB)];
    const question = questionFrom(template, objectA, objectB);
    this.question.value = question;
    this.emit({ templateIndex: i, question, objectA, objectB });
  }

  /** New names rewrite a template's question; a question of the user's own keeps its text. */
  private objectsChanged(fields: [Field, Field]): void {
    const [objectA, objectB] = fields.map((f) => f.value);
    const template = this.templates[this.fields.templateIndex];
    if (!template) {
      this.emit({ objectA, objectB });
      return;
    }
    const question = questionFrom(template, objectA, objectB);
    this.question.value = question;
    this.emit({ objectA, objectB, question });
  }

  /**
   * A typed question moves every control to it: the template whose shape it has, with the names it
   * fills in ("Is the blue square above or below the green star?": above/below, blue square, green
   * star), else "Own question" with the objects it names (its answer words typed beside it); the
   * steering choices follow the names (panelState.objectChoices).
   */
  private questionTyped(): void {
    const question = this.question.value;
    const { templateIndex, objectA, objectB } = choiceForTyped(question, this.templates, this.words, this.fields);
    const template = this.templates[templateIndex];
    // the selects offer the template's names (the colour question's shapes) before they are set
    if (this.words) this.offerWords(wordsFor(template, this.words), { ...this.fields, objectA, objectB });
    const objects = this.words ? this.selects : this.names;
    objects[0].value = objectA;
    objects[1].value = objectB;
    this.template.value = String(templateIndex);
    this.emit({ question, objectA, objectB, templateIndex });
  }
}

function setUnlessFocused(field: Field, value: string): void {
  if (field.value !== value && document.activeElement !== field) field.value = value;
}

function sameList(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function sameTemplates(a: readonly QuestionTemplate[], b: readonly QuestionTemplate[]): boolean {
  return a.length === b.length && a.every((t, i) => JSON.stringify(t) === JSON.stringify(b[i]));
}

function fillOptions(select: Field, labels: readonly string[], values: readonly string[], selected: string): void {
  while (select.firstChild) select.removeChild(select.firstChild);
  labels.forEach((label, i) => {
    select.appendChild(h('vscode-option', { text: label, attrs: { value: values[i], selected: values[i] === selected } }));
  });
  select.value = selected;
}
