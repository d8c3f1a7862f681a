#!/usr/bin/env python3
"""make-tiny-llm.py: write a TINY decoder-only chat model that transformers.js v4 loads like
onnx-community/Qwen2.5-0.5B-Instruct (AutoTokenizer + AutoModelForCausalLM, model_type "qwen2").

Usage:
    /usr/bin/python3 models/tools/make-tiny-llm.py <outdir> [--long]

Needs numpy and onnx (Debian's python3-onnx, onnx 1.12, is enough). Nothing is downloaded.

The layout is that of onnx-community/Qwen2.5-0.5B-Instruct:

    config.json                 model_type "qwen2", Qwen2ForCausalLM, hidden_size 64, 2 layers,
                                4 attention heads, 2 key/value heads, head_dim 16, vocab_size 2624
                                (the tokenizer's 2562 tokens rounded up to a multiple of 64, as Qwen pads),
                                max_position_embeddings 4096, "transformers.js_config" with the real
                                export's kv_cache_dtype (transformers.js v4 reads the KV dtype from the
                                session instead)
    generation_config.json      eos_token_id [<|im_end|>, <|endoftext|>], do_sample false
    tokenizer.json              a real HF tokenizers byte-level BPE, built like Qwen2's: NFC normalizer,
                                the Qwen2 Split regex + ByteLevel pre-tokenizer, BPE over the 256 byte
                                symbols (ids 0..255, GPT-2 order) with merges for a few hundred English
                                words (" word", "word", " Word", "Word") and punctuation, ByteLevel decoder;
                                <|endoftext|> <|im_start|> <|im_end|> are added special tokens right
                                after the BPE vocabulary. Any text tokenizes (unknown words fall back to
                                smaller pieces, at worst single bytes) and decodes back exactly.
    tokenizer_config.json       Qwen2Tokenizer, eos "<|im_end|>", pad "<|endoftext|>", no bos,
                                clean_up_tokenization_spaces false, model_max_length 4096, and Qwen2.5's
                                ChatML chat_template (verbatim, tools branch included; without a system
                                message it inserts Qwen's default one; add_generation_prompt appends
                                "<|im_start|>assistant\\n")
    onnx/model.onnx             fp32  (dtype "fp32")
    onnx/model_quantized.onnx   q8    (dtype "q8"; embedding table uint8 + DequantizeLinear, projections
                                       DynamicQuantizeLinear + MatMulInteger with uint8 weights; fp32 IO)
    onnx/model_q4.onnx          q4    (dtype "q4"; projections com.microsoft MatMulNBits, 4-bit, block 32;
                                       fp32 IO)
    onnx/model_q4f16.onnx       q4f16 (dtype "q4f16"; MatMulNBits on a float16 graph: logits and all
                                       past/present key/values are float16, as in real q4f16 exports)
    tiny_llm_info.json          (not in real exports: the fixed answer and token ids, for tests)

Graph interface (names, ranks and dtypes of the real export):
    inputs:  input_ids int64 [batch_size, sequence_length]
             attention_mask int64 [batch_size, total_sequence_length]
             position_ids int64 [batch_size, sequence_length]
             past_key_values.{i}.key / .value  float [batch_size, 2, past_sequence_length, 16], i = 0, 1
    outputs: logits float [batch_size, sequence_length, 2624]
             present.{i}.key / .value  float [batch_size, 2, total_sequence_length, 16]
                                       = concat(past, new) along axis 2 (total = past + sequence_length)
    ("float" is float32, or float16 in model_q4f16.onnx.) transformers.js builds the empty first-step
    past tensors from the session's inputMetadata (batch_size -> batch, past_sequence_length -> 0).

What it computes (fixed by construction, no training):
    Every layer is a genuine grouped-query causal self-attention over the KV cache: q/k/v projections of
    the hidden state (+ a position_ids term), k/v concatenated to the past, scores + a causal and
    attention_mask bias, softmax, context. But each layer's output projection is all zeros, so the
    residual stream stays the token embedding and
        logits[b, t] = E[input_ids[b, t]] @ LM_HEAD = W[input_ids[b, t]]
    a BIGRAM table (W = E @ LM_HEAD, stored factorised: the first dims of E one-hot a token's "successor
    class", LM_HEAD turns class k into logit 20 on its successor and 0 elsewhere). The successors are:
        the last generation-prompt token "\\n" (the one after "assistant") -> "Hello",
        "Hello" -> " from" -> " your" -> " device" -> "!" -> " Nothing" -> " left" -> " this" -> " page" -> "."
        "." -> <|im_end|>, and every other token -> <|im_end|>.
    So greedy decoding after any ChatML generation prompt always answers
        Hello from your device! Nothing left this page.
    followed by <|im_end|> (11 new tokens). The attention still checks the plumbing: a mismatch between
    attention_mask's length and past + new tokens is a broadcasting error, and a NaN anywhere (0 * NaN)
    would poison the logits.

With --long (written into its own directory, e.g. tiny-llm-long) the answer never ends on its own:
    "." -> " Hello" -> " from" -> ... so it repeats "Hello from your device! Nothing left this page." with
    a space between repeats until max_new_tokens or a stopping criterion (an interrupt). Each forward
    pass also does deliberate extra work: a float32 [16, 1536] x [1536, 1536] MatMul (LONG_ROWS x LONG_N) (the constant
    is a tiled random block, so the file stays small; ORT folds it into a 9 MB buffer at load) whose
    result, multiplied by a runtime zero (from Shape(input_ids), which ORT cannot fold), is added to
    the logits. It is meant for measuring how quickly a running generation can be cancelled.

Step times measured here (2-core x86 VM, onnxruntime 1.30, medians of ~140 decoding steps with ~80
tokens of context; the differences between dtypes are within run-to-run noise):
                                        plain model        --long
    onnxruntime-node, session.run       0.3-0.5 ms         1.0-1.3 ms
    transformers.js generate() (node)   0.5-1.5 ms         1.2-1.9 ms   (includes its per-step overhead)
    onnxruntime-web WASM, 1 thread      0.7-1.5 ms         5-6.5 ms     (some steps of 5-9 ms)
    (check-tiny-llm.mjs prints these for the files it checks.)

It understands NOTHING: it ignores what it is asked and always gives the same answer. It exists to test
loading, workers, streaming, KV-cache reuse across turns, cancellation and UI plumbing. Real answers need
real weights (e.g. onnx-community/Qwen2.5-0.5B-Instruct).
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HIDDEN = 64
HEADS = 4
KV_HEADS = 2
HEAD_DIM = 16
LAYERS = 2
INTERMEDIATE = 128  # config only (there is no MLP)
MAX_POSITIONS = 4096
OPSET = 17
LOGIT_HIGH = 20.0
SEED = 2025
LONG_N = 1536  # the long variant's square constant
LONG_ROWS = 16  # rows of the activation block multiplied by it per forward pass
LONG_TILE = 192

ANSWER_TOKENS = ["Hello", "Ġfrom", "Ġyour", "Ġdevice", "!", "ĠNothing", "Ġleft", "Ġthis", "Ġpage", "."]
PROMPT_LAST = "Ċ"  # "\n", the last token of "<|im_start|>assistant\n"
LOOP_TOKEN = "ĠHello"  # --long: "." -> " Hello" -> " from" ...
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]  # Qwen2's order, after the BPE vocabulary

F32 = TensorProto.FLOAT
F16 = TensorProto.FLOAT16
I64 = TensorProto.INT64

# Qwen2's pre-tokenizer regex (tokenizer.json of Qwen/Qwen2.5-*).
QWEN2_SPLIT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""

# Qwen2.5-Instruct's chat template, verbatim.
CHAT_TEMPLATE = r"""{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}
    {%- endif %}
    {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
    {%- else %}
        {{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\n<tool_call>\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {{- tool_call.arguments | tojson }}
            {{- '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' }}
        {{- message.content }}
        {{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
"""

# Whole-word tokens (each also as " word", "Word", " Word"). Lowercase; duplicates are dropped.
WORDS = """
hello from your device nothing left this page
the of and to a in is it you that he was for on are with as his they be at one have from or had by
not word but what some we can out other were all there when up use how said an each she which do
their time if will way about many then them write would like so these her long make thing see him
two has look more day could go come did number no most people my over know water than call first
who may down side been now find any new work part take get place made live where after back little
only round man year came show every good me give our under name very through just form sentence
great think say help low line turn much mean before move right old too same tell does set three
want well also play small end put home read hand large add even here must big high such follow act
why ask men change went light kind off need house try us again point world near build self own
should answer found study still learn food keep never last let thought city start might story far
open seem together next always those both often until second book took room friend idea stop once
hear sure watch enough ready above ever list though feel talk soon leave question happen complete
problem whole best hour better true during remember step early hold reach fast listen less simple
several toward slow love person money serve road rule notice voice power fine certain note wait
plan done quick mind clear fact stay full free minute strong special nothing course system test
record possible check yes please thanks thank sorry okay hi hey
assistant user system model chat message messages reply answer answers ask asked question questions
document documents file files search find found source sources private local offline browser tab
device devices network server cloud data download loaded loading ready error retry cancel stop
today tomorrow yesterday morning evening night week month
""".split()

PUNCTUATION_TOKENS = [".", ",", "!", "?", ":", ";", "'", "\"", "(", ")", "-", "Ġ-", "Ġ(", "...", "ĊĊ", "ĠĠ",
                      "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", ".Ċ", "!Ċ", "?Ċ", ".ĊĊ"]


# ----------------------------------------------------------------------------------------------
# Tokenizer (Qwen2-style byte-level BPE)
# ----------------------------------------------------------------------------------------------
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]  # in GPT-2 / Qwen2 vocab order: ids 0..255


def bpe(symbols, ranks):
    """Classic BPE: repeatedly merge the lowest-ranked adjacent pair (all its occurrences, left to right)."""
    word = list(symbols)
    while len(word) > 1:
        best = min(((ranks.get((word[i], word[i + 1]), None), i) for i in range(len(word) - 1)),
                   key=lambda x: (x[0] is None, x[0] if x[0] is not None else 0, x[1]))
        if best[0] is None:
            break
        a, b = word[best[1]], word[best[1] + 1]
        out = []
        i = 0
        while i < len(word):
            if i < len(word) - 1 and word[i] == a and word[i + 1] == b:
                out.append(a + b)
                i += 2
            else:
                out.append(word[i])
                i += 1
        word = out
    return word


def build_vocab():
    base = bytes_to_unicode()
    vocab = {tok: i for i, tok in enumerate(base)}
    merges = []
    ranks = {}

    def add_token(tok):
        # Add merges until BPE turns `tok` into this one token. New merges rank below all earlier ones,
        # so they never change how an earlier token is split.
        while True:
            pieces = bpe(tok, ranks)
            if len(pieces) == 1:
                return
            a, b = pieces[0], pieces[1]
            ranks[(a, b)] = len(merges)
            merges.append(f"{a} {b}")
            if a + b not in vocab:
                vocab[a + b] = len(vocab)

    words = []
    seen = set()
    for w in WORDS:
        for form in (w, "Ġ" + w, w.capitalize(), "Ġ" + w.capitalize()):
            if form not in seen:
                seen.add(form)
                words.append(form)
    for t in ANSWER_TOKENS + [LOOP_TOKEN, "ĠI", "I"] + words + PUNCTUATION_TOKENS:
        add_token(t)
    for t in ANSWER_TOKENS + [LOOP_TOKEN] + words + PUNCTUATION_TOKENS:
        assert bpe(t, ranks) == [t], (t, bpe(t, ranks))
    n = len(vocab)
    special = {t: n + i for i, t in enumerate(SPECIAL)}
    n_tokens = n + len(SPECIAL)
    vocab_size = (n_tokens + 63) // 64 * 64
    return vocab, merges, special, vocab_size


def tokenizer_json(vocab, merges, special):
    added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
              "special": True} for t, i in special.items()]
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": QWEN2_SPLIT}, "behavior": "Isolated", "invert": False},
                byte_level,
            ],
        },
        "post_processor": dict(byte_level),
        "decoder": dict(byte_level),
        "model": {
            "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
            "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
            "vocab": vocab, "merges": merges,
        },
    }


# ----------------------------------------------------------------------------------------------
# ONNX graph builder
# ----------------------------------------------------------------------------------------------
class Builder:
    """Collects nodes/initializers. `mode` picks how projections are written: 'fp' (MatMul),
    'q8' (DynamicQuantizeLinear + MatMulInteger, uint8 weights), 'q4' (com.microsoft MatMulNBits).
    `half` makes weights and activations float16."""

    def __init__(self, mode, half):
        self.mode = mode
        self.half = half
        self.fdt = F16 if half else F32
        self.np_fdt = np.float16 if half else np.float32
        self.nodes = []
        self.inits = []
        self.count = 0
        self.const_cache = {}

    def uid(self, prefix):
        self.count += 1
        return f"{prefix}_{self.count}"

    def init(self, arr, name=None):
        name = name or self.uid("w")
        self.inits.append(numpy_helper.from_array(np.array(arr, copy=True, order="C"), name))
        return name

    def c(self, value, dtype):
        arr = np.array(value, dtype=dtype)
        key = (arr.dtype.str, arr.shape, arr.tobytes())
        if key not in self.const_cache:
            self.const_cache[key] = self.init(arr, self.uid("c"))
        return self.const_cache[key]

    def cf(self, value):
        return self.c(value, self.np_fdt)

    def i64(self, value):
        return self.c(value, np.int64)

    def op(self, op_type, inputs, n_out=1, domain=None, outputs=None, **attrs):
        outs = outputs or [self.uid(op_type.lower()) for _ in range(n_out)]
        node = helper.make_node(op_type, inputs, outs, name=self.uid("n_" + op_type), **attrs)
        if domain:
            node.domain = domain
        self.nodes.append(node)
        return outs[0] if n_out == 1 else outs

    def dim(self, x, axis):  # 1-D int64 [1]
        return self.op("Gather", [self.op("Shape", [x]), self.i64([axis])], axis=0)

    def linear(self, x, w, name):
        k, n = w.shape
        if self.mode == "fp":
            return self.op("MatMul", [x, self.init(w.astype(self.np_fdt), f"{name}.weight")])
        if self.mode == "q8":
            assert not self.half
            xq, xs, xz = self.op("DynamicQuantizeLinear", [x], n_out=3)
            lo, hi = min(float(w.min()), 0.0), max(float(w.max()), 0.0)
            scale = (hi - lo) / 255.0 or 1.0
            zp = int(round(-lo / scale))
            wq = np.clip(np.round(w / scale) + zp, 0, 255).astype(np.uint8)
            acc = self.op("MatMulInteger", [xq, self.init(wq, f"{name}.weight_quantized"), xz,
                                            self.init(np.array(zp, dtype=np.uint8), f"{name}.weight_zero_point")])
            s = self.op("Mul", [xs, self.c(scale, np.float32)])
            return self.op("Mul", [self.op("Cast", [acc], to=F32), s])
        if self.mode == "q4":
            block = 32
            nblk = (k + block - 1) // block
            wp = np.zeros((nblk * block, n), dtype=np.float32)
            wp[:k] = w
            wt = wp.T.reshape(n, nblk, block)  # [N, blocks, block]
            scales = np.abs(wt).max(axis=2) / 7.0
            scales[scales == 0] = 1.0
            q = np.clip(np.round(wt / scales[:, :, None]) + 8, 0, 15).astype(np.uint8)
            packed = (q[:, :, 0::2] | (q[:, :, 1::2] << 4)).astype(np.uint8)  # [N, blocks, block/2]
            return self.op("MatMulNBits", [x, self.init(packed, f"{name}.weight_Q4"),
                                           self.init(scales.reshape(-1).astype(self.np_fdt), f"{name}.weight_scales")],
                           domain="com.microsoft", K=k, N=n, bits=4, block_size=block)
        raise ValueError(self.mode)


def make_weights(succ_class, n_classes, vocab_size, successors):
    """E [V, H]: dims < n_classes one-hot the token's successor class, the rest pseudo-random (for K/V).
    LM_HEAD [H, V]: row k (< n_classes) has LOGIT_HIGH at class k's successor, all other rows zero."""
    rng = np.random.default_rng(SEED)
    assert n_classes <= HIDDEN // 2
    emb = np.zeros((vocab_size, HIDDEN), dtype=np.float32)
    emb[np.arange(vocab_size), succ_class] = 1.0
    emb[:, n_classes:] = rng.uniform(-1.0, 1.0, (vocab_size, HIDDEN - n_classes)).astype(np.float32)
    lm_head = np.zeros((HIDDEN, vocab_size), dtype=np.float32)
    for k, tok in enumerate(successors):
        lm_head[k, tok] = LOGIT_HIGH
    layers = []
    for _ in range(LAYERS):
        layers.append({
            "q": (rng.standard_normal((HIDDEN, HEADS * HEAD_DIM)) * 0.2).astype(np.float32),
            "k": (rng.standard_normal((HIDDEN, KV_HEADS * HEAD_DIM)) * 0.2).astype(np.float32),
            "v": (rng.standard_normal((HIDDEN, KV_HEADS * HEAD_DIM)) * 0.2).astype(np.float32),
            "o": np.zeros((HEADS * HEAD_DIM, HIDDEN), dtype=np.float32),
        })
    pos_vec = (rng.standard_normal(HIDDEN) * 0.01).astype(np.float32)
    long_block = rng.uniform(-1.0, 1.0, (LONG_TILE, LONG_TILE)).astype(np.float32)
    long_rows = rng.uniform(-1.0, 1.0, (LONG_ROWS, LONG_N)).astype(np.float32)
    return {"emb": emb, "lm_head": lm_head, "layers": layers, "pos_vec": pos_vec,
            "long_block": long_block, "long_rows": long_rows}


def build_model(mode, half, w, vocab_size, long):
    g = Builder(mode, half)
    fdt = g.fdt

    # --- token embedding ---------------------------------------------------------------------
    emb = w["emb"]
    if mode == "q8":
        # like onnxruntime's quantization of a Gather: uint8 table, gather, dequantize (exact for 0 and 1)
        scale = float(np.abs(emb).max()) / 127.0
        q = np.clip(np.round(emb / scale) + 128, 0, 255).astype(np.uint8)
        gq = g.op("Gather", [g.init(q, "model.embed_tokens.weight_quantized"), "input_ids"], axis=0)
        h = g.op("DequantizeLinear", [gq, g.init(np.array(scale, dtype=np.float32), "model.embed_tokens.weight_scale"),
                                      g.init(np.array(128, dtype=np.uint8), "model.embed_tokens.weight_zero_point")])
    else:
        h = g.op("Gather", [g.init(emb.astype(g.np_fdt), "model.embed_tokens.weight"), "input_ids"], axis=0)  # [b,s,H]

    # --- position term and attention bias ------------------------------------------------------
    pos = g.op("Cast", [g.op("Unsqueeze", ["position_ids", g.i64([-1])])], to=fdt)  # [b,s,1]
    pos_term = g.op("Mul", [pos, g.init(w["pos_vec"].astype(g.np_fdt), "model.position_term")])  # [b,s,H]
    seq_len = g.dim("input_ids", 1)
    total = g.dim("attention_mask", 1)
    past_len = g.op("Sub", [total, seq_len])
    sq = lambda x: g.op("Squeeze", [x, g.i64([0])])  # noqa: E731
    kpos = g.op("Range", [g.i64(0), sq(total), g.i64(1)])  # [T]
    qpos = g.op("Range", [sq(past_len), sq(total), g.i64(1)])  # [S]
    causal = g.op("LessOrEqual", [g.op("Unsqueeze", [kpos, g.i64([0])]), g.op("Unsqueeze", [qpos, g.i64([1])])])  # [S,T]
    keep = g.op("Unsqueeze", [g.op("Cast", ["attention_mask"], to=TensorProto.BOOL), g.i64([1])])  # [b,1,T]
    allowed = g.op("And", [g.op("Unsqueeze", [causal, g.i64([0])]), keep])  # [b,S,T]
    bias = g.op("Unsqueeze", [g.op("Where", [allowed, g.cf(0.0), g.cf(-1e4)]), g.i64([1])])  # [b,1,S,T]

    group = HEADS // KV_HEADS
    outputs = []
    for i, lw in enumerate(w["layers"]):
        x = g.op("Add", [h, pos_term])
        p = f"model.layers.{i}.self_attn"
        q = g.op("Transpose", [g.op("Reshape", [g.linear(x, lw["q"], f"{p}.q_proj"), g.i64([0, 0, HEADS, HEAD_DIM])])],
                 perm=[0, 2, 1, 3])  # [b,Hq,S,D]
        k = g.op("Transpose", [g.op("Reshape", [g.linear(x, lw["k"], f"{p}.k_proj"), g.i64([0, 0, KV_HEADS, HEAD_DIM])])],
                 perm=[0, 2, 1, 3])  # [b,Hkv,S,D]
        v = g.op("Transpose", [g.op("Reshape", [g.linear(x, lw["v"], f"{p}.v_proj"), g.i64([0, 0, KV_HEADS, HEAD_DIM])])],
                 perm=[0, 2, 1, 3])
        k_all = g.op("Concat", [f"past_key_values.{i}.key", k], outputs=[f"present.{i}.key"], axis=2)  # [b,Hkv,T,D]
        v_all = g.op("Concat", [f"past_key_values.{i}.value", v], outputs=[f"present.{i}.value"], axis=2)
        outputs += [f"present.{i}.key", f"present.{i}.value"]

        def repeat_kv(t):  # [b,Hkv,T,D] -> [b,Hq,T,D]
            e = g.op("Expand", [g.op("Unsqueeze", [t, g.i64([2])]), g.i64([1, 1, group, 1, 1])])
            return g.op("Reshape", [e, g.i64([0, HEADS, -1, HEAD_DIM])])

        kt = g.op("Transpose", [repeat_kv(k_all)], perm=[0, 1, 3, 2])
        scores = g.op("Mul", [g.op("MatMul", [q, kt]), g.cf(1.0 / np.sqrt(HEAD_DIM))])
        probs = g.op("Softmax", [g.op("Add", [scores, bias])], axis=-1)  # [b,Hq,S,T]
        ctx = g.op("MatMul", [probs, repeat_kv(v_all)])  # [b,Hq,S,D]
        ctx = g.op("Reshape", [g.op("Transpose", [ctx], perm=[0, 2, 1, 3]), g.i64([0, 0, HEADS * HEAD_DIM])])
        h = g.op("Add", [h, g.linear(ctx, lw["o"], f"{p}.o_proj")])  # o_proj is all zeros

    logits = g.linear(h, w["lm_head"], "lm_head")  # [b,s,V]

    if long:
        # Deliberate extra work per forward pass, of fixed size: [LONG_ROWS, N] x [N, N] in float32.
        # The constant is a tiled block (ORT folds the Tile at load). The result is multiplied by a zero
        # computed from Shape(input_ids) at run time, so neither the MatMul nor the product can be folded.
        big = g.op("Tile", [g.init(w["long_block"], "long.block"), g.i64([LONG_N // LONG_TILE, LONG_N // LONG_TILE])])
        hm = g.op("ReduceMean", [h], keepdims=0)  # scalar, depends on the input
        hm = g.op("Cast", [hm], to=F32) if half else hm
        rows = g.op("Tanh", [g.op("Add", [g.init(w["long_rows"], "long.rows"), hm])])  # [R, N]
        work = g.op("ReduceSum", [g.op("MatMul", [rows, big])], keepdims=0)  # scalar
        batch = g.dim("input_ids", 0)
        zero = g.op("Cast", [g.op("Less", [batch, g.i64([0])])], to=F32)  # [1], always 0
        extra = g.op("Mul", [work, zero])
        extra = g.op("Cast", [extra], to=F16) if half else extra
        logits = g.op("Add", [logits, extra])
    g.op("Identity", [logits], outputs=["logits"])

    inputs = [
        helper.make_tensor_value_info("input_ids", I64, ["batch_size", "sequence_length"]),
        helper.make_tensor_value_info("attention_mask", I64, ["batch_size", "total_sequence_length"]),
        helper.make_tensor_value_info("position_ids", I64, ["batch_size", "sequence_length"]),
    ]
    for i in range(LAYERS):
        for kind in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(f"past_key_values.{i}.{kind}", fdt,
                                                        ["batch_size", KV_HEADS, "past_sequence_length", HEAD_DIM]))
    outs = [helper.make_tensor_value_info("logits", fdt, ["batch_size", "sequence_length", vocab_size])]
    for name in outputs:
        outs.append(helper.make_tensor_value_info(name, fdt, ["batch_size", KV_HEADS, "total_sequence_length", HEAD_DIM]))
    graph = helper.make_graph(g.nodes, "tiny_llm_long" if long else "tiny_llm", inputs, outs, initializer=g.inits)
    opsets = [helper.make_opsetid("", OPSET)]
    if mode == "q4":
        opsets.append(helper.make_opsetid("com.microsoft", 1))
    model = helper.make_model(graph, opset_imports=opsets, producer_name="parley-make-tiny-llm")
    model.ir_version = 8
    if mode != "q4":  # the checker does not know contrib ops
        onnx.checker.check_model(model)
    return model


VARIANTS = [  # (file suffix, transformers.js dtype, builder mode, float16?)
    ("", "fp32", "fp", False),
    ("_quantized", "q8", "q8", False),
    ("_q4", "q4", "q4", False),
    ("_q4f16", "q4f16", "q4", True),
]


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    flags = {a for a in argv if a.startswith("--")}
    if len(args) != 1 or flags - {"--long"}:
        print(__doc__.split("\n\n")[1])
        return 2
    outdir = args[0]
    long = "--long" in flags
    os.makedirs(os.path.join(outdir, "onnx"), exist_ok=True)

    vocab, merges, special, vocab_size = build_vocab()
    im_end, eot, im_start = special["<|im_end|>"], special["<|endoftext|>"], special["<|im_start|>"]
    answer_ids = [vocab[t] for t in ANSWER_TOKENS]
    assert len(set(answer_ids)) == len(answer_ids), "each answer token needs a unique successor"
    succ = {vocab[PROMPT_LAST]: answer_ids[0]}
    for a, b in zip(answer_ids, answer_ids[1:]):
        succ[a] = b
    if long:
        succ[answer_ids[-1]] = vocab[LOOP_TOKEN]
        succ[vocab[LOOP_TOKEN]] = answer_ids[1]
    else:
        succ[answer_ids[-1]] = im_end
    successors = [im_end] + sorted(set(succ.values()) - {im_end})  # class 0: <|im_end|>
    cls = {t: k for k, t in enumerate(successors)}
    succ_class = np.zeros(vocab_size, dtype=np.int64)  # default: class 0 (<|im_end|>)
    for a, b in succ.items():
        succ_class[a] = cls[b]
    w = make_weights(succ_class, len(successors), vocab_size, successors)
    # the bigram table this factorisation stores, checked
    table = w["emb"] @ w["lm_head"]
    assert all(int(np.argmax(table[a])) == b for a, b in succ.items())
    assert int(np.argmax(table[im_start])) == im_end and int(np.argmax(table[vocab["Ġthe"]])) == im_end

    name = "tiny-llm-long" if long else "tiny-llm"
    answer = "".join(ANSWER_TOKENS).replace("Ġ", " ")
    config = {
        "_name_or_path": f"parley-test/{name}",
        "architectures": ["Qwen2ForCausalLM"],
        "attention_dropout": 0.0,
        "bos_token_id": eot,
        "eos_token_id": im_end,
        "head_dim": HEAD_DIM,
        "hidden_act": "silu",
        "hidden_size": HIDDEN,
        "initializer_range": 0.02,
        "intermediate_size": INTERMEDIATE,
        "max_position_embeddings": MAX_POSITIONS,
        "max_window_layers": LAYERS,
        "model_type": "qwen2",
        "num_attention_heads": HEADS,
        "num_hidden_layers": LAYERS,
        "num_key_value_heads": KV_HEADS,
        "rms_norm_eps": 1e-06,
        "rope_theta": 1000000.0,
        "sliding_window": MAX_POSITIONS,
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
        "transformers_version": "4.46.0",
        "use_cache": True,
        "use_sliding_window": False,
        "vocab_size": vocab_size,
        "transformers.js_config": {"kv_cache_dtype": {"q4f16": "float16", "fp16": "float16"}},
    }
    gen = {
        "bos_token_id": eot,
        "do_sample": False,
        "eos_token_id": [im_end, eot],
        "pad_token_id": eot,
        "transformers_version": "4.46.0",
    }
    added_decoder = {str(i): {"content": t, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False,
                              "special": True} for t, i in special.items()}
    tok_config = {
        "add_bos_token": False,
        "add_prefix_space": False,
        "added_tokens_decoder": added_decoder,
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
        "bos_token": None,
        "chat_template": CHAT_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": "<|im_end|>",
        "errors": "replace",
        "model_max_length": MAX_POSITIONS,
        "pad_token": "<|endoftext|>",
        "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer",
        "unk_token": None,
    }
    info = {
        "about": f"Tiny Qwen2-shaped chat test model written by models/tools/make-tiny-llm.py{' --long' if long else ''}, "
                 "laid out like onnx-community/Qwen2.5-0.5B-Instruct. Its logits are a bigram table: after the "
                 "generation prompt's last token (\"\\n\") greedy decoding always gives `answer`"
                 + (", repeated (with a space between) without end, so it runs until max_new_tokens or a stop; each "
                    "forward pass also does a fixed amount of extra float32 MatMul work." if long else
                    " then <|im_end|>.")
                 + " Not a real language model: it proves loading, streaming and cache plumbing only.",
        "answer": answer,
        "answer_tokens": ANSWER_TOKENS,
        "answer_token_ids": answer_ids,
        "loops": long,
        "loop_separator": " " if long else None,
        "loop_token_id": vocab[LOOP_TOKEN] if long else None,
        "prompt_last_token": "\n",
        "prompt_last_token_id": vocab[PROMPT_LAST],
        "im_start_id": im_start,
        "im_end_id": im_end,
        "endoftext_id": eot,
        "eos_token_ids": [im_end, eot],
        "vocab_size": vocab_size,
        "tokenizer_size": len(vocab) + len(special),
        "layers": LAYERS,
        "num_attention_heads": HEADS,
        "num_key_value_heads": KV_HEADS,
        "head_dim": HEAD_DIM,
        "long_matmul": [LONG_ROWS, LONG_N, LONG_N] if long else None,
        "variants": {dtype: f"onnx/model{sfx}.onnx" for sfx, dtype, _, _ in VARIANTS},
        "kv_dtype": {dtype: ("float16" if half else "float32") for _, dtype, _, half in VARIANTS},
    }

    def dump(fname, obj):
        with open(os.path.join(outdir, fname), "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False, **({"indent": 2} if fname != "tokenizer.json" else {"separators": (",", ":")}))
            f.write("\n")

    dump("config.json", config)
    dump("generation_config.json", gen)
    dump("tokenizer.json", tokenizer_json(vocab, merges, special))
    dump("tokenizer_config.json", tok_config)
    dump("tiny_llm_info.json", info)
    for sfx, _dtype, mode, half in VARIANTS:
        onnx.save(build_model(mode, half, w, vocab_size, long), os.path.join(outdir, "onnx", f"model{sfx}.onnx"))

    sizes = ", ".join(f"{sfx or 'fp32'} {os.path.getsize(os.path.join(outdir, 'onnx', f'model{sfx}.onnx')) / 1e6:.2f} MB"
                      for sfx, _, _, _ in VARIANTS)
    print(f"wrote {name} to {outdir} (vocab {vocab_size}, {len(vocab) + len(special)} tokens; {sizes}); "
          f"it will always answer {answer!r}{' (repeating)' if long else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
