"""decoder_model_merged.onnx for the Gemma-3 twin, laid out as onnxruntime-genai's model builder
writes Gemma-3 (src/python/py/models/builders/gemma.py + base.py), with onnx.helper:

- inputs `inputs_embeds` [batch, seq, H] (the builder's exclude_embeds), `attention_mask`
  [batch, total], `past_key_values.N.key/value` [batch, kv_heads, past, head_dim], and, as in the
  onnx-community Gemma-3 exports, `num_logits_to_keep` (int64 scalar; 0 = all positions);
  no `position_ids`: GroupQueryAttention rotates q/k itself (do_rotary=1) at positions
  past_len + i, past_len taken from seqlens_k = ReduceSum(attention_mask) - 1;
- per layer: SimplifiedLayerNormalization norms (weights 1 + w folded in), q/k/v MatMul,
  q_norm/k_norm (Reshape -> SimplifiedLayerNormalization over head_dim -> Reshape),
  com.microsoft GroupQueryAttention (scale = query_pre_attn_scalar^-0.5, local_window_size =
  sliding_window on sliding layers, -1 on full ones, cos/sin caches per rope base),
  o_proj, plain residual `Add`s `/model/layers.N/Add_1` (attention) and `Add_2` (MLP),
  MLP gate/up MatMul, Gelu(approximate=tanh), Mul, down MatMul;
- final norm `/model/layers.L/final_norm_layernorm`, tied `/lm_head/MatMul` -> `logits`.
"""
import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from gemma3_model import rope_inv_freq

F32, I64, I32 = TensorProto.FLOAT, TensorProto.INT64, TensorProto.INT32


class _Graph:
    def __init__(self):
        self.nodes, self.inits, self.consts = [], [], {}

    def init(self, name, array):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def const(self, dtype_name, value):
        """Shared constants named as the builder names them: /model/constants/INT64/[1]."""
        name = f"/model/constants/{dtype_name}/{value}"
        if name not in self.consts:
            np_type = {"INT64": np.int64, "FLOAT": np.float32}[dtype_name]
            self.consts[name] = self.init(name, np.array(value, dtype=np_type))
        return name

    def node(self, op, name, inputs, n_out=1, domain="", **attrs):
        outs = [f"{name}/output_{i}" for i in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=name, domain=domain or None, **attrs))
        return outs[0] if n_out == 1 else outs


def _w(t: torch.Tensor) -> np.ndarray:
    return t.detach().float().numpy()


def _rope_caches(tc, layer_type):
    """cos/sin [max_position_embeddings, head_dim / 2], as make_rotary_embedding_caches_from_scratch."""
    t = torch.arange(tc["max_position_embeddings"], dtype=torch.int64).float()
    freqs = torch.outer(t, rope_inv_freq(tc, layer_type))
    return freqs.cos().numpy(), freqs.sin().numpy()


def build_decoder(decoder, tc) -> onnx.ModelProto:
    g = _Graph()
    L, H, V = tc["num_hidden_layers"], tc["hidden_size"], tc["vocab_size"]
    nh, nkv, hd = tc["num_attention_heads"], tc["num_key_value_heads"], tc["head_dim"]
    eps = tc["rms_norm_eps"]

    # attention mask -> seqlens_k (int32 [batch]) and total_sequence_length (int32 scalar)
    base = "/model/attn_mask_reformat/attn_mask_subgraph"
    rsum = g.node("ReduceSum", f"{base}/ReduceSum", ["attention_mask", g.const("INT64", [1])], keepdims=0)
    sub = g.node("Sub", f"{base}/Sub", [rsum, g.const("INT64", 1)])
    seqlens_k = g.node("Cast", f"{base}/Sub/Cast", [sub], to=I32)
    shape = g.node("Shape", f"{base}/Shape", ["attention_mask"])
    gather = g.node("Gather", f"{base}/Gather", [shape, g.const("INT64", 1)], axis=0)
    total_len = g.node("Cast", f"{base}/Gather/Cast", [gather], to=I32)

    caches = {}
    for kind, tag in (("full_attention", "global"), ("sliding_attention", "local")):
        cos, sin = _rope_caches(tc, kind)
        caches[kind] = (g.init(f"cos_cache_{tag}", cos), g.init(f"sin_cache_{tag}", sin))

    def norm(name, x, weight_name, weight):
        w = g.init(weight_name, 1.0 + _w(weight))  # Gemma's (1 + w), folded as the builder's add_offset
        return g.node("SimplifiedLayerNormalization", name, [x, w], axis=-1, epsilon=eps, stash_type=1)

    def matmul(name, x, linear):
        w = g.init(name[1:].replace("/", ".") + ".weight", _w(linear.weight).T)
        return g.node("MatMul", name, [x, w])

    residual = "inputs_embeds"
    for l, layer in enumerate(decoder.layers):
        p, at = f"/model/layers.{l}", layer.self_attn
        x = norm(f"{p}/input_layernorm/LayerNorm", residual, f"model.layers.{l}.input_layernorm.weight",
                 layer.input_layernorm.weight)
        q = matmul(f"{p}/attn/q_proj/MatMul", x, at.q_proj)
        k = matmul(f"{p}/attn/k_proj/MatMul", x, at.k_proj)
        v = matmul(f"{p}/attn/v_proj/MatMul", x, at.v_proj)
        for which, t, mod, width in (("q", q, at.q_norm, nh * hd), ("k", k, at.k_norm, nkv * hd)):
            r1 = g.node("Reshape", f"{p}/attn/{which}_norm/Reshape_1", [t, g.const("INT64", [0, -1, hd])])
            n = norm(f"{p}/attn/{which}_norm/SimplifiedLayerNormalization", r1,
                     f"model.layers.{l}.attn.{which}_norm.layernorm.weight", mod.weight)
            r2 = g.node("Reshape", f"{p}/attn/{which}_norm/Reshape_2", [n, g.const("INT64", [0, -1, width])])
            q, k = (r2, k) if which == "q" else (q, r2)
        cos, sin = caches[layer.layer_type]
        gqa_name = f"{p}/attn/GroupQueryAttention"
        g.nodes.append(helper.make_node(
            "GroupQueryAttention",
            [q, k, v, f"past_key_values.{l}.key", f"past_key_values.{l}.value", seqlens_k, total_len, cos, sin],
            [f"{gqa_name}/output_0", f"present.{l}.key", f"present.{l}.value"],
            name=gqa_name, domain="com.microsoft", num_heads=nh, kv_num_heads=nkv,
            scale=float(tc["query_pre_attn_scalar"] ** -0.5),
            local_window_size=tc["sliding_window"] if layer.layer_type == "sliding_attention" else -1,
            softcap=0.0, do_rotary=1, rotary_interleaved=0))
        o = matmul(f"{p}/attn/o_proj/MatMul", f"{gqa_name}/output_0", at.o_proj)
        o = norm(f"{p}/post_attention_layernorm/LayerNorm", o, f"model.layers.{l}.post_attention_layernorm.weight",
                 layer.post_attention_layernorm.weight)
        residual = g.node("Add", f"{p}/Add_1", [residual, o])
        x = norm(f"{p}/pre_feedforward_layernorm/LayerNorm", residual,
                 f"model.layers.{l}.pre_feedforward_layernorm.weight", layer.pre_feedforward_layernorm.weight)
        gate = matmul(f"{p}/mlp/gate_proj/MatMul", x, layer.mlp.gate_proj)
        up = matmul(f"{p}/mlp/up_proj/MatMul", x, layer.mlp.up_proj)
        act = g.node("Gelu", f"{p}/mlp/act_fn/FastGelu", [gate], approximate="tanh")
        mul = g.node("Mul", f"{p}/mlp/Mul", [act, up])
        down = matmul(f"{p}/mlp/down_proj/MatMul", mul, layer.mlp.down_proj)
        down = norm(f"{p}/post_feedforward_layernorm/LayerNorm", down,
                    f"model.layers.{l}.post_feedforward_layernorm.weight", layer.post_feedforward_layernorm.weight)
        residual = g.node("Add", f"{p}/Add_2", [residual, down])

    final = norm(f"/model/layers.{L}/final_norm_layernorm/LayerNorm", residual,
                 f"model.layers.{L}.final_norm_layernorm.weight", decoder.norm.weight)

    # num_logits_to_keep: keep the last k positions (k > 0) or all (k = 0), before the lm_head
    b = "/model/logits_to_keep"
    seq = g.node("Gather", f"{b}/Gather", [g.node("Shape", f"{b}/Shape", [final]), g.const("INT64", 1)], axis=0)
    keep_some = g.node("Cast", f"{b}/Cast", [g.node("Greater", f"{b}/Greater", ["num_logits_to_keep", g.const("INT64", 0)])], to=I64)
    start = g.node("Mul", f"{b}/Mul", [g.node("Sub", f"{b}/Sub", [seq, "num_logits_to_keep"]), keep_some])
    start = g.node("Reshape", f"{b}/Reshape", [start, g.const("INT64", [1])])  # a scalar or [1] k -> [1]
    kept = g.node("Slice", f"{b}/Slice", [final, start, g.const("INT64", [2 ** 63 - 1]), g.const("INT64", [1])])
    lm_w = g.init("lm_head.MatMul.weight", _w(decoder.embed.weight).T)
    g.nodes.append(helper.make_node("MatMul", [kept, lm_w], ["logits"], name="/lm_head/MatMul"))

    kv_shape = ["batch_size", nkv, "past_sequence_length", hd]
    inputs = [helper.make_tensor_value_info("inputs_embeds", F32, ["batch_size", "sequence_length", H]),
              helper.make_tensor_value_info("attention_mask", I64, ["batch_size", "total_sequence_length"])]
    outputs = [helper.make_tensor_value_info("logits", F32, ["batch_size", "logits_sequence_length", V])]
    for l in range(L):
        for kv in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(f"past_key_values.{l}.{kv}", F32, kv_shape))
            outputs.append(helper.make_tensor_value_info(
                f"present.{l}.{kv}", F32, ["batch_size", nkv, "total_sequence_length", hd]))
    inputs.append(helper.make_tensor_value_info("num_logits_to_keep", I64, []))
    graph = helper.make_graph(g.nodes, "main_graph", inputs, outputs, initializer=g.inits)
    # opset 21 for Gelu(approximate); onnx 1.12 here does not know it, onnxruntime does
    model = helper.make_model(graph, producer_name="onnxruntime-genai",
                              opset_imports=[helper.make_opsetid("", 21), helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 10
    return model
