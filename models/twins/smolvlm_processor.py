"""Hugging Face's Idefics3Processor / Idefics3ImageProcessor (slow, PIL) mirrored in numpy.

Image: resize so the longest edge is size["longest_edge"] (the other edge rounded up to even),
resize again to multiples of max_image_size["longest_edge"], cut into row-major square tiles, then
the whole image resized to one tile (the global image, last). Every resize is PIL on uint8 with
the config's resample (1 = LANCZOS). Then rescale (float64 * factor -> float32) and normalize
((x - mean) / std in float32), channels first. Text: each <image> in the prompt becomes
<fake_token_around_image><row_r_col_c><image>*image_seq_len per tile ("\\n" after each row), then
"\\n<fake_token_around_image><global-img><image>*image_seq_len<fake_token_around_image>".
"""
import math

import numpy as np
from PIL import Image


def _size_longest_edge(h, w, longest):
    """_resize_output_size_rescale_to_max_len, then _scale_below_upper_bound (max 1820 by default)."""
    aspect = w / h
    if w >= h:
        w = longest
        h = int(w / aspect)
        h += h % 2
    else:
        h = longest
        w = int(h * aspect)
        w += w % 2
    h, w = max(h, 1), max(w, 1)
    aspect = w / h
    if w >= h and w > 1820:
        w, h = 1820, int(1820 / aspect)
    elif h > w and h > 1820:
        h, w = 1820, int(1820 * aspect)
    return max(h, 1), max(w, 1)


def _size_for_vision_encoder(h, w, tile):
    aspect = w / h
    if w >= h:
        w = math.ceil(w / tile) * tile
        h = math.ceil(int(w / aspect) / tile) * tile
    else:
        h = math.ceil(h / tile) * tile
        w = math.ceil(int(h * aspect) / tile) * tile
    return h, w


def _resize(arr, h, w, resample):
    return np.array(Image.fromarray(arr.astype(np.uint8)).resize((w, h), resample=resample))


def split_image(arr, tile, resample):
    """Idefics3ImageProcessor.split_image on an HWC uint8 array -> (frames, rows, cols)."""
    h, w = arr.shape[:2]
    if h <= tile and w <= tile:
        return [arr], 0, 0
    rows, cols = math.ceil(h / tile), math.ceil(w / tile)
    oh, ow = math.ceil(h / rows), math.ceil(w / cols)
    frames = []
    for r in range(rows):
        for c in range(cols):
            x0, y0 = c * ow, r * oh
            frames.append(arr[y0:min(y0 + oh, h), x0:min(x0 + ow, w)])
    glob = arr if (h, w) == (tile, tile) else _resize(arr, tile, tile, resample)
    return frames + [glob], rows, cols


def preprocess_image(img, pp):
    """One PIL image -> pixel_values [1, n, 3, t, t] float32, pixel_attention_mask [1, n, t, t]
    int64 (HF's numpy dtype), rows, cols."""
    arr = np.array(img.convert("RGB"))
    resample = pp["resample"]
    if pp["do_resize"]:
        arr = _resize(arr, *_size_longest_edge(*arr.shape[:2], pp["size"]["longest_edge"]), resample)
    tile = pp["max_image_size"]["longest_edge"]
    if pp["do_image_splitting"]:
        arr = _resize(arr, *_size_for_vision_encoder(*arr.shape[:2], tile), resample)
        frames, rows, cols = split_image(arr, tile, resample)
    else:
        frames, rows, cols = [arr], 0, 0
    mean = np.array(pp["image_mean"], dtype=np.float32)
    std = np.array(pp["image_std"], dtype=np.float32)
    out = []
    for f in frames:
        x = (f.astype(np.float64) * pp["rescale_factor"]).astype(np.float32)
        x = (x - mean) / std
        out.append(x.transpose(2, 0, 1))
    # do_pad: one image, so every frame already has the largest size; the mask is all ones
    hs, ws = {f.shape[1] for f in out}, {f.shape[2] for f in out}
    if len(hs) != 1 or len(ws) != 1:
        raise ValueError("frames of different sizes: padding of a single image is not mirrored here")
    pixel_values = np.stack(out)[None].astype(np.float32)
    mask = np.ones((1, len(out), out[0].shape[1], out[0].shape[2]), dtype=np.int64)
    return pixel_values, mask, rows, cols


def image_prompt_string(rows, cols, seq_len, fake="<fake_token_around_image>", image="<image>",
                        glob="<global-img>"):
    if rows == 0 and cols == 0:
        return f"{fake}{glob}{image * seq_len}{fake}"
    s = ""
    for r in range(rows):
        for c in range(cols):
            s += f"{fake}<row_{r + 1}_col_{c + 1}>{image * seq_len}"
        s += "\n"
    return s + f"\n{fake}{glob}{image * seq_len}{fake}"


def expand_prompt(text, rows, cols, seq_len):
    """Idefics3Processor.__call__ for one sample with one image."""
    parts = text.split("<image>")
    if len(parts) != 2:
        raise ValueError("expected exactly one <image> in the prompt")
    return parts[0] + image_prompt_string(rows, cols, seq_len) + parts[1]


def render_chat(messages, add_generation_prompt):
    """The hub chat template (jinja in CHAT_TEMPLATE), rendered for list-of-parts contents."""
    s = "<|im_start|>"
    for m in messages:
        s += m["role"].capitalize() + (":" if m["content"][0]["type"] == "image" else ": ")
        for part in m["content"]:
            s += part["text"] if part["type"] == "text" else "<image>" if part["type"] == "image" else ""
        s += "<end_of_utterance>\n"
    return s + ("Assistant:" if add_generation_prompt else "")


CHAT_TEMPLATE = (
    "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}"
    "{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}"
    "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}"
    "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n"
    "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}")
