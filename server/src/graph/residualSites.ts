import { ElemTypes } from './elemTypes';
import { Dim, ElemType } from './onnxFields';
import { OnnxGraph, OnnxModel, OnnxNode } from './onnxModel';

/**
 * Where the residual stream lives in an exported decoder, found from the graph's structure.
 *
 * Layer convention (METHOD.md; names as TransformerLens hooks, see README.md here): residual
 * layer l = 0..L. Layer l < L is the input of decoder block l (the module exported as
 * `layers.{l}`), named `blocks.{l}.hook_resid_pre`; layer 0 is thus the embeddings fed to
 * block 0: the graph input `inputs_embeds`, or, when the graph's only use of it is a Cast (fp16 /
 * q4f16 exports take float32 embeddings and Cast them to float16 inside), that Cast's output, the
 * tensor block 0 reads. Layer L is the last block's output,
 * `blocks.{L-1}.hook_resid_post`. The input of block l is the output of block l - 1, so one
 * tensor serves both names; each layer has one name, the `pre` one except for the last.
 *
 * Three layouts:
 * - plain exports: for each scope `.../layers.N/`, the last Add that is a direct child of the
 *   scope and whose output is read outside the scope (by layer N+1 or the final norm) or is a
 *   graph output. That is `/model/layers.N/Add_1` in our exports, but the name is not assumed.
 * - ORT-fused exports (`SkipSimplifiedLayerNormalization` / `SkipLayerNormalization`, which
 *   fuse the residual Add with the next norm): the residual chain is followed from
 *   `inputs_embeds`, each step being the Add or fused node that reads the running residual;
 *   a fused node's output 3 (input + skip + bias) carries the residual on. The steps split
 *   evenly into L layers (2 per layer in Llama: attention and MLP); layer l ends at step
 *   l * stepsPerLayer. The last step (the final norm) often lacks output 3: the site is then
 *   reported with `tensor: ''` and instrumentation creates that output.
 *   The same chain walk serves plain graphs whose node names carry no layer scopes.
 * - If-merged decoders (optimum's `use_cache_branch`): both branches hold a full decoder. We
 *   locate sites in both and instrument both identically, so the sites exist whichever branch
 *   runs; reported sites come from `then_branch`, which optimum runs with a cache.
 *
 * Each site has its own element type (elemTypes.ts): float32 throughout in fp32 exports, float16
 * from the Cast on in fp16 ones. Its capture output and delta input take that type.
 */

/**
 * graphInput: a tensor this graph does not produce (`inputs_embeds`, or an outer-scope name in an
 * If branch); castOutput: the Cast of `inputs_embeds`; addOutput: a residual Add;
 * skipNormSum: output 3 of a fused Skip*Norm.
 */
export type SiteKind = 'graphInput' | 'castOutput' | 'addOutput' | 'skipNormSum';

export interface ResidualSite {
  /** Residual layer 0..L (0 = the embeddings, l = the output of decoder block l - 1). */
  layer: number;
  /** `blocks.{layer}.hook_resid_pre`, or `blocks.{L-1}.hook_resid_post` for layer L (siteName). */
  name: string;
  kind: SiteKind;
  /** The tensor holding the residual stream; '' when a fused node's output 3 must be created. */
  tensor: string;
  /** The node that produces it (absent for layer 0 unless it is a Cast's output). */
  node?: { name: string; opType: string };
  /** TensorProto.DataType of this site's tensor (1 float32, 10 float16, 16 bfloat16). */
  elemType: number;
}

export interface DecoderLayout {
  layout: 'plain' | 'fused' | 'if-merged';
  numLayers: number;
  hiddenSize: number;
  /** TensorProto.DataType of the `inputs_embeds` input; each site's own type is in `sites`. */
  elemType: number;
  /** The symbolic batch and sequence dimensions used for new inputs and outputs. */
  batchDim: string;
  seqDim: string;
  sites: ResidualSite[];
}

/** Internal: a site bound to the graph and node objects that instrumentation edits. */
export interface LocatedSite extends ResidualSite {
  graphNode?: OnnxNode;
  /** For skipNormSum: which of the fused node's inputs 0/1 carries the incoming residual. */
  residualInput?: number;
}

export interface LocatedGraph {
  graph: OnnxGraph;
  /** For If-merged decoders: the branch attribute (`then_branch` / `else_branch`). */
  branch?: string;
  sites: LocatedSite[];
}

export interface LocateOptions {
  /** Number of decoder layers; default: the number of `present.N.key` outputs, else of layer scopes. */
  numLayers?: number;
  /** Hidden size; default: the last dimension of `inputs_embeds`. */
  hiddenSize?: number;
  /** Name of the decoder's embeddings input (default `inputs_embeds`). */
  embedsInput?: string;
}

export class GraphInstrumentationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphInstrumentationError';
  }
}

const SKIP_NORM_OPS = new Set(['SkipSimplifiedLayerNormalization', 'SkipLayerNormalization']);
const ANY_DEPTH = /^(.*\/layers\.(\d+)\/)/;

/**
 * The TransformerLens name of residual layer `layer` (0..numLayers) of a decoder with
 * `numLayers` blocks: the input of block `layer`, or for the last layer the last block's output.
 */
export function siteName(layer: number, numLayers: number): string {
  if (!Number.isInteger(layer) || layer < 0 || layer > numLayers) throw new RangeError(`residual layer ${layer} is out of range 0..${numLayers}`);
  return layer < numLayers ? `blocks.${layer}.hook_resid_pre` : `blocks.${numLayers - 1}.hook_resid_post`;
}

export function findResidualSites(modelBytes: Uint8Array, opts: LocateOptions = {}): DecoderLayout {
  return locateResidualSites(OnnxModel.parse(modelBytes), opts).layout;
}

export function locateResidualSites(model: OnnxModel, opts: LocateOptions = {}): { layout: DecoderLayout; graphs: LocatedGraph[]; ifNode?: OnnxNode } {
  const top = model.graph;
  const embedsName = opts.embedsInput ?? 'inputs_embeds';
  const embeds = top.inputs.find((i) => i.name === embedsName);
  if (!embeds) throw new GraphInstrumentationError(`the graph has no "${embedsName}" input (inputs: ${top.inputs.map((i) => i.name).join(', ')}): this is not a decoder that takes embeddings`);
  const dims = embeds.dims ?? [];
  const hidden = opts.hiddenSize ?? (typeof dims[2] === 'number' ? dims[2] : undefined);
  if (hidden === undefined) throw new GraphInstrumentationError(`"${embedsName}" has no fixed hidden size (dims ${JSON.stringify(dims.map(String))}): pass hiddenSize`);
  const presentLayers = top.outputs.filter((o) => /^present\.\d+\.key$/.test(o.name)).length;

  const ifNode = top.nodes.find((n) => n.opType === 'If' && hasLayers(n.subgraph('then_branch')) && hasLayers(n.subgraph('else_branch')));
  const graphs: LocatedGraph[] = ifNode
    ? ['then_branch', 'else_branch'].map((b) => ({ graph: ifNode.subgraph(b)!, branch: b, sites: [] }))
    : [{ graph: top, sites: [] }];
  const numLayers = opts.numLayers ?? (presentLayers || Math.max(...graphs.map((g) => scopeLayers(g.graph).size)));
  if (!numLayers) throw new GraphInstrumentationError('cannot tell the number of decoder layers (no present.N.key outputs, no layers.N scopes): pass numLayers');
  let fused = false;
  const topTypes = new ElemTypes(top);
  for (const g of graphs) {
    const where = g.branch ? ` in ${g.branch}` : '';
    fused ||= g.graph.nodes.some((n) => SKIP_NORM_OPS.has(n.opType));
    const entry = embeddingsEntry(top, g.graph, embedsName);
    const found = fused ? null : byScope(g.graph, numLayers);
    g.sites = found ?? byResidualChain(g.graph, entry.tensor, numLayers, where);
    g.sites.unshift(entry);
    assignElemTypes(g.sites, g.graph === top ? topTypes : new ElemTypes(g.graph, topTypes), where);
  }
  const differ = graphs[0].sites.find((s, l) => graphs.some((g) => g.sites[l].elemType !== s.elemType));
  if (differ) throw new GraphInstrumentationError(`the branches of the If-merged decoder disagree on the element type of ${differ.name}`);
  const layout: DecoderLayout = {
    layout: ifNode ? 'if-merged' : fused ? 'fused' : 'plain',
    numLayers,
    hiddenSize: hidden,
    elemType: embeds.elemType ?? ElemType.FLOAT,
    batchDim: symbolic(dims[0], 'batch_size'),
    seqDim: symbolic(dims[1], 'sequence_length'),
    sites: graphs[0].sites.map(({ layer, name, kind, tensor, node, elemType }) => ({ layer, name, kind, tensor, ...(node ? { node } : {}), elemType })),
  };
  return { layout, graphs, ifNode };
}

/**
 * Layer 0: `inputs_embeds`, or the Cast that is its only reader (fp16 exports), in `g` or, for an
 * If branch, in the top graph (the branch then reads the Cast's output from outer scope).
 */
function embeddingsEntry(top: OnnxGraph, g: OnnxGraph, embeds: string): LocatedSite {
  const site = { layer: 0, name: '', elemType: 0 };
  const soleCast = (graph: OnnxGraph) => {
    const readers = consumersOf(graph).get(embeds) ?? [];
    return readers.length === 1 && readers[0].opType === 'Cast' && readers[0].domain === '' && readers[0].outputs[0] ? readers[0] : undefined;
  };
  const topCast = g === top ? undefined : soleCast(top);
  if (topCast) return { ...site, kind: 'graphInput', tensor: topCast.outputs[0] };
  const cast = soleCast(g);
  if (cast) return { ...site, kind: 'castOutput', tensor: cast.outputs[0], node: { name: cast.name, opType: cast.opType }, graphNode: cast };
  return { ...site, kind: 'graphInput', tensor: embeds };
}

/** Fills in site names (layer 0's) and element types; a type that cannot be found is an error, not a guess. */
function assignElemTypes(sites: LocatedSite[], types: ElemTypes, where: string): void {
  const L = sites.length - 1;
  for (const s of sites) {
    s.name = siteName(s.layer, L);
    // a fused node's output 3 that is still to be created has the type of the node's residual input
    const t = s.tensor ? types.typeOf(s.tensor) : s.graphNode && types.inferOutput(s.graphNode, 3);
    if (!t) throw new GraphInstrumentationError(`cannot tell the element type of ${s.name} ("${s.tensor || s.node?.name}"${where}): its producer ${s.node?.opType ?? ''} is not one whose output type is known`);
    s.elemType = t;
  }
}

function symbolic(d: Dim | undefined, fallback: string): string {
  return typeof d === 'string' && d ? d : fallback;
}

function hasLayers(g: OnnxGraph | undefined): boolean {
  return !!g && (scopeLayers(g).size > 0 || g.nodes.some((n) => SKIP_NORM_OPS.has(n.opType)));
}

function scopeLayers(g: OnnxGraph): Set<number> {
  const s = new Set<number>();
  for (const n of g.nodes) {
    const m = ANY_DEPTH.exec(n.name);
    if (m) s.add(Number(m[2]));
  }
  return s;
}

export function consumersOf(g: OnnxGraph): Map<string, OnnxNode[]> {
  const map = new Map<string, OnnxNode[]>();
  for (const n of g.nodes) {
    for (const t of n.inputs) {
      if (!t) continue;
      const list = map.get(t);
      if (list) list.push(n);
      else map.set(t, [n]);
    }
  }
  return map;
}

/**
 * Plain exports: per layer scope, the last Add (direct child first, else at any depth) whose
 * output leaves the scope. Returns null when some layer has no such Add (then the caller
 * falls back to the residual chain).
 */
function byScope(g: OnnxGraph, numLayers: number): LocatedSite[] | null {
  const consumers = consumersOf(g);
  const graphOutputs = new Set(g.outputs.map((o) => o.name));
  // the scope family (e.g. "/model/") with the most layers: a decoder graph has one
  const families = new Map<string, Set<number>>();
  for (const n of g.nodes) {
    const m = ANY_DEPTH.exec(n.name);
    if (m) {
      const fam = m[1].slice(0, m[1].length - `layers.${m[2]}/`.length);
      if (!families.has(fam)) families.set(fam, new Set());
      families.get(fam)!.add(Number(m[2]));
    }
  }
  const family = [...families.entries()].sort((a, b) => b[1].size - a[1].size)[0]?.[0];
  if (family === undefined) return null;
  const sites: LocatedSite[] = [];
  for (let k = 0; k < numLayers; k++) {
    const scope = `${family}layers.${k}/`;
    const leaves = (n: OnnxNode) => n.opType === 'Add' && n.domain === '' && n.outputs[0] !== undefined
      && (graphOutputs.has(n.outputs[0]) || (consumers.get(n.outputs[0]) ?? []).some((c) => !c.name.startsWith(scope)));
    const inScope = g.nodes.filter((n) => n.name.startsWith(scope) && leaves(n));
    const direct = inScope.filter((n) => !n.name.slice(scope.length).includes('/'));
    const pick = (direct.length ? direct : inScope).at(-1);
    if (!pick) return null;
    sites.push({ layer: k + 1, name: siteName(k + 1, numLayers), kind: 'addOutput', tensor: pick.outputs[0], node: { name: pick.name, opType: pick.opType }, graphNode: pick, elemType: 0 });
  }
  return sites;
}

/** Follows the residual stream from layer 0's tensor (`embeds`) through Add / Skip*Norm nodes. */
function byResidualChain(g: OnnxGraph, embeds: string, numLayers: number, where: string): LocatedSite[] {
  const consumers = consumersOf(g);
  const steps: { node: OnnxNode; residualInput: number; out: string }[] = [];
  let current = embeds;
  for (;;) {
    const next = (consumers.get(current) ?? []).filter((n) => (SKIP_NORM_OPS.has(n.opType) && (n.inputs[0] === current || n.inputs[1] === current))
      || (n.opType === 'Add' && n.domain === '' && n.inputs.length === 2 && n.inputs.includes(current)));
    if (next.length === 0) break;
    const fusedNext = next.filter((n) => SKIP_NORM_OPS.has(n.opType));
    const chosen = fusedNext.length === 1 ? fusedNext[0] : next.length === 1 ? next[0] : null;
    if (!chosen) throw new GraphInstrumentationError(`the residual stream "${current}"${where} is read by ${next.length} Add/SkipNorm nodes (${next.map((n) => n.name).join(', ')}): cannot follow it`);
    const isFused = SKIP_NORM_OPS.has(chosen.opType);
    const out = isFused ? (chosen.outputs[3] ?? '') : chosen.outputs[0];
    steps.push({ node: chosen, residualInput: chosen.inputs[0] === current ? 0 : 1, out });
    if (!out) break; // the final fused norm, whose sum output is not materialised
    current = out;
  }
  if (steps.length === 0 || steps.length % numLayers !== 0) {
    throw new GraphInstrumentationError(`found ${steps.length} residual steps${where} from "${embeds}", which do not split into ${numLayers} layers`);
  }
  const perLayer = steps.length / numLayers;
  return Array.from({ length: numLayers }, (_, k) => {
    const s = steps[(k + 1) * perLayer - 1];
    const isFused = SKIP_NORM_OPS.has(s.node.opType);
    return {
      layer: k + 1, name: siteName(k + 1, numLayers), kind: isFused ? 'skipNormSum' : 'addOutput', tensor: s.out,
      node: { name: s.node.name, opType: s.node.opType }, graphNode: s.node, ...(isFused ? { residualInput: s.residualInput } : {}), elemType: 0,
    };
  });
}
