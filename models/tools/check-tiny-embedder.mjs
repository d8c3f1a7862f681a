#!/usr/bin/env node
// check-tiny-embedder.mjs: load the tiny sentence embedder from make-tiny-embedder.py through the
// real, unmodified transformers.js v4 'feature-extraction' pipeline (Node, onnxruntime-node,
// device 'cpu') for each dtype variant, with pooling 'mean' and normalize true, and check that
// it behaves as a normalised bag of words. It then runs each ONNX file under onnxruntime-web's
// WASM backend (the runtime the browser uses) to check that every operator exists there too.
//
// Usage:
//   node models/tools/check-tiny-embedder.mjs [modelDir] [--dtypes fp32,q8] [--no-ort-web]
// Without modelDir it generates the model into a temp dir with
//   ${PYTHON:-/usr/bin/python3} models/tools/make-tiny-embedder.py <tmp>/tiny-embedder
// Exit code 0 when every check passes.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pipeline, env } from '@huggingface/transformers';

const here = path.dirname(fileURLToPath(import.meta.url));

const argv = process.argv.slice(2);
const opt = { dtypes: null, ortWeb: true, dir: null };
for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--dtypes') opt.dtypes = argv[++i].split(',');
    else if (a === '--no-ort-web') opt.ortWeb = false;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else opt.dir = path.resolve(a);
}

let failures = 0;
function check(ok, what, detail = '') {
    if (!ok) failures++;
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? `: ${detail}` : ''}`);
}
const ms = (t0) => `${(performance.now() - t0).toFixed(0)} ms`;
const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
const norm = (a) => Math.sqrt(dot(a, a));
const cosine = (a, b) => dot(a, b) / (norm(a) * norm(b));
const rows = (t) => {
    const [n, d] = t.dims;
    return Array.from({ length: n }, (_, i) => Array.from(t.data.subarray(i * d, (i + 1) * d)));
};

const PIZZA = 'order a large pizza';
const PIZZA2 = 'I want to order a pizza';
const BATTERY = 'the battery warranty lasts two years';

async function checkPipeline(modelDir) {
    const info = JSON.parse(fs.readFileSync(path.join(modelDir, 'tiny_embedder_info.json'), 'utf8'));
    // Serve the model the way the browser will: a model id under env.localModelPath.
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.useFSCache = false; // do not write a cache under node_modules
    env.localModelPath = path.dirname(modelDir) + path.sep;
    const modelId = path.basename(modelDir);
    const dims = info.dims;
    const dtypes = (opt.dtypes ?? Object.keys(info.variants)).filter((d) => d in info.variants);
    console.log(`\n== transformers.js feature-extraction: ${modelId} (vocabulary ${info.vocab_size}, ${dims} dims)`);

    for (const dtype of dtypes) {
        const events = [];
        const t0 = performance.now();
        const extractor = await pipeline('feature-extraction', modelId, {
            dtype,
            device: 'cpu',
            progress_callback: (e) => events.push(e),
        });
        const files = [...new Set(events.filter((e) => e.file).map((e) => e.file))];
        const statuses = [...new Set(events.map((e) => e.status))];
        console.log(`-- dtype ${dtype}: loaded in ${ms(t0)}; files ${files.join(', ')}; events ${statuses.join(',')}`);
        check(files.includes(info.variants[dtype]), `loads ${info.variants[dtype]}`);
        check(statuses.includes('ready'), 'progress_callback reports ready');

        const tok = extractor.tokenizer;
        const idsOf = (text) => Array.from(tok(text).input_ids.data, Number);
        const ids = idsOf(BATTERY);
        check(ids[0] === tok.convert_tokens_to_ids(['[CLS]'])[0] && ids.at(-1) === tok.convert_tokens_to_ids(['[SEP]'])[0],
            '[CLS] ... [SEP] around the text', JSON.stringify(ids));
        check(!ids.includes(tok.unk_token_id), 'tokenizes without [UNK]', tok.tokenize(BATTERY).join(' '));
        const ODD = 'Zyxqwv 42kg, naïve café!';
        check(!idsOf(ODD).includes(tok.unk_token_id), 'unknown words fall back to letter pieces', tok.tokenize(ODD).join(' '));
        const back = tok.decode(ids, { skip_special_tokens: true });
        check(back === BATTERY, 'decode round-trips', JSON.stringify(back));

        const opts = { pooling: 'mean', normalize: true };
        let t1 = performance.now();
        const one = await extractor(PIZZA, opts);
        check(JSON.stringify(one.dims) === JSON.stringify([1, dims]) && one.type === 'float32', `single text -> [1, ${dims}] float32 [${ms(t1)}]`, JSON.stringify(one.dims));
        check(Math.abs(norm(Array.from(one.data)) - 1) < 1e-5, 'normalised', norm(Array.from(one.data)).toFixed(6));
        const again = await extractor(PIZZA, opts);
        check(Array.from(one.data).every((x, i) => x === again.data[i]), 'same text -> same vector');

        t1 = performance.now();
        const batch = await extractor([PIZZA, PIZZA2, BATTERY], opts);
        check(JSON.stringify(batch.dims) === JSON.stringify([3, dims]), `batch of 3 -> [3, ${dims}] [${ms(t1)}]`, JSON.stringify(batch.dims));
        const [a, b, c] = rows(batch);
        const close = cosine(a, b);
        const far = cosine(a, c);
        check(close > far, `cosine(pizza, pizza2) ${close.toFixed(4)} > cosine(pizza, battery) ${far.toFixed(4)}`);
        check(close > 0.5 && Math.abs(far) < 0.2, 'shared words close, no shared words ~orthogonal');
        // padding must not change a text's vector: batched (padded) row == the text alone
        const alone = Array.from(one.data);
        const diff = Math.max(...alone.map((x, i) => Math.abs(x - a[i])));
        check(diff < 1e-6, 'padded row in a batch == same text alone', `max |diff| ${diff.toExponential(2)}`);
        const single = rows(await extractor(BATTERY, opts))[0];
        check(Math.max(...single.map((x, i) => Math.abs(x - c[i]))) < 1e-6, 'longest row in a batch == same text alone');
        const caps = rows(await extractor('ORDER a Large PIZZA!', opts))[0];
        check(cosine(caps, a) > 0.85, 'lowercased; punctuation only a separate token', cosine(caps, a).toFixed(4));

        const raw = await extractor(PIZZA);
        check(raw.dims.length === 3 && raw.dims[0] === 1 && raw.dims[2] === dims, `pooling 'none' -> [1, tokens, ${dims}]`, JSON.stringify(raw.dims));
        await extractor.dispose();
        console.log(`   cosines (${dtype}): pizza~pizza2 ${close.toFixed(4)}, pizza~battery ${far.toFixed(4)}`);
    }
}

async function checkOrtWeb(modelDir) {
    const require = createRequire(import.meta.url);
    const tjsDir = path.resolve(path.dirname(require.resolve('@huggingface/transformers')), '..');
    const ortPath = createRequire(path.join(tjsDir, 'package.json')).resolve('onnxruntime-web');
    const ort = await import(pathToFileURL(ortPath).href);
    ort.env.wasm.numThreads = 1;
    const info = JSON.parse(fs.readFileSync(path.join(modelDir, 'tiny_embedder_info.json'), 'utf8'));
    const version = JSON.parse(fs.readFileSync(path.join(path.dirname(path.dirname(ortPath)), 'package.json'), 'utf8')).version;
    console.log(`\n== onnxruntime-web ${version} (wasm)`);
    const dtypes = (opt.dtypes ?? Object.keys(info.variants)).filter((d) => d in info.variants);
    for (const dtype of dtypes) {
        const file = info.variants[dtype];
        const t0 = performance.now();
        try {
            const s = await ort.InferenceSession.create(path.join(modelDir, file), { executionProviders: ['wasm'] });
            const ids = [2, 10, 20, 3, 0, 0];
            const mask = [1, 1, 1, 1, 0, 0];
            const t = (a) => new ort.Tensor('int64', BigInt64Array.from(a.map(BigInt)), [1, a.length]);
            const { last_hidden_state: h } = await s.run({ input_ids: t(ids), attention_mask: t(mask), token_type_ids: t(ids.map(() => 0)) });
            const d = info.dims;
            const rowNorm = (i) => Math.sqrt(h.data.subarray(i * d, (i + 1) * d).reduce((x, v) => x + v * v, 0));
            const ok = JSON.stringify(h.dims) === JSON.stringify([1, ids.length, d]) &&
                rowNorm(0) === 0 && Math.abs(rowNorm(1) - 1) < 0.02 && rowNorm(4) === 0;
            check(ok, `${dtype}: ${file} [${ms(t0)}]`, `dims ${JSON.stringify(h.dims)}, |CLS| ${rowNorm(0)}, |tok| ${rowNorm(1).toFixed(4)}, |pad| ${rowNorm(4)}`);
        } catch (e) {
            check(false, `${dtype}: ${file}`, e.message);
        }
    }
}

const t0 = performance.now();
let dir = opt.dir;
let tmp = null;
if (!dir) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tiny-embedder-'));
    dir = path.join(tmp, 'tiny-embedder');
    const python = process.env.PYTHON ?? '/usr/bin/python3';
    console.log(execFileSync(python, [path.join(here, 'make-tiny-embedder.py'), dir], { encoding: 'utf8' }).trim());
}
try {
    await checkPipeline(dir);
    if (opt.ortWeb) await checkOrtWeb(dir);
} finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`\n${failures ? `${failures} check(s) FAILED` : 'all checks passed'} in ${ms(t0)}`);
process.exitCode = failures ? 1 : 0;
