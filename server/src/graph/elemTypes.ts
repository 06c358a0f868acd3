import { decodeAttribute } from './onnxFields';
import { OnnxGraph, OnnxNode } from './onnxModel';

/**
 * The element type (TensorProto.DataType) of a tensor in a graph, for typing the capture output
 * and delta input of a residual site. fp16 / q4f16 exports keep `inputs_embeds` float32 and Cast
 * it to float16 inside, so the residual stream's type is not the embeddings input's type.
 *
 * A declared type wins (graph input/output, value_info, initializer, or the enclosing graph's for
 * an outer-scope name in a subgraph). Otherwise it is inferred from the producing node, going back
 * through the graph as far as needed: Cast gives its `to`; the ops that carry their data input's
 * type (elementwise arithmetic, shape ops, MatMul / MatMulNBits, the fused norms, attention) give
 * that input's type. Inference only has to reach the residual stream, so an op outside this
 * table gives `undefined` rather than a guess.
 */

/** Output index -> input index whose type it carries; '*' = any input (elementwise: all inputs share T). */
type Rule = { [output: number]: number | '*' };
const SAME_AS_INPUT0: Rule = { 0: 0 };
const ELEMENTWISE: Rule = { 0: '*' };
const RULES: Record<string, Rule> = {
  Identity: SAME_AS_INPUT0, Neg: SAME_AS_INPUT0, Relu: SAME_AS_INPUT0, Sigmoid: SAME_AS_INPUT0, Tanh: SAME_AS_INPUT0,
  Erf: SAME_AS_INPUT0, Sqrt: SAME_AS_INPUT0, Reciprocal: SAME_AS_INPUT0, Softmax: SAME_AS_INPUT0, Pow: SAME_AS_INPUT0,
  Reshape: SAME_AS_INPUT0, Transpose: SAME_AS_INPUT0, Squeeze: SAME_AS_INPUT0, Unsqueeze: SAME_AS_INPUT0,
  Slice: SAME_AS_INPUT0, Gather: SAME_AS_INPUT0, Expand: SAME_AS_INPUT0, Flatten: SAME_AS_INPUT0, Split: SAME_AS_INPUT0,
  ReduceMean: SAME_AS_INPUT0, Gelu: SAME_AS_INPUT0, FastGelu: SAME_AS_INPUT0, QuickGelu: SAME_AS_INPUT0, BiasGelu: SAME_AS_INPUT0,
  Add: ELEMENTWISE, Sub: ELEMENTWISE, Mul: ELEMENTWISE, Div: ELEMENTWISE, Max: ELEMENTWISE, Min: ELEMENTWISE,
  Sum: ELEMENTWISE, Concat: ELEMENTWISE, MatMul: ELEMENTWISE, Gemm: SAME_AS_INPUT0,
  Where: { 0: 1 },
  CastLike: { 0: 1 },
  // com.microsoft: weights are integers, the activation input sets T
  MatMulNBits: SAME_AS_INPUT0, MatMulInteger16: SAME_AS_INPUT0, GatherBlockQuantized: { 0: 2 },
  // norms: output 0 (normalised) and, for the Skip* ones, output 3 (input + skip + bias) are T;
  // outputs 1 and 2 (mean, inverse std) use stash_type, not needed here
  LayerNormalization: SAME_AS_INPUT0, SimplifiedLayerNormalization: SAME_AS_INPUT0, RMSNormalization: SAME_AS_INPUT0,
  SkipLayerNormalization: { 0: 0, 3: 0 }, SkipSimplifiedLayerNormalization: { 0: 0, 3: 0 },
  GroupQueryAttention: { 0: 0, 1: 0, 2: 0 }, MultiHeadAttention: { 0: 0, 1: 0, 2: 0 }, Attention: { 0: 0, 1: 0 },
  RotaryEmbedding: SAME_AS_INPUT0,
};

export class ElemTypes {
  private readonly declared = new Map<string, number>();
  private readonly producers = new Map<string, { node: OnnxNode; index: number }>();
  private readonly memo = new Map<string, number | undefined>();

  /** `outer`: the enclosing graph's resolver, for names a subgraph reads from outer scope. */
  constructor(graph: OnnxGraph, private readonly outer?: ElemTypes) {
    for (const [name, t] of graph.initializerTypes()) this.declared.set(name, t);
    for (const v of [...graph.inputs, ...graph.outputs, ...graph.valueInfos]) if (v.elemType) this.declared.set(v.name, v.elemType);
    for (const node of graph.nodes) node.outputs.forEach((o, index) => o && this.producers.set(o, { node, index }));
  }

  /** The tensor's TensorProto.DataType, or undefined when neither declared nor inferable. */
  typeOf(tensor: string): number | undefined {
    const known = this.declared.get(tensor);
    if (known !== undefined) return known;
    if (this.memo.has(tensor)) return this.memo.get(tensor);
    this.memo.set(tensor, undefined); // a cycle (never in a valid graph) ends as unknown
    const p = this.producers.get(tensor);
    const t = p ? this.inferOutput(p.node, p.index) : this.outer?.typeOf(tensor);
    this.memo.set(tensor, t);
    return t;
  }

  /** The type of output `index` of `node` (also for an output that is still to be created). */
  inferOutput(node: OnnxNode, index: number): number | undefined {
    if (node.opType === 'Cast' && index === 0) {
      const to = node.attributeBytes().map(decodeAttribute).find((a) => a.name === 'to')?.i;
      return to === undefined ? undefined : Number(to);
    }
    const source = RULES[node.opType]?.[index];
    if (source === undefined) return undefined;
    if (source !== '*') return node.inputs[source] ? this.typeOf(node.inputs[source]) : undefined;
    for (const input of node.inputs) {
      const t = input ? this.typeOf(input) : undefined;
      if (t !== undefined) return t;
    }
    return undefined;
  }
}
