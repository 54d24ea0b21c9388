#!/usr/bin/python3
"""Writes MODEL_CARD.md in models/fill-mask and models/sentiment from their
training_summary.json and models/DATA_MANIFEST.json (train.py calls this at
the end; it can also be run alone: /usr/bin/python3 models/train/model_card.py models/)."""
import json
import os
import sys


def _pct(x):
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _lat(d):
    if not d:
        return "not measured"
    if "median_ms" in d:
        return f"median {d['median_ms']} ms (p90 {d['p90_ms']} ms)"
    return ", ".join(f"{k.replace('threads_', '')} thread(s): median {v['median_ms']} ms (p90 {v['p90_ms']} ms)"
                     for k, v in d.items())


def _files_table(files):
    rows = ["| file | size | notes |", "|---|---|---|"]
    for f, v in sorted(files.items()):
        notes = []
        if "max_abs_diff_vs_torch" in v:
            notes.append(f"max abs diff ONNX vs torch {v['max_abs_diff_vs_torch']:.2g}")
        if "latency_batch1" in v and v["latency_batch1"]:
            notes.append("batch-1 latency (onnxruntime-node, CPU): " + _lat(v["latency_batch1"]))
        if "kept" in v:
            notes.append("int8 kept" if v["kept"] else "int8 DROPPED (accuracy)")
        rows.append(f"| `{f}` | {v.get('size_mb', '?')} MB | {'; '.join(notes)} |")
    return "\n".join(rows)


def _data_section(man, labeled):
    lines = ["### Pretraining text (masked LM)", "",
             "| source | registry | version | licence | sha256 of archive | sentences | words |",
             "|---|---|---|---|---|---|---|"]
    for s in man["pretraining_corpus"]:
        lines.append(f"| {s['name']} | {s['registry']} | {s['version']} | {s['licence']} | "
                     f"`{s['sha256'][:16]}…` | {s['train_sentences']} | {s['train_words']} |")
    ex = man["pretraining_extra"]
    lines += ["", f"Plus the {ex['labeled_train_text_sentences']} train/validation sentences of the labeled "
                  f"sets below (never their test splits). {ex['total_tokens']} WordPiece tokens in all.", ""]
    if labeled:
        lines += ["### Labeled sentiment data", ""]
        for s in man["labeled"]:
            if s["name"] == "sentiment":
                lines.append(f"- **UCI Sentiment Labelled Sentences** (Kotzias, Denil, de Freitas, Smyth: "
                             f"\"From Group to Individual Labels using Deep Features\", KDD 2015), as shipped in "
                             f"the npm package `sentiment@{s['version']}` (MIT): {s['rows']} sentences from IMDB, "
                             f"Amazon and Yelp reviews; train {s['train']}, validation {s['validation']}, "
                             f"test {s['test']} (`models/eval/uci-test.jsonl`).")
            else:
                lines.append(f"- **rt-polarity**, sentence polarity dataset v1.0 (Bo Pang and Lillian Lee, "
                             f"\"Seeing stars: Exploiting class relationships for sentiment categorization with "
                             f"respect to rating scales\", ACL 2005): {s['rows']} movie-review snippets; train "
                             f"{s['train']}, validation {s['validation']}, test {s['test']} (line numbers in "
                             f"`models/eval/rt-polarity-test-ids.json`). Distributed by its authors for research; "
                             f"the text is not in this repository.")
        for s in man["lexicons"]:
            lines.append(f"- Lexicon: {s['use']} from npm `{s['name']}@{s['version']}` ({s['licence']}).")
        lines.append("")
    lines.append("Split rule (reproducible): " + man["split_rule"] + ".")
    return "\n".join(lines)


def fill_mask_card(s, man):
    fm = s["fill_mask"]
    c = fm["config"]
    tr = fm["train"]
    h = tr.get("heldout", {})
    ex = fm["export"]
    m15 = h.get("mask15", {})
    one = h.get("single_mask", {})
    onnx_h = ex.get("onnx_heldout_mask15", {})
    mach = s["machine"]
    return f"""# fill-mask: a small BERT masked language model (uncased, trained from scratch)

A {c['num_hidden_layers']}-layer BERT (hidden {c['hidden_size']}, {c['num_attention_heads']} heads,
intermediate {c['intermediate_size']}, vocabulary {c['vocab_size']} WordPiece, max {c['max_position_embeddings']}
positions, {tr.get('params', 0) / 1e6:.2f}M parameters, output projection tied to the input embeddings) trained
from scratch with the masked-LM objective (15% of tokens; 80% [MASK], 10% random, 10% kept).
Made by `models/train/train.py` in this repository.

## Files and I/O (ONNX opset 14, Hugging Face BERT I/O)

- `onnx/model.onnx`: `input_ids`, `attention_mask`, `token_type_ids` (int64 `[batch, sequence]`) ->
  `logits` (float32 `[batch, sequence, {c['vocab_size']}]`). Drop-in for a Hugging Face BertForMaskedLM export
  (checked: transformers.js 4.3.2 `pipeline('fill-mask')` loads this folder, dtype fp32 and q8).
- `onnx/model_masked.onnx`: the same inputs plus `masked_positions` (int64 `[batch, masks]`, positions of the
  [MASK] tokens in each row, padded with 0) -> `logits` (float32 `[batch, masks, {c['vocab_size']}]`). The vocabulary
  projection runs only at those positions.
- `onnx/model_quantized.onnx`, `onnx/model_masked_quantized.onnx`: the same I/O with int8 weights
  (DynamicQuantizeLinear + MatMulInteger, int8 embedding table with per-row scales).
- `tokenizer.json` (Hugging Face tokenizers format), `vocab.txt`, `tokenizer_config.json`,
  `special_tokens_map.json`: BERT uncased WordPiece (BertNormalizer lowercase + strip accents,
  BertPreTokenizer, `##` continuing prefix, `[CLS] $A [SEP]`); `[PAD]`=0, `[UNK]`=1, `[CLS]`=2, `[SEP]`=3,
  `[MASK]`=4. Inputs longer than {c['max_position_embeddings']} tokens must be truncated by the caller.
- `training_summary.json`: everything measured during training.

{_files_table(ex.get('files', {}))}

## Training

- Time: {tr.get('seconds', 0) / 60:.1f} minutes of masked-LM training ({tr.get('steps')} steps,
  {tr.get('tokens', 0) / 1e6:.1f}M tokens seen, {tr.get('tokens_per_second')} tokens/s) on
  {mach['cpus']} CPU cores ({mach['threads']} threads, PyTorch {mach['torch']}, device {mach['device']});
  whole recipe {s['total_minutes']} minutes. Optimiser AdamW (lr {s['args']['mlm_lr']}, warm-up then linear decay
  over the time budget), ~{s['args']['mlm_batch_tokens']} tokens per batch, dropout 0.
- Data: see below and `models/DATA_MANIFEST.json`.

{_data_section(man, labeled=False)}

## Evaluation (held-out text, never trained on)

`models/eval/mlm-test.txt` ({h.get('sentences')} sentences held out of the pretraining corpus by hash), masked as in
`models/eval/mlm-test-masks.jsonl` (15% of the tokens of each sentence, at least one; positions are token indices
in the `[CLS] ... [SEP]` encoding).

| metric (PyTorch, fp32) | value |
|---|---|
| top-1, 15% masked ({m15.get('masked_tokens')} tokens) | {_pct(m15.get('top1'))} |
| top-5, 15% masked | {_pct(m15.get('top5'))} |
| top-1, one mask per sentence | {_pct(one.get('top1'))} |
| top-5, one mask per sentence | {_pct(one.get('top5'))} |

Through onnxruntime (`model_masked*.onnx`): {json.dumps(onnx_h) if onnx_h else 'not run'}.

PyTorch batch-1 latency (15-token sentence, {mach['threads']} threads): full
{_lat(fm['export'].get('torch_latency_batch1', {}).get('full'))}; masked-position variant
{_lat(fm['export'].get('torch_latency_batch1', {}).get('masked'))}. onnxruntime-node latencies are in the table above.

## Limitations

- Tiny and trained for about an hour on two CPU cores: it predicts frequent words, function words and
  punctuation well and rarer content words poorly. It is far weaker than bert-base.
- Its text is old edited English (Brown corpus 1961, the World English Bible, WordNet glosses, Unix fortunes) plus
  review snippets: it knows little about modern chat, slang, names or emoji (emoji and CJK characters become `[UNK]`).
- The Bible and fortune files carry their own viewpoints and the fortunes include jokes some find offensive
  (Debian's `fortunes-off` was not used); predictions can reflect the biases of these texts.
- English only.
"""


def sentiment_card(s, man):
    se = s["sentiment"]
    tr = se["train"]
    h = tr.get("heldout", {})
    ex = se["export"]
    mach = s["machine"]
    enc = tr.get("shipped") == "bag+encoder"
    fm_cfg = s.get("fill_mask_config")
    acc = ex.get("onnx_accuracy", {})
    enc_line = (f"- (3) a copy of the fill-mask model's BERT encoder fine-tuned with a `[CLS]` classifier "
                f"(val accuracy alone {_pct(tr.get('encoder_val_acc'))}); the two scores are mixed with weights "
                f"{tr.get('ensemble_weights')} fitted on the validation split.\n") if enc else \
        ("- a fine-tuned copy of the fill-mask encoder was tried as an ensemble member but did not improve "
         "validation accuracy, so it is not in the shipped graph.\n" if "encoder_val_acc" in tr else "")
    return f"""# sentiment: positive / negative sentence classifier (uncased, trained from scratch)

Binary sentiment of short English texts. Labels as in Hugging Face's
`distilbert-base-uncased-finetuned-sst-2-english`: `id2label = {{"0": "NEGATIVE", "1": "POSITIVE"}}`, so code
written for that model's ONNX export works unchanged (softmax over `logits` gives P(NEGATIVE), P(POSITIVE)).
Made by `models/train/train.py` in this repository.

## Model

Score s, logits `[-s/2, s/2]`, where s is the sum of
- (1) a linear bag of WordPiece unigram ids and hashed bigram ids (`(a*8191 + b) mod {tr.get('bigram_buckets')}`),
  initialised from naive-Bayes log-count ratios and fine-tuned with a logistic loss (NBSVM-style);
- (2) AFINN-165 and VADER lexicon scores of the tokens ({tr.get('lexicon_tokens')} vocabulary tokens have one), with
  separate learned weights for tokens within 3 positions after a negator (not, no, never, n't, ...);
{enc_line}
Model selection (epochs, whether to keep the encoder, whether to keep int8) used the validation split only.

## Files and I/O (ONNX opset 14, Hugging Face BERT I/O)

- `onnx/model.onnx`: `input_ids`, `attention_mask`, `token_type_ids` (int64 `[batch, sequence]`) -> `logits`
  (float32 `[batch, 2]`). `token_type_ids` is accepted and ignored (all zeros).
- `onnx/model_quantized.onnx`: the same I/O, int8 weights (int8 tables with scales; MatMulInteger for any encoder).
- Checked: transformers.js 4.3.2 `pipeline('text-classification')` loads this folder (dtype fp32 and q8) and
  returns NEGATIVE/POSITIVE labels.
- Tokenizer files identical to `../fill-mask` (`[PAD]`=0, `[UNK]`=1, `[CLS]`=2, `[SEP]`=3, `[MASK]`=4); at most
  128 tokens.

{_files_table(ex.get('files', {}))}

## Evaluation (held-out test splits, never trained on or used for selection)

| split (PyTorch fp32) | accuracy |
|---|---|
| UCI test (IMDB + Amazon + Yelp, {man['labeled'][0]['test']} sentences) | {_pct(h.get('uci_test'))} |
| &nbsp;&nbsp;IMDB / Amazon / Yelp | {_pct(h.get('uci_test_imdb'))} / {_pct(h.get('uci_test_amazon'))} / {_pct(h.get('uci_test_yelp'))} |
| rt-polarity test ({man['labeled'][1]['test']} snippets) | {_pct(h.get('rt_polarity_test'))} |
| validation (used for model selection) | {_pct(h.get('val'))} |

Through onnxruntime-node: {json.dumps(acc) if acc else 'not run'}.
PyTorch batch-1 latency (15-token sentence, {mach['threads']} threads): {_lat(ex.get('torch_latency_batch1'))};
onnxruntime-node latencies are in the table above.

## Training

{tr.get('train_rows')} training sentences (UCI + rt-polarity train splits), {tr.get('val_rows')} validation;
{tr.get('seconds', 0) / 60:.1f} minutes on {mach['cpus']} CPU cores (PyTorch {mach['torch']}), after the
fill-mask pretraining ({s['total_minutes']} minutes for the whole recipe).

{_data_section(man, labeled=True)}

## Limitations

- Two classes only, no neutral: the server maps low-confidence scores to neutral itself.
- Trained on product/movie/restaurant review sentences; chat messages, sarcasm, slang, emoji (which become
  `[UNK]`) and non-English text are out of domain. Accuracy on chat will be lower than the numbers above.
- A mostly lexical model: it handles simple negation ("not good") through bigrams and the negation window,
  but not long-range structure or contrast ("I expected to hate it, but...").
- Inherits the biases of its review data and of the AFINN/VADER word lists.
"""


def write_cards(out_root):
    with open(os.path.join(out_root, "DATA_MANIFEST.json")) as f:
        man = json.load(f)
    with open(os.path.join(out_root, "fill-mask", "training_summary.json")) as f:
        fm = json.load(f)
    with open(os.path.join(out_root, "sentiment", "training_summary.json")) as f:
        se = json.load(f)
    with open(os.path.join(out_root, "fill-mask", "MODEL_CARD.md"), "w") as f:
        f.write(fill_mask_card(fm, man))
    with open(os.path.join(out_root, "sentiment", "MODEL_CARD.md"), "w") as f:
        f.write(sentiment_card(se, man))


if __name__ == "__main__":
    write_cards(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
