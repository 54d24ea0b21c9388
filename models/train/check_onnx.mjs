// Runs an ONNX model with onnxruntime-node for train.py's checks (Python has no
// onnxruntime here). usage: node check_onnx.mjs <in.json> <out.json> <node_modules dir>
// in.json: {model, topk, threads: [..], feeds: [{name: {dims, data}}], latency_feed}
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const [inPath, outPath, nm] = process.argv.slice(2);
const req = createRequire(path.join(nm, "noop.js"));
const ort = req("onnxruntime-node");
const job = JSON.parse(fs.readFileSync(inPath, "utf8"));

function toFeeds(f) {
  const o = {};
  for (const [k, v] of Object.entries(f)) {
    o[k] = new ort.Tensor("int64", BigInt64Array.from(v.data.map((x) => BigInt(x))), v.dims);
  }
  return o;
}

const sess = await ort.InferenceSession.create(job.model, { intraOpNumThreads: 2 });
const outputs = [];
for (const f of job.feeds) {
  const r = await sess.run(toFeeds(f));
  const y = r.logits;
  if (job.topk) {
    const V = y.dims[y.dims.length - 1];
    const rows = y.data.length / V;
    const data = [];
    for (let i = 0; i < rows; i++) {
      const idx = [];
      const base = i * V;
      for (let j = 0; j < V; j++) {
        const v = y.data[base + j];
        let p;
        if (idx.length < job.topk) {
          idx.push(j);
          p = idx.length - 1;
        } else if (v > y.data[base + idx[job.topk - 1]]) {
          idx[job.topk - 1] = j;
          p = job.topk - 1;
        } else continue;
        while (p > 0 && y.data[base + idx[p - 1]] < v) {
          [idx[p - 1], idx[p]] = [idx[p], idx[p - 1]];
          p--;
        }
      }
      data.push(...idx);
    }
    outputs.push({ dims: [...y.dims.slice(0, -1), job.topk], data });
  } else {
    outputs.push({ dims: y.dims, data: Array.from(y.data) });
  }
}
let latency = null;
if (job.latency_feed) {
  latency = {};
  const feeds = toFeeds(job.latency_feed);
  for (const t of job.threads) {
    const s = await ort.InferenceSession.create(job.model, { intraOpNumThreads: t, interOpNumThreads: 1 });
    for (let i = 0; i < 20; i++) await s.run(feeds);
    const ts = [];
    for (let i = 0; i < 200; i++) {
      const t0 = process.hrtime.bigint();
      await s.run(feeds);
      ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    ts.sort((a, b) => a - b);
    latency[`threads_${t}`] = { median_ms: +ts[100].toFixed(3), p90_ms: +ts[180].toFixed(3) };
  }
}
fs.writeFileSync(outPath, JSON.stringify({ outputs, latency }));
