import { GraphProtoField, encodeNode, encodeTensorValueInfo } from './onnxFields';
import { OnnxGraph, OnnxModel } from './onnxModel';
import {
  DecoderLayout,
  GraphInstrumentationError,
  LocateOptions,
  LocatedSite,
  consumersOf,
  locateResidualSites,
  siteName,
} from './residualSites';

/**
 * Adds capture outputs and steering inputs at residual sites of a decoder (see README.md here
 * for the layer convention and site names, residualSites.ts for site discovery). `site(l)` below
 * is siteName(l, L): `blocks.{l}.hook_resid_pre` for l < L, `blocks.{L-1}.hook_resid_post` for l = L.
 *
 * - Capture of layer l: a graph output `site(l)` [batch, seq, hidden], produced by an Identity
 *   of the site tensor.
 * - Intervention at layer l: a REQUIRED graph input `delta.{site(l)}` [delta_batch_size,
 *   delta_sequence_length, hidden] (any shape that broadcasts to [batch, seq, hidden], so the caller feeds zeros [1, 1, hidden] when it does not
 *   steer) and an Add so that everything downstream of the site reads site + delta.
 * - Both take the site's own element type (ResidualSite.elemType): in fp16 exports that Cast the
 *   float32 `inputs_embeds` to float16 inside, every site, layer 0 included, is float16; the
 *   caller converts (tensors/float16.ts). Typing them from `inputs_embeds` would make the Add
 *   float16 + float32, which onnxruntime refuses to load.
 *   - plain Add site: the producing Add's output is renamed `.../pre_delta` and the new Add
 *     writes the original name, so every consumer, a graph output of that name, and
 *     subgraphs reading it from the outer scope all see site + delta without rewiring.
 *   - layer 0 (`inputs_embeds`, a graph input whose name is API): its consumers in the
 *     decoder graph are rewired to `inputs_embeds + delta.blocks.0.hook_resid_pre`. When
 *     layer 0 is the Cast of `inputs_embeds` (fp16 exports), it is edited like an Add site.
 *   - fused Skip*Norm site: the fused node computes the sum AND the next layer's norm from
 *     its inputs, so adding after output 3 would miss the norm; the delta is added to the
 *     node's residual input (only for that node), making output 0 (the next layer's normed
 *     input) and output 3 (the residual) both carry it.
 * - Capture sees the value AFTER the intervention at the same layer: captured l = site + delta l.
 *   So a steering vector at l is visible in the captured l and in every later layer.
 * New nodes are placed next to the node they read, so node order stays topological.
 * If-merged decoders: both branches get the same edits; capture values leave each branch as
 * an extra branch output and leave the If node as `site(l)`.
 */

export interface InstrumentOptions extends LocateOptions {
  /** Residual layers (0..L) to expose as graph outputs named by siteName. */
  capture: readonly number[];
  /** Residual layers (0..L) that get a required input `delta.{siteName}` added to the residual stream. */
  intervene: readonly number[];
}

export interface InstrumentedDecoder {
  bytes: Uint8Array;
  /** The decoder's layout and its sites (as found in the source model). */
  layout: DecoderLayout;
  captureOutputs: string[];
  deltaInputs: string[];
}

/** The graph input whose value is added to the residual stream at `layer` (0..numLayers). */
export const deltaInputName = (layer: number, numLayers: number): string => `delta.${siteName(layer, numLayers)}`;
const INTERNAL_PREFIX = '/spatial_id_lens/';

export function instrumentDecoder(modelBytes: Uint8Array, opts: InstrumentOptions): InstrumentedDecoder {
  const model = OnnxModel.parse(modelBytes);
  const { layout, graphs, ifNode } = locateResidualSites(model, opts);
  const check = (list: readonly number[], what: string) => {
    for (const l of list) {
      if (!Number.isInteger(l) || l < 0 || l > layout.numLayers) {
        throw new GraphInstrumentationError(`${what} layer ${l} is out of range: this decoder has layers 0 (embeddings) to ${layout.numLayers}`);
      }
    }
    return [...new Set(list)].sort((a, b) => a - b);
  };
  const capture = check(opts.capture, 'capture');
  const intervene = check(opts.intervene, 'intervention');
  const L = layout.numLayers;
  const site = (l: number) => siteName(l, L);
  const captureOutputs = capture.map(site);
  const deltaInputs = intervene.map((l) => deltaInputName(l, L));
  assertNotInstrumented(model.graph, graphs.map((g) => g.graph), [...captureOutputs, ...deltaInputs]);

  const { hiddenSize, batchDim, seqDim } = layout;
  const dims = [batchDim, seqDim, hiddenSize];
  const typeOf = (l: number) => layout.sites[l].elemType;
  for (const located of graphs) {
    // If-merged: each branch hands its captures to the If node under a branch-specific name
    const captureName = (l: number) => site(l) + (located.branch ? `.${located.branch}` : '');
    for (const l of [...new Set([...capture, ...intervene])].sort((a, b) => a - b)) {
      editSite(located.graph, located.sites[l], L, intervene.includes(l), capture.includes(l) ? captureName(l) : null);
    }
    if (located.branch) {
      for (const l of capture) located.graph.appendField(GraphProtoField.output, encodeTensorValueInfo(captureName(l), typeOf(l), dims));
    }
  }
  const top = model.graph;
  for (const l of capture) {
    if (ifNode) ifNode.setOutput(ifNode.outputs.length, site(l));
    top.appendField(GraphProtoField.output, encodeTensorValueInfo(site(l), typeOf(l), dims));
  }
  // Own symbolic dims: a delta broadcasts ([1, 1, H] zeros when not steering), and onnxruntime
  // plans buffers as if equal dim names were equal sizes (an fp16 graph then failed with "Shape
  // mismatch attempting to re-use buffer").
  const deltaDims = ['delta_batch_size', 'delta_sequence_length', hiddenSize];
  intervene.forEach((l, i) => top.appendField(GraphProtoField.input, encodeTensorValueInfo(deltaInputs[i], typeOf(l), deltaDims)));
  return { bytes: model.serialize(), layout, captureOutputs, deltaInputs };
}

/** Applies the intervention and/or the capture (an Identity to `captureAs`) at one site. */
function editSite(g: OnnxGraph, site: LocatedSite, numLayers: number, intervene: boolean, captureAs: string | null): void {
  const delta = deltaInputName(site.layer, numLayers);
  const internal = (what: string) => `${INTERNAL_PREFIX}${site.name}/${what}`;
  const addDelta = (a: string, out: string) => encodeNode({ name: internal('add_delta'), opType: 'Add', inputs: [a, delta], outputs: [out] });
  const identity = (from: string) => encodeNode({ name: internal('capture'), opType: 'Identity', inputs: [from], outputs: [captureAs!] });
  switch (site.kind) {
    case 'graphInput': {
      if (intervene) {
        const plus = internal('post_delta');
        const readers = consumersOf(g).get(site.tensor) ?? [];
        for (const n of readers) n.inputs.forEach((t, i) => t === site.tensor && n.setInput(i, plus));
        const add = g.insertNode(addDelta(site.tensor, plus), { before: null });
        if (captureAs) g.insertNode(identity(plus), { after: add });
      } else if (captureAs) {
        g.insertNode(identity(site.tensor), { before: null });
      }
      return;
    }
    case 'castOutput':
    case 'addOutput': {
      const producer = site.graphNode!;
      let last = producer; // the capture reads the site after the delta
      if (intervene) {
        const pre = internal('pre_delta');
        producer.setOutput(0, pre);
        last = g.insertNode(addDelta(pre, site.tensor), { after: producer });
      }
      if (captureAs) g.insertNode(identity(site.tensor), { after: last });
      return;
    }
    case 'skipNormSum': {
      const fused = site.graphNode!;
      if (intervene) {
        const r = site.residualInput!;
        const plus = internal('residual_plus_delta');
        g.insertNode(addDelta(fused.inputs[r], plus), { before: fused });
        fused.setInput(r, plus);
      }
      if (captureAs) {
        let sum = fused.outputs[3] ?? '';
        if (!sum) {
          sum = internal('residual_sum');
          fused.setOutput(3, sum);
        }
        g.insertNode(identity(sum), { after: fused });
      }
      return;
    }
  }
}

function assertNotInstrumented(top: OnnxGraph, decoders: OnnxGraph[], names: string[]): void {
  const used = new Set<string>([...top.inputs.map((i) => i.name), ...top.outputs.map((o) => o.name), ...top.nodes.flatMap((n) => n.outputs)]);
  const taken = names.filter((n) => used.has(n));
  const ours = decoders.some((g) => g.nodes.some((n) => n.name.startsWith(INTERNAL_PREFIX)));
  if (taken.length || ours) {
    throw new GraphInstrumentationError(`the model already has ${taken.length ? taken.join(', ') : 'Spatial ID Lens nodes'}: it is instrumented already; instrument the original file`);
  }
}
