"""Random-weight models at real dimensions for `npm run bench --models ...`, built once and reused.

  /usr/bin/python3 models/twins/make_bench_models.py --model smolvlm-256m --out DIR [--seed 0]
  /usr/bin/python3 models/twins/make_bench_models.py --model qwen2vl-2b-q4 --out DIR [--seed 0]

smolvlm-256m: HuggingFaceTB/SmolVLM-256M-Instruct's sizes in fp32 (decoder hidden 576, 30 layers,
  9 heads / 3 KV heads, intermediate 1536, vocab 49280; SigLIP vision 12 layers, hidden 768,
  512-px tiles of 16-px patches, scale factor 4 -> 64 tokens per tile), exported by torch from the
  SmolVLM twin's own modules (make_smolvlm_twin.py). The picture is resized to a longest edge of
  1024 (the hub's is 2048), so a picture is 2x2 tiles + the global image = 320 image tokens: the
  vision tower then takes seconds, not a minute, per run on a small machine.
qwen2vl-2b-q4: Qwen/Qwen2-VL-2B-Instruct's sizes in the `_q4` files (decoder hidden 1536, 28 layers,
  12 heads / 2 KV heads, intermediate 8960, vocab 151936, M-RoPE [16, 24, 24]; vision depth 32,
  embed 1280, 16 heads): vision torch-exported from the twin's modules then MatMulNBits-quantized,
  embed_tokens a float32 Gather (as q4 exports keep it), the decoder drawn directly in q4
  (bench_qwen2_q4_decoder.py). min_pixels 448*448, so a picture gives 32x32 patches = 256 tokens.

Tokenizers and configs come from the twin scripts' writers (small vocabularies, real special
tokens and chat templates); only sizes change. Reused when DIR/bench-model.json describes this
build; built in a sibling temp folder and renamed into place, so a half-written model is never
reused. The last stdout line is JSON: {"dir", "reused", "variant", "params"}; progress on stderr.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
MARKER = "bench-model.json"
FORMAT = "spatial-id-lens/real-dims-bench-model@1"  # bump when the files written here change

SMOLVLM_TEXT = {"hidden_size": 576, "head_dim": 64, "intermediate_size": 1536, "num_attention_heads": 9,
                "num_key_value_heads": 3, "num_hidden_layers": 30, "vocab_size": 49280}
SMOLVLM_VISION = {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12, "num_hidden_layers": 12,
                  "image_size": 512, "patch_size": 16}
SMOLVLM_TILE, SMOLVLM_LONGEST, SMOLVLM_SCALE = 512, 1024, 4
QWEN_TEXT = {"hidden_size": 1536, "intermediate_size": 8960, "num_attention_heads": 12, "num_key_value_heads": 2,
             "num_hidden_layers": 28, "max_window_layers": 28, "vocab_size": 151936,
             "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]}}
QWEN_VISION = {"depth": 32, "embed_dim": 1280, "num_heads": 16, "mlp_ratio": 4, "hidden_size": 1536}
QWEN_MIN_PIXELS = 448 * 448
QWEN_MAX_PIXELS = 12845056
MODELS = {"smolvlm-256m": "fp32", "qwen2vl-2b-q4": "q4"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def count_params(onnx_dir):
    """Weights in the session files: a packed q4 byte holds two; block scales are not counted."""
    import numpy as np
    import onnx
    total = {}
    for f in sorted(os.listdir(onnx_dir)):
        if not f.endswith(".onnx"):
            continue
        m = onnx.load(os.path.join(onnx_dir, f), load_external_data=False)
        n = 0
        for t in m.graph.initializer:
            size = int(np.prod(t.dims)) if t.dims else 1
            n += 0 if t.name.endswith("_scales") else 2 * size if t.name.endswith("_Q4") else size
        total[f.split(".")[0]] = n
    return total


def build_smolvlm(out, seed):
    import torch
    import make_smolvlm_twin as twin
    from smolvlm_model import SmolVLMTwin, init_weights
    from smolvlm_processor import CHAT_TEMPLATE
    from twin_tokenizers import build_tokenizer

    torch.manual_seed(seed)
    tok_json, enc = build_tokenizer("byte_level", twin.CORPUS, twin.SPECIALS, merges_budget=360)
    config, pre, processor, generation, tok_cfg = twin.make_configs(enc)
    config["text_config"].update(SMOLVLM_TEXT)
    config["vocab_size"] = SMOLVLM_TEXT["vocab_size"]
    config["scale_factor"] = SMOLVLM_SCALE
    vc = config["vision_config"]
    vc.update(SMOLVLM_VISION, max_image_size={"longest_edge": SMOLVLM_TILE}, size={"longest_edge": SMOLVLM_LONGEST})
    pre.update(max_image_size={"longest_edge": SMOLVLM_TILE}, size={"longest_edge": SMOLVLM_LONGEST})
    processor["image_seq_len"] = (SMOLVLM_TILE // vc["patch_size"]) ** 2 // SMOLVLM_SCALE ** 2
    files = {"config.json": config, "preprocessor_config.json": pre, "processor_config.json": processor,
             "generation_config.json": generation, "tokenizer.json": tok_json, "tokenizer_config.json": tok_cfg,
             "chat_template.json": {"chat_template": CHAT_TEMPLATE}}
    for name, obj in files.items():
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=2, ensure_ascii=False)
            f.write("\n")
    log("smolvlm-256m: initialising the model...")
    model = SmolVLMTwin(config).eval()
    init_weights(model, seed)
    # export_onnx reads the twin's module-level output folder and tile sizes: point them here
    twin.OUT, twin.TILE, twin.IMAGE_SEQ_LEN = out, SMOLVLM_TILE, processor["image_seq_len"]
    log("smolvlm-256m: exporting (a few minutes)...")
    twin.export_onnx(model, config)


def quantize_large_model(model):
    """onnx_dtypes_q4.convert_to_q4's MatMul (and here Gemm) -> MatMulNBits, in place: that function copies the
    model through one serialisation, which protobuf refuses past 2 GB (a float32 2B vision tower)."""
    from onnx import TensorProto, helper, numpy_helper
    from onnx_dtypes_q4 import BITS, BLOCK_SIZE, MS_DOMAIN, _drop_unused_initializers, _ms_opset, quantize_symmetric
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    nodes, done = [], 0
    for node in g.node:
        # torch exports a Linear on a 2-D input (the vision tower's [patches, dim]) as Gemm: quantize
        # those as MatMulNBits + Add of the bias, so the tower is q4 like the decoder
        at = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        gemm = node.op_type == "Gemm" and at.get("alpha", 1.0) == 1.0 and at.get("beta", 1.0) == 1.0 and not at.get("transA", 0)
        b = inits.get(node.input[1]) if (node.op_type == "MatMul" and len(node.input) == 2) or gemm else None
        if b is None or b.data_type != TensorProto.FLOAT or len(b.dims) != 2:
            nodes.append(node)
            continue
        w = numpy_helper.to_array(b)
        w = w.T if gemm and at.get("transB", 0) else w  # [K, N]
        k, n = w.shape
        if k % BLOCK_SIZE:
            nodes.append(node)
            continue
        packed, scales = quantize_symmetric(w)
        q_name, s_name = b.name + "_Q4", b.name + "_scales"
        if q_name not in inits:
            for t in (numpy_helper.from_array(packed, q_name), numpy_helper.from_array(scales, s_name)):
                g.initializer.append(t)
                inits[t.name] = t
        bias = gemm and len(node.input) > 2 and node.input[2]
        out = node.output[0] + "_matmul" if bias else node.output[0]
        nodes.append(helper.make_node("MatMulNBits", [node.input[0], q_name, s_name], [out],
                                      name=node.name + "_Q4", domain=MS_DOMAIN, K=k, N=n, bits=BITS,
                                      block_size=BLOCK_SIZE))
        if bias:
            nodes.append(helper.make_node("Add", [out, node.input[2]], [node.output[0]], name=node.name + "_bias"))
        done += 1
    g.ClearField("node")
    g.node.extend(nodes)
    _drop_unused_initializers(g)
    _ms_opset(model)
    return done


def build_qwen2vl(out, seed):
    import warnings
    import numpy as np
    import onnx
    import torch
    from onnx import TensorProto, helper, numpy_helper
    import make_qwen2vl_twin as twin
    from bench_qwen2_q4_decoder import build_decoder
    from qwen2vl_export import OPSET, VisionEncoder, vision_inputs
    from qwen2vl_model import VisionTransformer, init_weights

    torch.manual_seed(seed)
    onnx_dir = os.path.join(out, "onnx")
    os.makedirs(onnx_dir)
    twin.OUT = out  # the twin's writers write to its module-level folder
    tok_json, _, ids = twin.make_tokenizer()
    n_tokens = len(tok_json["model"]["vocab"]) + len(tok_json["added_tokens"])
    cfg = twin.make_config(ids, n_tokens)
    cfg.update(QWEN_TEXT)
    cfg["vision_config"] = {**cfg["vision_config"], **QWEN_VISION}
    # the real 2B's pixel budget (the twin's is small to keep tests cheap)
    twin.PREPROCESSOR = {**twin.PREPROCESSOR, "min_pixels": QWEN_MIN_PIXELS, "max_pixels": QWEN_MAX_PIXELS,
                         "size": {"min_pixels": QWEN_MIN_PIXELS, "max_pixels": QWEN_MAX_PIXELS}}
    twin.write_tokenizer_files(tok_json, ids)
    twin.write_configs(cfg, ids)

    log("qwen2vl-2b-q4: vision tower (float32 in torch, exported, then q4)...")
    holder = torch.nn.Module()
    holder.visual = VisionTransformer(cfg["vision_config"])
    init_weights(holder, seed, n_tokens)
    with tempfile.TemporaryDirectory(dir=os.path.dirname(out)) as tmp:
        path = os.path.join(tmp, "vision_encoder.onnx")
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            # over 2 GB: torch writes the weights as external files beside the graph
            torch.onnx.export(VisionEncoder(holder).eval(), vision_inputs((1, 4, 6), 0), path,
                              input_names=["pixel_values", "grid_thw"], output_names=["image_features"],
                              dynamic_axes={"pixel_values": {0: "num_patches"}, "image_features": {0: "num_image_tokens"}},
                              opset_version=OPSET, do_constant_folding=True)
        del holder
        vision = onnx.load(path)
    n = quantize_large_model(vision)
    onnx.save(vision, os.path.join(onnx_dir, "vision_encoder_q4.onnx"))
    log(f"qwen2vl-2b-q4: vision_encoder_q4.onnx, {n} MatMul -> MatMulNBits")
    del vision

    rng = np.random.default_rng(seed + 1)
    d, v = cfg["hidden_size"], cfg["vocab_size"]
    table = (0.3 * rng.standard_normal((v, d), dtype=np.float32)).astype(np.float32)
    table[n_tokens:] = 0  # rows past the tokenizer are padding, as in the hub model
    embed = helper.make_model(helper.make_graph(
        [helper.make_node("Gather", ["model.embed_tokens.weight", "input_ids"], ["inputs_embeds"], name="/embed_tokens/Gather")],
        "main_graph", [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"])],
        [helper.make_tensor_value_info("inputs_embeds", TensorProto.FLOAT, ["batch_size", "sequence_length", d])],
        [numpy_helper.from_array(table, "model.embed_tokens.weight")]), opset_imports=[helper.make_opsetid("", OPSET)])
    embed.ir_version = 8
    onnx.save(embed, os.path.join(onnx_dir, "embed_tokens_q4.onnx"))
    del embed, table

    log("qwen2vl-2b-q4: decoder in q4...")
    decoder = build_decoder(cfg, seed + 2, log)
    onnx.save(decoder, os.path.join(onnx_dir, "decoder_model_merged_q4.onnx"))
    onnx.checker.check_model(os.path.join(onnx_dir, "decoder_model_merged_q4.onnx"))


def read_marker(out, name):
    try:
        with open(os.path.join(out, MARKER)) as f:
            marker = json.load(f)
    except (OSError, ValueError):
        return None
    return marker if marker.get("format") == FORMAT and marker.get("model") == name else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, choices=sorted(MODELS))
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    marker = read_marker(out, args.model)
    reused = marker is not None
    if not reused:
        import torch
        torch.set_num_threads(args.threads)
        sys.path.insert(0, HERE)
        sys.path.insert(0, os.path.join(HERE, "..", "tiny-spatial-vlm"))
        os.makedirs(os.path.dirname(out), exist_ok=True)
        tmp = f"{out}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        # the twin scripts print progress on stdout; keep stdout for the one JSON line
        stdout, sys.stdout = sys.stdout, sys.stderr
        try:
            (build_smolvlm if args.model == "smolvlm-256m" else build_qwen2vl)(tmp, args.seed)
            marker = {"format": FORMAT, "model": args.model, "variant": MODELS[args.model], "seed": args.seed,
                      "params": count_params(os.path.join(tmp, "onnx"))}
        finally:
            sys.stdout = stdout
        with open(os.path.join(tmp, MARKER), "w") as f:
            json.dump(marker, f, indent=2)
        shutil.rmtree(out, ignore_errors=True)  # a stale or half-written folder of an older format
        os.replace(tmp, out)
    print(json.dumps({"dir": out, "reused": reused, "variant": marker["variant"], "params": marker["params"]}))


if __name__ == "__main__":
    main()
