import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ModelInfo, ModelScope } from '../../../../protocol/requests';

/**
 * The loaded model's scope in plain words (ModelInfo.scope), so the panel can say what the model
 * was trained to see before anyone reads a heatmap on a cat photo. A folder states its own in
 * config.json (`spatial_id_lens.scope`: the bundled model does); placeholders there are filled
 * from the model itself, so the statement cannot drift from the vocabulary and canvas it loads
 * with. A folder that states none gets what its family implies: free questions, no claims.
 */

export interface DeclaredScope {
  /** What it was trained on; may hold {canvas}, {objects}, {vocabSize}. */
  trained_on: string;
  /** What it was trained to answer. */
  answers?: string;
  limits?: string[];
}

type ScopeFacts = Pick<ModelInfo, 'dir' | 'family' | 'imageSize' | 'vocabSize' | 'vocabulary'>;

export class ScopeConfigError extends Error {}

/** The `spatial_id_lens.scope` entry of a parsed config.json, or null when it has none; a malformed one is refused by name. */
export function declaredScopeOf(config: unknown): DeclaredScope | null {
  const lens = isObject(config) ? config.spatial_id_lens : undefined;
  const scope = isObject(lens) ? lens.scope : undefined;
  if (scope === undefined) return null;
  const where = 'config.json spatial_id_lens.scope';
  if (!isObject(scope) || typeof scope.trained_on !== 'string' || scope.trained_on.trim() === '') {
    throw new ScopeConfigError(`${where} must be an object with a non-empty "trained_on" sentence: fix it or remove the entry.`);
  }
  if (scope.answers !== undefined && typeof scope.answers !== 'string') throw new ScopeConfigError(`${where}.answers must be a sentence (a string).`);
  if (scope.limits !== undefined && !(Array.isArray(scope.limits) && scope.limits.every((l) => typeof l === 'string'))) {
    throw new ScopeConfigError(`${where}.limits must be a list of sentences (strings).`);
  }
  return { trained_on: scope.trained_on, answers: scope.answers as string | undefined, limits: scope.limits as string[] | undefined };
}

/** The scope of a model: the folder's declared one with its placeholders filled, else its family's. */
export function modelScopeOf(facts: ScopeFacts, declared: DeclaredScope | null, canvas: { width: number; height: number } | null): ModelScope {
  if (declared) {
    const fill = (text: string) =>
      text
        .replace(/\{canvas\}/g, sizeWords(canvas ?? facts.imageSize) ?? 'its own')
        .replace(/\{objects\}/g, objectWordsPhrase(facts.vocabulary.objectWords) ?? 'objects named freely')
        .replace(/\{vocabSize\}/g, String(facts.vocabSize));
    const summary = `Trained on ${fill(declared.trained_on).replace(/\.$/, '')}.${declared.answers ? ` Answers ${fill(declared.answers).replace(/\.$/, '')}.` : ''}`;
    return { summary, limits: (declared.limits ?? []).map(fill), source: 'config' };
  }
  const size = facts.imageSize ? `it reads each picture resized to ${facts.imageSize.width}x${facts.imageSize.height}` : 'its processor resizes each picture to its own grid';
  return {
    summary: `A ${facts.family} model (${path.basename(facts.dir)}): ask free questions about any picture; ${size}.`,
    limits: [
      'Its folder states no training scope (config.json spatial_id_lens.scope), so the panel claims none.',
      'No ID bank until one is derived for it (Derive IDs): its IDs come from synthetic scenes, so heatmaps on photos are indications.',
    ],
    source: 'family',
  };
}

/** "8 colours (red, green, ...) x 8 shapes (circle, ...)" from "<colour> <shape>" words; the words themselves when they are not of that form. */
export function objectWordsPhrase(words: readonly string[] | null): string | null {
  if (!words || words.length === 0) return null;
  const parts = words.map((w) => w.trim().split(/\s+/));
  if (parts.every((p) => p.length === 2)) {
    const colours = [...new Set(parts.map((p) => p[0]))];
    const shapes = [...new Set(parts.map((p) => p[1]))];
    if (colours.length * shapes.length === words.length) return `${colours.length} colours (${colours.join(', ')}) x ${shapes.length} shapes (${shapes.join(', ')})`;
  }
  return words.join(', ');
}

function sizeWords(size: { width: number; height: number } | null): string | null {
  if (!size) return null;
  return size.width === size.height ? `${size.width}-px` : `${size.width}x${size.height}-px`;
}

const cache = new Map<string, ModelScope>();

/**
 * ModelInfo with its scope, config.json read once per folder and decoder (info() answers every
 * request's checks). A malformed declared scope loads the model anyway and says what to fix.
 */
export function withScope(info: ModelInfo): ModelInfo {
  const key = `${info.dir}\n${info.decoderHash}`;
  let scope = cache.get(key);
  if (!scope) {
    let config: unknown = null;
    try {
      config = JSON.parse(readFileSync(path.join(info.dir, 'config.json'), 'utf8'));
    } catch {
      // the folder loaded, so its config was readable a moment ago; without it, the family's scope
    }
    const lens = isObject(config) && isObject(config.spatial_id_lens) ? config.spatial_id_lens : null;
    const canvas = lens && isObject(lens.canvas) && typeof lens.canvas.width === 'number' && typeof lens.canvas.height === 'number' ? { width: lens.canvas.width, height: lens.canvas.height } : null;
    try {
      scope = modelScopeOf(info, declaredScopeOf(config), canvas);
    } catch (e) {
      if (!(e instanceof ScopeConfigError)) throw e;
      const family = modelScopeOf(info, null, null);
      scope = { ...family, limits: [e.message, ...family.limits.slice(1)] };
    }
    cache.set(key, scope);
  }
  return { ...info, scope };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
