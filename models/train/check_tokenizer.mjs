// Compare the Python tokenisation (cases.json: [{text, ids}]) with
// @huggingface/tokenizers (pure JS; what the server uses) and, if installed,
// with `tokenizers` (Hugging Face's native Rust binding).
// usage: node check_tokenizer.mjs <tokenizer dir> <cases.json> <node_modules dir> [<node_modules dir>...]
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createRequire } from "node:module";

const [dir, casesPath, ...moduleDirs] = process.argv.slice(2);
const tokJson = JSON.parse(fs.readFileSync(path.join(dir, "tokenizer.json"), "utf8"));
const tokCfg = JSON.parse(fs.readFileSync(path.join(dir, "tokenizer_config.json"), "utf8"));
const cases = JSON.parse(fs.readFileSync(casesPath, "utf8"));

const impls = [];
for (const md of moduleDirs) {
  const js = path.join(md, "@huggingface/tokenizers/dist/tokenizers.mjs");
  if (fs.existsSync(js)) {
    const { Tokenizer } = await import(pathToFileURL(js).href);
    const t = new Tokenizer(tokJson, tokCfg);
    impls.push(["@huggingface/tokenizers", (s) => Array.from(t.encode(s).ids)]);
  }
  const native = path.join(md, "tokenizers/index.js");
  if (fs.existsSync(native)) {
    const req = createRequire(import.meta.url);
    const { Tokenizer } = req(native);
    const t = Tokenizer.fromFile(path.join(dir, "tokenizer.json"));
    impls.push(["tokenizers (native)", null, t]);
  }
}
if (!impls.length) {
  console.log(JSON.stringify({ ok: false, error: "no tokenizer implementation found" }));
  process.exit(2);
}
const result = { ok: true, n: cases.length, impls: {} };
for (const [name, fn, native] of impls) {
  let bad = 0;
  const examples = [];
  for (const c of cases) {
    const ids = fn ? fn(c.text) : Array.from((await native.encode(c.text)).getIds());
    const same = ids.length === c.ids.length && ids.every((v, i) => v === c.ids[i]);
    if (!same) {
      bad++;
      if (examples.length < 5) examples.push({ text: c.text, python: c.ids, js: ids });
    }
  }
  result.impls[name] = { mismatches: bad, examples };
  if (bad) result.ok = false;
}
console.log(JSON.stringify(result, null, 1));
process.exit(result.ok ? 0 : 1);
