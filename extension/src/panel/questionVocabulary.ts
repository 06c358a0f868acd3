import type { ModelInfo, QuestionTemplate } from '../../../protocol/requests';

/**
 * The questions and object words the palette offers: the loaded model's own (ModelInfo.vocabulary,
 * which the server fills for every model), so commands ask what the model can be asked. The panel
 * reads them from the ModelInfo in its init. None before a model has loaded.
 */
export function templatesOf(model: ModelInfo | null, kind: 'image' | 'video'): QuestionTemplate[] {
  return model?.vocabulary.questionTemplates[kind] ?? [];
}

/** The templates' texts, with `{a}`/`{b}` for object names. */
export function questionTemplates(model: ModelInfo | null, kind: 'image' | 'video'): string[] {
  return templatesOf(model, kind).map((t) => t.text);
}

/** Every object name a closed-vocabulary model reads ("red circle"); none for a model whose objects are named freely. */
export function objectWords(model: ModelInfo | null): string[] {
  return model?.vocabulary.objectWords ?? [];
}
