import type { ModelInfo } from '../../../protocol/requests';

/**
 * The questions and object words the panel and the palette offer: the loaded model's own
 * (ModelInfo.vocabulary, filled by the server for a model with a closed vocabulary, such as the
 * bundled one), so the panel asks exactly what the model was trained on. None for a model that
 * reads open text (or before a model has loaded): the user types the question.
 */
export function questionTemplates(model: ModelInfo | null, kind: 'image' | 'video'): string[] {
  return model?.vocabulary?.questionTemplates[kind] ?? [];
}

/** Every "colour shape" the model can name, or none for an open-vocabulary model. */
export function objectWords(model: ModelInfo | null): string[] {
  return model?.vocabulary?.objectWords ?? [];
}
