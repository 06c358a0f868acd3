"""Export weights.pt to the transformers.js / onnx-community layout.

  /usr/bin/python3 models/tiny-spatial-vlm/export.py [--weights models/tiny-spatial-vlm/weights.pt] [--out models/tiny-spatial-vlm]

Writes onnx/{vision_encoder,video_encoder,embed_tokens,decoder_model_merged}.onnx plus config.json,
preprocessor_config.json, processor_config.json, tokenizer.json, tokenizer_config.json and
generation_config.json, then checks every graph with onnx.checker and compares the traced
graphs with eager PyTorch (onnxruntime is not available in Python here; the TS side checks ORT).
"""
import argparse
import json
import os
import sys
import warnings

import onnx
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import TinyLlava, load_weights  # noqa: E402
from tokenizer_files import write_tokenizer_files  # noqa: E402


# Wrappers carry the same attribute names as TinyLlava so ONNX node scopes read like the model
# (e.g. /model/layers.3/Add_1, /vision_tower/layers.0/attn/...), and reuse its methods directly.
class VisionEncoder(nn.Module):
    get_image_features = TinyLlava.get_image_features

    def __init__(self, m):
        super().__init__()
        self.vision_tower, self.multi_modal_projector = m.vision_tower, m.multi_modal_projector

    def forward(self, pixel_values):
        return self.get_image_features(pixel_values)


class VideoEncoder(VisionEncoder):
    get_video_features = TinyLlava.get_video_features

    def __init__(self, m):
        super().__init__(m)
        self.video_frame_embed, self.config = m.video_frame_embed, m.config

    def forward(self, pixel_values_videos):  # [T,3,96,96] -> [1,T*4,H]
        return self.get_video_features(pixel_values_videos.unsqueeze(0))


class EmbedTokens(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.embed_tokens = m.model.embed_tokens

    def forward(self, input_ids):
        return self.embed_tokens(input_ids)


class Decoder(nn.Module):
    decoder_forward = TinyLlava.decoder_forward

    def __init__(self, m):
        super().__init__()
        self.model, self.lm_head = m.model, m.lm_head

    def forward(self, inputs_embeds, attention_mask, position_ids, *rest):
        past_flat, bias = (rest[:-1], rest[-1]) if len(rest) % 2 else (rest, None)  # attention_bias last, if any
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        logits, presents = self.decoder_forward(inputs_embeds, attention_mask, position_ids, past, bias)
        return (logits,) + tuple(t for kv in presents for t in kv)


STATIC_OUTPUT_DIMS = {
    "vision_encoder": lambda c: (None, c["image_seq_length"], c["hidden_size"]),
    "video_encoder": lambda c: (1, None, c["hidden_size"]),
}


def decoder_io_names(n_layers):
    past = [f"past_key_values.{i}.{kv}" for i in range(n_layers) for kv in ("key", "value")]
    present = [f"present.{i}.{kv}" for i in range(n_layers) for kv in ("key", "value")]
    return past, present


def decoder_inputs(cfg, batch, seq, past_len, seed=0):
    g = torch.Generator().manual_seed(seed)
    h, kvh, hd = cfg["hidden_size"], cfg["num_key_value_heads"], cfg["head_dim"]
    emb = torch.randn(batch, seq, h, generator=g)
    mask = torch.ones(batch, past_len + seq, dtype=torch.long)
    pos = torch.arange(past_len, past_len + seq)[None].repeat(batch, 1)
    past = [torch.randn(batch, kvh, past_len, hd, generator=g) for _ in range(2 * cfg["num_hidden_layers"])]
    if cfg.get("media_reader_token_ids") is None:
        return (emb, mask, pos, *past)
    # a media-reader bias with some blocked entries, so the traced graph really adds it
    bias = torch.where(torch.rand(batch, 1, seq, past_len + seq, generator=g) < 0.3, -1e9, 0.0)
    return (emb, mask, pos, *past, bias)


def export_all(model, out_dir, opset):
    cfg = model.config
    onnx_dir = os.path.join(out_dir, "onnx")
    os.makedirs(onnx_dir, exist_ok=True)
    s = cfg["image_size"]
    past_names, present_names = decoder_io_names(cfg["num_hidden_layers"])
    readers = cfg.get("media_reader_token_ids") is not None
    bias_names = ["attention_bias"] if readers else []
    bias_axes = {"attention_bias": {0: "batch_size", 2: "sequence_length", 3: "total_sequence_length"}} if readers else {}
    specs = {
        "vision_encoder": (VisionEncoder(model), (torch.randn(2, 3, s, s),), ["pixel_values"], ["image_features"],
                           {"pixel_values": {0: "num_images"}, "image_features": {0: "num_images"}}),
        "video_encoder": (VideoEncoder(model), (torch.randn(cfg["num_frames"], 3, s, s),), ["pixel_values_videos"],
                          ["video_features"], {"pixel_values_videos": {0: "num_frames"},
                                               "video_features": {1: "num_video_tokens"}}),
        "embed_tokens": (EmbedTokens(model), (torch.tensor([[1, 5, 6], [1, 7, 8]]),), ["input_ids"], ["inputs_embeds"],
                         {"input_ids": {0: "batch_size", 1: "sequence_length"},
                          "inputs_embeds": {0: "batch_size", 1: "sequence_length"}}),
        # traced with a NON-empty past (3) so no shape is specialised to 0; every length is dynamic
        "decoder_model_merged": (Decoder(model), decoder_inputs(cfg, 2, 5, 3),
                                 ["inputs_embeds", "attention_mask", "position_ids"] + past_names + bias_names,
                                 ["logits"] + present_names,
                                 {"inputs_embeds": {0: "batch_size", 1: "sequence_length"},
                                  "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
                                  "position_ids": {0: "batch_size", 1: "sequence_length"},
                                  "logits": {0: "batch_size", 1: "sequence_length"},
                                  **{n: {0: "batch_size", 2: "past_sequence_length"} for n in past_names},
                                  **{n: {0: "batch_size", 2: "total_sequence_length"} for n in present_names},
                                  **bias_axes}),
    }
    for name, (mod, args, inp, outp, dyn) in specs.items():
        path = os.path.join(onnx_dir, name + ".onnx")
        mod.eval()
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer warnings about shape-dependent Python values
            torch.onnx.export(mod, args, path, input_names=inp, output_names=outp, dynamic_axes=dyn,
                              opset_version=opset, do_constant_folding=True)
        if name in STATIC_OUTPUT_DIMS:  # the tracer leaves fixed sizes symbolic; state them
            m = onnx.load(path)
            for out in m.graph.output:
                for d, v in zip(out.type.tensor_type.shape.dim, STATIC_OUTPUT_DIMS[name](cfg)):
                    if v is not None:
                        d.Clear()
                        d.dim_value = v
            onnx.save(m, path)
        onnx.checker.check_model(onnx.load(path))
        print(f"wrote {path} ({os.path.getsize(path) / 1e6:.2f} MB), onnx.checker ok")
    return specs


@torch.no_grad()
def verify_traced(model, specs, tol=1e-5):
    """torch.jit.trace each wrapper as the exporter did, then run the TRACED graph on new shapes
    (other batch/frame counts, past length 0, then one cached step) against eager PyTorch."""
    cfg, s = model.config, model.config["image_size"]
    worst = 0.0

    def cmp(a, b, what):
        nonlocal worst
        a, b = (a if isinstance(a, (tuple, list)) else (a,)), (b if isinstance(b, (tuple, list)) else (b,))
        assert len(a) == len(b), what
        for x, y in zip(a, b):
            assert x.shape == y.shape, f"{what}: shape {tuple(x.shape)} vs {tuple(y.shape)}"
            d = (x - y).abs().max().item() if x.numel() else 0.0
            worst = max(worst, d)
            assert d <= tol, f"{what}: max abs diff {d}"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = {k: torch.jit.trace(v[0], v[1], check_trace=False) for k, v in specs.items()}
    cmp(traced["vision_encoder"](px := torch.randn(3, 3, s, s)), specs["vision_encoder"][0](px), "vision_encoder")
    cmp(traced["video_encoder"](px := torch.randn(5, 3, s, s)), specs["video_encoder"][0](px), "video_encoder")
    cmp(traced["embed_tokens"](ids := torch.tensor([[1, 2, 3, 4]])), specs["embed_tokens"][0](ids), "embed_tokens")
    dec, tdec = specs["decoder_model_merged"][0], traced["decoder_model_merged"]
    first = decoder_inputs(cfg, 1, 7, 0, seed=1)  # empty past, as on the first generation step
    out_e, out_t = dec(*first), tdec(*first)
    cmp(out_t, out_e, "decoder past=0")
    # one cached step, fed the presents of the first call
    readers = cfg.get("media_reader_token_ids") is not None
    step_bias = (first[-1][:, :, -1:, :].new_zeros(1, 1, 1, 8),) if readers else ()
    if readers:
        step_bias[0][..., :3] = -1e9
    full_bias = (torch.cat([torch.cat([first[-1], torch.full((1, 1, 7, 1), -1e9)], -1), step_bias[0]], 2),) if readers else ()
    past0 = first[3:-1] if readers else first[3:]
    nxt = (torch.randn(1, 1, cfg["hidden_size"]), torch.ones(1, 8, dtype=torch.long), torch.tensor([[7]]))
    step_e, step_t = dec(*nxt, *out_e[1:], *step_bias), tdec(*nxt, *out_t[1:], *step_bias)
    cmp(step_t, step_e, "decoder cached step")
    # the cached step must equal the last position of an uncached run over all 8 tokens
    full = dec(torch.cat([first[0], nxt[0]], 1), torch.ones(1, 8, dtype=torch.long), torch.arange(8)[None],
               *[t[:, :, :0] for t in past0], *full_bias)
    cmp(step_e[0], full[0][:, -1:], "cache consistency")
    print(f"traced vs eager ok (max abs diff {worst:.2e}; tolerance {tol})")


def check_node_names(path, n_layers):
    names = {n.name for n in onnx.load(path).graph.node}
    missing = [f"/model/layers.{i}/{a}" for i in range(n_layers) for a in ("Add", "Add_1")
               if f"/model/layers.{i}/{a}" not in names]
    if missing:
        raise SystemExit(f"residual Add nodes not found in {path}: {missing[:4]} ...")
    print(f"residual adds /model/layers.N/Add (attention) and /model/layers.N/Add_1 (MLP, = layer output) present")


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


# What the trained model was trained on and can answer, as the panel states it under its header
# (server modelScope.ts fills {canvas}, {objects} and {vocabSize}). The random-init twin declares none.
TRAINED_SCOPE = {
    "trained_on": "{canvas} views of synthetic scenes from the scene engine (canvases of 64-400 px, square or not, "
                  "resized): 1-4 coloured shapes ({objects}) in shades of each colour word, on plain, gradient, noise "
                  "or texture backgrounds of any lightness and many hues; 8-frame clips of objects appearing in turn",
    "answers": "left/right, above/below, where is (row and column), what colour; in clips before/after",
    "limits": [
        "Photos and drawings of other things are outside its training: it still answers, and the answers there are often wrong.",
        "Words outside its {vocabSize}-token vocabulary are read as <unk>: only its colour and shape words name objects.",
        "Objects must stand out from the background around them; faint or touching ones are outside its training.",
    ],
}


def write_configs(cfg, vocab, meta, out_dir, scope=None):
    text = {k: cfg[k] for k in ("hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                                "head_dim", "intermediate_size", "rms_norm_eps", "rope_theta", "vocab_size",
                                "max_position_embeddings", "bos_token_id", "eos_token_id", "pad_token_id")}
    text.update(model_type="llama", hidden_act="silu", tie_word_embeddings=False, attention_bias=False)
    s, p, g = cfg["image_size"], cfg["patch_size"], cfg["grid"]
    write_json(os.path.join(out_dir, "config.json"), {
        "model_type": "llava",
        "architectures": ["LlavaForConditionalGeneration"],
        "image_token_index": cfg["image_token_index"],
        "video_token_index": cfg["video_token_index"],
        "image_seq_length": cfg["image_seq_length"],
        "projector_hidden_act": "gelu",
        "vision_feature_layer": -1,
        "vision_feature_select_strategy": "full",
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
        "use_cache": True,
        "bos_token_id": cfg["bos_token_id"], "eos_token_id": cfg["eos_token_id"], "pad_token_id": cfg["pad_token_id"],
        "text_config": text,
        "vision_config": {"model_type": "spatial_id_lens_vit", "image_size": s, "patch_size": p,
                          "num_channels": cfg["num_channels"], "hidden_size": cfg["vision_hidden_size"],
                          "num_hidden_layers": cfg["vision_num_layers"],
                          "num_attention_heads": cfg["vision_num_heads"],
                          "intermediate_size": cfg["vision_hidden_size"] * cfg["vision_mlp_ratio"],
                          "hidden_act": "gelu", "layer_norm_eps": cfg["vision_layer_norm_eps"],
                          "position_embedding": "separable learned row + column", "merge": "2x2 patches per token"},
        "video_config": {"num_frames": cfg["num_frames"], "tokens_per_frame": cfg["video_tokens_per_frame"],
                         "encoder": "video_encoder", "max_frames": cfg["max_frames"]},
        **({"media_readers": {
            "decoder_input": "attention_bias", "token_ids": cfg["media_reader_token_ids"],
            "media_token_ids": cfg.get("media_reader_media_ids") or [cfg["image_token_index"], cfg["video_token_index"]],
            "words": [vocab[i] for i in cfg["media_reader_token_ids"]],
            "rule": "a token that is none of these nor a media token may not attend to the media tokens named",
        }} if cfg.get("media_reader_token_ids") is not None else {}),
        "spatial_id_lens": {
            "grid": {"rows": g, "cols": g}, "canvas": {"width": s, "height": s}, "cell_size": s // g,
            "image_tokens": "one per grid cell, row-major (token k = row k // cols, column k % cols)",
            "video_tokens": f"frame-major, {cfg['video_tokens_per_frame']} per frame: the cell tokens"
                            + (f" averaged over {cfg['video_pool']}x{cfg['video_pool']} blocks" if cfg["video_pool"] > 1 else "")
                            + ", row-major, plus a learned frame-index embedding",
            "num_frames": cfg["num_frames"], "families": (meta or {}).get("families"),
            **({"scope": scope} if scope else {}),
        },
    })
    write_json(os.path.join(out_dir, "preprocessor_config.json"), {
        "image_processor_type": "SiglipImageProcessor", "processor_class": "LlavaProcessor",
        "do_resize": True, "size": {"height": s, "width": s}, "resample": 2,
        "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True,
        "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "do_convert_rgb": True,
    })
    write_json(os.path.join(out_dir, "processor_config.json"), {
        "processor_class": "LlavaProcessor", "image_token": "<image>", "video_token": "<video>",
        "image_seq_length": cfg["image_seq_length"], "video_seq_length": cfg["video_seq_length"],
        "num_frames": cfg["num_frames"],
    })
    write_json(os.path.join(out_dir, "generation_config.json"), {
        "bos_token_id": cfg["bos_token_id"], "eos_token_id": cfg["eos_token_id"], "pad_token_id": cfg["pad_token_id"],
        "max_new_tokens": 8, "do_sample": False,
    })
    write_tokenizer_files(out_dir, vocab)
    print(f"wrote config.json, preprocessor_config.json, processor_config.json, generation_config.json, "
          f"tokenizer.json, tokenizer_config.json to {out_dir}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", default=os.path.join(HERE, "weights.pt"))
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--opset", type=int, default=14)
    ap.add_argument("--random-init", type=int, default=None, metavar="SEED",
                    help="export a randomly initialised model of the same config and vocabulary instead "
                         "(the control of the ID analyses; derive-ids --baseline)")
    args = ap.parse_args()
    torch.set_num_threads(2)
    model, payload = load_weights(args.weights)
    if args.random_init is not None:
        torch.manual_seed(args.random_init)  # the same init train.py starts from, before --attn-init-scale
        model = TinyLlava(payload["config"]).eval()
    assert payload["config"]["video_seq_length"] == payload["config"]["num_frames"] * payload["config"]["video_tokens_per_frame"]
    specs = export_all(model, args.out, args.opset)
    verify_traced(model, specs)
    check_node_names(os.path.join(args.out, "onnx", "decoder_model_merged.onnx"), model.config["num_hidden_layers"])
    write_configs(model.config, payload["vocab"], payload.get("dataset_meta"), args.out,
                  scope=None if args.random_init is not None else TRAINED_SCOPE)


if __name__ == "__main__":
    main()
