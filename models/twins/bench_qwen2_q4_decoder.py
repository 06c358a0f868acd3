"""A Qwen2-VL decoder_model_merged_q4.onnx at real dimensions, written node by node with random
4-bit weights, for `npm run bench` (make_bench_models.py).

Why not torch.onnx.export + onnx_dtypes_q4: the 2B decoder would be ~7 GB of float32 in torch and
again in the exporter on a 24 GiB machine. Here each linear layer's MatMulNBits blobs (packed uint8
[N, K/32, 16] + float32 scales, the layout onnx_dtypes_q4.py writes) are drawn directly.

The graph has the torch-exported layout of the Qwen2-VL twin (qwen2vl_export.py): inputs
inputs_embeds, attention_mask, position_ids [3, b, s], past_key_values.N.key/value; outputs
logits, present.N.key/value; residuals are plain Adds named /model/layers.N/Add (attention) and
/model/layers.N/Add_1 (MLP), norms and projections in sub-scopes, so the instrumenter finds the
same sites. Computation as Qwen2 (RMSNorm, q/k/v with bias, M-RoPE over [16, 24, 24] sections of
the 64 frequencies, GQA with KV cache and a causal + padding mask, SwiGLU, untied-looking lm_head).
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MS = "com.microsoft"
BLOCK = 32
F32_MIN = float(np.finfo(np.float32).min)
# std of (q - 8) for q uniform on 0..15: a random q4 weight's spread per unit of scale
Q4_STD = float(np.sqrt((16 ** 2 - 1) / 12))


class GraphWriter:
    """Nodes, initializers and names: `op` returns the output name, named after the node."""

    def __init__(self, rng):
        self.rng, self.nodes, self.inits, self.counts, self.names = rng, [], [], {}, set()

    def op(self, scope, op_type, inputs, n_out=1, domain="", **attrs):
        key = f"{scope}/{op_type}"
        k = self.counts.get(key, 0)
        self.counts[key] = k + 1
        name = key if k == 0 else f"{key}_{k}"
        outs = [f"{name}_output_{i}" for i in range(n_out)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=name, domain=domain, **attrs))
        return outs[0] if n_out == 1 else outs

    def const(self, name, array):
        name = name.strip("/").replace("/", ".")
        if name in self.names:  # a named constant (a shape, an axis) is stored once
            return name
        self.names.add(name)
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def rms_norm(self, scope, x, dim, eps):
        p = scope.strip("/").replace("/", ".")  # /model/layers.0/input_layernorm -> model.layers.0.input_layernorm
        w = self.const(f"{p}.weight", (1 + 0.1 * self.rng.standard_normal(dim)).astype(np.float32))
        var = self.op(scope, "ReduceMean", [self.op(scope, "Mul", [x, x])], axes=[-1], keepdims=1)
        inv = self.op(scope, "Reciprocal", [self.op(scope, "Sqrt", [self.op(scope, "Add", [var, self.const(f"{p}.eps", np.float32(eps))])])])
        return self.op(scope, "Mul", [self.op(scope, "Mul", [x, inv]), w])

    def linear_q4(self, scope, name, x, k, n, bias=False):
        """MatMulNBits with random nibbles and per-block scales of random sign, so the weight has
        mean 0 and std 1/sqrt(K) (activations keep their scale through the stack)."""
        packed = self.rng.integers(0, 256, size=(n, k // BLOCK, BLOCK // 2), dtype=np.uint8)
        scale = np.float32(1 / (np.sqrt(k) * Q4_STD))
        scales = (scale * self.rng.choice(np.array([-1, 1], np.float32), size=n * (k // BLOCK))).astype(np.float32)
        y = self.op(f"{scope}/{name}", "MatMulNBits",
                    [x, self.const(f"{scope}.{name}.weight_Q4", packed), self.const(f"{scope}.{name}.weight_scales", scales)],
                    domain=MS, K=k, N=n, bits=4, block_size=BLOCK)
        if not bias:
            return y
        b = self.const(f"{scope}.{name}.bias", (0.02 * self.rng.standard_normal(n)).astype(np.float32))
        return self.op(f"{scope}/{name}", "Add", [y, b])


def rotary_tables(g, c):
    """cos/sin [b, 1, s, head_dim] from position_ids [3, b, s]: M-RoPE takes frequency chunk i of
    the doubled table from row i % 3 (t, h, w), as Qwen2-VL's apply_multimodal_rotary_pos_emb."""
    hd = c["hidden_size"] // c["num_attention_heads"]
    inv_freq = 1.0 / (c["rope_theta"] ** (np.arange(0, hd, 2, dtype=np.float32) / hd))
    sections = c["rope_scaling"]["mrope_section"] * 2
    select = np.zeros((3, 1, 1, hd), np.float32)
    start = 0
    for i, width in enumerate(sections):
        select[i % 3, 0, 0, start:start + width] = 1
        start += width
    s = "/model/rotary_emb"
    pos = g.op(s, "Unsqueeze", [g.op(s, "Cast", ["position_ids"], to=TensorProto.FLOAT), g.const("rope.axis_last", np.array([-1], np.int64))])
    freqs = g.op(s, "Mul", [pos, g.const("rope.inv_freq", inv_freq.astype(np.float32))])  # [3, b, s, hd/2]
    emb = g.op(s, "Concat", [freqs, freqs], axis=-1)
    sel = g.const("rope.mrope_select", select)
    axis1 = g.const("rope.axis1", np.array([1], np.int64))
    tables = []
    for fn in ("Cos", "Sin"):
        picked = g.op(s, "ReduceSum", [g.op(s, "Mul", [g.op(s, fn, [emb]), sel]), g.const("rope.axis0", np.array([0], np.int64))], keepdims=0)
        tables.append(g.op(s, "Unsqueeze", [picked, axis1]))
    return tables


def attention_bias(g):
    """[b, 1, 1, s, total] additive: 0 where key t <= past + query i and attention_mask[b, t] is 1."""
    s = "/model/mask"
    i64 = lambda v: g.const(f"mask.c{v}", np.array(v, np.int64))  # noqa: E731
    total = g.op(s, "Gather", [g.op(s, "Shape", ["attention_mask"]), i64(1)], axis=0)
    seq = g.op(s, "Gather", [g.op(s, "Shape", ["inputs_embeds"]), i64(1)], axis=0)
    past = g.op(s, "Sub", [total, seq])
    q_pos = g.op(s, "Range", [past, total, i64(1)])
    k_pos = g.op(s, "Range", [i64(0), total, i64(1)])
    causal = g.op(s, "LessOrEqual", [k_pos, g.op(s, "Unsqueeze", [q_pos, g.const("mask.axis1", np.array([1], np.int64))])])
    keep = g.op(s, "Cast", ["attention_mask"], to=TensorProto.BOOL)
    keep = g.op(s, "Unsqueeze", [keep, g.const("mask.axes123", np.array([1, 2, 3], np.int64))])  # [b,1,1,1,t]
    allowed = g.op(s, "And", [causal, keep])
    return g.op(s, "Where", [allowed, g.const("mask.zero", np.float32(0)), g.const("mask.min", np.float32(F32_MIN))])


def decoder_layer(g, c, n, x, cos, sin, bias):
    d, heads, kvh = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]
    hd, group = d // heads, heads // kvh
    scope, sa = f"/model/layers.{n}", f"/model/layers.{n}/self_attn"
    p = f"model.layers.{n}"
    i64 = lambda name, v: g.const(f"{p}.{name}", np.array(v, np.int64))  # noqa: E731
    h = g.rms_norm(f"/model/layers.{n}/input_layernorm", x, d, c["rms_norm_eps"])
    heads_of = lambda t, k: g.op(sa, "Transpose", [g.op(sa, "Reshape", [t, i64(f"shape_{k}", [0, 0, -1, hd])])], perm=[0, 2, 1, 3])  # noqa: E731
    q = heads_of(g.linear_q4(sa, "q_proj", h, d, d, bias=True), "q")
    k = heads_of(g.linear_q4(sa, "k_proj", h, d, kvh * hd, bias=True), "k")
    v = heads_of(g.linear_q4(sa, "v_proj", h, d, kvh * hd, bias=True), "v")

    def rope(t):
        a, b = g.op(sa, "Split", [t, i64("split_half", [hd // 2, hd // 2])], n_out=2, axis=-1)
        rotated = g.op(sa, "Concat", [g.op(sa, "Neg", [b]), a], axis=-1)
        return g.op(sa, "Add", [g.op(sa, "Mul", [t, cos]), g.op(sa, "Mul", [rotated, sin])])
    q, k = rope(q), rope(k)
    k_all = g.op(sa, "Concat", [f"past_key_values.{n}.key", k], axis=2)
    v_all = g.op(sa, "Concat", [f"past_key_values.{n}.value", v], axis=2)
    g.nodes.append(helper.make_node("Identity", [k_all], [f"present.{n}.key"], name=f"{sa}/present_key"))
    g.nodes.append(helper.make_node("Identity", [v_all], [f"present.{n}.value"], name=f"{sa}/present_value"))
    # GQA by broadcasting: q [b, kvh, group, s, hd] against k/v [b, kvh, 1, total, hd]
    qg = g.op(sa, "Reshape", [q, i64("shape_qg", [0, kvh, group, -1, hd])])
    axis2 = i64("axis2", [2])
    kt = g.op(sa, "Unsqueeze", [g.op(sa, "Transpose", [k_all], perm=[0, 1, 3, 2]), axis2])
    scores = g.op(sa, "Mul", [g.op(sa, "MatMul", [qg, kt]), g.const(f"{p}.scale", np.float32(1 / np.sqrt(hd)))])
    probs = g.op(sa, "Softmax", [g.op(sa, "Add", [scores, bias])], axis=-1)
    ctx = g.op(sa, "MatMul", [probs, g.op(sa, "Unsqueeze", [v_all, axis2])])  # [b, kvh, group, s, hd]
    ctx = g.op(sa, "Transpose", [g.op(sa, "Reshape", [ctx, i64("shape_ctx", [0, heads, -1, hd])])], perm=[0, 2, 1, 3])
    ctx = g.op(sa, "Reshape", [ctx, i64("shape_out", [0, 0, d])])
    x = g.op(scope, "Add", [x, g.linear_q4(sa, "o_proj", ctx, d, d)])
    h = g.rms_norm(f"/model/layers.{n}/post_attention_layernorm", x, d, c["rms_norm_eps"])
    mlp, i = f"/model/layers.{n}/mlp", c["intermediate_size"]
    gate = g.linear_q4(mlp, "gate_proj", h, d, i)
    act = g.op(mlp, "Mul", [gate, g.op(mlp, "Sigmoid", [gate])])
    y = g.linear_q4(mlp, "down_proj", g.op(mlp, "Mul", [act, g.linear_q4(mlp, "up_proj", h, d, i)]), i, d)
    return g.op(scope, "Add", [x, y])  # /model/layers.N/Add_1


def build_decoder(c, seed, log=print):
    """ModelProto of the q4 decoder for text config `c` (Qwen2-VL config.json keys)."""
    g = GraphWriter(np.random.default_rng(seed))
    d, L, kvh = c["hidden_size"], c["num_hidden_layers"], c["num_key_value_heads"]
    hd = d // c["num_attention_heads"]
    cos, sin = rotary_tables(g, c)
    bias = attention_bias(g)
    x = "inputs_embeds"
    for n in range(L):
        x = decoder_layer(g, c, n, x, cos, sin, bias)
        log(f"  decoder layer {n + 1}/{L}")
    h = g.rms_norm("/model/norm", x, d, c["rms_norm_eps"])
    g.nodes.append(helper.make_node("Identity", [g.linear_q4("/lm_head", "lm_head", h, d, c["vocab_size"])], ["logits"], name="/lm_head/Identity"))
    f32 = TensorProto.FLOAT
    kv = lambda name, t: helper.make_tensor_value_info(name, f32, ["batch_size", kvh, t, hd])  # noqa: E731
    inputs = [helper.make_tensor_value_info("inputs_embeds", f32, ["batch_size", "sequence_length", d]),
              helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch_size", "total_sequence_length"]),
              helper.make_tensor_value_info("position_ids", TensorProto.INT64, [3, "batch_size", "sequence_length"])]
    inputs += [kv(f"past_key_values.{n}.{w}", "past_sequence_length") for n in range(L) for w in ("key", "value")]
    outputs = [helper.make_tensor_value_info("logits", f32, ["batch_size", "sequence_length", c["vocab_size"]])]
    outputs += [kv(f"present.{n}.{w}", "total_sequence_length") for n in range(L) for w in ("key", "value")]
    graph = helper.make_graph(g.nodes, "main_graph", inputs, outputs, g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14), helper.make_opsetid(MS, 1)],
                              producer_name="spatial-id-lens bench")
    model.ir_version = 8
    return model
