"""q4 variant of a float32 ONNX graph: com.microsoft MatMulNBits, as real q4 exports have it.

Our own code, written after reading onnxruntime's `quantization/matmul_nbits_quantizer.py`
(DefaultWeightOnlyQuantizer), MLAS `q4_dq.cpp` (BlockwiseQuantizer, what its C++
`quantize_matmul_4bits` runs) and the MatMulNBits spec in `docs/ContribOperators.md`, and
transformers.js `scripts/quantize.py` (what made the onnx-community `_q4` files: block_size 32,
is_symmetric=True, accuracy_level unset, op types {MatMul} only).

- A MatMul whose B is a constant 2-D float32 initializer [K, N] with K a multiple of the block
  size becomes MatMulNBits(A, B_Q4, B_scales), attributes K, N, bits=4, block_size=32.
  Symmetric: scale = (the block value of largest magnitude, with its sign) / -8,
  q = clamp(roundf(w / scale + 8), 0, 15), no zero_points input (the op's default is 8), so
  w_hat = (q - 8) * scale. B_Q4 is uint8 [N, K/32, 16]: column n, block b, byte j holds
  q[2j] in the low nibble and q[2j+1] in the high one. Scales are float32 [N * K/32].
- Activations stay float32; every other op is untouched. Gather (embed_tokens) is not quantized:
  the quantizer's default op types are {MatMul} only (GatherBlockQuantized appears in
  onnxruntime-genai builder exports, not in these), so embed_tokens_q4 equals the fp32 graph.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

BITS = 4
BLOCK_SIZE = 32
ZERO_POINT = 1 << (BITS - 1)  # MatMulNBits' default zero point when the input is absent
MS_DOMAIN = "com.microsoft"


def _roundf(x):
    """C roundf (half away from zero) on float32, exactly."""
    r = np.round(x)
    t = np.trunc(x)
    tie = np.abs(x - t) == np.float32(0.5)
    return np.where(tie, t + np.sign(x), r).astype(np.float32)


def quantize_symmetric(weight, block_size=BLOCK_SIZE):
    """[K, N] float32 -> (packed uint8 [N, K/bs, bs/2], scales float32 [N * K/bs])."""
    w = np.asarray(weight, dtype=np.float32)
    k, n = w.shape
    if k % block_size:
        raise ValueError(f"K={k} is not a multiple of the block size {block_size}")
    blocks = np.ascontiguousarray(w.T).reshape(n, k // block_size, block_size)
    vmax, vmin = blocks.max(axis=2), blocks.min(axis=2)
    extreme = np.where(np.abs(vmax) > np.abs(vmin), vmax, vmin)
    scales = (extreme / np.float32(-ZERO_POINT)).astype(np.float32)
    safe = np.where(scales != 0, scales, np.float32(1))
    recip = np.where(scales != 0, np.float32(1) / safe, np.float32(0)).astype(np.float32)
    q = _roundf(blocks * recip[:, :, None] + np.float32(ZERO_POINT))
    q = np.clip(q, 0, (1 << BITS) - 1).astype(np.uint8)
    packed = (q[:, :, 0::2] & 0xF) | (q[:, :, 1::2] << 4)
    return packed.astype(np.uint8), scales.reshape(-1)


def dequantize(packed, scales, k, n, block_size=BLOCK_SIZE, zero_point=ZERO_POINT):
    """MatMulNBits' B as float32 [K, N]: (q - zero_point) * scale, per block along K."""
    packed = np.asarray(packed, dtype=np.uint8).reshape(n, k // block_size, block_size // 2)
    q = np.empty((n, k // block_size, block_size), dtype=np.float32)
    q[:, :, 0::2] = packed & 0xF
    q[:, :, 1::2] = packed >> 4
    s = np.asarray(scales, dtype=np.float32).reshape(n, k // block_size, 1)
    w = (q - np.float32(zero_point)) * s
    return np.ascontiguousarray(w.reshape(n, k).T)


def _ms_opset(model):
    if not any(o.domain == MS_DOMAIN for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid(MS_DOMAIN, 1))


def _drop_unused_initializers(graph):
    used = {v for n in graph.node for v in n.input} | {o.name for o in graph.output}
    keep = [i for i in graph.initializer if i.name in used]
    graph.ClearField("initializer")
    graph.initializer.extend(keep)


def convert_to_q4(model, block_size=BLOCK_SIZE):
    """Return (q4 ModelProto, number of MatMuls quantized); the input is left untouched."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    nodes, done = [], 0
    for node in g.node:
        b = inits.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
        if b is None or b.data_type != TensorProto.FLOAT or len(b.dims) != 2 or b.dims[0] % block_size:
            nodes.append(node)
            continue
        k, n = b.dims
        packed, scales = quantize_symmetric(numpy_helper.to_array(b), block_size)
        q_name, s_name = b.name + "_Q4", b.name + "_scales"
        if q_name not in inits:  # a weight shared by several MatMuls is stored once
            for t in (numpy_helper.from_array(packed, q_name), numpy_helper.from_array(scales, s_name)):
                g.initializer.append(t)
                inits[t.name] = t
        nodes.append(helper.make_node(
            "MatMulNBits", [node.input[0], q_name, s_name], list(node.output),
            name=(node.name + "_Q4") if node.name else "", domain=MS_DOMAIN,
            K=k, N=n, bits=BITS, block_size=block_size))
        done += 1
    g.ClearField("node")
    g.node.extend(nodes)
    _drop_unused_initializers(g)
    if done:
        _ms_opset(model)
    if model.ir_version <= onnx.IR_VERSION:  # the onnx here (1.12) cannot check newer IR versions
        onnx.checker.check_model(model)
    return model, done


def dequantized_fp32(model):
    """The q4 graph with every MatMulNBits back as a MatMul on its dequantized weights: the
    float32 reference the q4 file computes (up to float summation order)."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    nodes = []
    for node in g.node:
        if node.op_type != "MatMulNBits" or node.domain != MS_DOMAIN:
            nodes.append(node)
            continue
        at = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if len(node.input) > 3 and node.input[3]:
            raise ValueError(f"{node.name}: zero points are not produced by convert_to_q4")
        w = dequantize(numpy_helper.to_array(inits[node.input[1]]),
                       numpy_helper.to_array(inits[node.input[2]]), at["K"], at["N"], at["block_size"])
        w_name = node.input[1] + "_dequantized"
        if w_name not in inits:
            inits[w_name] = numpy_helper.from_array(w, w_name)
            g.initializer.append(inits[w_name])
        nodes.append(helper.make_node("MatMul", [node.input[0], w_name], list(node.output),
                                      name=node.name + "_dequantized"))
    g.ClearField("node")
    g.node.extend(nodes)
    _drop_unused_initializers(g)
    return model
