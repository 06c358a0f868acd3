"""fp16 variant of a float32 ONNX graph, laid out as real fp16 VLM exports are.

Our own pass, written after reading onnxruntime's `transformers/float16.py` and transformers.js's
`scripts/float16.py` (what made the onnx-community `_fp16` files):
- weights become float16 (clamped to +-65504, tiny magnitudes kept nonzero, as those converters do);
- the KV cache (`past_key_values.*` / `present.*`) and `logits` are float16 at the graph boundary;
  every other float input/output (`pixel_values`, `inputs_embeds`, `image_features`, masks) stays
  float32 and is Cast inside. FAMILIES.md: "inputs_embeds stays float32 and is Cast to float16
  inside; the residual stream, KV cache and logits are float16". transformers.js 4.3.2 needs the
  float32 choice for `inputs_embeds` and `image_features` too: it feeds the processor's float32
  `pixel_values` as is, copies image features into the embeddings with `TypedArray.set` (a float16
  source would be copied as integers), and hands embed_tokens' output straight to the decoder.
- a few ops run in float32 between a Cast pair, where Hugging Face's own fp16 forward upcasts:
  softmax (`softmax(..., dtype=float32)`), the norm statistics (x^2, mean, +eps, sqrt, 1/x:
  LlamaRMSNorm upcasts, and x^2 of a large residual overflows float16), rotary cos/sin (computed
  in float32 from the integer positions). Elementwise ops whose every consumer runs in float32
  (the mask add before softmax) join them, so a float32 mask minimum never becomes float16 -inf.
  Computations on constants alone (mask fill values) stay float32 for the same reason, and so
  do constants that only float32 ops read (eps, rotary inv_freq): onnxruntime's converter rule.
Ops onnxruntime's converter leaves in float32 (no float16 kernel) stay float32 as well. Fused
contrib ops of builder graphs (SimplifiedLayerNormalization, GroupQueryAttention) run in float16,
as in the builder's own fp16 exports (their kernels accumulate in float32).
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper, shape_inference

FLOAT, FLOAT16 = TensorProto.FLOAT, TensorProto.FLOAT16

# Hugging Face's fp16 forward computes these in float32 (see module docstring).
ACCURACY_FP32_OPS = {"Softmax", "Pow", "ReduceMean", "Sqrt", "Reciprocal", "Cos", "Sin"}
# onnxruntime float16.py DEFAULT_OP_BLOCK_LIST entries that can occur in a transformer graph.
BLOCKED_OPS = {"Resize", "Upsample", "Range", "CumSum", "Min", "Max", "TopK", "NonMaxSuppression",
               "RoiAlign", "RandomNormalLike", "RandomUniformLike"}
# Read a float input without caring about its precision: no Cast is placed before them.
TYPE_AGNOSTIC_OPS = {"Shape", "Size"}
# Moving a weight around (class embedding Expand, embedding Gather) follows the weights: float16.
DATA_MOVEMENT_OPS = {"Gather", "Expand", "Reshape", "Concat", "Transpose", "Unsqueeze", "Squeeze",
                     "Slice", "Tile", "Identity", "Flatten", "Split"}
# Ops that may move to float32 when all their consumers are float32 (backward rule).
ELEMENTWISE_OPS = {"Add", "Sub", "Mul", "Div", "Where", "Neg"}

F16_MAX = 65504.0
F16_MIN_SUBNORMAL = 2.0 ** -24


def io_elem_type(name):
    """Element type of a float graph input/output in the fp16 file."""
    if name == "logits" or name.startswith("present") or name.startswith("past_key_values"):
        return FLOAT16
    return FLOAT


def to_float16(array):
    """float32 -> float16 without flushing weights to zero or to infinity."""
    a = np.asarray(array, dtype=np.float32)
    finite = np.isfinite(a)
    out = np.where(finite, np.clip(a, -F16_MAX, F16_MAX), a)
    tiny = finite & (out != 0) & (np.abs(out) < F16_MIN_SUBNORMAL)
    out = np.where(tiny, np.sign(out) * F16_MIN_SUBNORMAL, out)
    return out.astype(np.float16)


def _known(node):
    return onnx.defs.has(node.op_type, node.domain or "")


def _elem_types(model):
    """value name -> element type, from ONNX type inference over the whole graph.

    The onnx here (1.12) has no schema for contrib ops (GroupQueryAttention,
    SimplifiedLayerNormalization, ...) nor for newer ones (Gelu), so inference stops at them;
    their outputs take the type of their first input (true of the attention, norm, rotary and
    activation ops these exports use) and inference is run again past them."""
    work = onnx.ModelProto.FromString(model.SerializeToString())
    while True:
        g = shape_inference.infer_shapes(work).graph
        types = {}
        for vi in list(g.input) + list(g.output) + list(g.value_info):
            if vi.type.HasField("tensor_type") and vi.type.tensor_type.elem_type:
                types[vi.name] = vi.type.tensor_type.elem_type
        for init in g.initializer:
            types[init.name] = init.data_type
        for node in g.node:
            if node.op_type == "Constant":
                for a in node.attribute:
                    if a.name == "value":
                        types[node.output[0]] = a.t.data_type
        guessed = 0
        for node in g.node:
            if not _known(node) and node.input and node.input[0] in types:
                for v in node.output:
                    if v and v not in types:
                        work.graph.value_info.append(helper.make_tensor_value_info(v, types[node.input[0]], None))
                        guessed += 1
        if not guessed:
            break
    missing = [v for n in model.graph.node for v in n.output if v and v not in types]
    if missing:
        raise ValueError(f"no inferred element type for {len(missing)} values, e.g. {missing[:3]}")
    return types


def _classify(graph, types, consts):
    """Per node index: 16 / 32 / None (None: the node has no float data path to retype)."""
    is_float = lambda v: bool(v) and types.get(v) == FLOAT
    intent = {}  # value -> precision the value is computed in (graph inputs: cast to fp16 at entry)
    for vi in graph.input:
        if is_float(vi.name):
            intent[vi.name] = 16
    nodes = list(graph.node)
    cls = []
    for node in nodes:
        fin = [v for v in node.input if is_float(v)]
        fout = [v for v in node.output if is_float(v)]
        op = node.op_type
        if op == "Constant" or (not fin and not fout):
            c = None
        elif op in TYPE_AGNOSTIC_OPS or (op == "Cast" and not fout):
            c = None
        elif op in ACCURACY_FP32_OPS or op in BLOCKED_OPS or not fin:
            c = 32  # not fin: Cast from ints (positions, masks), ConstantOfShape
        else:
            live = [intent[v] for v in fin if v not in consts]
            if 16 in live:
                c = 16
            elif live:
                c = 32
            else:
                # constants only: arithmetic on them (mask fill values) keeps the float32 range;
                # moving a weight around follows the weights.
                c = 16 if op in DATA_MOVEMENT_OPS else 32
        cls.append(c)
        for v in fout:
            intent[v] = c
    # backward rule: an elementwise op whose consumers all run in float32 runs in float32 too
    consumers = {}
    for i, node in enumerate(nodes):
        for v in node.input:
            consumers.setdefault(v, []).append(i)
    outputs = {o.name for o in graph.output}
    for i in reversed(range(len(nodes))):
        node = nodes[i]
        if cls[i] != 16 or node.op_type not in ELEMENTWISE_OPS:
            continue
        users = [u for v in node.output for u in consumers.get(v, [])]
        if users and not any(v in outputs for v in node.output) and all(cls[u] == 32 for u in users):
            cls[i] = 32
    return cls


def convert_to_fp16(model):
    """Return the fp16 variant of a float32 ModelProto (input left untouched)."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    g = model.graph
    types = _elem_types(model)
    is_float = lambda v: bool(v) and types.get(v) == FLOAT
    consts = {i.name for i in g.initializer if i.data_type == FLOAT}
    consts |= {n.output[0] for n in g.node if n.op_type == "Constant" and types.get(n.output[0]) == FLOAT}
    cls = _classify(g, types, consts)
    want = lambda i: FLOAT16 if cls[i] == 16 else FLOAT

    # graph outputs whose computed precision differs from the boundary type get a final Cast
    produced = {v: want(i) for i, n in enumerate(g.node) if cls[i] is not None
                for v in n.output if is_float(v)}
    tail_casts, renamed = [], {}
    for out in g.output:
        if is_float(out.name) and out.name in produced and produced[out.name] != io_elem_type(out.name):
            inner = out.name + ("_fp16" if produced[out.name] == FLOAT16 else "_fp32")
            renamed[out.name] = inner
            tail_casts.append(helper.make_node("Cast", [inner], [out.name], name=out.name + "_cast",
                                               to=io_elem_type(out.name)))
    for node in g.node:
        for k, v in enumerate(node.input):
            node.input[k] = renamed.get(v, v)
        for k, v in enumerate(node.output):
            node.output[k] = renamed.get(v, v)
    for old, new in renamed.items():
        types[new] = FLOAT
        produced[new] = produced.pop(old)

    # constants: float16 when any float16 node reads them (then float32 readers get a Cast)
    need16 = set()
    for i, node in enumerate(g.node):
        if cls[i] == 16:
            need16 |= {v for v in node.input if v in consts}
    stored = dict(produced)
    for vi in g.input:
        if is_float(vi.name):
            stored[vi.name] = io_elem_type(vi.name)
            vi.type.tensor_type.elem_type = io_elem_type(vi.name)
    for v in consts:
        stored[v] = FLOAT16 if v in need16 else FLOAT

    new_inits = []
    for init in g.initializer:
        if init.name in need16:
            init = numpy_helper.from_array(to_float16(numpy_helper.to_array(init)), init.name)
        new_inits.append(init)

    casts, nodes, taken = {}, [], {v for n in g.node for v in list(n.input) + list(n.output)}

    def cast_of(value, to):
        key = (value, to)
        if key not in casts:
            name = value + ("_fp16" if to == FLOAT16 else "_fp32")
            while name in taken:
                name += "_"
            taken.add(name)
            casts[key] = name
            nodes.append(helper.make_node("Cast", [value], [name], name=name, to=to))
        return casts[key]

    for i, node in enumerate(g.node):
        if node.op_type == "Constant" and node.output[0] in need16:
            t = next(a for a in node.attribute if a.name == "value")
            t.t.CopyFrom(numpy_helper.from_array(to_float16(numpy_helper.to_array(t.t)), t.t.name))
        if cls[i] is not None:
            to = want(i)
            for k, v in enumerate(node.input):
                if is_float(v) and stored[v] != to:
                    node.input[k] = cast_of(v, to)
            if node.op_type == "Cast" and any(is_float(v) for v in node.output):
                for a in node.attribute:
                    if a.name == "to":
                        a.i = to
        nodes.append(node)
    nodes.extend(tail_casts)

    g.ClearField("node")
    g.node.extend(nodes)
    g.ClearField("initializer")
    g.initializer.extend(new_inits)
    g.ClearField("value_info")
    for out in g.output:
        if is_float(out.name):
            out.type.tensor_type.elem_type = io_elem_type(out.name)
    if all(_known(n) for n in g.node) and model.ir_version <= onnx.IR_VERSION:
        onnx.checker.check_model(model)
        shape_inference.infer_shapes(model, strict_mode=True)  # raises if any op is now ill-typed
    return model


def summary(model):
    """A few counts worth printing after a conversion."""
    g = model.graph
    inits = {}
    for i in g.initializer:
        inits[TensorProto.DataType.Name(i.data_type)] = inits.get(TensorProto.DataType.Name(i.data_type), 0) + 1
    fp32_casts = sum(1 for n in g.node if n.op_type == "Cast" and n.name.endswith("_fp32"))
    fp16_casts = sum(1 for n in g.node if n.op_type == "Cast" and n.name.endswith("_fp16"))
    return f"initializers {inits}, casts to fp32 {fp32_casts}, to fp16 {fp16_casts}"
