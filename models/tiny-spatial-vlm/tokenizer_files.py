"""Word-level tokenizer shared by the trainer and the exported Hugging Face tokenizer files.

The exported tokenizer.json uses the WordPiece model with whole-word entries only (no ``##``
pieces): @huggingface/tokenizers has no WordLevel model, and a WordPiece vocabulary without
continuation pieces maps every in-vocabulary word to itself and every other word to <unk>.
The Python encoder below applies the same rules, so ids match the TS side exactly.
"""
import json
import os
import re

SPECIAL_TOKENS = ["<pad>", "<s>", "</s>", "<unk>", "<image>", "<video>"]
PAD, BOS, EOS, UNK, IMAGE, VIDEO = SPECIAL_TOKENS
EXTRA_WORDS = ["USER", "ASSISTANT", ":", "?"]
# The HF `Whitespace` pre-tokenizer; JS \w is ASCII-only, so Python uses re.ASCII to agree.
WORD_RE = re.compile(r"\w+|[^\w\s]+", re.ASCII)
MAX_INPUT_CHARS_PER_WORD = 100

# Rendered: <s>USER: <image>\n{question} ASSISTANT:  (then " {answer}</s>" for an assistant turn).
# " ASSISTANT:" follows every user turn, with or without add_generation_prompt, so callers that
# forget the flag still get the prompt the model was trained on.
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{% if message['role'] == 'user' %}"
    "USER: "
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}"
    "{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}{{ '<image>\n' }}"
    "{% elif part['type'] == 'video' %}{{ '<video>\n' }}{% endif %}"
    "{% endfor %}"
    "{% for part in message['content'] %}"
    "{% if part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}"
    "{% endif %}"
    " ASSISTANT:"
    "{% elif message['role'] == 'assistant' %}"
    "{% if message['content'] is string %}{{ ' ' + message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'text' %}{{ ' ' + part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}"
    "{{ eos_token }}"
    "{% endif %}"
    "{% endfor %}"
)


def build_vocab(words):
    """Specials first (fixed ids 0..5), then the dataset words in their given order, then the
    chat-template words. Entries are split like the pre-tokenizer would split them, so every
    entry is reachable; duplicates keep their first position (deterministic)."""
    vocab, seen = [], set()
    for w in list(SPECIAL_TOKENS) + [p for w in list(words) + EXTRA_WORDS for p in WORD_RE.findall(w)]:
        if w not in seen:
            seen.add(w)
            vocab.append(w)
    return vocab


class WordTokenizer:
    def __init__(self, vocab):
        self.vocab = list(vocab)
        self.ids = {w: i for i, w in enumerate(self.vocab)}
        for i, t in enumerate(SPECIAL_TOKENS):
            assert self.ids[t] == i, "special tokens must occupy ids 0..5"
        # special tokens are matched before pre-tokenization; longest first like the HF splitter
        self._special_re = re.compile("(" + "|".join(re.escape(t) for t in sorted(SPECIAL_TOKENS, key=len, reverse=True)) + ")")

    def __len__(self):
        return len(self.vocab)

    def token_id(self, tok):
        return self.ids[tok]

    def _word_id(self, word):
        # WordPiece with whole words only: the word is known as a whole, or it is <unk>
        if len(word) > MAX_INPUT_CHARS_PER_WORD:
            return self.ids[UNK]
        return self.ids.get(word, self.ids[UNK])

    def encode(self, text):
        out = []
        for piece in self._special_re.split(text):
            if not piece:
                continue
            if piece in SPECIAL_TOKENS:
                out.append(self.ids[piece])
            else:
                out.extend(self._word_id(w) for w in WORD_RE.findall(piece))
        return out

    def decode(self, ids, skip_special_tokens=True):
        toks = [self.vocab[i] if 0 <= i < len(self.vocab) else UNK for i in ids]
        if skip_special_tokens:
            toks = [t for t in toks if t not in SPECIAL_TOKENS]
        text = " ".join(toks)  # WordPiece decoder + cleanup: " ?" -> "?" etc.
        for a, b in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ",")):
            text = text.replace(a, b)
        return text


def format_prompt(question, kind="image"):
    """What the chat template renders for one user turn with one image/video part."""
    tag = IMAGE if kind == "image" else VIDEO
    return f"{BOS}USER: {tag}\n{question} ASSISTANT:"


def expand_placeholders(ids, image_token_id, video_token_id, image_seq_length=16, video_seq_length=32):
    """The processor's job: one <image> -> image_seq_length copies, one <video> -> video_seq_length."""
    out = []
    for i in ids:
        if i == image_token_id:
            out.extend([i] * image_seq_length)
        elif i == video_token_id:
            out.extend([i] * video_seq_length)
        else:
            out.append(i)
    return out


def tokenizer_json(vocab):
    added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i, t in enumerate(SPECIAL_TOKENS)]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": None,  # the chat template writes <s> itself
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": UNK, "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": MAX_INPUT_CHARS_PER_WORD,
                  "vocab": {w: i for i, w in enumerate(vocab)}},
    }


def tokenizer_config(vocab, model_max_length=128):
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": BOS, "eos_token": EOS, "pad_token": PAD, "unk_token": UNK,
        "image_token": IMAGE, "video_token": VIDEO,
        "additional_special_tokens": [IMAGE, VIDEO],
        "added_tokens_decoder": {str(i): {"content": t, "lstrip": False, "normalized": False, "rstrip": False,
                                          "single_word": False, "special": True}
                                 for i, t in enumerate(SPECIAL_TOKENS)},
        "add_bos_token": False, "add_eos_token": False,
        "clean_up_tokenization_spaces": True,
        "model_max_length": model_max_length,
        "padding_side": "left",  # batched generation pads on the left
        "chat_template": CHAT_TEMPLATE,
    }


def write_tokenizer_files(out_dir, vocab):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(vocab), f, indent=2, ensure_ascii=False)
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w") as f:
        json.dump(tokenizer_config(vocab), f, indent=2, ensure_ascii=False)
