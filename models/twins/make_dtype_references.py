"""PyTorch reference for the LLaVA-1.5 twin's q4 (MatMulNBits) variant.

  /usr/bin/python3 models/twins/make_dtype_references.py

Rebuilds the twin's PyTorch model exactly as make_llava_twin.py does (same tokenizer, config,
seed and weights; checked: its fp32 reference comes out equal to the stored one), replaces every
Linear weight that onnx_dtypes_q4 quantized in onnx/*_q4.onnx by its dequantized value
(quantize_symmetric + dequantize, imported, not copied), and writes
test/fixtures/twins/llava-1.5.q4.reference.safetensors in the fp32 reference's contract (same
question, photo.png and photo-mirrored.png, same steer/patch layers and positions).

Which Linears: a MatMul whose B is a constant [K, N] with K a multiple of the block size becomes
MatMulNBits. Rather than re-deriving that from module shapes, each Linear's quantized weight is
matched byte for byte against the MatMulNBits initializers of the q4 files, and every one of
those must be matched by exactly one Linear: the reference is then built from the weights the
q4 graphs hold, no more and no fewer.
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_llava_twin as twin  # noqa: E402  (also puts tiny-spatial-vlm on sys.path)
from llava_model import LlavaTwin, init_weights  # noqa: E402
from make_fixtures import read_safetensors, write_safetensors  # noqa: E402
from onnx_dtypes_q4 import BLOCK_SIZE, MS_DOMAIN, dequantize, quantize_symmetric  # noqa: E402
from twin_tokenizers import build_tokenizer  # noqa: E402

FP32_REFERENCE = os.path.join(twin.FIXTURES, "llava-1.5.reference.safetensors")
Q4_REFERENCE = os.path.join(twin.FIXTURES, "llava-1.5.q4.reference.safetensors")


def rebuild_twin():
    """The same steps as make_llava_twin.main() before export: tokenizer, config, seeded model."""
    tok_json, enc = build_tokenizer("sentencepiece", "\n".join(twin.CORPUS_LINES), twin.SPECIALS, merges_budget=160,
                                    unk_token="<unk>", bos_token="<s>")
    ids = {t: enc.token_to_id(t) for t in twin.SPECIALS}
    vocab_size = -(-len(enc.vocab) // 64) * 64
    cfg = twin.text_and_model_config(vocab_size, ids)
    cfg["text_config"].update(bos_token_id=ids["<s>"], eos_token_id=ids["</s>"])
    with open(os.path.join(twin.OUT, "config.json")) as f:
        assert json.load(f) == json.loads(json.dumps(cfg)), "config.json differs from the rebuilt config"
    with open(os.path.join(twin.OUT, "tokenizer.json")) as f:
        assert json.load(f) == json.loads(json.dumps(tok_json)), "tokenizer.json differs from the rebuilt tokenizer"
    torch.manual_seed(twin.SEED)
    model = init_weights(LlavaTwin(cfg), twin.SEED).eval()
    return model, cfg, enc, ids


def q4_weights(onnx_dir):
    """{(packed bytes, scales bytes): (K, N, node name)} of every MatMulNBits in onnx/*_q4.onnx."""
    out = {}
    for f in sorted(os.listdir(onnx_dir)):
        if not f.endswith("_q4.onnx"):
            continue
        g = onnx.load(os.path.join(onnx_dir, f)).graph
        inits = {i.name: i for i in g.initializer}
        for node in g.node:
            if node.op_type != "MatMulNBits" or node.domain != MS_DOMAIN:
                continue
            at = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            assert at["bits"] == 4 and at["block_size"] == BLOCK_SIZE and len(node.input) == 3, f"{f}: {node.name}"
            packed = numpy_helper.to_array(inits[node.input[1]])
            scales = numpy_helper.to_array(inits[node.input[2]])
            out[(packed.tobytes(), scales.tobytes())] = (at["K"], at["N"], f"{f}:{node.name}")
    return out


@torch.no_grad()
def dequantize_linears(model, onnx_dir):
    """Replace each Linear weight the q4 files quantized by its dequantized value; returns the
    names replaced, those left with K off-block, and those left that no exported graph uses."""
    targets = q4_weights(onnx_dir)
    matched, off_block, unused = {}, [], []
    for name, m in model.named_modules():
        if not isinstance(m, torch.nn.Linear):
            continue
        b = m.weight.detach().numpy().T  # the exporter's MatMul B: [in, out]
        k, n = b.shape
        if k % BLOCK_SIZE:
            off_block.append(name)
            continue
        packed, scales = quantize_symmetric(b)
        key = (packed.tobytes(), scales.tobytes())
        if key not in targets:
            unused.append(name)
            continue
        assert key not in matched, f"{name} quantizes to the same bytes as {matched[key]}"
        m.weight.copy_(torch.from_numpy(dequantize(packed, scales, k, n).T.copy()))
        matched[key] = name
    missing = [v[2] for key, v in targets.items() if key not in matched]
    assert not missing, f"MatMulNBits weights no Linear of the twin quantizes to: {missing}"
    return sorted(matched.values()), off_block, unused


def compare_fp32(tensors):
    """The rebuilt model's fp32 reference must be the stored one: same model, same computation."""
    stored, _ = read_safetensors(FP32_REFERENCE)
    for name, t in tensors.items():
        diff = np.abs(stored[name].astype(np.float64) - t.numpy().astype(np.float64)).max() if t.numel() else 0.0
        assert stored[name].shape == tuple(t.shape) and diff == 0, f"fp32 {name}: rebuilt differs from stored by {diff}"


def main():
    torch.set_num_threads(2)
    model, cfg, enc, ids = rebuild_twin()
    pc = twin.preprocessor_config(cfg["vision_config"])
    fp32, _ = twin.reference(model, cfg, enc, ids, pc)
    compare_fp32(fp32)
    print(f"rebuilt twin: fp32 reference equals {os.path.relpath(FP32_REFERENCE)} exactly")

    replaced, off_block, unused = dequantize_linears(model, os.path.join(twin.OUT, "onnx"))
    tensors, meta = twin.reference(model, cfg, enc, ids, pc)
    meta.update({
        "dtype": "q4",
        "weights": f"fp32 twin with the {len(replaced)} Linear weights that onnx/*_q4.onnx holds as MatMulNBits (4-bit, "
                   f"block {BLOCK_SIZE}, symmetric, zero point 8) replaced by their dequantized values "
                   "(onnx_dtypes_q4.quantize_symmetric + dequantize); activations float32, everything else fp32: "
                   + ", ".join(replaced),
        "steering": meta["steering"] + " (norm of the q4 model's hidden_states, so the vector differs from fp32's)",
    })
    for same in ("input_ids", "pixel_values", "steer_positions", "patch_positions"):
        assert torch.equal(tensors[same], fp32[same]), f"{same} changed with the weights"
    write_safetensors(Q4_REFERENCE, tensors, meta)
    d = lambda k: (tensors[k] - fp32[k]).abs().max().item()  # noqa: E731
    print(f"wrote {os.path.relpath(Q4_REFERENCE)}: {len(replaced)} Linears dequantized; left fp32: K not a multiple "
          f"of {BLOCK_SIZE}: {', '.join(off_block)}; in no exported graph: {', '.join(unused)}")
    print(f"q4 vs fp32: logits max |diff| {d('logits'):.4f}, hidden_states {d('hidden_states'):.4f}, "
          f"generated {tensors['generated_ids'].tolist()} vs {fp32['generated_ids'].tolist()} = "
          f"{enc.decode(tensors['generated_ids'].tolist())!r}")


if __name__ == "__main__":
    main()
