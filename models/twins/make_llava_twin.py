"""The LLaVA-1.5 twin: a tiny random-weight export in llava-hf/llava-1.5-7b-hf's layout, and its
PyTorch reference.

  /usr/bin/python3 models/twins/make_llava_twin.py

Writes test/fixtures/twins/llava-1.5/ (configs, SentencePiece-style tokenizer with <image> as an
added special token, llava-hf's chat template, onnx/{vision_encoder,embed_tokens,
decoder_model_merged}.onnx) and test/fixtures/twins/llava-1.5.reference.safetensors computed on
photo.png as Hugging Face's LlavaProcessor + LlavaForConditionalGeneration would (mirrored here:
transformers is not installed). Fixed seeds: re-running gives the same files.
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "models", "tiny-spatial-vlm"))
from llava_export import export_all, verify_traced  # noqa: E402
from llava_model import LlavaTwin, init_weights  # noqa: E402
from make_fixtures import write_safetensors  # noqa: E402
from twin_tokenizers import build_tokenizer  # noqa: E402

FIXTURES = os.path.join(ROOT, "test", "fixtures", "twins")
OUT = os.path.join(FIXTURES, "llava-1.5")
QUESTION = "Is the red circle to the left or right of the blue square?"
SEED = 1234
STEER_LAYER, PATCH_LAYER = 2, 1
MAX_NEW_TOKENS = 5

# llava-hf/llava-1.5-7b-hf's chat template (chat_template.json), verbatim in behaviour
CHAT_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] != 'system' %}{{ message['role'].upper() + ': '}}{% endif %}"
    "{# Render all images first #}{% for content in message['content'] | selectattr('type', 'equalto', 'image') %}"
    "{{ '<image>\n' }}{% endfor %}{# Render all text next #}{% if message['role'] != 'assistant' %}"
    "{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}{{ content['text'] + ' '}}"
    "{% endfor %}{% else %}{% for content in message['content'] | selectattr('type', 'equalto', 'text') %}"
    "{% generation %}{{ content['text'] + ' '}}{% endgeneration %}{% endfor %}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}"
)
IMAGE_MEAN = [0.48145466, 0.4578275, 0.40821073]  # OpenAI CLIP
IMAGE_STD = [0.26862954, 0.26130258, 0.27577711]
SPECIALS = {"<unk>": 0, "<s>": 1, "</s>": 2, "<image>": None, "<pad>": None}  # llava-hf: <image> 32000, <pad> 32001
CORPUS_LINES = [
    "USER: <image>\n" + QUESTION + " ASSISTANT: The red circle is to the left of the blue square.",
    "USER: <image>\nIs the blue square to the left or right of the red circle? ASSISTANT: It is to the right.",
    "USER: <image>\nWhat is in the image? ASSISTANT: A red circle and a blue square on a gradient.",
    "USER: <image>\nIs the green triangle above or below the yellow star? ASSISTANT: Above.",
    "USER: What colour is the circle? ASSISTANT: The circle is red. The square is blue.",
    "left right left right above below the the the of of to to is is a a an and or",
    "A photo of a street with a traffic light, a diamond sign, cars and people.",
    "Describe the picture in one sentence. There are two shapes: a circle and a square.",
    "How many objects are there? 2 objects, 1 circle, 1 square, 0 triangles. Yes, no, maybe!",
]


def text_and_model_config(vocab_size, ids):
    """llava-hf's config.json keys at twin sizes (Vicuna text config, CLIP ViT-L/14 vision config)."""
    text = {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 128,
            "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
            "hidden_act": "silu", "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "max_position_embeddings": 256,
            "attention_bias": False, "mlp_bias": False, "tie_word_embeddings": False, "vocab_size": vocab_size,
            "torch_dtype": "float32", "pad_token_id": ids["<pad>"]}
    vision = {"model_type": "clip_vision_model", "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 3,
              "num_attention_heads": 4, "image_size": 56, "patch_size": 14, "num_channels": 3,
              "hidden_act": "quick_gelu", "layer_norm_eps": 1e-05, "projection_dim": 32, "vocab_size": vocab_size}
    return {"architectures": ["LlavaForConditionalGeneration"],
            "ignore_index": -100, "image_token_index": ids["<image>"], "model_type": "llava",
            "pad_token_id": ids["<pad>"], "projector_hidden_act": "gelu", "text_config": text,
            "tie_word_embeddings": False, "torch_dtype": "float32", "transformers_version": "4.39.3",
            "vision_config": vision, "vision_feature_layer": -2, "vision_feature_select_strategy": "default"}


def preprocessor_config(v):
    size = v["image_size"]
    return {"crop_size": {"height": size, "width": size}, "do_center_crop": True, "do_convert_rgb": True,
            "do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": IMAGE_MEAN,
            "image_processor_type": "CLIPImageProcessor", "image_std": IMAGE_STD, "processor_class": "LlavaProcessor",
            "resample": 3, "rescale_factor": 0.00392156862745098, "size": {"shortest_edge": size}}


def clip_preprocess(path, pc):
    """CLIPImageProcessor (the slow, PIL one): RGB, resize the shortest edge with PIL bicubic on
    uint8, center crop, rescale (float64 product cast to float32), normalize in float32. -> [3,H,W]"""
    img = Image.open(path).convert("RGB")
    w, h = img.size
    short, long_ = (w, h) if w <= h else (h, w)
    s = pc["size"]["shortest_edge"]
    new_short, new_long = s, int(s * long_ / short)  # get_resize_output_image_size(default_to_square=False)
    nw, nh = (new_short, new_long) if w <= h else (new_long, new_short)
    arr = np.array(img.resize((nw, nh), resample=Image.BICUBIC, reducing_gap=None))
    ch, cw = pc["crop_size"]["height"], pc["crop_size"]["width"]
    top, left = (nh - ch) // 2, (nw - cw) // 2
    arr = arr[top:top + ch, left:left + cw]
    arr = (arr.astype(np.float64) * pc["rescale_factor"]).astype(np.float32)
    arr = (arr - np.array(pc["image_mean"], np.float32)) / np.array(pc["image_std"], np.float32)
    return torch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def write_json(name, obj):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def write_tokenizer_files(tok_json, ids):
    added = {str(ids[t]): {"content": t, "lstrip": False, "normalized": False, "rstrip": False,
                           "single_word": False, "special": True} for t in SPECIALS}
    write_json("tokenizer.json", tok_json)
    # the chat template sits here as well: transformers.js's LlavaProcessor reads it from
    # tokenizer_config.json only (it does not load chat_template.json for this processor)
    write_json("tokenizer_config.json", {
        "add_bos_token": True, "add_eos_token": False, "added_tokens_decoder": added, "bos_token": "<s>",
        "chat_template": CHAT_TEMPLATE, "clean_up_tokenization_spaces": False, "eos_token": "</s>",
        "legacy": False, "model_max_length": 1000000000000000019884624838656, "pad_token": "<pad>",
        "padding_side": "left", "processor_class": "LlavaProcessor", "sp_model_kwargs": {},
        "tokenizer_class": "LlamaTokenizer", "trust_remote_code": False, "unk_token": "<unk>",
        "use_default_system_prompt": False})
    write_json("chat_template.json", {"chat_template": CHAT_TEMPLATE})
    write_json("added_tokens.json", {"<image>": ids["<image>"], "<pad>": ids["<pad>"]})
    tok = {"content": None, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False}
    write_json("special_tokens_map.json", {k: dict(tok, content=v) for k, v in (
        ("bos_token", "<s>"), ("eos_token", "</s>"), ("pad_token", "<pad>"), ("unk_token", "<unk>"))})


def render_prompt(question):
    """What CHAT_TEMPLATE renders for one user turn [image, text] with add_generation_prompt."""
    return "USER: " + "<image>\n" + question + " " + "ASSISTANT:"


def tokenize_prompt(enc, ids, text, n_image_tokens):
    """LlavaProcessor: expand <image> to n tokens, then the tokenizer adds <s> (add_special_tokens)."""
    return [ids["<s>"]] + enc(text.replace("<image>", "<image>" * n_image_tokens))


def last_token_of(enc, ids, prompt, n_image, word_end):
    """Position of the last sub-token of the text ending at character `word_end` of `prompt`."""
    full, head = tokenize_prompt(enc, ids, prompt, n_image), tokenize_prompt(enc, ids, prompt[:word_end], n_image)
    assert full[:len(head)] == head, "a token spans the word boundary"
    return len(head) - 1


@torch.no_grad()
def reference(model, cfg, enc, ids, pc):
    v = cfg["vision_config"]
    prompt = render_prompt(QUESTION)
    n_image = (v["image_size"] // v["patch_size"]) ** 2 + 1 - 1  # HF: +1 CLS, -1 for "default"
    input_ids = torch.tensor(tokenize_prompt(enc, ids, prompt, n_image))
    pixel_values = clip_preprocess(os.path.join(FIXTURES, "photo.png"), pc)[None]
    mirrored = clip_preprocess(os.path.join(FIXTURES, "photo-mirrored.png"), pc)[None]
    seq = input_ids.shape[0]
    position_ids = torch.arange(seq)

    feats = model.get_image_features(pixel_values)
    emb = model.merge(input_ids[None], model.model.embed_tokens(input_ids[None]), feats)
    logits, stream, _ = model.run(emb, position_ids=position_ids[None])
    hidden = torch.stack([h[0] for h in stream])

    start = prompt.index(QUESTION)
    circle = last_token_of(enc, ids, prompt, n_image, start + QUESTION.index(" circle") + len(" circle"))
    square = last_token_of(enc, ids, prompt, n_image, start + QUESTION.index(" square") + len(" square"))
    g = torch.Generator().manual_seed(SEED + 1)
    vec = torch.randn(hidden.shape[-1], generator=g)
    vec = vec / vec.norm() * hidden[STEER_LAYER, circle].norm()
    steer_pos = torch.tensor([circle])

    def steer(layer, x):
        if layer != STEER_LAYER:
            return x
        x = x.clone()
        x[0, steer_pos] += vec
        return x
    steered = model.run(emb, position_ids=position_ids[None], edit=steer)[0][0, -1]

    emb_m = model.merge(input_ids[None], model.model.embed_tokens(input_ids[None]), model.get_image_features(mirrored))
    stream_m = model.run(emb_m, position_ids=position_ids[None])[1]
    patch_pos = torch.tensor([circle, square])

    def patch(layer, x):
        if layer != PATCH_LAYER:
            return x
        x = x.clone()
        x[0, patch_pos] = stream_m[PATCH_LAYER][0, patch_pos]
        return x
    patched = model.run(emb, position_ids=position_ids[None], edit=patch)[0][0, -1]
    generated = model.generate(emb, MAX_NEW_TOKENS, cfg["text_config"].get("eos_token_id", ids["</s>"]))

    tensors = {
        "pixel_values": pixel_values, "input_ids": input_ids, "position_ids": position_ids,
        "image_features": feats.reshape(-1, feats.shape[-1]), "hidden_states": hidden, "logits": logits[0],
        "steer_positions": steer_pos, "steer_vector": vec, "steered_logits": steered,
        "patch_positions": patch_pos, "patched_logits": patched, "generated_ids": torch.tensor(generated),
    }
    meta = {
        "family": "llava", "question": QUESTION, "image": "photo.png", "mirrored_image": "photo-mirrored.png",
        "steer_layer": STEER_LAYER, "patch_layer": PATCH_LAYER, "prompt": prompt,
        "image_tokens": f"{n_image} (HF LlavaProcessor: (56/14)^2 patches + num_additional_image_tokens 1, "
                        "minus 1 for vision_feature_select_strategy 'default')",
        "positions": "position_ids = arange(seq) (attention_mask.cumsum(-1) - 1 with no padding)",
        "hidden_states": "[L+1,S,H]: 0 = inputs_embeds (image features merged), l = output of block l-1 "
                         "(ONNX /model/layers.{l-1}/Add_1), L = last block output before the final norm",
        "steering": f"steer_vector added to the residual entering block {STEER_LAYER} (= hidden_states[{STEER_LAYER}]) "
                    "at steer_positions (last sub-token of ' circle'); steered_logits = last position",
        "patching": f"residual entering block {PATCH_LAYER} at patch_positions (' circle', ' square') replaced by the "
                    "same prompt's on photo-mirrored.png; patched_logits = last position",
        "generation": f"greedy, up to {MAX_NEW_TOKENS} new tokens, stops after </s>",
        "pixel_values": "slow CLIPImageProcessor mirrored: PIL bicubic resize on uint8, center crop, rescale, normalize",
        "transformers_js": "transformers.js 4.3.2's LlavaProcessor inserts (56/14)^2 + 1 = 17 image tokens (no -1 for "
                           "'default'), so its own processor output fails the merge (17 tokens, 16 features); "
                           "feed input_ids from this file",
        "tokenizer": "SentencePiece-style BPE (Prepend + Replace normalizer, byte fallback); no tokenizer.model",
        "seed": SEED,
    }
    return tensors, meta


def main():
    torch.set_num_threads(2)
    os.makedirs(OUT, exist_ok=True)
    tok_json, enc = build_tokenizer("sentencepiece", "\n".join(CORPUS_LINES), SPECIALS, merges_budget=160,
                                    unk_token="<unk>", bos_token="<s>")
    ids = {t: enc.token_to_id(t) for t in SPECIALS}
    vocab_size = -(-len(enc.vocab) // 64) * 64  # padded like llava-hf's 32064 > 32002 tokenizer ids
    cfg = text_and_model_config(vocab_size, ids)
    cfg["text_config"].update(bos_token_id=ids["<s>"], eos_token_id=ids["</s>"])
    torch.manual_seed(SEED)
    model = init_weights(LlavaTwin(cfg), SEED).eval()

    sp = export_all(model, OUT)
    verify_traced(model, sp)
    write_json("config.json", cfg)
    write_json("generation_config.json", {"_from_model_config": True, "bos_token_id": ids["<s>"],
                                          "eos_token_id": ids["</s>"], "pad_token_id": ids["<pad>"],
                                          "transformers_version": "4.39.3"})
    pc = preprocessor_config(cfg["vision_config"])
    write_json("preprocessor_config.json", pc)
    write_json("processor_config.json", {"image_token": "<image>", "num_additional_image_tokens": 1,
                                         "patch_size": cfg["vision_config"]["patch_size"],
                                         "processor_class": "LlavaProcessor",
                                         "vision_feature_select_strategy": "default"})
    write_tokenizer_files(tok_json, ids)

    tensors, meta = reference(model, cfg, enc, ids, pc)
    path = os.path.join(FIXTURES, "llava-1.5.reference.safetensors")
    write_safetensors(path, tensors, meta)
    gen = tensors["generated_ids"].tolist()
    print(f"wrote {path}: seq {tensors['input_ids'].shape[0]}, vocab {vocab_size} (tokenizer {len(enc.vocab)}), "
          f"circle/square positions {tensors['patch_positions'].tolist()}, generated {gen} = {enc.decode(gen)!r}")
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(OUT) for f in fs)
    print(f"twin folder {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
