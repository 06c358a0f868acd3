import { TEMPLATES } from '../../../server/src/scenes/questions';
import { COLOUR_NAMES, SHAPE_NAMES } from '../../../server/src/scenes/vocabulary';

/**
 * The questions the panel offers, as templates with `{a}`/`{b}` for object words, taken from the
 * scene engine's own templates so the panel asks exactly what the bundled model was trained on.
 */
export function questionTemplates(kind: 'image' | 'video'): string[] {
  // not "When does X appear?": the bundled model learns it but forgets it in its last phase (model card)
  if (kind === 'video') return [TEMPLATES.beforeAfter('{a}', '{b}')];
  return [TEMPLATES.leftRight('{a}', '{b}'), TEMPLATES.aboveBelow('{a}', '{b}'), TEMPLATES.grounding('{a}'), TEMPLATES.colour('{a}')];
}

/** Every "colour shape" the scene vocabulary can name. */
export function objectWords(): string[] {
  return COLOUR_NAMES.flatMap((c) => SHAPE_NAMES.map((s) => `${c} ${s}`));
}
