"""Masked-LM pretraining with a wall-clock budget, and held-out evaluation."""
import contextlib
import json
import math
import os
import random
import time

import numpy as np
import torch

import progress as P
from modeling import BertConfig, BertForMaskedLM
from wordpiece import CLS, MASK, PAD, SEP


def make_examples(enc_docs, max_len, rng):
    """Half the examples are single sentences (like chat lines); the rest pack
    neighbouring sentences of a document up to a random length <= max_len."""
    ex = []
    body = max_len - 2
    for d in enc_docs:
        i = 0
        while i < len(d):
            s = d[i]
            if not s:
                i += 1
                continue
            if rng.random() < 0.5 or len(s) >= body:
                if len(s) > body:
                    st = rng.randrange(0, len(s) - body + 1)
                    s = s[st:st + body]
                ex.append(s)
                i += 1
                continue
            target = rng.randint(24, body)
            cur = list(s)
            i += 1
            while i < len(d) and len(cur) + len(d[i]) <= target:
                cur.extend(d[i])
                i += 1
            ex.append(cur)
    return ex


def batches(examples, batch_tokens, rng):
    order = list(range(len(examples)))
    rng.shuffle(order)
    out = []
    chunk = 4000
    for c in range(0, len(order), chunk):
        part = sorted(order[c:c + chunk], key=lambda j: len(examples[j]))
        cur, mx = [], 0
        for j in part:
            L = len(examples[j]) + 2
            if cur and max(mx, L) * (len(cur) + 1) > batch_tokens:
                out.append(cur)
                cur, mx = [], 0
            cur.append(j)
            mx = max(mx, L)
        if cur:
            out.append(cur)
    rng.shuffle(out)
    return out


def collate(examples, idx, vocab_size, nrng):
    n = max(len(examples[j]) for j in idx) + 2
    ids = np.zeros((len(idx), n), dtype=np.int64)
    for r, j in enumerate(idx):
        s = examples[j]
        ids[r, 0] = CLS
        ids[r, 1:1 + len(s)] = s
        ids[r, 1 + len(s)] = SEP
    cand = ids > SEP + 1  # not PAD/UNK/CLS/SEP/MASK
    sel = (nrng.random(ids.shape) < 0.15) & cand
    if not sel.any():
        sel[0, 1] = True
    labels = ids[sel]
    inp = ids.copy()
    u = nrng.random(labels.shape)
    rnd = nrng.integers(5, vocab_size, labels.shape)
    new = np.where(u < 0.8, MASK, np.where(u < 0.9, rnd, labels))
    inp[sel] = new
    flat_idx = np.flatnonzero(sel.reshape(-1))
    am = (ids != PAD).astype(np.int64)
    return inp, am, flat_idx, labels


def autocast_ctx(args, device):
    if not args.amp:
        return contextlib.nullcontext()
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.float16)
    return torch.autocast("cpu", dtype=torch.bfloat16)


def train(cfg, enc_docs, args, device, ckpt_path):
    rng = random.Random(args.seed)
    nrng = np.random.default_rng(args.seed)
    model = BertForMaskedLM(cfg)
    prev_info = None
    if getattr(args, "resume_mlm", False) and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location="cpu")
        model.load_state_dict(ck["state"])
        prev_info = ck.get("info", {})
        P.log(f"MLM: continuing from {ckpt_path} ({json.dumps(prev_info)})")
    model = model.to(device)
    n_params = sum(p.numel() for p in model.parameters())
    P.log(f"MLM: {cfg.num_hidden_layers} layers, hidden {cfg.hidden_size}, heads {cfg.num_attention_heads}, "
          f"{n_params / 1e6:.2f}M params; budget {args.budget_minutes} min on {device}")
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (no_decay if p.ndim < 2 or "ln" in n else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.mlm_lr, betas=(0.9, 0.98), eps=1e-6)
    scaler = torch.cuda.amp.GradScaler() if (args.amp and device.type == "cuda") else None
    budget = args.budget_minutes * 60
    warm = min(0.05 * budget, 180)
    t0 = time.time()
    bar = P.Progress("MLM", seconds=budget)
    step = tokens = epoch = 0
    ema = None
    acc_ema = None
    done = False
    last_ckpt = t0
    model.train()
    while not done:
        examples = make_examples(enc_docs, cfg.max_position_embeddings, rng)
        for bidx in batches(examples, args.mlm_batch_tokens, rng):
            el = time.time() - t0
            if el >= budget:
                done = True
                break
            lr = args.mlm_lr * (el / warm if el < warm else max(0.0, (budget - el) / (budget - warm)))
            for g in opt.param_groups:
                g["lr"] = lr
            inp, am, fidx, lab = collate(examples, bidx, cfg.vocab_size, nrng)
            inp_t = torch.from_numpy(inp).to(device)
            am_t = torch.from_numpy(am).to(device)
            tt = torch.zeros_like(inp_t)
            fidx_t = torch.from_numpy(fidx).to(device)
            lab_t = torch.from_numpy(lab).to(device)
            with autocast_ctx(args, device):
                loss, logits = model.loss_flat(inp_t, am_t, tt, fidx_t, lab_t)
            opt.zero_grad(set_to_none=True)
            if scaler:
                scaler.scale(loss).backward()
                scaler.unscale_(opt)
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                scaler.step(opt)
                scaler.update()
            else:
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
            step += 1
            tokens += int(am.sum())
            lv = float(loss)
            a = float((logits.argmax(-1) == lab_t).float().mean())
            ema = lv if ema is None else 0.98 * ema + 0.02 * lv
            acc_ema = a if acc_ema is None else 0.98 * acc_ema + 0.02 * a
            bar.update(1, loss=ema, acc=acc_ema, lr=lr, ep=epoch, tok_s=tokens / max(1e-9, time.time() - t0))
            if time.time() - last_ckpt > 600:
                save(model, cfg, ckpt_path, {})
                last_ckpt = time.time()
        epoch += 1
    bar.close()
    secs = time.time() - t0
    info = dict(steps=step, tokens=tokens, epochs_started=epoch, seconds=round(secs, 1),
                tokens_per_second=round(tokens / secs), final_train_loss_ema=round(ema or 0, 4),
                final_train_masked_acc_ema=round(acc_ema or 0, 4), params=n_params)
    if prev_info:
        info["continued_from"] = prev_info
        info["seconds"] = round(secs + prev_info.get("seconds", 0), 1)
        info["steps"] = step + prev_info.get("steps", 0)
        info["tokens"] = tokens + prev_info.get("tokens", 0)
    P.log(f"MLM done: {json.dumps(info)}")
    model.eval()
    save(model, cfg, ckpt_path, info)
    return model, info


def save(model, cfg, path, info):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.save({"config": cfg.to_dict(), "state": model.state_dict(), "info": info}, path + ".tmp")
    os.replace(path + ".tmp", path)


def load(path, device):
    ck = torch.load(path, map_location="cpu")
    cfg = BertConfig(**ck["config"])
    m = BertForMaskedLM(cfg)
    m.load_state_dict(ck["state"])
    return m.to(device).eval(), ck.get("info", {})


def heldout_masks(wp, sentences, max_len):
    """Deterministic masking of the held-out sentences: 15% of the tokens
    (at least 1), chosen by random.Random(line number)."""
    rows = []
    for i, s in enumerate(sentences):
        ids = wp.encode(s, max_len)
        cand = [p for p in range(1, len(ids) - 1) if ids[p] > MASK]
        if not cand:
            continue
        r = random.Random(i)
        k = max(1, int(round(0.15 * len(cand))))
        pos = sorted(r.sample(cand, k))
        one = [random.Random(100000 + i).choice(cand)]
        rows.append(dict(line=i, ids=ids, positions=pos, labels=[ids[p] for p in pos],
                         single=one, single_label=[ids[one[0]]]))
    return rows


@torch.no_grad()
def topk_eval(model, rows, key_pos, key_lab, device, bs=64):
    n = top1 = top5 = 0
    for b in range(0, len(rows), bs):
        part = rows[b:b + bs]
        L = max(len(r["ids"]) for r in part)
        K = max(len(r[key_pos]) for r in part)
        ids = torch.zeros(len(part), L, dtype=torch.long)
        mp = torch.zeros(len(part), K, dtype=torch.long)
        for j, r in enumerate(part):
            x = list(r["ids"])
            for p in r[key_pos]:
                x[p] = MASK
            ids[j, :len(x)] = torch.tensor(x)
            mp[j, :len(r[key_pos])] = torch.tensor(r[key_pos])
        am = (ids != PAD).long()
        logits = model.forward_at(ids.to(device), am.to(device), torch.zeros_like(ids).to(device), mp.to(device))
        top = logits.topk(5, dim=-1).indices.cpu()
        for j, r in enumerate(part):
            for q, lab in enumerate(r[key_lab]):
                n += 1
                top1 += int(top[j, q, 0] == lab)
                top5 += int(lab in top[j, q].tolist())
    return dict(masked_tokens=n, top1=round(top1 / max(1, n), 4), top5=round(top5 / max(1, n), 4))


def evaluate(model, wp, sentences, device, eval_dir):
    model.eval()
    rows = heldout_masks(wp, sentences, model.bert.c.max_position_embeddings)
    with open(os.path.join(eval_dir, "mlm-test-masks.jsonl"), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({"line": r["line"], "positions": r["positions"], "labels": r["labels"],
                                "single_position": r["single"][0], "single_label": r["single_label"][0]}) + "\n")
    res = {"sentences": len(rows),
           "mask15": topk_eval(model, rows, "positions", "labels", device),
           "single_mask": topk_eval(model, rows, "single", "single_label", device)}
    return res
