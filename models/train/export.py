"""ONNX export (opset 14, Hugging Face BERT I/O), int8 rewrite, checks, config.json."""
import json
import os
import statistics
import subprocess
import time

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

import progress as P
from modeling import MaskedWrapper
from wordpiece import MASK, PAD

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 14
NAMES = ["input_ids", "attention_mask", "token_type_ids"]


class LogitsOnly(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.m(input_ids, attention_mask, token_type_ids)


def _export(module, example, path, input_names, dyn):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(module, example, path, opset_version=OPSET, input_names=input_names,
                          output_names=["logits"], dynamic_axes=dyn, do_constant_folding=True)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    return m


# ------------------------------------------------------------------ int8 rewrite

def quantize_model(src, dst, min_gather_elems=50_000):
    """MatMul with a constant 2-D weight -> DynamicQuantizeLinear + MatMulInteger
    (weights int8, symmetric, per output column); large constant Gather tables
    -> int8 table + per-row (or per-tensor for width 1) scale. Everything else
    is left in float."""
    m = onnx.load(src)
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    new_nodes, new_inits = [], []
    dq_cache = {}
    counts = {"matmul": 0, "gather": 0}
    used_elsewhere = {}
    for n in g.node:
        for i in n.input:
            used_elsewhere[i] = used_elsewhere.get(i, 0) + 1
    drop = set()
    for n in g.node:
        if n.op_type == "MatMul" and n.input[1] in inits and len(inits[n.input[1]].dims) == 2 and \
                int(np.prod(inits[n.input[1]].dims)) >= 4096:
            W = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)
            a = n.input[0]
            if a not in dq_cache:
                q, s, z = a + "_q8", a + "_q8_scale", a + "_q8_zp"
                new_nodes.append(helper.make_node("DynamicQuantizeLinear", [a], [q, s, z], name=a + "_dql"))
                dq_cache[a] = (q, s, z)
            q, s, z = dq_cache[a]
            scale = np.maximum(np.abs(W).max(axis=0), 1e-8) / 127.0
            Wq = np.clip(np.round(W / scale), -127, 127).astype(np.int8)
            base = n.input[1]
            new_inits += [numpy_helper.from_array(Wq, base + "_int8"),
                          numpy_helper.from_array(np.zeros(W.shape[1], np.int8), base + "_int8_zp"),
                          numpy_helper.from_array(scale.astype(np.float32), base + "_int8_scale")]
            o = n.output[0]
            new_nodes += [
                helper.make_node("MatMulInteger", [q, base + "_int8", z, base + "_int8_zp"], [o + "_i32"]),
                helper.make_node("Cast", [o + "_i32"], [o + "_f"], to=TensorProto.FLOAT),
                helper.make_node("Mul", [s, base + "_int8_scale"], [o + "_s"]),
                helper.make_node("Mul", [o + "_f", o + "_s"], [o]),
            ]
            used_elsewhere[base] -= 1
            drop.add(base)
            counts["matmul"] += 1
        elif n.op_type == "Gemm" and n.input[1] in inits and len(inits[n.input[1]].dims) == 2 and \
                int(np.prod(inits[n.input[1]].dims)) >= 4096 and _gemm_plain(n):
            B = numpy_helper.to_array(inits[n.input[1]]).astype(np.float32)
            W = B.T if _attr(n, "transB", 0) else B
            a = n.input[0]
            if a not in dq_cache:
                q, s, z = a + "_q8", a + "_q8_scale", a + "_q8_zp"
                new_nodes.append(helper.make_node("DynamicQuantizeLinear", [a], [q, s, z], name=a + "_dql"))
                dq_cache[a] = (q, s, z)
            q, s, z = dq_cache[a]
            scale = np.maximum(np.abs(W).max(axis=0), 1e-8) / 127.0
            Wq = np.ascontiguousarray(np.clip(np.round(W / scale), -127, 127).astype(np.int8))
            base = n.input[1] + "_gemm"
            new_inits += [numpy_helper.from_array(Wq, base + "_int8"),
                          numpy_helper.from_array(np.zeros(W.shape[1], np.int8), base + "_int8_zp"),
                          numpy_helper.from_array(scale.astype(np.float32), base + "_int8_scale")]
            o = n.output[0]
            nodes = [
                helper.make_node("MatMulInteger", [q, base + "_int8", z, base + "_int8_zp"], [o + "_i32"]),
                helper.make_node("Cast", [o + "_i32"], [o + "_f"], to=TensorProto.FLOAT),
                helper.make_node("Mul", [s, base + "_int8_scale"], [o + "_s"]),
            ]
            if len(n.input) > 2 and n.input[2]:
                nodes += [helper.make_node("Mul", [o + "_f", o + "_s"], [o + "_nb"]),
                          helper.make_node("Add", [o + "_nb", n.input[2]], [o])]
            else:
                nodes += [helper.make_node("Mul", [o + "_f", o + "_s"], [o])]
            new_nodes += nodes
            used_elsewhere[n.input[1]] -= 1
            drop.add(n.input[1])
            counts["gemm"] = counts.get("gemm", 0) + 1
        elif n.op_type == "Gather" and n.input[0] in inits and \
                int(np.prod(inits[n.input[0]].dims)) >= min_gather_elems and len(inits[n.input[0]].dims) == 2:
            W = numpy_helper.to_array(inits[n.input[0]]).astype(np.float32)
            base = n.input[0]
            o = n.output[0]
            if W.shape[1] == 1:
                sc = np.float32(max(np.abs(W).max(), 1e-8) / 127.0)
                Wq = np.clip(np.round(W / sc), -127, 127).astype(np.int8)
                new_inits += [numpy_helper.from_array(Wq, base + "_int8"),
                              numpy_helper.from_array(np.array(sc, np.float32), base + "_int8_scale")]
                new_nodes += [
                    helper.make_node("Gather", [base + "_int8", n.input[1]], [o + "_i8"], axis=0),
                    helper.make_node("Cast", [o + "_i8"], [o + "_f"], to=TensorProto.FLOAT),
                    helper.make_node("Mul", [o + "_f", base + "_int8_scale"], [o]),
                ]
            else:
                sc = (np.maximum(np.abs(W).max(axis=1), 1e-8) / 127.0).astype(np.float32)
                Wq = np.clip(np.round(W / sc[:, None]), -127, 127).astype(np.int8)
                new_inits += [numpy_helper.from_array(Wq, base + "_int8"),
                              numpy_helper.from_array(sc, base + "_int8_rowscale"),
                              numpy_helper.from_array(np.array([-1], np.int64), base + "_int8_ax")]
                new_nodes += [
                    helper.make_node("Gather", [base + "_int8", n.input[1]], [o + "_i8"], axis=0),
                    helper.make_node("Cast", [o + "_i8"], [o + "_f"], to=TensorProto.FLOAT),
                    helper.make_node("Gather", [base + "_int8_rowscale", n.input[1]], [o + "_rs"], axis=0),
                    helper.make_node("Unsqueeze", [o + "_rs", base + "_int8_ax"], [o + "_rsu"]),
                    helper.make_node("Mul", [o + "_f", o + "_rsu"], [o]),
                ]
            used_elsewhere[base] -= 1
            drop.add(base)
            counts["gather"] += 1
        else:
            new_nodes.append(n)
    keep = [i for i in g.initializer if not (i.name in drop and used_elsewhere.get(i.name, 0) <= 0)]
    del g.node[:]
    g.node.extend(new_nodes)
    del g.initializer[:]
    g.initializer.extend(keep + new_inits)
    onnx.checker.check_model(m)
    onnx.save(m, dst)
    return counts


def _attr(n, name, default):
    for a in n.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def _gemm_plain(n):
    return _attr(n, "alpha", 1.0) == 1.0 and _attr(n, "beta", 1.0) == 1.0 and _attr(n, "transA", 0) == 0


# ------------------------------------------------------------------ onnxruntime (Python or Node)

class Runner:
    """Runs ONNX models with onnxruntime: the Python package if installed,
    else onnxruntime-node through check_onnx.mjs, else reports unavailable."""

    def __init__(self, node_modules):
        self.kind = None
        try:
            import onnxruntime  # noqa: F401
            self.kind = "python"
        except Exception:
            for d in [x for x in node_modules.split(":") if x]:
                if os.path.isdir(os.path.join(d, "onnxruntime-node")):
                    self.kind = "node"
                    self.node_modules = d
                    break

    def run(self, model_path, feeds_list, topk=0, latency_feed=None, threads=(1, 2), tmp="/tmp"):
        """feeds_list: list of {name: np.int64 array}. Returns (outputs, latency_ms)."""
        if self.kind is None:
            return None, None
        if self.kind == "python":
            import onnxruntime as ort
            outs = []
            so = ort.SessionOptions()
            sess = ort.InferenceSession(model_path, so, providers=["CPUExecutionProvider"])
            for f in feeds_list:
                y = sess.run(["logits"], f)[0]
                outs.append(np.argsort(-y, axis=-1)[..., :topk] if topk else y)
            lat = {}
            if latency_feed is not None:
                for t in threads:
                    so = ort.SessionOptions()
                    so.intra_op_num_threads = t
                    s2 = ort.InferenceSession(model_path, so, providers=["CPUExecutionProvider"])
                    for _ in range(20):
                        s2.run(["logits"], latency_feed)
                    ts = []
                    for _ in range(200):
                        t0 = time.perf_counter()
                        s2.run(["logits"], latency_feed)
                        ts.append((time.perf_counter() - t0) * 1000)
                    lat[f"threads_{t}"] = {"median_ms": round(statistics.median(ts), 3),
                                           "p90_ms": round(sorted(ts)[int(0.9 * len(ts))], 3)}
            return outs, lat
        payload = {"model": model_path, "topk": topk, "threads": list(threads),
                   "feeds": [{k: {"dims": list(v.shape), "data": v.reshape(-1).tolist()} for k, v in f.items()}
                             for f in feeds_list],
                   "latency_feed": None if latency_feed is None else
                   {k: {"dims": list(v.shape), "data": v.reshape(-1).tolist()} for k, v in latency_feed.items()}}
        inp = os.path.join(tmp, f"ort-in-{os.getpid()}.json")
        outp = os.path.join(tmp, f"ort-out-{os.getpid()}.json")
        with open(inp, "w") as f:
            json.dump(payload, f)
        env = dict(os.environ, NODE_PATH=self.node_modules)
        r = subprocess.run(["node", os.path.join(HERE, "check_onnx.mjs"), inp, outp, self.node_modules],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        if r.returncode != 0:
            raise RuntimeError("onnxruntime-node run failed: " + r.stdout[-3000:])
        with open(outp) as f:
            res = json.load(f)
        os.remove(inp)
        os.remove(outp)
        outs = []
        for o in res["outputs"]:
            a = np.array(o["data"], dtype=np.int64 if topk else np.float32).reshape(o["dims"])
            outs.append(a)
        return outs, res.get("latency")


def torch_latency(fn, feed, n=200):
    with torch.no_grad():
        for _ in range(20):
            fn(*feed)
        ts = []
        for _ in range(n):
            t0 = time.perf_counter()
            fn(*feed)
            ts.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": round(statistics.median(ts), 3), "p90_ms": round(sorted(ts)[int(0.9 * len(ts))], 3)}


def _np_feed(ids, extra=None):
    ids = np.asarray(ids, dtype=np.int64)
    f = {"input_ids": ids, "attention_mask": (ids != PAD).astype(np.int64),
         "token_type_ids": np.zeros_like(ids)}
    if extra:
        f.update(extra)
    return f


def _pad(seqs):
    n = max(len(s) for s in seqs)
    a = np.zeros((len(seqs), n), np.int64)
    for i, s in enumerate(seqs):
        a[i, :len(s)] = s
    return a


def size_mb(path):
    return round(os.path.getsize(path) / 1e6, 2)


# ------------------------------------------------------------------ fill-mask

def export_fill_mask(mlm, cfg, out_dir, wp, mlm_test, args, P_):
    from train_mlm import heldout_masks
    onnx_dir = os.path.join(out_dir, "onnx")
    os.makedirs(onnx_dir, exist_ok=True)
    mlm = mlm.float().eval()
    ex = torch.tensor([wp.encode("the [MASK] sat on the mat.")])
    am, tt = torch.ones_like(ex), torch.zeros_like(ex)
    dyn = {k: {0: "batch", 1: "sequence"} for k in NAMES}
    dyn["logits"] = {0: "batch", 1: "sequence"}
    p_full = os.path.join(onnx_dir, "model.onnx")
    _export(LogitsOnly(mlm), (ex, am, tt), p_full, NAMES, dyn)
    dyn_m = {k: {0: "batch", 1: "sequence"} for k in NAMES}
    dyn_m["masked_positions"] = {0: "batch", 1: "masks"}
    dyn_m["logits"] = {0: "batch", 1: "masks"}
    p_masked = os.path.join(onnx_dir, "model_masked.onnx")
    mp = torch.tensor([[2]])
    _export(MaskedWrapper(mlm), (ex, am, tt, mp), p_masked, NAMES + ["masked_positions"], dyn_m)
    p_fq = os.path.join(onnx_dir, "model_quantized.onnx")
    p_mq = os.path.join(onnx_dir, "model_masked_quantized.onnx")
    qc = quantize_model(p_full, p_fq)
    quantize_model(p_masked, p_mq)
    P_.log(f"fill-mask ONNX written; int8 rewrite: {qc}")

    runner = Runner(args.node_modules)
    res = {"files": {}, "onnxruntime": runner.kind or "unavailable"}
    rows = heldout_masks(wp, mlm_test, cfg.max_position_embeddings)
    # parity: a few real batches (varied batch and length) through the fp32 graphs
    checks = []
    for b0, bs in ((0, 1), (1, 3), (10, 8), (100, 16)):
        part = rows[b0:b0 + bs]
        seqs = []
        for r in part:
            x = list(r["ids"])
            for p in r["positions"]:
                x[p] = MASK
            seqs.append(x)
        ids = _pad(seqs)
        K = max(len(r["positions"]) for r in part)
        mpos = np.zeros((len(part), K), np.int64)
        for j, r in enumerate(part):
            mpos[j, :len(r["positions"])] = r["positions"]
        checks.append((ids, mpos))
    lat_ids = np.array([wp.encode("i think the [MASK] was great, and the people were friendly.")], np.int64)
    lat_mp = np.array([[int(np.where(lat_ids[0] == MASK)[0][0])]], np.int64)
    with torch.no_grad():
        ref_full = [mlm(torch.from_numpy(i), torch.from_numpy((i != PAD).astype(np.int64)),
                        torch.zeros(i.shape, dtype=torch.long)).numpy() for i, _ in checks]
        ref_masked = [mlm.forward_at(torch.from_numpy(i), torch.from_numpy((i != PAD).astype(np.int64)),
                                     torch.zeros(i.shape, dtype=torch.long), torch.from_numpy(m)).numpy()
                      for i, m in checks]
    t_ids = torch.from_numpy(lat_ids)
    res["torch_latency_batch1"] = {
        "full": torch_latency(mlm, (t_ids, torch.ones_like(t_ids), torch.zeros_like(t_ids))),
        "masked": torch_latency(mlm.forward_at, (t_ids, torch.ones_like(t_ids), torch.zeros_like(t_ids),
                                                 torch.from_numpy(lat_mp)))}
    if runner.kind:
        outs, lat = runner.run(p_full, [_np_feed(i) for i, _ in checks], latency_feed=_np_feed(lat_ids))
        d = max(float(np.abs(o - r).max()) for o, r in zip(outs, ref_full))
        res["files"]["onnx/model.onnx"] = {"max_abs_diff_vs_torch": d, "latency_batch1": lat}
        outs, lat = runner.run(p_masked, [_np_feed(i, {"masked_positions": m}) for i, m in checks],
                               latency_feed=_np_feed(lat_ids, {"masked_positions": lat_mp}))
        d = max(float(np.abs(o - r).max()) for o, r in zip(outs, ref_masked))
        res["files"]["onnx/model_masked.onnx"] = {"max_abs_diff_vs_torch": d, "latency_batch1": lat}
        P_.log(f"fill-mask ONNX vs torch: {json.dumps(res['files'])}")
        # accuracy of fp32 vs int8 masked graphs on the held-out masks
        feeds, labels = [], []
        for b in range(0, len(rows), 64):
            part = rows[b:b + 64]
            seqs = []
            for r in part:
                x = list(r["ids"])
                for p in r["positions"]:
                    x[p] = MASK
                seqs.append(x)
            K = max(len(r["positions"]) for r in part)
            mpos = np.zeros((len(part), K), np.int64)
            for j, r in enumerate(part):
                mpos[j, :len(r["positions"])] = r["positions"]
            feeds.append(_np_feed(_pad(seqs), {"masked_positions": mpos}))
            labels.append([r["labels"] for r in part])

        def acc(tops):
            n = t1 = t5 = 0
            for top, lab in zip(tops, labels):
                for j, ls in enumerate(lab):
                    for q, l in enumerate(ls):
                        n += 1
                        t1 += int(top[j, q, 0] == l)
                        t5 += int(l in top[j, q].tolist())
            return n, t1 / n, t5 / n
        top32, _ = runner.run(p_masked, feeds, topk=5)
        top8, lat8 = runner.run(p_mq, feeds, topk=5, latency_feed=_np_feed(lat_ids, {"masked_positions": lat_mp}))
        n, a1, a5 = acc(top32)
        _, q1, q5 = acc(top8)
        agree = sum(int(x[j, q, 0] == y[j, q, 0]) for x, y, lab in zip(top32, top8, labels)
                    for j, ls in enumerate(lab) for q in range(len(ls))) / n
        _, latq = runner.run(p_fq, [], latency_feed=_np_feed(lat_ids))
        res["onnx_heldout_mask15"] = {"fp32": {"top1": round(a1, 4), "top5": round(a5, 4)},
                                      "int8": {"top1": round(q1, 4), "top5": round(q5, 4)},
                                      "int8_top1_agreement_with_fp32": round(agree, 4)}
        keep = agree >= 0.9 and q5 >= a5 - 0.01
        res["files"]["onnx/model_masked_quantized.onnx"] = {"latency_batch1": lat8, "kept": keep}
        res["files"]["onnx/model_quantized.onnx"] = {"latency_batch1": latq, "kept": keep}
        if not keep:
            P_.log("int8 fill-mask loses accuracy: removing the quantized files")
            os.remove(p_fq)
            os.remove(p_mq)
        P_.log(f"fill-mask ONNX held-out: {json.dumps(res['onnx_heldout_mask15'])}")
    else:
        P_.log("onnxruntime not available (Python or --node-modules): ONNX outputs not run here")
    for f in sorted(os.listdir(onnx_dir)):
        res["files"].setdefault("onnx/" + f, {})["size_mb"] = size_mb(os.path.join(onnx_dir, f))
    config = {
        "architectures": ["BertForMaskedLM"], "model_type": "bert",
        "vocab_size": cfg.vocab_size, "hidden_size": cfg.hidden_size,
        "num_hidden_layers": cfg.num_hidden_layers, "num_attention_heads": cfg.num_attention_heads,
        "intermediate_size": cfg.intermediate_size, "hidden_act": "gelu",
        "max_position_embeddings": cfg.max_position_embeddings, "type_vocab_size": cfg.type_vocab_size,
        "layer_norm_eps": cfg.layer_norm_eps, "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0,
        "pad_token_id": 0, "tie_word_embeddings": True, "torch_dtype": "float32",
        "onnx": {"opset": OPSET,
                 "model.onnx": "input_ids, attention_mask, token_type_ids int64 [batch, sequence] -> "
                               "logits float32 [batch, sequence, vocab_size]",
                 "model_masked.onnx": "input_ids, attention_mask, token_type_ids int64 [batch, sequence], "
                                      "masked_positions int64 [batch, masks] (pad with 0) -> "
                                      "logits float32 [batch, masks, vocab_size]",
                 "quantized": "model_quantized.onnx / model_masked_quantized.onnx: same I/O, int8 weights "
                              "(DynamicQuantizeLinear + MatMulInteger, int8 embedding tables)"},
    }
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    return res


# ------------------------------------------------------------------ sentiment

def export_sentiment(model, info, out_dir, wp, uci_te, rt_te, args, P_, val_rows=None):
    onnx_dir = os.path.join(out_dir, "onnx")
    os.makedirs(onnx_dir, exist_ok=True)
    model = model.float().eval()
    ex = torch.tensor([wp.encode("what a lovely day")])
    dyn = {k: {0: "batch", 1: "sequence"} for k in NAMES}
    dyn["logits"] = {0: "batch"}
    p = os.path.join(onnx_dir, "model.onnx")
    _export(LogitsOnly(model), (ex, torch.ones_like(ex), torch.zeros_like(ex)), p, NAMES, dyn)
    pq = os.path.join(onnx_dir, "model_quantized.onnx")
    qc = quantize_model(p, pq)
    P_.log(f"sentiment ONNX written; int8 rewrite: {qc}")
    res = {"files": {}}
    runner = Runner(args.node_modules)
    res["onnxruntime"] = runner.kind or "unavailable"
    lat_ids = np.array([wp.encode("i think the food was great, and the people were friendly.")], np.int64)
    t_ids = torch.from_numpy(lat_ids)
    res["torch_latency_batch1"] = torch_latency(model, (t_ids, torch.ones_like(t_ids), torch.zeros_like(t_ids)))
    sets = {"uci_test": uci_te, "rt_polarity_test": rt_te}
    if val_rows:
        sets["val"] = val_rows
    if runner.kind:
        accs = {}
        for name, path in (("fp32", p), ("int8", pq)):
            accs[name] = {}
            maxdiff = 0.0
            for sname, rows in sets.items():
                seqs = [wp.encode(r["text"], args.max_len) for r in rows]
                feeds = [_np_feed(_pad(seqs[b:b + 64])) for b in range(0, len(seqs), 64)]
                outs, _ = runner.run(path, feeds)
                logits = np.concatenate([o for o in outs])
                pred = logits.argmax(-1)
                accs[name][sname] = round(float(np.mean(pred == np.array([r["label"] for r in rows]))), 4)
                if name == "fp32":
                    with torch.no_grad():
                        ref = np.concatenate([model(*[torch.from_numpy(f[k]) for k in NAMES]).numpy() for f in feeds])
                    maxdiff = max(maxdiff, float(np.abs(ref - logits).max()))
            if name == "fp32":
                res["files"]["onnx/model.onnx"] = {"max_abs_diff_vs_torch": maxdiff}
        _, lat = runner.run(p, [], latency_feed=_np_feed(lat_ids))
        _, latq = runner.run(pq, [], latency_feed=_np_feed(lat_ids))
        res["files"]["onnx/model.onnx"]["latency_batch1"] = lat
        key = "val" if "val" in accs["fp32"] else "uci_test"
        keep = accs["int8"][key] >= accs["fp32"][key] - 0.005
        res["files"]["onnx/model_quantized.onnx"] = {"latency_batch1": latq, "kept": keep,
                                                     "decided_on": key}
        res["onnx_accuracy"] = accs
        if not keep:
            P_.log("int8 sentiment model loses accuracy: removing it")
            os.remove(pq)
        P_.log(f"sentiment ONNX: {json.dumps(res)}")
    else:
        P_.log("onnxruntime not available (Python or --node-modules): ONNX outputs not run here")
    for f in sorted(os.listdir(onnx_dir)):
        res["files"].setdefault("onnx/" + f, {})["size_mb"] = size_mb(os.path.join(onnx_dir, f))
    enc = model.encoder.c if model.encoder is not None else None
    config = {
        "architectures": ["BertForSequenceClassification"], "model_type": "bert",
        "vocab_size": len(wp.vocab),
        "hidden_size": enc.hidden_size if enc else 1,
        "num_hidden_layers": enc.num_hidden_layers if enc else 0,
        "num_attention_heads": enc.num_attention_heads if enc else 1,
        "intermediate_size": enc.intermediate_size if enc else 1,
        "max_position_embeddings": args.max_len, "type_vocab_size": 2, "pad_token_id": 0,
        "id2label": {"0": "NEGATIVE", "1": "POSITIVE"}, "label2id": {"NEGATIVE": 0, "POSITIVE": 1},
        "problem_type": "single_label_classification", "torch_dtype": "float32",
        "custom_architecture": {
            "kind": "bag-of-ngrams + lexicon" + (" + BERT encoder ensemble" if enc else ""),
            "description": "logits = [-s/2, s/2]; s = linear bag of unigram ids + hashed bigram ids "
                           "((a*8191+b) mod %d) + AFINN/VADER lexicon features (negation-aware)%s. "
                           "Exported with the Hugging Face BERT I/O; softmax(logits) gives "
                           "P(NEGATIVE), P(POSITIVE)." % (model.B, " + fine-tuned BERT encoder [CLS] score" if enc else ""),
            "bigram_buckets": model.B,
        },
        "onnx": {"opset": OPSET,
                 "model.onnx": "input_ids, attention_mask, token_type_ids int64 [batch, sequence] -> "
                               "logits float32 [batch, 2]"},
    }
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    return res
