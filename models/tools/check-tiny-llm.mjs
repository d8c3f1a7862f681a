#!/usr/bin/env node
// check-tiny-llm.mjs: load the tiny chat model from make-tiny-llm.py through the real, unmodified
// transformers.js v4 (AutoTokenizer + AutoModelForCausalLM; Node, onnxruntime-node, device 'cpu')
// for each dtype variant, and check that
//   - the tokenizer loads: ChatML special tokens, the Qwen2.5 chat template with add_generation_prompt,
//     arbitrary text round-trips, each answer token is one token;
//   - greedy generate() with a TextStreamer streams exactly the fixed answer, then <|im_end|>;
//   - a second turn that passes the first result's past_key_values (return_dict_in_generate) only
//     prefills the new tokens and still answers the same; the KV cache grows as it should;
//   - the --long variant never stops on its own: it loops until max_new_tokens, or until an
//     InterruptableStoppingCriteria is interrupted; it prints ms per decoding step.
// It then runs each ONNX file under onnxruntime-web's WASM backend (the runtime the browser uses)
// with a hand-written greedy loop, to check that every operator exists there too, and prints WASM
// ms per step.
//
// Usage:
//   node models/tools/check-tiny-llm.mjs [modelDir ...] [--dtypes q4,q8,q4f16] [--steps 40] [--no-ort-web]
// A modelDir is a directory written by make-tiny-llm.py (with or without --long; tiny_llm_info.json
// says which). Without one it generates both into a temp dir with
//   ${PYTHON:-/usr/bin/python3} models/tools/make-tiny-llm.py <tmp>/tiny-llm [--long]
// Exit code 0 when every check passes.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
    AutoTokenizer,
    AutoModelForCausalLM,
    TextStreamer,
    InterruptableStoppingCriteria,
    env,
} from '@huggingface/transformers';

const here = path.dirname(fileURLToPath(import.meta.url));

const argv = process.argv.slice(2);
const opt = { dtypes: null, ortWeb: true, dirs: [], steps: 40 };
for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--dtypes') opt.dtypes = argv[++i].split(',');
    else if (a === '--steps') opt.steps = Number(argv[++i]);
    else if (a === '--no-ort-web') opt.ortWeb = false;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else opt.dirs.push(path.resolve(a));
}

let failures = 0;
function check(ok, what, detail = '') {
    if (!ok) failures++;
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? `: ${detail}` : ''}`);
}
const ms = (t0) => `${(performance.now() - t0).toFixed(0)} ms`;
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const idsOf = (t) => Array.from(t.data, Number);

const TIMED_STEPS = 60;
const SYSTEM = 'You are a helpful assistant that runs in the browser.';
const USER = 'Summarise my documents, please. Zyxqwv naïve café 42kg — “quotes” 😀';
const USER2 = 'And what did you say before?';

/** The text greedy decoding must give for n new tokens (before any <|im_end|>). */
function expectedText(info, tok, n) {
    if (!info.loops) return info.answer;
    const cycle = [...info.answer_token_ids, info.loop_token_id];
    const ids = [];
    for (let i = 0; i < n; ++i) ids.push(i < cycle.length ? cycle[i] : cycle[1 + ((i - cycle.length) % (cycle.length - 1))]);
    return tok.decode(ids, { skip_special_tokens: true });
}

function checkTokenizer(tok, info) {
    const imEnd = tok.convert_tokens_to_ids(['<|im_end|>'])[0];
    const imStart = tok.convert_tokens_to_ids(['<|im_start|>'])[0];
    const eot = tok.convert_tokens_to_ids(['<|endoftext|>'])[0];
    check(imEnd === info.im_end_id && imStart === info.im_start_id && eot === info.endoftext_id,
        'ChatML special tokens', `<|im_start|> ${imStart}, <|im_end|> ${imEnd}, <|endoftext|> ${eot}`);
    check(tok.eos_token === '<|im_end|>' && tok.eos_token_id === imEnd, 'eos_token <|im_end|>', `${tok.eos_token} ${tok.eos_token_id}`);
    check(tok.pad_token === '<|endoftext|>', 'pad_token <|endoftext|>', String(tok.pad_token));
    check(tok.constructor.name === 'Qwen2Tokenizer', 'Qwen2Tokenizer', tok.constructor.name);

    const text = tok.apply_chat_template([{ role: 'system', content: SYSTEM }, { role: 'user', content: USER }],
        { add_generation_prompt: true, tokenize: false });
    const want = `<|im_start|>system\n${SYSTEM}<|im_end|>\n<|im_start|>user\n${USER}<|im_end|>\n<|im_start|>assistant\n`;
    check(text === want, 'chat template (system, user, add_generation_prompt)', JSON.stringify(text.slice(-40)));
    const noSys = tok.apply_chat_template([{ role: 'user', content: 'hi' }], { add_generation_prompt: true, tokenize: false });
    check(noSys.startsWith('<|im_start|>system\n') && noSys.endsWith('<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n'),
        'default system message when none is given', JSON.stringify(noSys.slice(0, 60)));
    const tools = tok.apply_chat_template([{ role: 'user', content: 'hi' }],
        { tools: [{ type: 'function', function: { name: 'f', parameters: {} } }], add_generation_prompt: true, tokenize: false });
    check(tools.includes('<tools>') && tools.endsWith('<|im_start|>assistant\n'), 'template renders with tools too');

    const ids = idsOf(tok.apply_chat_template([{ role: 'user', content: USER }], { add_generation_prompt: true }).input_ids);
    check(ids.at(-1) === info.prompt_last_token_id && ids.at(-3) === imStart,
        'generation prompt ends <|im_start|> assistant \\n', JSON.stringify(ids.slice(-3)));
    const odd = idsOf(tok(USER).input_ids);
    const back = tok.decode(odd);
    check(back === USER, 'unknown words, accents, emoji tokenize and decode back exactly', `${odd.length} tokens`);
    const words = idsOf(tok('the answer is ready', { add_special_tokens: false }).input_ids);
    check(words.length === 4, 'known words are single tokens', tok.tokenize('the answer is ready').join('|'));
    const answer = idsOf(tok(info.answer, { add_special_tokens: false }).input_ids);
    check(same(answer, info.answer_token_ids), 'the answer tokenizes to answer_token_ids', tok.tokenize(info.answer).join('|'));
    check(tok.decode([...info.answer_token_ids, imEnd], { skip_special_tokens: true }) === info.answer, 'answer ids decode with correct spaces');
    return { imEnd, eot };
}

/** Wraps model.forward to record what each step fed the model. */
function recordForward(model) {
    const calls = [];
    const orig = model.forward.bind(model);
    model.forward = async (inputs) => {
        const t0 = performance.now();
        const past = inputs.past_key_values?.get_seq_length?.() ?? 0;
        const out = await orig(inputs);
        calls.push({
            input: inputs.input_ids.dims[1], mask: inputs.attention_mask.dims[1], past, ms: performance.now() - t0,
            logits: out.logits.type, present: out['present.0.key']?.type, presentLen: out['present.0.key']?.dims[2],
        });
        return out;
    };
    return calls;
}

async function checkPipeline(modelDir) {
    const info = JSON.parse(fs.readFileSync(path.join(modelDir, 'tiny_llm_info.json'), 'utf8'));
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.useFSCache = false;
    env.localModelPath = path.dirname(modelDir) + path.sep;
    const modelId = path.basename(modelDir);
    console.log(`\n== transformers.js ${env.version}: ${modelId} (vocab ${info.vocab_size}, ${info.layers} layers, ` +
        `${info.num_attention_heads} heads / ${info.num_key_value_heads} kv heads x ${info.head_dim}${info.loops ? ', loops' : ''})`);
    const tok = await AutoTokenizer.from_pretrained(modelId);
    const { imEnd } = checkTokenizer(tok, info);
    const stepMs = {};

    const dtypes = (opt.dtypes ?? Object.keys(info.variants)).filter((d) => d in info.variants);
    for (const dtype of dtypes) {
        const events = [];
        const t0 = performance.now();
        const model = await AutoModelForCausalLM.from_pretrained(modelId, {
            dtype, device: 'cpu', progress_callback: (e) => events.push(e),
        });
        const files = [...new Set(events.filter((e) => e.file).map((e) => e.file))];
        console.log(`-- dtype ${dtype}: loaded in ${ms(t0)}; files ${files.join(', ')}`);
        check(files.includes(info.variants[dtype]), `loads ${info.variants[dtype]}`);
        check(events.some((e) => e.status === 'done' && e.file === info.variants[dtype]) && events.some((e) => e.status === 'progress_total'),
            "progress_callback reports 'done' for it and 'progress_total'");
        const session = model.sessions.model;
        const pastMeta = session.inputMetadata.filter((m) => m.name.startsWith('past_key_values.'));
        check(pastMeta.length === 2 * info.layers && pastMeta.every((m) => m.type === info.kv_dtype[dtype]),
            `session takes ${2 * info.layers} past inputs of ${info.kv_dtype[dtype]}`,
            pastMeta.map((m) => `${m.name}:${m.type}[${m.shape.join(',')}]`)[0]);
        check(['input_ids', 'attention_mask', 'position_ids'].every((n) => session.inputNames.includes(n)),
            'input_ids, attention_mask, position_ids are session inputs', session.inputNames.join(','));

        const calls = recordForward(model);
        const messages = [{ role: 'system', content: SYSTEM }, { role: 'user', content: USER }];
        const inputs = tok.apply_chat_template(messages, { add_generation_prompt: true });
        const promptLen = inputs.input_ids.dims[1];
        const maxNew = info.loops ? opt.steps : 64;

        // ---- turn 1 ---------------------------------------------------------------------------
        let streamed = '';
        const stamps = [];
        let streamer = new TextStreamer(tok, {
            skip_prompt: true, skip_special_tokens: true,
            callback_function: (t) => (streamed += t),
            token_callback_function: () => stamps.push(performance.now()),
        });
        let t1 = performance.now();
        const r1 = await model.generate({ ...inputs, max_new_tokens: maxNew, do_sample: false, streamer, return_dict_in_generate: true });
        const gen1 = idsOf(r1.sequences).slice(promptLen);
        const want1 = expectedText(info, tok, maxNew);
        check(streamed === want1, `turn 1 streams the fixed answer [${ms(t1)}]`, JSON.stringify(streamed.length > 90 ? `${streamed.slice(0, 90)}…` : streamed));
        if (info.loops) {
            check(gen1.length === maxNew && !gen1.includes(imEnd), `never ends on its own: stops at max_new_tokens ${maxNew}`, `${gen1.length} new tokens`);
        } else {
            check(same(gen1, [...info.answer_token_ids, imEnd]), 'turn 1 generates answer_token_ids + <|im_end|>', JSON.stringify(gen1));
        }
        const first = calls[0];
        check(calls.length === gen1.length && first.input === promptLen && first.past === 0 && calls.slice(1).every((c) => c.input === 1),
            `prefill of ${promptLen} tokens, then 1 token per step`, `${calls.length} forward calls, inputs ${calls.slice(0, 3).map((c) => c.input).join(',')}…`);
        check(calls.every((c) => c.mask === c.past + c.input && c.presentLen === c.mask), 'attention_mask = past + new = present length every step');
        check(calls.every((c) => c.logits === (dtype === 'q4f16' ? 'float16' : 'float32') && c.present === info.kv_dtype[dtype]),
            `logits ${calls[0].logits}, present ${calls[0].present}`);
        const cache1 = r1.past_key_values.get_seq_length();
        check(cache1 === promptLen + gen1.length - 1, 'the returned cache holds the prompt and all but the last new token', `${cache1}`);
        const steps = stamps.slice(1).map((t, i) => t - stamps[i]).slice(1); // skip prefill and the first step
        stepMs[dtype] = median(steps);
        console.log(`   ${dtype}: ${calls.length} steps, prefill ${first.ms.toFixed(1)} ms, median step ${stepMs[dtype].toFixed(2)} ms ` +
            `(forward alone ${median(calls.slice(1).map((c) => c.ms)).toFixed(2)} ms)`);

        // ---- turn 2, reusing the cache ------------------------------------------------------------
        if (!info.loops) {
            const messages2 = [...messages, { role: 'assistant', content: streamed }, { role: 'user', content: USER2 }];
            const inputs2 = tok.apply_chat_template(messages2, { add_generation_prompt: true });
            const full2 = idsOf(inputs2.input_ids);
            check(same(full2.slice(0, promptLen + gen1.length), idsOf(r1.sequences)),
                'turn 2 prompt starts with turn 1 prompt + answer + <|im_end|> (re-tokenizes identically)');
            calls.length = 0;
            streamed = '';
            streamer = new TextStreamer(tok, { skip_prompt: true, callback_function: (t) => (streamed += t) });
            t1 = performance.now();
            const r2 = await model.generate({
                ...inputs2, past_key_values: r1.past_key_values, max_new_tokens: maxNew, do_sample: false, streamer,
                return_dict_in_generate: true,
            });
            const gen2 = idsOf(r2.sequences).slice(full2.length);
            check(streamed === info.answer && same(gen2, [...info.answer_token_ids, imEnd]), `turn 2 streams the same answer [${ms(t1)}]`, JSON.stringify(streamed));
            check(calls[0].past === cache1 && calls[0].input === full2.length - cache1,
                `turn 2 prefills only the ${full2.length - cache1} new tokens (cache ${cache1}, prompt ${full2.length})`,
                `first call: past ${calls[0].past}, input ${calls[0].input}, mask ${calls[0].mask}`);
            check(r2.past_key_values === r1.past_key_values, 'the cache object passed in is updated in place and returned');
            const cache2 = r2.past_key_values.get_seq_length();
            check(cache2 === full2.length + gen2.length - 1, 'cache after turn 2 = turn-2 prompt + answer', `${cache2}`);
            await r2.past_key_values.dispose?.();
        } else {
            // ---- interrupt a running generation --------------------------------------------------
            const stop = new InterruptableStoppingCriteria();
            const k = 7;
            let n = 0;
            t1 = performance.now();
            const seq = await model.generate({
                ...inputs, max_new_tokens: 1000, do_sample: false, stopping_criteria: [stop],
                streamer: new TextStreamer(tok, { skip_prompt: true, callback_function: () => {}, token_callback_function: () => ++n === k && stop.interrupt() }),
            });
            check(seq.dims[1] - promptLen === k, `an InterruptableStoppingCriteria interrupted after ${k} tokens stops it there [${ms(t1)}]`, `${seq.dims[1] - promptLen} new tokens`);
            await r1.past_key_values.dispose?.();
        }
        await model.dispose();
    }
    return stepMs;
}

// ---------------------------------------------------------------------------------------------
// onnxruntime-web (WASM backend) on every variant
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
    const info = JSON.parse(fs.readFileSync(path.join(modelDir, 'tiny_llm_info.json'), 'utf8'));
    const version = JSON.parse(fs.readFileSync(path.join(path.dirname(path.dirname(ortPath)), 'package.json'), 'utf8')).version;
    console.log(`\n== onnxruntime-web ${version} (wasm, 1 thread) greedy decode, hand-written loop: ${path.basename(modelDir)}`);
    const tok = await AutoTokenizer.from_pretrained(path.basename(modelDir));
    const prompt = idsOf(tok.apply_chat_template([{ role: 'system', content: SYSTEM }, { role: 'user', content: USER }],
        { add_generation_prompt: true }).input_ids);
    const n = info.loops ? opt.steps : info.answer_token_ids.length + 1;
    const stepMs = {};
    const dtypes = (opt.dtypes ?? Object.keys(info.variants)).filter((d) => d in info.variants);
    for (const dtype of dtypes) {
        const file = info.variants[dtype];
        const t0 = performance.now();
        try {
            const s = await ort.InferenceSession.create(path.join(modelDir, file), { executionProviders: ['wasm'] });
            const i64 = (a) => new ort.Tensor('int64', BigInt64Array.from(a.map(BigInt)), [1, a.length]);
            let past = {};
            for (const meta of s.inputMetadata) {
                if (!meta.name.startsWith('past_key_values.')) continue;
                const shape = meta.shape.map((d) => (typeof d === 'number' ? d : d === 'batch_size' ? 1 : 0));
                past[meta.name] = new ort.Tensor(meta.type, meta.type === 'float16' ? new Uint16Array(0) : new Float32Array(0), shape);
            }
            let ids = prompt.slice();
            let total = 0;
            const out = [];
            const times = [];
            let done = false;
            // the first n steps are checked; decoding then goes on (outputs ignored) to time TIMED_STEPS steps
            for (let step = 0; step < Math.max(n, TIMED_STEPS + 10); ++step) {
                total += ids.length;
                const t1 = performance.now();
                const res = await s.run({
                    input_ids: i64(ids), attention_mask: i64(Array(total).fill(1)),
                    position_ids: i64(ids.map((_, j) => total - ids.length + j)), ...past,
                });
                times.push(performance.now() - t1);
                const { logits } = res;
                const V = logits.dims[2];
                const row = logits.data.subarray((logits.dims[1] - 1) * V, logits.dims[1] * V);
                let best = 0;
                let bestV = -Infinity;
                for (let v = 0; v < V; ++v) {
                    const x = logits.type === 'float16' ? halfToFloat(row[v]) : row[v];
                    if (x > bestV) (bestV = x), (best = v);
                }
                if (!done) out.push(best);
                done ||= out.length === n || info.eos_token_ids.includes(best);
                past = {};
                for (const name of Object.keys(res)) if (name.startsWith('present.')) past[name.replace('present', 'past_key_values')] = res[name];
                if (past['past_key_values.0.key'].dims[2] !== total) throw new Error(`present length ${past['past_key_values.0.key'].dims[2]} != ${total}`);
                ids = [best];
            }
            const text = tok.decode(out, { skip_special_tokens: true });
            const ok = info.loops ? out.length === n && text === expectedText(info, tok, n) : same(out, [...info.answer_token_ids, info.im_end_id]);
            stepMs[dtype] = median(times.slice(10)); // skip the prefill and warm-up steps
            check(ok, `${dtype}: ${file} [${ms(t0)}; prefill ${times[0].toFixed(1)} ms, median step ${stepMs[dtype].toFixed(2)} ms]`,
                JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text));
            await s.release();
        } catch (e) {
            check(false, `${dtype}: ${file}`, e.message);
        }
    }
    return stepMs;
}

// ---------------------------------------------------------------------------------------------
const t0 = performance.now();
let dirs = opt.dirs;
let tmp = null;
if (!dirs.length) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tiny-llm-'));
    dirs = [path.join(tmp, 'tiny-llm'), path.join(tmp, 'tiny-llm-long')];
    const python = process.env.PYTHON ?? '/usr/bin/python3';
    console.log(execFileSync(python, [path.join(here, 'make-tiny-llm.py'), dirs[0]], { encoding: 'utf8' }).trim());
    console.log(execFileSync(python, [path.join(here, 'make-tiny-llm.py'), dirs[1], '--long'], { encoding: 'utf8' }).trim());
}
const summary = [];
try {
    for (const dir of dirs) summary.push([path.basename(dir), 'onnxruntime-node', await checkPipeline(dir)]);
    if (opt.ortWeb) for (const dir of dirs) summary.push([path.basename(dir), 'onnxruntime-web wasm', await checkOrtWeb(dir)]);
} finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}
console.log('\nms per decoding step (median):');
for (const [name, runtime, steps] of summary) {
    console.log(`  ${name.padEnd(14)} ${runtime.padEnd(22)} ${Object.entries(steps).map(([d, v]) => `${d} ${v.toFixed(2)}`).join(', ')}`);
}
console.log(`\n${failures ? `${failures} check(s) FAILED` : 'all checks passed'} in ${ms(t0)}`);
process.exitCode = failures ? 1 : 0;
