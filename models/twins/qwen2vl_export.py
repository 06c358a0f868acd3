"""ONNX export of the Qwen2-VL twin in the onnx-community layout, and a traced-vs-eager check.

vision_encoder: pixel_values [patches, 1176] + grid_thw [1, 3] int64 -> image_features [patches/4, H]
embed_tokens: input_ids [B, S] -> inputs_embeds [B, S, H]
decoder_model_merged: inputs_embeds, attention_mask [B, P+S], position_ids [3, B, S],
  past_key_values.N.key/value [B, kv_heads, P, head_dim] -> logits [B, S, V], present.N.key/value.
Torch-exported, so residuals are plain Adds scoped /model/layers.N/Add (attention) and Add_1 (MLP).
"""
import os
import warnings

import onnx
import torch
import torch.nn as nn

OPSET = 14


class VisionEncoder(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.visual = m.visual

    def forward(self, pixel_values, grid_thw):
        return self.visual(pixel_values, grid_thw)


class EmbedTokens(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.embed_tokens = m.model.embed_tokens

    def forward(self, input_ids):
        return self.embed_tokens(input_ids)


class Decoder(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.model, self.lm_head = m.model, m.lm_head

    def forward(self, inputs_embeds, attention_mask, position_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        hidden, presents, _ = self.model(inputs_embeds, attention_mask, position_ids, past)
        return (self.lm_head(hidden),) + tuple(t for kv in presents for t in kv)


def decoder_names(n_layers):
    past = [f"past_key_values.{i}.{kv}" for i in range(n_layers) for kv in ("key", "value")]
    present = [f"present.{i}.{kv}" for i in range(n_layers) for kv in ("key", "value")]
    return past, present


def vision_inputs(grid, seed):
    t, h, w = grid
    g = torch.Generator().manual_seed(seed)
    return torch.randn(t * h * w, 1176, generator=g), torch.tensor([list(grid)], dtype=torch.long)


def decoder_inputs(cfg, batch, seq, past_len, seed):
    g = torch.Generator().manual_seed(seed)
    hd = cfg["hidden_size"] // cfg["num_attention_heads"]
    emb = torch.randn(batch, seq, cfg["hidden_size"], generator=g)
    mask = torch.ones(batch, past_len + seq, dtype=torch.long)
    # three different rows, so the traced M-RoPE really reads each row
    rows = torch.arange(past_len, past_len + seq)[None, None] + torch.tensor([0, 1, 2])[:, None, None]
    pos = rows.expand(3, batch, seq)
    past = [torch.randn(batch, cfg["num_key_value_heads"], past_len, hd, generator=g)
            for _ in range(2 * cfg["num_hidden_layers"])]
    return (emb, mask, pos.contiguous(), *past)


def specs(model):
    cfg = model.cfg
    past, present = decoder_names(cfg["num_hidden_layers"])
    return {
        # traced on a grid other than the reference's, so no size is baked in
        "vision_encoder": (VisionEncoder(model), vision_inputs((1, 4, 6), 0), ["pixel_values", "grid_thw"],
                           ["image_features"], {"pixel_values": {0: "num_patches"},
                                                "image_features": {0: "num_image_tokens"}}),
        "embed_tokens": (EmbedTokens(model), (torch.tensor([[1, 5, 6], [1, 7, 8]]),), ["input_ids"],
                         ["inputs_embeds"], {"input_ids": {0: "batch_size", 1: "sequence_length"},
                                             "inputs_embeds": {0: "batch_size", 1: "sequence_length"}}),
        # traced with a NON-empty past so no length is specialised to 0
        "decoder_model_merged": (Decoder(model), decoder_inputs(cfg, 2, 5, 3, 0),
                                 ["inputs_embeds", "attention_mask", "position_ids"] + past,
                                 ["logits"] + present,
                                 {"inputs_embeds": {0: "batch_size", 1: "sequence_length"},
                                  "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
                                  "position_ids": {1: "batch_size", 2: "sequence_length"},
                                  "logits": {0: "batch_size", 1: "sequence_length"},
                                  **{n: {0: "batch_size", 2: "past_sequence_length"} for n in past},
                                  **{n: {0: "batch_size", 2: "total_sequence_length"} for n in present}}),
    }


def export_all(model, out_dir):
    onnx_dir = os.path.join(out_dir, "onnx")
    os.makedirs(onnx_dir, exist_ok=True)
    sp = specs(model)
    for name, (mod, args, inp, outp, dyn) in sp.items():
        path = os.path.join(onnx_dir, name + ".onnx")
        mod.eval()
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer warnings about Python values from shapes
            torch.onnx.export(mod, args, path, input_names=inp, output_names=outp, dynamic_axes=dyn,
                              opset_version=OPSET, do_constant_folding=True)
        m = onnx.load(path)
        m.producer_name, m.producer_version = "pytorch", torch.__version__.split("a")[0]
        m.doc_string = ""
        onnx.save(m, path)
        onnx.checker.check_model(onnx.load(path))
    check_node_names(os.path.join(onnx_dir, "decoder_model_merged.onnx"), model.cfg["num_hidden_layers"])
    return sp


def check_node_names(path, n_layers):
    names = {n.name for n in onnx.load(path).graph.node}
    missing = [f"/model/layers.{i}/{a}" for i in range(n_layers) for a in ("Add", "Add_1")
               if f"/model/layers.{i}/{a}" not in names]
    if missing:
        raise SystemExit(f"residual Add nodes not found in {path}: {missing[:4]}")


@torch.no_grad()
def verify_traced(model, sp, tol=1e-4):
    """Trace each wrapper as the exporter did and run the TRACED graph on other shapes (another
    grid, empty past, then one cached step) against eager PyTorch; returns the worst difference."""
    worst = 0.0

    def cmp(a, b, what):
        nonlocal worst
        a, b = (a if isinstance(a, (tuple, list)) else (a,)), (b if isinstance(b, (tuple, list)) else (b,))
        for x, y in zip(a, b):
            assert x.shape == y.shape, f"{what}: shape {tuple(x.shape)} vs {tuple(y.shape)}"
            d = (x - y).abs().max().item() if x.numel() else 0.0
            worst = max(worst, d)
            assert d <= tol, f"{what}: max abs diff {d}"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = {k: torch.jit.trace(v[0], v[1], check_trace=False) for k, v in sp.items()}
    for grid in ((1, 8, 10), (2, 6, 4)):  # the reference grid; a 2-slice clip (block-diagonal attention)
        args = vision_inputs(grid, 1)
        cmp(traced["vision_encoder"](*args), sp["vision_encoder"][0](*args), f"vision_encoder {grid}")
    ids = torch.tensor([[3, 1, 4, 1, 5]])
    cmp(traced["embed_tokens"](ids), sp["embed_tokens"][0](ids), "embed_tokens")
    dec, tdec = sp["decoder_model_merged"][0], traced["decoder_model_merged"]
    first = decoder_inputs(model.cfg, 1, 7, 0, 1)
    out_e, out_t = dec(*first), tdec(*first)
    cmp(out_t, out_e, "decoder past=0")
    nxt = (torch.randn(1, 1, model.cfg["hidden_size"]), torch.ones(1, 8, dtype=torch.long),
           torch.full((3, 1, 1), 9, dtype=torch.long))
    cmp(tdec(*nxt, *out_t[1:]), dec(*nxt, *out_e[1:]), "decoder cached step")
    return worst
