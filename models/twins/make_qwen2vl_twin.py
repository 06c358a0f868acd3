"""Qwen2-VL twin: a tiny random-weight Qwen2VLForConditionalGeneration in the exact layout of
onnx-community/Qwen2-VL-2B-Instruct (file names, graph input/output names, configs, Qwen specials,
the hub's chat template), plus a PyTorch reference computed on test/fixtures/twins/photo.png.

  /usr/bin/python3 models/twins/make_qwen2vl_twin.py

Writes test/fixtures/twins/qwen2-vl/ and test/fixtures/twins/qwen2-vl.reference.safetensors.
Deterministic: fixed seeds, no clock or environment in any output.
"""
import json
import math
import os
import sys

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.join(ROOT, "test", "fixtures", "twins")
OUT = os.path.join(FIXTURES, "qwen2-vl")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "models", "tiny-spatial-vlm"))
from make_fixtures import write_safetensors  # noqa: E402
from qwen2vl_export import export_all, verify_traced  # noqa: E402
from qwen2vl_model import Qwen2VL, get_rope_index, init_weights  # noqa: E402
from twin_tokenizers import build_tokenizer  # noqa: E402

SEED = 20240829
QUESTION = "Is the red circle to the left or right of the blue square?"
STEER_LAYER, PATCH_LAYER = 2, 1

# Qwen2's added tokens, in the hub's order (ids follow the BPE vocabulary, as 151643.. do there)
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
            "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
            "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>"]

# The hub's Qwen2-VL-2B-Instruct template (tokenizer_config.json and chat_template.json)
CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "{% endif %}<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}{{ message['content'] }}"
    "<|im_end|>\n{% else %}{% for content in message['content'] %}{% if content['type'] == 'image' or 'image' in "
    "content or 'image_url' in content %}{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}"
    "Picture {{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>{% elif content['type'] "
    "== 'video' or 'video' in content %}{% set video_count.value = video_count.value + 1 %}{% if add_vision_id %}"
    "Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>{% elif 'text' in content %}"
    "{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}{% endfor %}{% if add_generation_prompt %}"
    "<|im_start|>assistant\n{% endif %}")

CORPUS = " ".join([
    "system You are a helpful assistant. user assistant",
    QUESTION, "The red circle is to the left of the blue square.",
    "The blue square is to the right of the red circle. Is the green triangle above or below the yellow star?",
    "left right above below red blue green yellow circle square triangle star picture image video",
    "Yes. No. It is on the left. It is on the right. A traffic light and a diamond are in the picture.",
] * 3)

# Real model (2B): hidden 1536, 28 layers, 12 heads / 2 kv, mrope [16, 24, 24] of head_dim 128;
# vision depth 32, embed 1280, 16 heads. Here every width is tiny; section ratios are kept.
VISION = {"depth": 2, "embed_dim": 32, "mlp_ratio": 4, "num_heads": 2, "in_chans": 3, "hidden_size": 64,
          "patch_size": 14, "spatial_merge_size": 2, "spatial_patch_size": 14, "temporal_patch_size": 2}
# max_pixels: the real 2B's is 12845056 (3584^2); the twin's is 224^2, so the analyses' scenes at
# the family's own resolution (the largest multiple of 28 near 896 px within the budget) stay cheap
# in tests. The photo of the reference (150x100) is within both, so its grid is the same.
TWIN_MAX_PIXELS = 50176
PREPROCESSOR = {"do_convert_rgb": True, "do_normalize": True, "do_rescale": True, "do_resize": True,
                "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_processor_type": "Qwen2VLImageProcessor",
                "image_std": [0.26862954, 0.26130258, 0.27577711], "max_pixels": TWIN_MAX_PIXELS, "merge_size": 2,
                "min_pixels": 3136, "patch_size": 14, "processor_class": "Qwen2VLProcessor", "resample": 3,
                "rescale_factor": 0.00392156862745098, "size": {"max_pixels": TWIN_MAX_PIXELS, "min_pixels": 3136},
                "temporal_patch_size": 2}


def write_json(name, obj):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


# --------------------------------------------------------------------------- tokenizer and configs


def make_tokenizer():
    tok_json, enc = build_tokenizer("byte_level", CORPUS, {s: None for s in SPECIALS}, merges_budget=260)
    ids = {s: enc.token_to_id(s) for s in SPECIALS}
    return tok_json, enc, ids


def make_config(ids, n_tokens):
    return {
        "architectures": ["Qwen2VLForConditionalGeneration"], "attention_dropout": 0.0,
        "bos_token_id": ids["<|endoftext|>"], "eos_token_id": ids["<|im_end|>"],
        "vision_start_token_id": ids["<|vision_start|>"], "vision_end_token_id": ids["<|vision_end|>"],
        "vision_token_id": ids["<|vision_pad|>"], "image_token_id": ids["<|image_pad|>"],
        "video_token_id": ids["<|video_pad|>"],
        "hidden_act": "silu", "hidden_size": 64, "initializer_range": 0.02, "intermediate_size": 128,
        "max_position_embeddings": 32768, "max_window_layers": 4, "model_type": "qwen2_vl",
        "num_attention_heads": 4, "num_hidden_layers": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
        "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": True, "torch_dtype": "float32",
        "transformers_version": "4.45.0.dev0", "use_cache": True, "use_sliding_window": False,
        "vision_config": VISION, "rope_scaling": {"type": "mrope", "mrope_section": [2, 3, 3]},
        # like the hub's 151936 for 151657 tokens: the embedding is padded past the tokenizer
        "vocab_size": 64 * math.ceil((n_tokens + 1) / 64),
    }


def write_tokenizer_files(tok_json, ids):
    with open(os.path.join(OUT, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok_json, f, indent=2, ensure_ascii=False)
        f.write("\n")
    write_json("vocab.json", tok_json["model"]["vocab"])
    with open(os.path.join(OUT, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in tok_json["model"]["merges"]))
    write_json("added_tokens.json", dict(sorted(ids.items())))
    write_json("chat_template.json", {"chat_template": CHAT_TEMPLATE})
    write_json("tokenizer_config.json", {
        "add_prefix_space": False,
        "added_tokens_decoder": {str(e["id"]): {k: e[k] for k in ("content", "lstrip", "normalized", "rstrip",
                                                                  "single_word", "special")}
                                 for e in tok_json["added_tokens"]},
        "additional_special_tokens": SPECIALS[1:],
        "bos_token": None, "chat_template": CHAT_TEMPLATE, "clean_up_tokenization_spaces": False,
        "eos_token": "<|im_end|>", "errors": "replace", "model_max_length": 32768, "pad_token": "<|endoftext|>",
        "split_special_tokens": False, "tokenizer_class": "Qwen2Tokenizer", "unk_token": None})


def write_configs(cfg, ids):
    write_json("config.json", cfg)
    write_json("preprocessor_config.json", PREPROCESSOR)
    write_json("generation_config.json", {
        "bos_token_id": ids["<|endoftext|>"], "pad_token_id": ids["<|endoftext|>"], "do_sample": True,
        "eos_token_id": [ids["<|im_end|>"], ids["<|endoftext|>"]], "repetition_penalty": 1.0,
        "temperature": 0.01, "top_p": 0.001, "top_k": 1, "transformers_version": "4.45.0.dev0"})


# --------------------------------------------------------------------------- processor (HF, mirrored)


def smart_resize(height, width, factor, min_pixels, max_pixels):
    """image_processing_qwen2_vl.smart_resize (Python round: banker's rounding, as HF)."""
    h_bar, w_bar = round(height / factor) * factor, round(width / factor) * factor
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar, w_bar = math.floor(height / beta / factor) * factor, math.floor(width / beta / factor) * factor
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar, w_bar = math.ceil(height * beta / factor) * factor, math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


def preprocess(path):
    """Qwen2VLImageProcessor (slow, PIL): resize on uint8 with PIL bicubic, rescale in float64 then
    float32, normalize in float32, then the patch flattening (channel, temporal, h, w per patch;
    patches grouped by 2x2 merge block). Returns pixel_values [N, 1176] and image_grid_thw [1, 3]."""
    c = PREPROCESSOR
    img = Image.open(path).convert("RGB")
    p, m, tp = c["patch_size"], c["merge_size"], c["temporal_patch_size"]
    h, w = smart_resize(img.height, img.width, p * m, c["min_pixels"], c["max_pixels"])
    arr = np.array(img.resize((w, h), resample=c["resample"], reducing_gap=None))  # HWC uint8
    arr = (arr.astype(np.float64) * c["rescale_factor"]).astype(np.float32)
    arr = (arr - np.array(c["image_mean"], dtype=np.float32)) / np.array(c["image_std"], dtype=np.float32)
    patches = np.repeat(arr.transpose(2, 0, 1)[None], tp, axis=0)  # one image -> temporal_patch_size frames
    gt, gh, gw = patches.shape[0] // tp, h // p, w // p
    flat = patches.reshape(gt, tp, 3, gh // m, m, p, gw // m, m, p).transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
    flat = flat.reshape(gt * gh * gw, 3 * tp * p * p)
    return torch.from_numpy(np.ascontiguousarray(flat)), torch.tensor([[gt, gh, gw]], dtype=torch.long)


def render_prompt(question):
    """The chat template above for one user turn [image, text] with add_generation_prompt."""
    return ("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
            f"<|vision_start|><|image_pad|><|vision_end|>{question}<|im_end|>\n<|im_start|>assistant\n")


def processor_ids(enc, prompt, grid_thw):
    """Qwen2VLProcessor: each <|image_pad|> becomes prod(grid_thw) // merge_size**2 of them."""
    n = int(grid_thw[0].prod()) // PREPROCESSOR["merge_size"] ** 2
    return torch.tensor(enc(prompt.replace("<|image_pad|>", "<|image_pad|>" * n, 1)), dtype=torch.long)


def last_subtoken(enc, ids, question, word, after_id):
    """Position of the last sub-token of `word` (e.g. " circle") in the question, which starts right
    after `after_id` (<|vision_end|>). The ByteLevel pre-tokenizer cuts at words, so the ids of the
    question's prefix up to the word are a prefix of the question's ids."""
    start = ids.tolist().index(after_id) + 1
    prefix = enc(question[: question.index(word) + len(word)])
    assert ids[start:start + len(prefix)].tolist() == prefix, f"{word!r}: prefix ids do not match"
    return start + len(prefix) - 1


# --------------------------------------------------------------------------- reference


@torch.no_grad()
def reference(model, enc, ids_of):
    cfg = model.cfg
    px, grid = preprocess(os.path.join(FIXTURES, "photo.png"))
    px_m, grid_m = preprocess(os.path.join(FIXTURES, "photo-mirrored.png"))
    assert grid_m.tolist() == grid.tolist()
    input_ids = processor_ids(enc, render_prompt(QUESTION), grid)
    pos, delta = get_rope_index(input_ids, grid, cfg)
    feats, feats_m = model.visual(px, grid), model.visual(px_m, grid)
    emb, emb_m = model.merge(input_ids, feats)[None], model.merge(input_ids, feats_m)[None]
    seq = input_ids.shape[0]
    mask, pos_b = torch.ones(1, seq, dtype=torch.long), pos[:, None]
    logits, presents, resid = model.decode(emb, mask, pos_b)
    hidden = torch.stack([r[0] for r in resid])

    vend = ids_of["<|vision_end|>"]
    circle = last_subtoken(enc, input_ids, QUESTION, " circle", vend)
    square = last_subtoken(enc, input_ids, QUESTION, " square", vend)
    g = torch.Generator().manual_seed(SEED + 1)
    vec = torch.randn(cfg["hidden_size"], generator=g)
    vec = vec / vec.norm() * hidden[STEER_LAYER, circle].norm()

    def steer(l, x):
        if l == STEER_LAYER:
            x = x.clone()
            x[0, circle] += vec
        return x
    steered = model.decode(emb, mask, pos_b, hook=steer)[0][0, -1]

    _, _, resid_m = model.decode(emb_m, mask, pos_b)
    patch_pos = torch.tensor([circle, square])

    def patch(l, x):
        if l == PATCH_LAYER:
            x = x.clone()
            x[0, patch_pos] = resid_m[PATCH_LAYER][0, patch_pos]
        return x
    patched = model.decode(emb, mask, pos_b, hook=patch)[0][0, -1]

    generated = greedy(model, emb, seq, delta, logits, presents, input_ids, grid)
    patch = PREPROCESSOR["patch_size"]
    tensors = {
        "pixel_values": px, "image_grid_thw": grid, "input_ids": input_ids, "attention_mask": mask[0],
        "position_ids": pos, "image_features": feats, "hidden_states": hidden, "logits": logits[0],
        "steer_positions": torch.tensor([circle]), "steer_vector": vec, "steered_logits": steered,
        "patch_positions": patch_pos, "patched_logits": patched, "generated_ids": torch.tensor(generated),
    }
    meta = {
        "family": "qwen2_vl", "model": "Qwen/Qwen2-VL-2B-Instruct (onnx-community layout), random tiny twin",
        "question": QUESTION, "image": "photo.png", "mirrored_image": "photo-mirrored.png",
        "steer_layer": STEER_LAYER, "patch_layer": PATCH_LAYER, "rope_delta": delta,
        "notes": f"pixel_values mirror HF's slow Qwen2VLImageProcessor (PIL bicubic on uint8, smart_resize to "
                 f"{int(grid[0, 1]) * patch}x{int(grid[0, 2]) * patch}, grid_thw {grid[0].tolist()}, "
                 f"{feats.shape[0]} image tokens). position_ids [3, seq] = get_rope_index (image tokens get "
                 "(t, h, w) grid positions offset by the text before them; text after continues from max + 1); "
                 "the decoder graph takes them as [3, batch, seq]. While decoding, the new token's position is "
                 "past_length + rope_delta on all three rows. hidden_states[0] = inputs_embeds (image features "
                 "merged), hidden_states[l] = output of block l-1, last = before the final norm. steered_logits: "
                 "steer_vector added to the residual entering block steer_layer at steer_positions (last "
                 "sub-token of ' circle'); patched_logits: residual entering block patch_layer at "
                 "patch_positions (' circle', ' square') replaced by the photo-mirrored.png run's. "
                 "generated_ids: greedy, KV cache, up to 5 tokens, stops after an eos of generation_config.",
    }
    return tensors, meta


def greedy(model, emb, seq, delta, logits, past, input_ids, grid, max_new=5):
    """Greedy decoding with the KV cache as transformers.js runs it; each cached step is checked
    against a full uncached run of the same tokens (positions from get_rope_index on all ids)."""
    eos = {model.cfg["eos_token_id"], model.cfg["bos_token_id"]}  # generation_config: <|im_end|>, <|endoftext|>
    out, ids, full_emb = [], input_ids, emb
    for k in range(max_new):
        nxt = int(logits[0, -1].argmax())
        out.append(nxt)
        if nxt in eos or k == max_new - 1:
            break
        step = torch.tensor([[nxt]])
        past_len = seq + k
        pos = torch.full((3, 1, 1), past_len + delta, dtype=torch.long)
        logits, past, _ = model.decode(model.model.embed_tokens(step), torch.ones(1, past_len + 1, dtype=torch.long),
                                       pos, past)
        ids, full_emb = torch.cat([ids, step[0]]), torch.cat([full_emb, model.model.embed_tokens(step)], 1)
        full_pos = get_rope_index(ids, grid, model.cfg)[0][:, None]
        full = model.decode(full_emb, torch.ones(1, ids.shape[0], dtype=torch.long), full_pos)[0]
        assert (full[0, -1] - logits[0, -1]).abs().max() < 1e-4, "cached step differs from an uncached run"
    return out


def main():
    torch.manual_seed(SEED)
    os.makedirs(os.path.join(OUT, "onnx"), exist_ok=True)
    tok_json, enc, ids = make_tokenizer()
    n_tokens = len(tok_json["model"]["vocab"]) + len(tok_json["added_tokens"])
    cfg = make_config(ids, n_tokens)
    model = init_weights(Qwen2VL(cfg), SEED, n_tokens).eval()
    write_tokenizer_files(tok_json, ids)
    write_configs(cfg, ids)
    sp = export_all(model, OUT)
    worst = verify_traced(model, sp)
    tensors, meta = reference(model, enc, ids)
    write_safetensors(os.path.join(FIXTURES, "qwen2-vl.reference.safetensors"), tensors, meta)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"wrote {OUT} ({total / 1e6:.2f} MB); traced vs eager max abs diff {worst:.2e}")
    print(f"input_ids {tensors['input_ids'].shape[0]} tokens, image tokens {tensors['image_features'].shape[0]}, "
          f"steer at {tensors['steer_positions'].tolist()}, patch at {tensors['patch_positions'].tolist()}, "
          f"generated {tensors['generated_ids'].tolist()}")
    last = tensors["logits"][-1]
    print("residual max |value| per layer " + " ".join(f"{float(h.abs().max()):.2f}" for h in tensors["hidden_states"])
          + f"; last-position logits moved by steering {float((tensors['steered_logits'] - last).abs().max()):.3f}, "
          f"by patching {float((tensors['patched_logits'] - last).abs().max()):.3f}")


if __name__ == "__main__":
    main()
