"""Sentiment classifier: bag of unigrams + hashed bigrams (naive-Bayes
initialised, logistic fine-tuned) + lexicon features, optionally ensembled
with a fine-tuned copy of the masked-LM encoder. Model selection uses the
validation split only; the test splits are never seen here."""
import copy
import json
import math
import random
import time

import numpy as np
import torch
import torch.nn.functional as F

import progress as P
from modeling import SentimentModel
from wordpiece import PAD

BIGRAM_BUCKETS = 1 << 20
NEGATORS = ["not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "without", "hardly",
            "barely", "cannot", "t", "didn", "don", "doesn", "isn", "wasn", "aren", "weren", "won", "wouldn",
            "couldn", "shouldn", "ain", "haven", "hasn", "hadn", "dont", "didnt", "isnt", "wasnt", "cant",
            "wont", "nt", "lack", "lacks", "lacking"]


def encode_rows(wp, rows, max_len):
    return [wp.encode(r["text"], max_len) for r in rows], [r["label"] for r in rows]


def pad_batch(seqs):
    n = max(len(s) for s in seqs)
    ids = torch.zeros(len(seqs), n, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
    am = (ids != PAD).long()
    return ids, am, torch.zeros_like(ids)


@torch.no_grad()
def scores(model, seqs, device, bs=256, part=None):
    model.eval()
    out = []
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    res = [None] * len(seqs)
    for b in range(0, len(order), bs):
        idx = order[b:b + bs]
        ids, am, tt = pad_batch([seqs[i] for i in idx])
        ids, am, tt = ids.to(device), am.to(device), tt.to(device)
        if part is None:
            s = model.score(ids, am, tt)
        else:
            bag, enc = model.parts(ids, am, tt, with_encoder=(part != "bag"))
            s = bag if part == "bag" else enc
        for i, v in zip(idx, s.float().cpu().tolist()):
            res[i] = v
    return res


def acc_of(sc, labels):
    return sum(int((s > 0) == (l == 1)) for s, l in zip(sc, labels)) / max(1, len(labels))


def accuracy(model, wp, rows, device):
    if not rows:
        return None
    seqs, labels = encode_rows(wp, rows, 128)
    return round(acc_of(scores(model, seqs, device), labels), 4)


def build_lexicon(vocab, lex):
    L = torch.zeros(len(vocab), 2)
    hits = 0
    for i, t in enumerate(vocab):
        if t.startswith("##") or t.startswith("["):
            continue
        v = lex.get(t)
        if v is not None:
            L[i] = torch.tensor(v)
            hits += 1
    neg = torch.zeros(len(vocab))
    for w in NEGATORS:
        if w in vocab:
            neg[vocab.index(w)] = 1.0
    return L, neg, hits


def nb_init(model, seqs, labels, alpha=1.0):
    V, B = model.V, model.B
    pu = np.full(V, alpha)
    qu = np.full(V, alpha)
    pb = np.full(B, alpha)
    qb = np.full(B, alpha)
    for s, l in zip(seqs, labels):
        u = np.unique(np.array(s))
        a = np.array(s[:-1], dtype=np.int64)
        b = np.array(s[1:], dtype=np.int64)
        bi = np.unique((a * 8191 + b) % B)
        if l == 1:
            pu[u] += 1
            pb[bi] += 1
        else:
            qu[u] += 1
            qb[bi] += 1
    ru = np.log(pu / pu.sum()) - np.log(qu / qu.sum())
    rb = np.log(pb / pb.sum()) - np.log(qb / qb.sum())
    # features never seen in training: exactly 0
    ru[(pu == alpha) & (qu == alpha)] = 0
    rb[(pb == alpha) & (qb == alpha)] = 0
    return torch.tensor(ru, dtype=torch.float32), torch.tensor(rb, dtype=torch.float32)


def fit_bag(model, tr, va, device, epochs=8, lr=0.005, l2=1e-4, nb_scale=0.25, seed=0):
    (trs, trl), (vas, val) = tr, va
    ru, rb = nb_init(model, trs, trl)
    with torch.no_grad():
        model.uni.weight[:, 0] = (ru * nb_scale).to(model.uni.weight.device)
        model.bi.weight[:, 0] = (rb * nb_scale).to(model.bi.weight.device)
    params = [model.uni.weight, model.bi.weight, model.lex_w.weight, model.lex_w.bias]
    opt = torch.optim.Adam(params, lr=lr)
    rng = random.Random(seed)
    best = (acc_of(scores(model, vas, device, part="bag"), val), -1, copy.deepcopy(model.state_dict()))
    P.log(f"bag: NB init val acc {best[0]:.4f}")
    y = torch.tensor(trl, dtype=torch.float32)
    for ep in range(epochs):
        model.train()
        order = list(range(len(trs)))
        rng.shuffle(order)
        for b in range(0, len(order), 32):
            idx = order[b:b + 32]
            ids, am, tt = pad_batch([trs[i] for i in idx])
            bag, _ = model.parts(ids.to(device), am.to(device), tt.to(device), with_encoder=False)
            loss = F.binary_cross_entropy_with_logits(bag, y[idx].to(device))
            # L2 on the rows used in this batch (a sparse-friendly ridge)
            used_u = model.uni(ids.to(device)).pow(2).sum() / len(idx)
            used_b = model.bi(model.bigram_ids(ids.to(device))).pow(2).sum() / len(idx)
            loss = loss + l2 * (used_u + used_b) * 10
            opt.zero_grad()
            loss.backward()
            opt.step()
        a = acc_of(scores(model, vas, device, part="bag"), val)
        P.log(f"bag epoch {ep + 1}: val acc {a:.4f}")
        if a > best[0]:
            best = (a, ep, copy.deepcopy(model.state_dict()))
    model.load_state_dict(best[2])
    return best[0], best[1] + 1


def fit_encoder(model, tr, va, device, args, epochs, lr=3e-4, bs=32, seed=0):
    (trs, trl), (vas, val) = tr, va
    enc_params = list(model.encoder.parameters()) + list(model.enc_pool.parameters()) + \
        list(model.enc_cls.parameters())
    opt = torch.optim.AdamW(enc_params, lr=lr, weight_decay=0.01)
    rng = random.Random(seed)
    steps = epochs * math.ceil(len(trs) / bs)
    y = torch.tensor(trl, dtype=torch.float32)
    best = (0.0, -1, None)
    bar = P.Progress("sentiment encoder", total=steps)
    step = 0
    for ep in range(epochs):
        model.train()
        order = list(range(len(trs)))
        rng.shuffle(order)
        # length-bucketed batches
        chunks = [order[i:i + bs * 50] for i in range(0, len(order), bs * 50)]
        batches = []
        for c in chunks:
            c = sorted(c, key=lambda i: len(trs[i]))
            batches += [c[i:i + bs] for i in range(0, len(c), bs)]
        rng.shuffle(batches)
        ema = None
        for idx in batches:
            frac = step / max(1, steps)
            for g in opt.param_groups:
                g["lr"] = lr * min(1.0, step / 100 + 1e-3) * (1 - frac)
            ids, am, tt = pad_batch([trs[i] for i in idx])
            _, enc = model.parts(ids.to(device), am.to(device), tt.to(device))
            loss = F.binary_cross_entropy_with_logits(enc.float(), y[idx].to(device))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(enc_params, 1.0)
            opt.step()
            step += 1
            ema = float(loss) if ema is None else 0.95 * ema + 0.05 * float(loss)
            bar.update(1, loss=ema, ep=ep + 1)
        a = acc_of(scores(model, vas, device, part="enc"), val)
        P.log(f"encoder epoch {ep + 1}: val acc {a:.4f}")
        if a > best[0]:
            best = (a, ep, copy.deepcopy({k: v for k, v in model.state_dict().items()}))
    bar.close()
    model.load_state_dict(best[2])
    return best[0], best[1] + 1


def fit_combination(model, vas, val, device):
    """Two scalars (bag_scale, enc_scale) by logistic regression on validation."""
    bag = torch.tensor(scores(model, vas, device, part="bag"))
    enc = torch.tensor(scores(model, vas, device, part="enc"))
    y = torch.tensor(val, dtype=torch.float32)
    w = torch.tensor([1.0, 1.0], requires_grad=True)
    opt = torch.optim.LBFGS([w], max_iter=200)

    def closure():
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(w[0] * bag + w[1] * enc, y) + 1e-3 * (w ** 2).sum()
        loss.backward()
        return loss
    opt.step(closure)
    with torch.no_grad():
        model.bag_scale.fill_(float(w[0]))
        model.enc_scale.fill_(float(w[1]))
    return [round(float(w[0]), 4), round(float(w[1]), 4)]


def train(wp, vocab, lex, train_rows, val_rows, mlm, args, device):
    t0 = time.time()
    torch.manual_seed(args.seed)
    L, neg, hits = build_lexicon(vocab, lex)
    P.log(f"sentiment: {len(train_rows)} train, {len(val_rows)} validation rows; "
          f"lexicon covers {hits} vocabulary tokens")
    tr = encode_rows(wp, train_rows, args.max_len)
    va = encode_rows(wp, val_rows, args.max_len)
    enc_cfg = mlm.bert.c if mlm is not None else None
    model = SentimentModel(len(vocab), BIGRAM_BUCKETS, L, neg, enc_cfg).to(device)
    bag_acc, bag_ep = fit_bag(model, tr, va, device)
    info = dict(bag_val_acc=round(bag_acc, 4), bag_epochs=bag_ep, bigram_buckets=BIGRAM_BUCKETS,
                lexicon_tokens=hits, train_rows=len(train_rows), val_rows=len(val_rows))
    P.log(f"bag model: val acc {bag_acc:.4f} (epoch {bag_ep})")
    final = model
    if mlm is not None:
        model.encoder.load_state_dict(mlm.bert.state_dict())
        enc_acc, enc_ep = fit_encoder(model, tr, va, device, args, args.sentiment_encoder_epochs)
        wts = fit_combination(model, va[0], va[1], device)
        ens_acc = acc_of(scores(model, va[0], device), va[1])
        info.update(encoder_val_acc=round(enc_acc, 4), encoder_epochs=enc_ep, ensemble_weights=wts,
                    ensemble_val_acc=round(ens_acc, 4))
        P.log(f"encoder val acc {enc_acc:.4f}; ensemble {wts} val acc {ens_acc:.4f}")
        if ens_acc < bag_acc + 0.002:
            P.log("ensemble does not beat the bag model on validation: shipping the bag model alone")
            final = SentimentModel(len(vocab), BIGRAM_BUCKETS, L, neg, None).to(device)
            sd = {k: v for k, v in model.state_dict().items()
                  if not k.startswith(("encoder.", "enc_pool.", "enc_cls.", "enc_scale"))}
            final.load_state_dict(sd)
            with torch.no_grad():
                final.bag_scale.fill_(1.0)
            info["shipped"] = "bag"
        else:
            info["shipped"] = "bag+encoder"
    else:
        info["shipped"] = "bag"
    info["seconds"] = round(time.time() - t0, 1)
    final.eval()
    return final, info
