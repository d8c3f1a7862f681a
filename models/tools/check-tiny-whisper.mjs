#!/usr/bin/env node
// check-tiny-whisper.mjs: load the tiny Whisper from make-tiny-whisper.py through the real,
// unmodified transformers.js v4 'automatic-speech-recognition' pipeline (Node, onnxruntime-node,
// device 'cpu') for every dtype variant, transcribe a real WAV, and check the fixed transcript.
// It then runs each ONNX pair under onnxruntime-web's WASM backend (the runtime the browser uses)
// with a hand-written greedy loop, to check that every operator exists there too.
//
// Usage:
//   node models/tools/check-tiny-whisper.mjs [modelDir] [--wav file.wav] [--dtypes fp32,q8] [--no-ort-web]
// Without modelDir it generates the model into a temp dir with
//   ${PYTHON:-/usr/bin/python3} models/tools/make-tiny-whisper.py <tmp>/tiny-whisper
// (and a second, --english-only --cross-attentions one to test English-only prompts and word timestamps).
// Exit code 0 when every check passes.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pipeline, env } from '@huggingface/transformers';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const opt = { wav: path.join(repoRoot, 'tests/fixtures/speech.wav'), dtypes: null, ortWeb: true, dir: null };
for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--wav') opt.wav = argv[++i];
    else if (a === '--dtypes') opt.dtypes = argv[++i].split(',');
    else if (a === '--no-ort-web') opt.ortWeb = false;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else opt.dir = path.resolve(a);
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------
let failures = 0;
function check(ok, what, detail = '') {
    if (!ok) failures++;
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? `: ${detail}` : ''}`);
}
const ms = (t0) => `${(performance.now() - t0).toFixed(0)} ms`;

/** Decodes a RIFF/WAVE file (PCM 8/16/24/32-bit or float32, any channel count) into mono Float32Array at 16 kHz. */
function readWav(file, targetRate = 16000) {
    const buf = fs.readFileSync(file);
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const tag = (o) => buf.toString('ascii', o, o + 4);
    if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error(`${file}: not a RIFF/WAVE file`);
    let fmt = null;
    let data = null;
    for (let o = 12; o + 8 <= buf.length; ) {
        const id = tag(o);
        const size = dv.getUint32(o + 4, true);
        const body = o + 8;
        if (id === 'fmt ') {
            fmt = {
                format: dv.getUint16(body, true),
                channels: dv.getUint16(body + 2, true),
                rate: dv.getUint32(body + 4, true),
                bits: dv.getUint16(body + 14, true),
            };
            if (fmt.format === 0xfffe && size >= 26) fmt.format = dv.getUint16(body + 24, true); // WAVE_FORMAT_EXTENSIBLE
        } else if (id === 'data') {
            data = { offset: body, size: Math.min(size, buf.length - body) };
        }
        o = body + size + (size & 1);
    }
    if (!fmt || !data) throw new Error(`${file}: missing fmt or data chunk`);
    const bytes = fmt.bits / 8;
    const frames = Math.floor(data.size / (bytes * fmt.channels));
    const read = (o) => {
        if (fmt.format === 3 && fmt.bits === 32) return dv.getFloat32(o, true);
        if (fmt.format !== 1) throw new Error(`${file}: unsupported WAV format ${fmt.format}`);
        switch (fmt.bits) {
            case 8: return (dv.getUint8(o) - 128) / 128;
            case 16: return dv.getInt16(o, true) / 32768;
            case 24: return ((dv.getUint8(o) | (dv.getUint8(o + 1) << 8) | (dv.getInt8(o + 2) << 16))) / 8388608;
            case 32: return dv.getInt32(o, true) / 2147483648;
            default: throw new Error(`${file}: unsupported bit depth ${fmt.bits}`);
        }
    };
    let mono = new Float32Array(frames);
    for (let f = 0; f < frames; ++f) {
        let s = 0;
        for (let c = 0; c < fmt.channels; ++c) s += read(data.offset + (f * fmt.channels + c) * bytes);
        mono[f] = s / fmt.channels;
    }
    if (fmt.rate !== targetRate) {
        // linear resampling: good enough for a plumbing test
        const n = Math.floor((frames * targetRate) / fmt.rate);
        const out = new Float32Array(n);
        for (let i = 0; i < n; ++i) {
            const x = (i * fmt.rate) / targetRate;
            const j = Math.floor(x);
            const t = x - j;
            out[i] = (mono[j] ?? 0) * (1 - t) + (mono[j + 1] ?? mono[j] ?? 0) * t;
        }
        mono = out;
    }
    return { samples: mono, rate: fmt.rate, channels: fmt.channels, bits: fmt.bits };
}

function generate(outdir, flags = []) {
    const python = process.env.PYTHON ?? '/usr/bin/python3';
    const script = path.join(here, 'make-tiny-whisper.py');
    const t0 = performance.now();
    const out = execFileSync(python, [script, outdir, ...flags], { encoding: 'utf8' });
    console.log(`${out.trim()} [${ms(t0)}]`);
}

// ---------------------------------------------------------------------------------------------
// 1. The transformers.js pipeline, exactly as an app would call it
// ---------------------------------------------------------------------------------------------
async function checkPipeline(modelDir, audio, { noise } = {}) {
    const info = JSON.parse(fs.readFileSync(path.join(modelDir, 'tiny_whisper_info.json'), 'utf8'));
    // Serve the model the way the browser will: a model id under env.localModelPath.
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.useFSCache = false; // do not write a cache under node_modules
    env.localModelPath = path.dirname(modelDir) + path.sep;
    const modelId = path.basename(modelDir);
    const dtypes = (opt.dtypes ?? Object.keys(info.variants)).filter((d) => d in info.variants);
    const expected = info.text;
    console.log(`\n== transformers.js pipeline: ${modelId} (${info.multilingual ? 'multilingual' : 'English-only'}` +
        `${info.cross_attentions ? ', cross attentions' : ''}), expecting ${JSON.stringify(expected)}`);

    for (const dtype of dtypes) {
        const events = [];
        const t0 = performance.now();
        const asr = await pipeline('automatic-speech-recognition', modelId, {
            dtype,
            device: 'cpu',
            progress_callback: (e) => events.push(e),
        });
        const loadTime = ms(t0);
        const files = [...new Set(events.filter((e) => e.file).map((e) => e.file))];
        const statuses = [...new Set(events.map((e) => e.status))];
        const onnxFiles = files.filter((f) => f.startsWith('onnx/'));
        console.log(`-- dtype ${dtype}: loaded in ${loadTime}; files ${files.join(', ')}; events ${statuses.join(',')}`);
        check(
            onnxFiles.includes(info.variants[dtype].encoder) && onnxFiles.includes(info.variants[dtype].decoder),
            `loads ${info.variants[dtype].encoder} + ${info.variants[dtype].decoder}`,
        );
        check(statuses.includes('ready'), 'progress_callback reports ready');

        let t1 = performance.now();
        const plain = await asr(audio);
        check(plain.text === expected, `transcript [${ms(t1)}]`, JSON.stringify(plain.text));

        t1 = performance.now();
        const ts = await asr(audio, { return_timestamps: true });
        const c0 = ts.chunks?.[0];
        check(
            ts.text === expected && ts.chunks?.length === 1 && c0.text === expected &&
                JSON.stringify(c0.timestamp) === JSON.stringify(info.text_with_timestamps.timestamp),
            `return_timestamps [${ms(t1)}]`,
            JSON.stringify(ts.chunks),
        );

        if (info.multilingual) {
            t1 = performance.now();
            const en = await asr(audio, { language: 'english', task: 'transcribe' });
            check(en.text === expected, `language english, task transcribe [${ms(t1)}]`, JSON.stringify(en.text));
        }

        if (info.cross_attentions) {
            t1 = performance.now();
            const words = await asr(audio, { return_timestamps: 'word' });
            check(
                words.text === expected && Array.isArray(words.chunks) && words.chunks.length === expected.trim().split(/\s+/).length,
                `return_timestamps 'word' [${ms(t1)}]`,
                JSON.stringify(words.chunks),
            );
        }

        if (dtype === dtypes[0]) {
            t1 = performance.now();
            const chunked = await asr(audio, { chunk_length_s: 5, stride_length_s: 1 });
            check(typeof chunked.text === 'string' && chunked.text.includes(expected.trim()),
                `chunk_length_s 5, stride 1 [${ms(t1)}]`, JSON.stringify(chunked.text));
            if (noise) {
                t1 = performance.now();
                const n = await asr(noise);
                check(n.text === expected, `noise.wav gives the same text (output ignores audio) [${ms(t1)}]`, JSON.stringify(n.text));
            }
            const silent = await asr(new Float32Array(16000));
            check(silent.text === expected, '1 s of silence gives the same text', JSON.stringify(silent.text));
        }
        await asr.dispose();
    }
}

// ---------------------------------------------------------------------------------------------
// 2. onnxruntime-web (WASM backend, the build transformers.js ships) on every variant
// ---------------------------------------------------------------------------------------------
function halfToFloat(h) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    if (e === 0) return s * 2 ** -14 * (f / 1024);
    if (e === 31) return f ? NaN : s * Infinity;
    return s * 2 ** (e - 15) * (1 + f / 1024);
}

async function checkOrtWeb(modelDir) {
    const require = createRequire(import.meta.url);
    const tjsDir = path.resolve(path.dirname(require.resolve('@huggingface/transformers')), '..');
    const ortPath = createRequire(path.join(tjsDir, 'package.json')).resolve('onnxruntime-web');
    const ort = await import(pathToFileURL(ortPath).href);
    ort.env.wasm.numThreads = 1;
    const info = JSON.parse(fs.readFileSync(path.join(modelDir, 'tiny_whisper_info.json'), 'utf8'));
    const gen = JSON.parse(fs.readFileSync(path.join(modelDir, 'generation_config.json'), 'utf8'));
    const version = JSON.parse(fs.readFileSync(path.join(path.dirname(path.dirname(ortPath)), 'package.json'), 'utf8')).version;
    console.log(`\n== onnxruntime-web ${version} (wasm) greedy decode, hand-written loop`);

    const prompt = info.multilingual
        ? [gen.decoder_start_token_id, gen.lang_to_id['<|en|>'], gen.task_to_id.transcribe, gen.no_timestamps_token_id]
        : [gen.decoder_start_token_id, gen.no_timestamps_token_id];
    const want = [...info.token_ids, gen.eos_token_id];
    const feats = new Float32Array(80 * 3000).map((_, i) => Math.sin(i * 0.001) * 0.5);

    const dtypes = (opt.dtypes ?? Object.keys(info.variants)).filter((d) => d in info.variants);
    for (const dtype of dtypes) {
        const { encoder, decoder } = info.variants[dtype];
        const t0 = performance.now();
        try {
            const enc = await ort.InferenceSession.create(path.join(modelDir, encoder), { executionProviders: ['wasm'] });
            const dec = await ort.InferenceSession.create(path.join(modelDir, decoder), { executionProviders: ['wasm'] });
            const { last_hidden_state } = await enc.run({ input_features: new ort.Tensor('float32', feats, [1, 80, 3000]) });
            let past = null;
            let ids = prompt.slice();
            const out = [];
            for (let step = 0; step < 20; ++step) {
                const feeds = {
                    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
                    encoder_hidden_states: last_hidden_state,
                    use_cache_branch: new ort.Tensor('bool', [past !== null], [1]),
                };
                for (const meta of dec.inputMetadata) {
                    if (!meta.name.startsWith('past_key_values.')) continue;
                    if (past) feeds[meta.name] = past[meta.name];
                    else {
                        const shape = meta.shape.map((d) => (typeof d === 'number' ? d : d === 'batch_size' ? 1 : 0));
                        feeds[meta.name] = new ort.Tensor(meta.type, meta.type === 'float16' ? new Uint16Array(0) : new Float32Array(0), shape);
                    }
                }
                const res = await dec.run(feeds);
                const logits = res.logits;
                const V = logits.dims[2];
                const row = logits.data.subarray((logits.dims[1] - 1) * V);
                let best = 0;
                let bestV = -Infinity;
                for (let v = 0; v < V; ++v) {
                    const x = logits.type === 'float16' ? halfToFloat(row[v]) : row[v];
                    if (x > bestV) (bestV = x), (best = v);
                }
                out.push(best);
                if (best === gen.eos_token_id) break;
                const next = {};
                for (const name of Object.keys(res)) {
                    if (!name.startsWith('present.')) continue;
                    const pname = name.replace('present', 'past_key_values');
                    next[pname] = past && name.includes('.encoder.') ? past[pname] : res[name];
                }
                past = next;
                ids = [best];
            }
            check(JSON.stringify(out) === JSON.stringify(want), `${dtype}: ${encoder} + ${decoder} [${ms(t0)}]`, JSON.stringify(out));
        } catch (e) {
            check(false, `${dtype}: ${encoder} + ${decoder}`, e.message);
        }
    }
}

// ---------------------------------------------------------------------------------------------
const t0 = performance.now();
const wav = readWav(opt.wav);
console.log(`audio: ${opt.wav} (${wav.rate} Hz, ${wav.channels} ch, ${wav.bits}-bit) -> ${wav.samples.length} samples at 16 kHz, ` +
    `${(wav.samples.length / 16000).toFixed(2)} s`);
const noisePath = path.join(repoRoot, 'tests/fixtures/noise.wav');
const noise = fs.existsSync(noisePath) ? readWav(noisePath).samples : null;

const dirs = [];
let tmp = null;
if (opt.dir) {
    dirs.push(opt.dir);
} else {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tiny-whisper-'));
    dirs.push(path.join(tmp, 'tiny-whisper'));
    generate(dirs[0]);
    dirs.push(path.join(tmp, 'tiny-whisper-en'));
    generate(dirs[1], ['--english-only', '--cross-attentions']);
}
try {
    for (const dir of dirs) await checkPipeline(dir, wav.samples, { noise });
    if (opt.ortWeb) for (const dir of dirs) await checkOrtWeb(dir);
} finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`\n${failures ? `${failures} check(s) FAILED` : 'all checks passed'} in ${ms(t0)}`);
process.exitCode = failures ? 1 : 0;
