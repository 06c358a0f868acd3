"""Tiny LLaVA-style vision-language model for Spatial ID Lens.

Module names mirror Hugging Face Llama/LLaVA (``vision_tower``, ``multi_modal_projector``,
``model.embed_tokens``, ``model.layers.N.self_attn.q_proj`` ...) so that hook points,
ONNX node scopes (``/model/layers.3/Add_1``) and state-dict keys read like a real LLaVA.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_CONFIG = {
    # vision
    "image_size": 96, "patch_size": 12, "num_channels": 3,
    "vision_hidden_size": 96, "vision_num_layers": 2, "vision_num_heads": 4,
    "vision_mlp_ratio": 2, "vision_layer_norm_eps": 1e-5,
    # language
    "hidden_size": 128, "num_hidden_layers": 6, "num_attention_heads": 4,
    "num_key_value_heads": 4, "head_dim": 32, "intermediate_size": 384,
    "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "max_position_embeddings": 128,
    "vocab_size": None,  # set from the tokenizer vocabulary
    # multimodal glue
    "grid": 4, "image_seq_length": 16, "num_frames": 8, "max_frames": 16,
    # video: each frame's 4x4 cell tokens average-pooled over video_pool x video_pool blocks
    # (tokens per frame and video_seq_length follow, in make_config)
    "video_pool": 2,
    "pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2, "unk_token_id": 3,
    "image_token_index": 4, "video_token_index": 5,
    # Token ids that may attend to media tokens besides the media tokens themselves (None: every
    # token may, as in LLaVA). The bundled model names its object words (the shape words) here:
    # see media_reader_bias.
    "media_reader_token_ids": None,
    # which media the readers alone may attend to: token ids (None: image and video)
    "media_reader_media_ids": None,
}


def make_config(**overrides):
    cfg = dict(DEFAULT_CONFIG)
    cfg.update(overrides)
    assert cfg["vocab_size"], "vocab_size must be set"
    assert cfg["grid"] % cfg["video_pool"] == 0, "video_pool must divide the grid"
    cfg["video_tokens_per_frame"] = (cfg["grid"] // cfg["video_pool"]) ** 2
    cfg["video_seq_length"] = cfg["num_frames"] * cfg["video_tokens_per_frame"]
    return cfg


# --------------------------------------------------------------------------- vision


class VisionAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        # contiguous: matmuls on the permuted view fall back to a slow per-matrix loop on CPU
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4).contiguous()
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.head_dim), dim=-1)  # bidirectional
        return self.proj((att @ v).transpose(1, 2).reshape(b, n, d))


class VisionMLP(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class VisionLayer(nn.Module):
    def __init__(self, dim, heads, mlp_ratio, eps):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = VisionAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = VisionMLP(dim, dim * mlp_ratio)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class VisionTower(nn.Module):
    """ViT over 12x12 patches; patch vectors are (C, ph, pw) flattened, patches row-major."""

    def __init__(self, cfg):
        super().__init__()
        dv, p, c = cfg["vision_hidden_size"], cfg["patch_size"], cfg["num_channels"]
        self.patch, self.side = p, cfg["image_size"] // p
        self.patch_embed = nn.Linear(c * p * p, dv)
        # separable 2-D position embedding: row table + column table, summed
        self.pos_row = nn.Parameter(torch.randn(self.side, dv) * 0.02)
        self.pos_col = nn.Parameter(torch.randn(self.side, dv) * 0.02)
        self.layers = nn.ModuleList(
            VisionLayer(dv, cfg["vision_num_heads"], cfg["vision_mlp_ratio"], cfg["vision_layer_norm_eps"])
            for _ in range(cfg["vision_num_layers"]))
        self.post_layernorm = nn.LayerNorm(dv, eps=cfg["vision_layer_norm_eps"])

    def forward(self, pixel_values):  # [N,3,96,96] -> [N,64,Dv]
        n, c = pixel_values.shape[0], pixel_values.shape[1]
        s, p = self.side, self.patch
        x = pixel_values.reshape(n, c, s, p, s, p).permute(0, 2, 4, 1, 3, 5).reshape(n, s * s, c * p * p)
        pos = (self.pos_row[:, None, :] + self.pos_col[None, :, :]).reshape(s * s, -1)
        x = self.patch_embed(x) + pos
        for layer in self.layers:
            x = layer(x)
        return self.post_layernorm(x)


class MultiModalProjector(nn.Module):
    """Merges each 2x2 block of patches (one 24-px grid cell) and maps it to the LM width."""

    def __init__(self, cfg):
        super().__init__()
        dv, h = cfg["vision_hidden_size"], cfg["hidden_size"]
        self.side = cfg["image_size"] // cfg["patch_size"]
        self.linear_1 = nn.Linear(4 * dv, h)
        self.linear_2 = nn.Linear(h, h)

    def forward(self, patches):  # [N,64,Dv] -> [N,16,H], cells row-major
        n, _, dv = patches.shape
        g = self.side // 2
        # patch (2R+a, 2C+b) -> cell (R, C); concat order within the cell: (a, b) row-major
        x = patches.reshape(n, g, 2, g, 2, dv).permute(0, 1, 3, 2, 4, 5).reshape(n, g * g, 4 * dv)
        return self.linear_2(F.gelu(self.linear_1(x)))


# --------------------------------------------------------------------------- language


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        var = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(var + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class RotaryEmbedding(nn.Module):
    def __init__(self, head_dim, theta):
        super().__init__()
        inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2).float() / head_dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def forward(self, position_ids):  # [B,S] -> cos, sin [B,1,S,hd]
        freqs = position_ids[:, :, None].float() * self.inv_freq[None, None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos()[:, None], emb.sin()[:, None]


class LlamaAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        h = cfg["hidden_size"]
        self.heads, self.kv_heads, self.head_dim = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
        self.q_proj = nn.Linear(h, self.heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(h, self.kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(h, self.kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.heads * self.head_dim, h, bias=False)

    def forward(self, x, cos, sin, mask, past=None):
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        if self.kv_heads != self.heads:  # GQA (unused at the default config)
            rep = self.heads // self.kv_heads
            kk, vv = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        else:
            kk, vv = k, v
        att = q @ kk.transpose(-1, -2) / math.sqrt(self.head_dim) + mask
        out = torch.softmax(att, dim=-1) @ vv
        return self.o_proj(out.transpose(1, 2).reshape(b, s, self.heads * self.head_dim)), (k, v)


class LlamaMLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        h, i = cfg["hidden_size"], cfg["intermediate_size"]
        self.gate_proj = nn.Linear(h, i, bias=False)
        self.up_proj = nn.Linear(h, i, bias=False)
        self.down_proj = nn.Linear(i, h, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaDecoderLayer(nn.Module):
    """Returns ONLY the hidden state so that a forward hook on ``model.layers[i]`` sees (and may
    replace) the residual stream after layer i; the KV cache goes out through ``cache_out``."""

    def __init__(self, cfg):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.self_attn = LlamaAttention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.mlp = LlamaMLP(cfg)

    def forward(self, x, cos, sin, mask, past=None, cache_out=None):
        a, present = self.self_attn(self.input_layernorm(x), cos, sin, mask, past)
        if cache_out is not None:
            cache_out.append(present)
        x = x + a                                            # -> /model/layers.N/Add
        return x + self.mlp(self.post_attention_layernorm(x))  # -> /model/layers.N/Add_1


class LlamaModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList(LlamaDecoderLayer(cfg) for _ in range(cfg["num_hidden_layers"]))
        self.norm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])
        self.rotary_emb = RotaryEmbedding(cfg["head_dim"], cfg["rope_theta"])

    def forward(self, inputs_embeds, attention_mask, position_ids, past_key_values=None, extra_bias=None):
        # a real module call, so ONNX scopes read /model/layers.N/... like HF exports
        mask = build_attention_bias(attention_mask, inputs_embeds.shape[1], inputs_embeds.dtype)
        if extra_bias is not None:  # the media-reader bias [B,1,S,P+S] (exported as input "attention_bias")
            mask = mask + extra_bias
        cos, sin = self.rotary_emb(position_ids)
        presents = []
        x = inputs_embeds
        for i, layer in enumerate(self.layers):
            past = past_key_values[i] if past_key_values is not None else None
            x = layer(x, cos, sin, mask, past, presents)
        return self.norm(x), presents


def build_attention_bias(attention_mask, seq_len, dtype=torch.float32):
    """Additive mask [B,1,S,P+S]: query i (cache slot P+i) sees key j iff j <= P+i and mask[j]==1.
    Uses -1e9 rather than -inf so a fully padded query row stays finite (no NaN)."""
    total = attention_mask.shape[1]
    k_idx = torch.arange(total, device=attention_mask.device)
    q_idx = torch.arange(seq_len, device=attention_mask.device) + (total - seq_len)
    allowed = (k_idx[None, :] <= q_idx[:, None])[None, None] & (attention_mask[:, None, None, :] > 0)
    zero = torch.zeros((), dtype=dtype, device=attention_mask.device)
    neg = torch.full((), -1e9, dtype=dtype, device=attention_mask.device)
    return torch.where(allowed, zero, neg)


def media_reader_bias(query_ids, key_ids, media_ids, reader_ids, dtype=torch.float32):
    """Additive bias [B,1,S,P+S] that keeps media keys from every query that is neither a media
    token nor a reader (an object word). Why: in a 6-layer model the answer position can find
    each object among 16 image tokens by itself, so nothing reads location off the object words
    (model card, trials 10-12); with this bias what the answer needs from the picture must pass
    through the object words, the route METHOD.md studies. query_ids [B,S] are the new tokens,
    key_ids [B,P+S] every token in the cache after this step."""
    media = torch.tensor(media_ids, dtype=key_ids.dtype)
    readers = torch.tensor(list(reader_ids) + list(media_ids), dtype=query_ids.dtype)
    blocked = (~torch.isin(query_ids, readers))[:, :, None] & torch.isin(key_ids, media)[:, None, :]
    return torch.where(blocked, torch.tensor(-1e9, dtype=dtype), torch.tensor(0.0, dtype=dtype))[:, None]


# --------------------------------------------------------------------------- full model


class TinyLlava(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.config = dict(cfg)
        self.vision_tower = VisionTower(cfg)
        self.multi_modal_projector = MultiModalProjector(cfg)
        self.video_frame_embed = nn.Embedding(cfg["max_frames"], cfg["hidden_size"])
        self.model = LlamaModel(cfg)
        self.lm_head = nn.Linear(cfg["hidden_size"], cfg["vocab_size"], bias=False)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    # ---- encoders (shared by training and the ONNX exports)
    def get_image_features(self, pixel_values):  # [N,3,96,96] -> [N,16,H]
        return self.multi_modal_projector(self.vision_tower(pixel_values))

    def get_video_features(self, pixel_values_videos):  # [B,T,3,96,96] -> [B,T*4,H], frame-major
        b, t = pixel_values_videos.shape[0], pixel_values_videos.shape[1]
        x = self.get_image_features(pixel_values_videos.reshape((b * t,) + tuple(pixel_values_videos.shape[2:])))
        g, k, h = self.config["grid"], self.config["video_pool"], x.shape[-1]
        # g x g cell tokens -> (g/k) x (g/k) by averaging each k x k block of cells
        x = x.reshape(b, t, g // k, k, g // k, k, h).mean(dim=(3, 5)).reshape(b, t, (g // k) ** 2, h)
        frame_idx = torch.arange(t, device=x.device)
        x = x + self.video_frame_embed(frame_idx)[None, :, None, :]
        return x.reshape(b, t * (g // k) ** 2, h)

    def merge_features(self, input_ids, inputs_embeds, features, token_id):
        """Replace the embeddings at the (already expanded) placeholder positions, in order."""
        mask = (input_ids == token_id).unsqueeze(-1)
        if int(mask.sum()) != features.shape[0] * features.shape[1]:
            raise ValueError("number of placeholder tokens does not match the number of feature tokens")
        return inputs_embeds.masked_scatter(mask, features.to(inputs_embeds.dtype))

    def build_inputs_embeds(self, input_ids, pixel_values=None, pixel_values_videos=None):
        emb = self.model.embed_tokens(input_ids)
        if pixel_values is not None:
            emb = self.merge_features(input_ids, emb, self.get_image_features(pixel_values),
                                      self.config["image_token_index"])
        if pixel_values_videos is not None:
            emb = self.merge_features(input_ids, emb, self.get_video_features(pixel_values_videos),
                                      self.config["video_token_index"])
        return emb

    # ---- decoder
    def decoder_forward(self, inputs_embeds, attention_mask, position_ids, past_key_values=None, extra_bias=None):
        """inputs_embeds [B,S,H], attention_mask [B,P+S], position_ids [B,S],
        past_key_values: list of (key, value) [B,kv_heads,P,hd] per layer, or None.
        Returns (logits [B,S,V], presents list of (key, value) [B,kv_heads,P+S,hd])."""
        hidden, presents = self.model(inputs_embeds, attention_mask, position_ids, past_key_values, extra_bias)
        return self.lm_head(hidden), presents

    @property
    def has_media_readers(self):
        return self.config.get("media_reader_token_ids") is not None

    def reader_bias(self, query_ids, key_ids):
        """The media-reader bias for these tokens, or None for a model without readers."""
        if not self.has_media_readers:
            return None
        return media_reader_bias(query_ids, key_ids, self.reader_media_ids(), self.config["media_reader_token_ids"])

    def reader_media_ids(self):
        c = self.config
        return c.get("media_reader_media_ids") or [c["image_token_index"], c["video_token_index"]]

    def forward(self, input_ids, attention_mask=None, pixel_values=None, pixel_values_videos=None,
                position_ids=None):
        emb = self.build_inputs_embeds(input_ids, pixel_values, pixel_values_videos)
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        if position_ids is None:
            # right padding: positions are plain indices; left padding: count only real tokens
            position_ids = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)
        logits, _ = self.decoder_forward(emb, attention_mask, position_ids,
                                         extra_bias=self.reader_bias(input_ids, input_ids))
        return logits

    @torch.no_grad()
    def generate(self, input_ids, pixel_values=None, pixel_values_videos=None, max_new_tokens=8):
        """Greedy decoding of one sequence with the KV cache (mirrors what the ONNX runner does)."""
        emb = self.build_inputs_embeds(input_ids, pixel_values, pixel_values_videos)
        n = input_ids.shape[1]
        mask = torch.ones(1, n, dtype=torch.long)
        logits, past = self.decoder_forward(emb, mask, torch.arange(n)[None],
                                            extra_bias=self.reader_bias(input_ids, input_ids))
        out, ids = [], input_ids
        for _ in range(max_new_tokens):
            nxt = int(logits[0, -1].argmax())
            out.append(nxt)
            if nxt == self.config["eos_token_id"]:
                break
            step = torch.tensor([[nxt]])
            ids = torch.cat([ids, step], 1)
            mask = torch.ones(1, n + len(out), dtype=torch.long)
            logits, past = self.decoder_forward(self.model.embed_tokens(step), mask,
                                                torch.tensor([[n + len(out) - 1]]), past,
                                                extra_bias=self.reader_bias(step, ids))
        return out


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def load_weights(path):
    """weights.pt -> (model, payload) where payload also carries the vocabulary and dataset meta."""
    payload = torch.load(path, map_location="cpu")
    model = TinyLlava(payload["config"])
    model.load_state_dict(payload["state_dict"])
    model.eval()
    return model, payload
