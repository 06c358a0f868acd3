import type { ForwardResult, ModelInfo } from '../../../protocol/requests';

/**
 * A run's activations as a safetensors file, built in the panel from a forward pass that captured
 * every residual layer at every position: one F32 tensor [positions, hidden] per layer, named by
 * the model's residual site (TransformerLens' `blocks.{l}.hook_resid_pre`, server/src/graph/README.md),
 * with the prompt's token strings and ids in the metadata, so Python reads it with
 * `safetensors.safe_open(path, "pt")` and `json.loads(f.metadata()["tokens"])`.
 * The format: an 8-byte little-endian header length, the JSON header (padded with spaces to 8
 * bytes), then the tensors' bytes back to back.
 */

export interface ActivationFile {
  bytes: Uint8Array;
  /** Tensor names in file order. */
  names: string[];
  positions: number;
  hidden: number;
}

/** The site name of residual layer `layer` (its TransformerLens name), else `layers.{layer}.resid`. */
export function siteName(model: ModelInfo | null, layer: number): string {
  return model?.sites.find((s) => s.layer === layer)?.name ?? `layers.${layer}.resid`;
}

export function activationSafetensors(result: ForwardResult, model: ModelInfo | null, meta: { question: string; media: string }): ActivationFile {
  const layers = Object.keys(result.hidden).map(Number).sort((a, b) => a - b);
  if (layers.length === 0) throw new Error('The run captured no activations: run it again with every layer captured.');
  const positions = Object.keys(result.hidden[layers[0]]).map(Number).sort((a, b) => a - b);
  const hidden = result.hidden[layers[0]][positions[0]]?.length ?? 0;
  if (positions.length === 0 || hidden === 0) throw new Error('The run captured no positions: run it again with every position captured.');
  const header: Record<string, unknown> = {};
  const names: string[] = [];
  const bytesPer = positions.length * hidden * 4;
  layers.forEach((l, k) => {
    const name = siteName(model, l);
    names.push(name);
    header[name] = { dtype: 'F32', shape: [positions.length, hidden], data_offsets: [k * bytesPer, (k + 1) * bytesPer] };
  });
  const byPosition = new Map(result.tokens.map((t) => [t.position, t]));
  header.__metadata__ = {
    format: 'pt',
    question: meta.question,
    media: meta.media,
    model: model?.dir ?? '',
    answer: result.answer,
    layers: JSON.stringify(layers),
    positions: JSON.stringify(positions),
    tokens: JSON.stringify(positions.map((p) => byPosition.get(p)?.text ?? '')),
    token_ids: JSON.stringify(positions.map((p) => byPosition.get(p)?.id ?? -1)),
    token_kinds: JSON.stringify(positions.map((p) => byPosition.get(p)?.kind ?? 'text')),
  };
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  // pad so the tensor data starts on an 8-byte boundary
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad) headerBytes = encoder.encode((json += ' '.repeat(pad)));
  const out = new Uint8Array(8 + headerBytes.length + layers.length * bytesPer);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let offset = 8 + headerBytes.length;
  for (const l of layers) {
    for (const p of positions) {
      const vector = result.hidden[l][p];
      if (!vector || vector.length !== hidden) throw new Error(`Layer ${l} position ${p} has ${vector?.length ?? 0} values, not ${hidden}: the capture is incomplete.`);
      for (const v of vector) {
        view.setFloat32(offset, v, true);
        offset += 4;
      }
    }
  }
  return { bytes: out, names, positions: positions.length, hidden };
}

/** Bytes as base64, in chunks (String.fromCharCode on a whole large array overflows the stack). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
