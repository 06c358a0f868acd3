"""tokenizer.json builders for twins: byte-level BPE (GPT-2/Qwen2 style) and SentencePiece-style
BPE with byte fallback (Llama style), each with a Python encoder/decoder that gives the same ids
and text as @huggingface/tokenizers 0.2 (what transformers.js 4.3.2 runs).

    tok_json, enc = build_tokenizer("sentencepiece", corpus, {"<unk>": 0, "<s>": 1, "</s>": 2,
                                    "<image>": None}, merges_budget=300)
    enc("USER: <image>\\nIs it?")   # ids, as Tokenizer(tok_json, cfg).encode(text, {add_special_tokens: false})
    enc.decode(ids, skip_special_tokens=True)

The encoder mirrors the JS code path by path (added-token splitting, normalizer, pre-tokenizer,
BPE by merge rank with leftmost tie-break, byte fallback), so ids agree exactly; the merges are
learned by a small deterministic trainer on `corpus_text`.
"""
import unicodedata
from collections import Counter

SP_SPACE = "\u2581"  # "▁"
# Words that must stay several tokens so word-to-token logic is exercised downstream.
DEFAULT_MULTI_TOKEN_WORDS = ("traffic", "diamond")


def _bytes_to_unicode():
    """GPT-2's byte -> printable character table, in GPT-2's order (printable bytes first)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_ENCODER = _bytes_to_unicode()
BYTE_DECODER = {c: b for b, c in BYTE_ENCODER.items()}

# JavaScript's \s (with the u flag), which differs from Python's str.isspace (\x1c-\x1f, \x85, \ufeff).
JS_SPACE = set("\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff") | {chr(c) for c in range(0x2000, 0x200B)}
CONTRACTIONS = ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d")  # in the regex's order


def _is_letter(ch):
    return unicodedata.category(ch).startswith("L")


def _is_number(ch):
    return unicodedata.category(ch).startswith("N")


def _is_other(ch):
    return ch not in JS_SPACE and not _is_letter(ch) and not _is_number(ch)


def byte_level_split(text):
    """The ByteLevel pre-tokenizer's regex, evaluated as JS does (first alternative that matches):
    /'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+/gu"""
    out, i, n = [], 0, len(text)

    def run(j, pred):
        while j < n and pred(text[j]):
            j += 1
        return j

    while i < n:
        c = next((c for c in CONTRACTIONS if text.startswith(c, i)), None)
        if c:
            out.append(c)
            i += len(c)
            continue
        end = None
        for pred in (_is_letter, _is_number, _is_other):
            start = i + 1 if text[i] == " " and i + 1 < n and pred(text[i + 1]) else i
            if start < n and pred(text[start]):
                end = run(start, pred)
                break
        if end is None:  # whitespace: \s+(?!\S) leaves the last space for the next word
            j = run(i, lambda ch: ch in JS_SPACE)
            end = j if j == n or j - i == 1 else j - 1
        out.append(text[i:end])
        i = end
    return out


def _byte_map(piece):
    return "".join(BYTE_ENCODER[b] for b in piece.encode("utf-8"))


def _split_added(text, added):
    """DictionarySplitter: scan left to right, longest added token starting at each position."""
    out, start, i, n = [], 0, 0, len(text)
    by_len = sorted(added, key=len, reverse=True)
    while i < n:
        match = next((t for t in by_len if text.startswith(t, i)), None)
        if match:
            if i > start:
                out.append(text[start:i])
            out.append(match)
            i += len(match)
            start = i
        else:
            i += 1
    if start < n:
        out.append(text[start:])
    return out


def bpe_word(word, ranks):
    """Merge the lowest-ranked adjacent pair, leftmost first, until none applies (same result as
    the JS priority queue, whose tie-break bias is the left symbol's original position)."""
    syms = list(word)
    while len(syms) > 1:
        best = None
        for k in range(len(syms) - 1):
            r = ranks.get((syms[k], syms[k + 1]))
            if r is not None and (best is None or r < best[0]):
                best = (r, k)
        if best is None:
            break
        k = best[1]
        syms[k:k + 2] = [syms[k] + syms[k + 1]]
    return syms


def _char_class(ch):
    if _is_letter(ch):
        return "L"
    if _is_number(ch):
        return "D"
    return "S" if ch in JS_SPACE else "P"


def _sp_training_pieces(piece):
    """One ▁-separated piece cut into runs of one character class, the first carrying the ▁, and
    digits one by one (as Llama splits them): learned merges never join a word with punctuation
    ("▁square" "?"), as SentencePiece's script split does."""
    runs, cur, prev = [], SP_SPACE, None
    for ch in piece:
        c = _char_class(ch)
        if c == "D" or (prev is not None and c != prev):
            runs.append(cur)
            cur = ""
        cur += ch
        prev = c
    runs.append(cur)
    return [r for r in runs if r]


def train_bpe(words, budget, forbidden=(), initial=()):
    """Deterministic BPE trainer: most frequent adjacent pair first, ties by the pair's text.
    `words` maps a symbol string (one pre-token) to its count; `initial` is the base vocabulary;
    `forbidden` tokens are never made."""
    seqs = {w: list(w) for w in words}
    merges, made = [], set(initial)
    forbidden = set(forbidden)
    while len(merges) < budget:
        counts = Counter()
        for w, syms in seqs.items():
            for a, b in zip(syms, syms[1:]):
                # only symbols in the vocabulary merge: a character left to byte fallback ("\n" in
                # the Llama style) never becomes part of a token such as "▁\n"
                if a in made and b in made and a + b not in forbidden:
                    counts[(a, b)] += words[w]
        if not counts:
            break
        (a, b), c = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if c < 2:
            break
        merges.append((a, b))
        made.add(a + b)
        for w, syms in seqs.items():
            seqs[w] = bpe_word(syms, {(a, b): 0}) if (a, b) in zip(syms, syms[1:]) else syms
    return merges


def _parse_specials(special_tokens):
    items = list(special_tokens.items()) if isinstance(special_tokens, dict) else [tuple(x) for x in special_tokens]
    return [(content, ident) for content, ident in items]


def _assign_ids(base_tokens, fixed, appended):
    """Fixed-id added tokens keep their ids; base tokens fill the free ids from 0 upwards;
    `appended` ones follow. The result must be a contiguous 0..N-1 range."""
    vocab, taken = {}, {i: t for t, i in fixed}
    nxt = 0
    for tok in base_tokens:
        while nxt in taken:
            nxt += 1
        vocab[tok] = nxt
        nxt += 1
    for t, i in fixed:
        vocab[t] = i
    top = max(vocab.values(), default=-1) + 1
    for t in appended:
        vocab[t] = top
        top += 1
    if sorted(vocab.values()) != list(range(len(vocab))):
        raise ValueError("token ids are not contiguous: a fixed special id lies past the base vocabulary")
    return vocab


class TwinEncoder:
    """encode_fn: call it with text for ids (add_special_tokens=False); .decode mirrors JS decode."""

    def __init__(self, style, vocab, merges, added, special, unk_token):
        self.style, self.vocab, self.added, self.special = style, vocab, added, special
        self.ranks = {tuple(m): i for i, m in enumerate(merges)}
        self.id_to_token = {i: t for t, i in vocab.items()}
        self.unk_token = unk_token

    def __call__(self, text):
        return [self.vocab[t] for t in self.tokenize(text)]

    def token_to_id(self, token):
        return self.vocab[token]

    def tokenize(self, text):
        out = []
        for section in _split_added(text, list(self.added)):
            if section in self.added:
                out.append(section)
                continue
            if self.style == "sentencepiece":
                words = [SP_SPACE + section.replace(" ", SP_SPACE)]  # Prepend + Replace; no pre-tokenizer
            else:
                words = [_byte_map(p) for p in byte_level_split(section)]
            for w in words:
                for t in bpe_word(w, self.ranks):
                    if t in self.vocab:
                        out.append(t)
                    elif self.style == "sentencepiece":  # byte fallback (all 256 byte tokens exist)
                        out.extend("<0x%02X>" % b for b in t.encode("utf-8"))
                    else:
                        out.append(self.unk_token)
        return out

    def decode(self, ids, skip_special_tokens=False, clean_up_tokenization_spaces=False):
        toks = [self.id_to_token.get(int(i), self.unk_token) for i in ids]
        if skip_special_tokens:
            toks = [t for t in toks if t not in self.special]
        if self.style == "sentencepiece":  # Replace("▁", " "), ByteFallback, Fuse, Strip(" ", 1, 0)
            parts, pending = [], []
            for t in toks:
                t = t.replace(SP_SPACE, " ")
                if len(t) == 6 and t.startswith("<0x") and t.endswith(">"):
                    pending.append(int(t[3:5], 16))
                    continue
                if pending:
                    parts.append(bytes(pending).decode("utf-8", errors="replace"))
                    pending = []
                parts.append(t)
            if pending:
                parts.append(bytes(pending).decode("utf-8", errors="replace"))
            text = "".join(parts)
            text = text[1:] if text.startswith(" ") else text
        else:  # ByteLevel decoder: added tokens verbatim, other runs byte-decoded
            parts, run = [], []
            for t in toks:
                if t in self.added:
                    if run:
                        parts.append(bytes(BYTE_DECODER[c] for c in "".join(run)).decode("utf-8", errors="replace"))
                        run = []
                    parts.append(t)
                else:
                    run.append(t)
            if run:
                parts.append(bytes(BYTE_DECODER[c] for c in "".join(run)).decode("utf-8", errors="replace"))
            text = "".join(parts)
        if clean_up_tokenization_spaces:
            for a, b in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                         (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
                text = text.replace(a, b)
        return text


def _added_entry(content, ident, special):
    return {"id": ident, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": False, "special": special}


def build_tokenizer(style, corpus_text, special_tokens, merges_budget, added_tokens_extra=(),
                    unk_token=None, bos_token=None, multi_token_words=DEFAULT_MULTI_TOKEN_WORDS):
    """Returns (tokenizer_json_dict, encode_fn).

    style: "byte_level" or "sentencepiece".
    special_tokens: {content: id or None} (or (content, id) pairs); None = after the base vocabulary,
        in the given order. All become added tokens with special=true, normalized=false.
    added_tokens_extra: (content, id or None) pairs added with special=false, normalized=false.
    unk_token: the model's unk (sentencepiece default "<unk>", which must be among the specials).
    bos_token: if given, a TemplateProcessing post-processor prepends it (Llama's add_bos); else none.
    multi_token_words: words never learned as a single token (with or without the leading space).
    """
    if style not in ("byte_level", "sentencepiece"):
        raise ValueError(f"unknown style {style!r}")
    specials = _parse_specials(special_tokens)
    extra = _parse_specials(added_tokens_extra)
    added_all = [t for t, _ in specials + extra]
    if style == "sentencepiece":
        unk_token = unk_token or "<unk>"
        if unk_token not in added_all:
            raise ValueError("the sentencepiece style needs its unk token among special_tokens")

    # pre-tokens of the corpus, with added tokens cut out as the encoder does
    words = Counter()
    for section in _split_added(corpus_text, added_all):
        if section in added_all:
            continue
        if style == "sentencepiece":
            # train on ▁-initial pieces (as SentencePiece does) so merges never span a space
            norm = SP_SPACE + section.replace(" ", SP_SPACE)
            for piece in norm.split(SP_SPACE)[1:]:  # norm starts with ▁, so element 0 is empty
                words.update(_sp_training_pieces(piece))
        else:
            words.update(_byte_map(p) for p in byte_level_split(section))
    if style == "sentencepiece":
        byte_tokens = ["<0x%02X>" % b for b in range(256)]
        # like Llama, whitespace and control characters other than ▁ exist only as <0xNN> bytes
        chars = sorted({ch for w in words for ch in w if ch not in JS_SPACE and not unicodedata.category(ch).startswith("C")})
        base = byte_tokens + chars
        prefixes = ("", SP_SPACE)
    else:
        base = [BYTE_ENCODER[b] for b in BYTE_ENCODER]  # GPT-2 order
        prefixes = ("", BYTE_ENCODER[ord(" ")])
    forbidden = {p + w for w in multi_token_words for p in prefixes}
    merges = train_bpe(words, merges_budget, forbidden, initial=base)
    base_tokens = [t for t in base if t not in added_all]
    seen = set(base_tokens)
    for a, b in merges:
        if a + b not in seen:
            seen.add(a + b)
            base_tokens.append(a + b)
    fixed = [(t, i) for t, i in specials + extra if i is not None]
    appended = [t for t, i in specials + extra if i is None]
    vocab = _assign_ids(base_tokens, fixed, appended)
    special_set = {t for t, _ in specials}
    added_tokens = [_added_entry(t, vocab[t], t in special_set) for t, _ in specials + extra]
    added_tokens.sort(key=lambda e: e["id"])
    # Llama keeps its specials in the model vocab too (the BPE model resolves unk there); Qwen2 does not
    model_vocab = {t: i for t, i in vocab.items() if style == "sentencepiece" or t not in added_all}

    if style == "sentencepiece":
        normalizer = {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": SP_SPACE},
            {"type": "Replace", "pattern": {"String": " "}, "content": SP_SPACE}]}
        pre_tokenizer = None
        decoder = {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": SP_SPACE}, "content": " "},
            {"type": "ByteFallback"}, {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
        model = {"type": "BPE", "dropout": None, "unk_token": unk_token, "continuing_subword_prefix": None,
                 "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                 "vocab": model_vocab, "merges": [list(m) for m in merges]}
    else:
        normalizer = None
        pre_tokenizer = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
        decoder = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}
        model = {"type": "BPE", "dropout": None, "unk_token": unk_token, "continuing_subword_prefix": "",
                 "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                 "vocab": model_vocab, "merges": [list(m) for m in merges]}
    if bos_token:
        post_processor = {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": bos_token, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": bos_token, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": bos_token, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {bos_token: {"id": bos_token, "ids": [vocab[bos_token]], "tokens": [bos_token]}}}
    elif style == "byte_level":
        post_processor = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": True}
    else:
        post_processor = None
    tok_json = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added_tokens,
                "normalizer": normalizer, "pre_tokenizer": pre_tokenizer, "post_processor": post_processor,
                "decoder": decoder, "model": model}
    return tok_json, TwinEncoder(style, vocab, merges, set(added_all), special_set, unk_token)
