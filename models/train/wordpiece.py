"""A BERT (uncased) WordPiece tokenizer in pure Python: the same normalisation,
pre-tokenisation and greedy longest-match-first WordPiece as Hugging Face's
`tokenizers` (BertNormalizer + BertPreTokenizer + WordPiece), a WordPiece
vocabulary trainer (BPE-style merges with the `##` continuing prefix, like
`tokenizers`' WordPieceTrainer), and writers for tokenizer.json / vocab.txt /
tokenizer_config.json.
"""
import heapq
import json
import os
import re
import string
import unicodedata
from collections import Counter, defaultdict

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PAD, UNK, CLS, SEP, MASK = range(5)
MAX_CHARS_PER_WORD = 100
_ASCII_PUNCT = set(string.punctuation)


def _is_control(c):
    if c in "\t\n\r":
        return False
    return unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn")


def _is_whitespace(c):
    return c in "\t\n\r" or c.isspace() and unicodedata.category(c) in ("Zs", "Zl", "Zp", "Cc")


def _is_chinese(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def _is_punct(c):
    return c in _ASCII_PUNCT or unicodedata.category(c).startswith("P")


def normalize(text):
    """BertNormalizer(clean_text, handle_chinese_chars, strip_accents, lowercase)."""
    out = []
    for c in text:
        if c == "\0" or c == "\ufffd" or _is_control(c):
            continue
        if _is_whitespace(c):
            out.append(" ")
        elif _is_chinese(ord(c)):
            out.append(" " + c + " ")
        else:
            out.append(c)
    t = unicodedata.normalize("NFD", "".join(out))
    t = "".join(c for c in t if unicodedata.category(c) != "Mn")
    return "".join(c.lower() for c in t)


def pre_tokenize(text):
    """BertPreTokenizer: split on whitespace, isolate each punctuation char."""
    words = []
    for chunk in text.split():
        cur = []
        for c in chunk:
            if _is_punct(c):
                if cur:
                    words.append("".join(cur))
                    cur = []
                words.append(c)
            else:
                cur.append(c)
        if cur:
            words.append("".join(cur))
    return words


def basic_words(text):
    return pre_tokenize(normalize(text))


class WordPiece:
    def __init__(self, vocab):
        self.vocab = list(vocab)
        self.ids = {t: i for i, t in enumerate(self.vocab)}
        self.cache = {}
        self._special_re = re.compile("(" + "|".join(re.escape(s) for s in SPECIALS) + ")")

    @classmethod
    def load(cls, vocab_txt):
        with open(vocab_txt, encoding="utf-8") as f:
            return cls([l.rstrip("\n") for l in f])

    def word_ids(self, w):
        r = self.cache.get(w)
        if r is not None:
            return r
        if len(w) > MAX_CHARS_PER_WORD:
            r = [UNK]
        else:
            r, start = [], 0
            while start < len(w):
                end = len(w)
                cur = None
                while start < end:
                    sub = w[start:end] if start == 0 else "##" + w[start:end]
                    i = self.ids.get(sub)
                    if i is not None:
                        cur = i
                        break
                    end -= 1
                if cur is None:
                    r = [UNK]
                    break
                r.append(cur)
                start = end
        if len(self.cache) < 2_000_000:
            self.cache[w] = r
        return r

    def encode_plain(self, text):
        """ids without [CLS]/[SEP]; literal special tokens in the text are kept."""
        ids = []
        for part in self._special_re.split(text):
            if not part:
                continue
            if part in SPECIALS:
                ids.append(SPECIALS.index(part))
                continue
            for w in basic_words(part):
                ids.extend(self.word_ids(w))
        return ids

    def encode(self, text, max_len=None):
        ids = self.encode_plain(text)
        if max_len is not None:
            ids = ids[:max_len - 2]
        return [CLS] + ids + [SEP]

    def decode(self, ids):
        toks = [self.vocab[i] for i in ids if i not in (PAD, CLS, SEP)]
        s = " ".join(toks).replace(" ##", "")
        return s


def train_wordpiece(word_counts, vocab_size, limit_alphabet=1000, min_frequency=2, progress=None):
    """BPE-style merges on words split into [c0, ##c1, ##c2, ...] (what
    tokenizers' WordPieceTrainer does). Returns the vocab list."""
    char_counts = Counter()
    for w, c in word_counts.items():
        for ch in w:
            char_counts[ch] += c
    alphabet = set(ch for ch, _ in sorted(char_counts.items(), key=lambda x: (-x[1], x[0]))[:limit_alphabet])
    vocab = list(SPECIALS)
    in_vocab = set(vocab)
    words, counts = [], []
    cont_chars = set()
    for w, c in sorted(word_counts.items()):
        if not all(ch in alphabet for ch in w):
            continue
        sym = [w[0]] + ["##" + ch for ch in w[1:]]
        cont_chars.update(w[1:])
        words.append(sym)
        counts.append(c)
    for ch in sorted(alphabet):
        if ch not in in_vocab:
            vocab.append(ch)
            in_vocab.add(ch)
    for ch in sorted(cont_chars):
        t = "##" + ch
        if t not in in_vocab:
            vocab.append(t)
            in_vocab.add(t)
    pair_counts = defaultdict(int)
    where = defaultdict(set)
    for wi, sym in enumerate(words):
        c = counts[wi]
        for a, b in zip(sym, sym[1:]):
            pair_counts[(a, b)] += c
            where[(a, b)].add(wi)
    heap = [(-c, p) for p, c in pair_counts.items()]
    heapq.heapify(heap)
    while len(vocab) < vocab_size and heap:
        negc, pair = heapq.heappop(heap)
        cur = pair_counts.get(pair, 0)
        if cur != -negc:
            continue
        if cur < min_frequency:
            break
        a, b = pair
        new = a + b[2:]
        changed = set()
        for wi in list(where[pair]):
            sym = words[wi]
            c = counts[wi]
            for x, y in zip(sym, sym[1:]):
                pair_counts[(x, y)] -= c
                changed.add((x, y))
                where[(x, y)].discard(wi)
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and sym[i] == a and sym[i + 1] == b:
                    out.append(new)
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            words[wi] = out
            for x, y in zip(out, out[1:]):
                pair_counts[(x, y)] += c
                changed.add((x, y))
                where[(x, y)].add(wi)
        pair_counts.pop(pair, None)
        where.pop(pair, None)
        changed.discard(pair)
        for p in changed:
            c = pair_counts.get(p, 0)
            if c > 0:
                heapq.heappush(heap, (-c, p))
            else:
                pair_counts.pop(p, None)
                where.pop(p, None)
        if new not in in_vocab:
            vocab.append(new)
            in_vocab.add(new)
        if progress:
            progress.update(1)
    return vocab


def write_tokenizer_files(vocab, out_dir, model_max_length):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "vocab.txt"), "w", encoding="utf-8") as f:
        for t in vocab:
            f.write(t + "\n")
    cls_id, sep_id = vocab.index("[CLS]"), vocab.index("[SEP]")
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True} for i, t in enumerate(SPECIALS)],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": True, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [cls_id], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [sep_id], "tokens": ["[SEP]"]}},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": MAX_CHARS_PER_WORD,
                  "vocab": {t: i for i, t in enumerate(vocab)}},
    }
    with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False, indent=1)
    cfg = {
        "tokenizer_class": "BertTokenizer",
        "do_lower_case": True,
        "strip_accents": True,
        "tokenize_chinese_chars": True,
        "model_max_length": model_max_length,
        "clean_up_tokenization_spaces": True,
        "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
        "cls_token": "[CLS]", "mask_token": "[MASK]",
    }
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2)
    with open(os.path.join(out_dir, "special_tokens_map.json"), "w", encoding="utf-8") as f:
        json.dump({"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
                   "cls_token": "[CLS]", "mask_token": "[MASK]"}, f, indent=2)
