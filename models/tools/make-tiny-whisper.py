#!/usr/bin/env python3
"""make-tiny-whisper.py: write a TINY Whisper model that transformers.js v4 loads like a real export.

Usage:
    /usr/bin/python3 models/tools/make-tiny-whisper.py <outdir> [--english-only] [--cross-attentions]

Needs numpy and onnx (Debian's python3-onnx, onnx 1.12, is enough). Nothing is downloaded.

What it writes (the same layout as an onnx-community Whisper export, e.g. onnx-community/whisper-base):

    config.json  generation_config.json  preprocessor_config.json
    tokenizer.json  tokenizer_config.json  special_tokens_map.json
    tiny_whisper_info.json                 (not in real exports: what the model will say, for tests)
    onnx/encoder_model{suffix}.onnx
    onnx/decoder_model_merged{suffix}.onnx

for every suffix that transformers.js maps a dtype to (utils/dtypes.js, DEFAULT_DTYPE_SUFFIX_MAPPING):

    fp32  -> ""            float32 graph
    fp16  -> "_fp16"       float16 weights and activations; `input_features` stays float32
                           (cast inside), everything else crossing the graph boundary
                           (last_hidden_state, encoder_hidden_states, past/present KV, logits) is float16
    q8    -> "_quantized"  dynamic 8-bit: MatMuls are DynamicQuantizeLinear + MatMulInteger, uint8 weights
    uint8 -> "_uint8"      same graph as _quantized
    int8  -> "_int8"       like _quantized but int8 (symmetric) weights
    q4    -> "_q4"         MatMuls are com.microsoft MatMulNBits (4-bit, block 16), float32 elsewhere
    q4f16 -> "_q4f16"      MatMulNBits on the float16 graph
    (bnb4, q2, q1 ... are not written.)

transformers.js only looks at the file-name suffix; the different graphs exist so that each
variant exercises the same kind of operators a real export of that dtype uses.

Graph interface (identical names, ranks and dtypes to the optimum/onnx-community export):
    encoder_model:  input_features [batch_size, 80, 3000] float32 -> last_hidden_state [batch_size, 1500, d_model]
    decoder_model_merged inputs:  input_ids int64 [batch_size, decoder_sequence_length],
        encoder_hidden_states [batch_size, 1500, d_model],
        past_key_values.{i}.decoder.key/value [batch_size, heads, past_decoder_sequence_length, head_dim],
        past_key_values.{i}.encoder.key/value [batch_size, heads, encoder_sequence_length_out, head_dim],
        use_cache_branch bool [1]
    decoder outputs: logits [batch_size, decoder_sequence_length, vocab_size],
        present.{i}.decoder.key/value, present.{i}.encoder.key/value (same layouts)
        (+ cross_attentions.{i} [batch_size, heads, decoder_sequence_length, 1500] with --cross-attentions,
        like the "_timestamped" exports; needed for return_timestamps: 'word')
    Like the real merged decoder, an If on use_cache_branch chooses between computing the
    cross-attention K/V from encoder_hidden_states (first step) and passing the cached ones through.

HOW THE OUTPUT IS FIXED (by construction, independent of the audio):
    The network is a genuine (tiny, random-weight) Whisper-shaped encoder/decoder: conv stem,
    self-attention, causal self-attention over the KV cache, cross-attention, MLP. But its logits are
        logits = FIXED(last input token) + 0.001 * tanh(hidden @ token_embeddings^T)
    FIXED is a successor table: <|notimestamps|> -> " Hello", " Hello" -> " from", ... "." -> <|endoftext|>,
    every unlisted token -> <|endoftext|>, each with logit 20 and 0 elsewhere. Since every decision
    has a logit gap of >= 1 and the audio-dependent term is < 0.001, greedy decoding always
    yields the sentence SENTENCE below, whatever the audio (speech, noise or silence).
    Timestamps also work: <|startoftranscript|>/<|transcribe|>/<|translate|> -> <|0.00|>,
    <|0.00|> -> " Hello", and the row of the last token (".") also gives every timestamp logit 15 and
    <|2.00|> logit 16, below <|endoftext|> (20) for plain decoding, but summing (log-sum-exp ~22.3)
    above it, so Whisper's timestamp rule picks <|2.00|> when return_timestamps is on. Result:
        plain:       " Hello from the tiny model."
        timestamps:  chunks [{ timestamp: [0, 2], text: " Hello from the tiny model." }]

This model recognises NOTHING. It exists to test loading, caching, workers, progress reporting,
timing and plumbing. Real transcription accuracy needs real weights (e.g. onnx-community/whisper-base).
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# ----------------------------------------------------------------------------------------------
# Model dimensions and the fixed sentence. Words must be distinct tokens (the table is a bigram).
# ----------------------------------------------------------------------------------------------
SENTENCE_TOKENS = ["ĠHello", "Ġfrom", "Ġthe", "Ġtiny", "Ġmodel", "."]  # " Hello from the tiny model."
END_TIMESTAMP_INDEX = 100  # <|2.00|>
D_MODEL = 8
HEADS = 2
HEAD_DIM = D_MODEL // HEADS
FFN_DIM = 16
ENCODER_LAYERS = 1
DECODER_LAYERS = 2
NUM_MEL_BINS = 80
MAX_SOURCE_POSITIONS = 1500
MAX_TARGET_POSITIONS = 448
NB_MAX_FRAMES = 3000
OPSET = 17
LOGIT_HIGH = 20.0
TS_ALL = 15.0
TS_END = 16.0
PERTURB = 1e-3
SEED = 1234

LANGUAGES = (
    "en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th ur hr "
    "bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr pa si km sn "
    "yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt haw ln ha ba jw su"
).split()
assert len(LANGUAGES) == 99


# ----------------------------------------------------------------------------------------------
# Tokenizer (GPT-2 style byte-level BPE, Whisper special-token layout)
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
    return [chr(c) for c in cs]  # in GPT-2 vocab order: ids 0..255


def build_vocab():
    base = bytes_to_unicode()
    vocab = {tok: i for i, tok in enumerate(base)}
    merges = []
    for word in SENTENCE_TOKENS:
        cur = word[0]
        for ch in word[1:]:
            merged = cur + ch
            if merged not in vocab:
                merges.append(f"{cur} {ch}")
                vocab[merged] = len(vocab)
            cur = merged
        assert word in vocab, word
    assert len(set(SENTENCE_TOKENS)) == len(SENTENCE_TOKENS), "sentence tokens must be distinct"

    n = len(vocab)
    ids = {"<|endoftext|>": n, "<|startoftranscript|>": n + 1}
    for i, lang in enumerate(LANGUAGES):
        ids[f"<|{lang}|>"] = n + 2 + i
    k = n + 2 + len(LANGUAGES)
    for name in ["<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>", "<|notimestamps|>"]:
        ids[name] = k
        k += 1
    timestamp_begin = k
    timestamps = {f"<|{i * 0.02:.2f}|>": timestamp_begin + i for i in range(1501)}
    vocab_size = timestamp_begin + 1501
    return vocab, merges, ids, timestamps, timestamp_begin, vocab_size


def tokenizer_json(vocab, merges, ids, timestamps):
    def added(content, i, special):
        return {"id": i, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": special}

    added_tokens = [added(c, i, True) for c, i in ids.items()] + [added(c, i, False) for c, i in timestamps.items()]
    sot, eot, nots = ids["<|startoftranscript|>"], ids["<|endoftext|>"], ids["<|notimestamps|>"]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added_tokens,
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "<|startoftranscript|>", "type_id": 0}},
                {"SpecialToken": {"id": "<|notimestamps|>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "<|startoftranscript|>", "type_id": 0}},
                {"SpecialToken": {"id": "<|notimestamps|>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 1}},
                {"SpecialToken": {"id": "<|endoftext|>", "type_id": 1}},
            ],
            "special_tokens": {
                "<|startoftranscript|>": {"id": "<|startoftranscript|>", "ids": [sot], "tokens": ["<|startoftranscript|>"]},
                "<|notimestamps|>": {"id": "<|notimestamps|>", "ids": [nots], "tokens": ["<|notimestamps|>"]},
                "<|endoftext|>": {"id": "<|endoftext|>", "ids": [eot], "tokens": ["<|endoftext|>"]},
            },
        },
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
            "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
            "vocab": vocab, "merges": merges,
        },
    }


# ----------------------------------------------------------------------------------------------
# ONNX graph builder
# ----------------------------------------------------------------------------------------------
F32 = TensorProto.FLOAT
F16 = TensorProto.FLOAT16
I64 = TensorProto.INT64


class Builder:
    """Collects nodes/initializers. `mode` picks how linear layers are written:
    'fp' (MatMul), 'q8u' / 'q8s' (DynamicQuantizeLinear + MatMulInteger, uint8 / int8 weights),
    'q4' (com.microsoft MatMulNBits). `half` makes weights/activations float16."""

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

    def init(self, arr, prefix="w"):
        name = self.uid(prefix)
        self.inits.append(numpy_helper.from_array(np.array(arr, copy=True, order="C"), name))
        return name

    def c(self, value, dtype):
        """Scalar / small constant (cached)."""
        arr = np.array(value, dtype=dtype)
        key = (arr.dtype.str, arr.shape, arr.tobytes())
        if key not in self.const_cache:
            self.const_cache[key] = self.init(arr, "c")
        return self.const_cache[key]

    def cf(self, value):  # constant in the activation float type
        return self.c(value, self.np_fdt)

    def i64(self, value):
        return self.c(value, np.int64)

    def op(self, op_type, inputs, n_out=1, domain=None, name_hint=None, outputs=None, **attrs):
        outs = outputs or [self.uid(name_hint or op_type.lower()) for _ in range(n_out)]
        node = helper.make_node(op_type, inputs, outs, name=self.uid("n_" + op_type), **attrs)
        if domain:
            node.domain = domain
        self.nodes.append(node)
        return outs[0] if n_out == 1 else outs

    # -- layers -----------------------------------------------------------------------------
    def linear(self, x, w, b=None):
        k, n = w.shape
        if self.mode == "fp":
            y = self.op("MatMul", [x, self.init(w.astype(self.np_fdt))])
        elif self.mode in ("q8u", "q8s"):
            assert not self.half
            xq, xs, xz = self.op("DynamicQuantizeLinear", [x], n_out=3)
            if self.mode == "q8u":
                lo, hi = min(float(w.min()), 0.0), max(float(w.max()), 0.0)
                scale = (hi - lo) / 255.0 or 1.0
                zp = int(round(-lo / scale))
                wq = np.clip(np.round(w / scale) + zp, 0, 255).astype(np.uint8)
                wz = np.array(zp, dtype=np.uint8)
            else:
                scale = float(np.abs(w).max()) / 127.0 or 1.0
                wq = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
                wz = np.array(0, dtype=np.int8)
            acc = self.op("MatMulInteger", [xq, self.init(wq, "wq"), xz, self.init(wz, "wz")])
            accf = self.op("Cast", [acc], to=F32)
            s = self.op("Mul", [xs, self.c(scale, np.float32)])
            y = self.op("Mul", [accf, s])
        elif self.mode == "q4":
            block = 16
            nblk = (k + block - 1) // block
            wp = np.zeros((nblk * block, n), dtype=np.float32)
            wp[:k] = w
            wt = wp.T.reshape(n, nblk, block)  # [N, blocks, block]
            scales = np.abs(wt).max(axis=2) / 7.0
            scales[scales == 0] = 1.0
            q = np.clip(np.round(wt / scales[:, :, None]) + 8, 0, 15).astype(np.uint8)
            packed = (q[:, :, 0::2] | (q[:, :, 1::2] << 4)).astype(np.uint8)  # [N, blocks, block/2]
            y = self.op("MatMulNBits", [x, self.init(packed, "wq4"), self.init(scales.reshape(-1).astype(self.np_fdt), "sc")],
                        domain="com.microsoft", K=k, N=n, bits=4, block_size=block)
        else:
            raise ValueError(self.mode)
        if b is not None:
            y = self.op("Add", [y, self.init(b.astype(self.np_fdt))])
        return y

    def layer_norm(self, x, dim):
        return self.op("LayerNormalization", [x, self.init(np.ones(dim, self.np_fdt), "ln_g"),
                                              self.init(np.zeros(dim, self.np_fdt), "ln_b")], axis=-1, epsilon=1e-5)

    def gelu(self, x):
        t = self.op("Div", [x, self.cf(np.sqrt(2.0))])
        t = self.op("Erf", [t])
        t = self.op("Add", [t, self.cf(1.0)])
        t = self.op("Mul", [x, t])
        return self.op("Mul", [t, self.cf(0.5)])

    def split_heads(self, x):  # [b, s, d] -> [b, H, s, Dh]
        r = self.op("Reshape", [x, self.i64([0, 0, HEADS, HEAD_DIM])])
        return self.op("Transpose", [r], perm=[0, 2, 1, 3])

    def merge_heads(self, x):  # [b, H, s, Dh] -> [b, s, d]
        t = self.op("Transpose", [x], perm=[0, 2, 1, 3])
        return self.op("Reshape", [t, self.i64([0, 0, D_MODEL])])

    def attention(self, q, k, v, mask=None):
        """q,k,v: [b,H,*,Dh]. Returns (context [b,H,s,Dh], probs [b,H,s,t])."""
        kt = self.op("Transpose", [k], perm=[0, 1, 3, 2])
        scores = self.op("MatMul", [q, kt])
        scores = self.op("Mul", [scores, self.cf(1.0 / np.sqrt(HEAD_DIM))])
        if mask is not None:
            scores = self.op("Add", [scores, mask])
        probs = self.op("Softmax", [scores], axis=-1)
        return self.op("MatMul", [probs, v]), probs

    def dim(self, x, axis):  # scalar int64
        shape = self.op("Shape", [x])
        return self.op("Gather", [shape, self.i64(axis)], axis=0)

    def sinusoid(self, pos_f32, dim):
        """pos_f32: [...] float32 -> [..., dim] float32 (Whisper-style sin|cos)."""
        half = dim // 2
        inv = np.exp(-np.log(10000.0) * np.arange(half) / max(half - 1, 1)).astype(np.float32)
        p = self.op("Unsqueeze", [pos_f32, self.i64([-1])])
        a = self.op("Mul", [p, self.c(inv, np.float32)])
        return self.op("Concat", [self.op("Sin", [a]), self.op("Cos", [a])], axis=-1)

    def to_fdt(self, x):
        return self.op("Cast", [x], to=self.fdt) if self.half else x


def rnd(rng, *shape, scale=0.3):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def make_weights():
    rng = np.random.default_rng(SEED)
    enc = {
        "conv1_w": rnd(rng, D_MODEL, NUM_MEL_BINS, 3, scale=0.05), "conv1_b": rnd(rng, D_MODEL, scale=0.1),
        "conv2_w": rnd(rng, D_MODEL, D_MODEL, 3, scale=0.2), "conv2_b": rnd(rng, D_MODEL, scale=0.1),
        "layers": [],
    }
    for _ in range(ENCODER_LAYERS):
        enc["layers"].append({k: rnd(rng, *s) for k, s in {
            "q": (D_MODEL, D_MODEL), "k": (D_MODEL, D_MODEL), "v": (D_MODEL, D_MODEL), "o": (D_MODEL, D_MODEL),
            "fc1": (D_MODEL, FFN_DIM), "fc2": (FFN_DIM, D_MODEL), "b1": (FFN_DIM,), "b2": (D_MODEL,)}.items()})
    dec = {"tok_freq": (rng.uniform(0.05, 3.0, D_MODEL)).astype(np.float32),
           "tok_phase": (rng.uniform(0, np.pi, D_MODEL)).astype(np.float32), "layers": []}
    for _ in range(DECODER_LAYERS):
        dec["layers"].append({k: rnd(rng, *s) for k, s in {
            "q": (D_MODEL, D_MODEL), "k": (D_MODEL, D_MODEL), "v": (D_MODEL, D_MODEL), "o": (D_MODEL, D_MODEL),
            "cq": (D_MODEL, D_MODEL), "ck": (D_MODEL, D_MODEL), "cv": (D_MODEL, D_MODEL), "co": (D_MODEL, D_MODEL),
            "fc1": (D_MODEL, FFN_DIM), "fc2": (FFN_DIM, D_MODEL), "b1": (FFN_DIM,), "b2": (D_MODEL,)}.items()})
    return enc, dec


def make_model(g, inputs, outputs, name):
    graph = helper.make_graph(g.nodes, name, inputs, outputs, initializer=g.inits)
    opsets = [helper.make_opsetid("", OPSET)]
    if g.mode == "q4":
        opsets.append(helper.make_opsetid("com.microsoft", 1))
    model = helper.make_model(graph, opset_imports=opsets, producer_name="parley-make-tiny-whisper")
    model.ir_version = 8
    if g.mode != "q4":  # the checker does not know contrib ops
        onnx.checker.check_model(model)
    return model


def build_encoder(mode, half, w):
    g = Builder(mode, half)
    x = g.to_fdt("input_features")  # [b, 80, T]
    x = g.op("Conv", [x, g.init(w["conv1_w"].astype(g.np_fdt)), g.init(w["conv1_b"].astype(g.np_fdt))],
             kernel_shape=[3], pads=[1, 1])
    x = g.gelu(x)
    x = g.op("Conv", [x, g.init(w["conv2_w"].astype(g.np_fdt)), g.init(w["conv2_b"].astype(g.np_fdt))],
             kernel_shape=[3], pads=[1, 1], strides=[2])
    x = g.gelu(x)
    x = g.op("Transpose", [x], perm=[0, 2, 1])  # [b, T/2, d]
    t = g.dim(x, 1)
    pos = g.op("Cast", [g.op("Range", [g.i64(0), t, g.i64(1)])], to=F32)
    x = g.op("Add", [x, g.to_fdt(g.sinusoid(pos, D_MODEL))])
    for lw in w["layers"]:
        h = g.layer_norm(x, D_MODEL)
        q, k, v = (g.split_heads(g.linear(h, lw[n])) for n in "qkv")
        ctx, _ = g.attention(q, k, v)
        x = g.op("Add", [x, g.linear(g.merge_heads(ctx), lw["o"])])
        h = g.layer_norm(x, D_MODEL)
        h = g.linear(g.gelu(g.linear(h, lw["fc1"], lw["b1"])), lw["fc2"], lw["b2"])
        x = g.op("Add", [x, h])
    g.op("LayerNormalization", [x, g.init(np.ones(D_MODEL, g.np_fdt), "ln_g"), g.init(np.zeros(D_MODEL, g.np_fdt), "ln_b")],
         outputs=["last_hidden_state"], axis=-1, epsilon=1e-5)
    inputs = [helper.make_tensor_value_info("input_features", F32, ["batch_size", NUM_MEL_BINS, "encoder_sequence_length"])]
    outputs = [helper.make_tensor_value_info("last_hidden_state", g.fdt, ["batch_size", "encoder_sequence_length / 2", D_MODEL])]
    return make_model(g, inputs, outputs, "tiny_whisper_encoder")


def build_decoder(mode, half, w, tok, cross_attentions):
    g = Builder(mode, half)
    fdt = g.fdt
    V = tok["vocab_size"]

    # --- token + position embeddings (computed, not stored) -------------------------------
    ids_f = g.op("Cast", [g.op("Unsqueeze", [("input_ids"), g.i64([-1])])], to=F32)  # [b,s,1]
    freq, phase = g.c(w["tok_freq"], np.float32), g.c(w["tok_phase"], np.float32)
    emb = g.op("Sin", [g.op("Add", [g.op("Mul", [ids_f, freq]), phase])])  # [b,s,d]
    past_len = g.dim("past_key_values.0.decoder.key", 2)
    seq_len = g.dim("input_ids", 1)
    total = g.op("Add", [past_len, seq_len])
    pos_i = g.op("Range", [past_len, total, g.i64(1)])  # [s]
    pos = g.sinusoid(g.op("Cast", [pos_i], to=F32), D_MODEL)  # [s,d]
    x = g.to_fdt(g.op("Add", [emb, g.op("Mul", [pos, g.c(0.5, np.float32)])]))

    # causal mask [s, total]: key j visible to query i iff j <= past + i
    kpos = g.op("Range", [g.i64(0), total, g.i64(1)])
    qpos = g.op("Unsqueeze", [pos_i, g.i64([-1])])
    future = g.op("Greater", [g.op("Unsqueeze", [kpos, g.i64([0])]), qpos])
    mask = g.op("Where", [future, g.cf(-1e4), g.cf(0.0)])

    # --- If(use_cache_branch): cross-attention K/V from the cache or from encoder_hidden_states
    enc_names = []
    for i in range(DECODER_LAYERS):
        enc_names += [f"present.{i}.encoder.key", f"present.{i}.encoder.value"]
    kv_shape = ["batch_size", HEADS, "encoder_sequence_length_out", HEAD_DIM]

    main_nodes = g.nodes
    g.nodes = []
    then_outs = []
    for i in range(DECODER_LAYERS):
        for kind in ("key", "value"):
            out = g.uid(f"cached_enc_{kind}")
            g.op("Identity", [f"past_key_values.{i}.encoder.{kind}"], outputs=[out])
            then_outs.append(helper.make_tensor_value_info(out, fdt, kv_shape))
    then_graph = helper.make_graph(g.nodes, "use_cache_branch_true", [], then_outs)
    g.nodes = []
    else_outs = []
    for i, lw in enumerate(w["layers"]):
        for kind, wname in (("key", "ck"), ("value", "cv")):
            out = g.uid(f"fresh_enc_{kind}")
            h = g.linear("encoder_hidden_states", lw[wname])
            r = g.op("Reshape", [h, g.i64([0, 0, HEADS, HEAD_DIM])])
            g.op("Transpose", [r], perm=[0, 2, 1, 3], outputs=[out])
            else_outs.append(helper.make_tensor_value_info(out, fdt, kv_shape))
    else_graph = helper.make_graph(g.nodes, "use_cache_branch_false", [], else_outs)
    g.nodes = main_nodes
    g.op("If", ["use_cache_branch"], outputs=enc_names, then_branch=then_graph, else_branch=else_graph)

    # --- decoder layers --------------------------------------------------------------------
    out_names = ["logits"]
    cross_outs = []
    for i, lw in enumerate(w["layers"]):
        h = g.layer_norm(x, D_MODEL)
        q, k, v = (g.split_heads(g.linear(h, lw[n])) for n in "qkv")
        k_all = g.op("Concat", [f"past_key_values.{i}.decoder.key", k], outputs=[f"present.{i}.decoder.key"], axis=2)
        v_all = g.op("Concat", [f"past_key_values.{i}.decoder.value", v], outputs=[f"present.{i}.decoder.value"], axis=2)
        ctx, _ = g.attention(q, k_all, v_all, mask)
        x = g.op("Add", [x, g.linear(g.merge_heads(ctx), lw["o"])])
        h = g.layer_norm(x, D_MODEL)
        cq = g.split_heads(g.linear(h, lw["cq"]))
        ctx, probs = g.attention(cq, f"present.{i}.encoder.key", f"present.{i}.encoder.value")
        if cross_attentions:
            g.op("Identity", [probs], outputs=[f"cross_attentions.{i}"])
            cross_outs.append(f"cross_attentions.{i}")
        x = g.op("Add", [x, g.linear(g.merge_heads(ctx), lw["co"])])
        h = g.layer_norm(x, D_MODEL)
        h = g.linear(g.gelu(g.linear(h, lw["fc1"], lw["b1"])), lw["fc2"], lw["b2"])
        x = g.op("Add", [x, h])
        out_names += [f"present.{i}.decoder.key", f"present.{i}.decoder.value",
                      f"present.{i}.encoder.key", f"present.{i}.encoder.value"]
    x = g.layer_norm(x, D_MODEL)

    # --- audio-dependent but negligible term: PERTURB * tanh(x @ E^T), E = token embeddings ------
    vocab_f = g.op("Cast", [g.op("Range", [g.i64(0), g.i64(V), g.i64(1)])], to=F32)  # [V]
    e_all = g.op("Sin", [g.op("Add", [g.op("Mul", [g.op("Unsqueeze", [vocab_f, g.i64([-1])]), freq]), phase])])  # [V,d]
    e_t = g.to_fdt(g.op("Transpose", [e_all], perm=[1, 0]))  # [d,V]
    perturb = g.op("Mul", [g.op("Tanh", [g.op("MatMul", [x, e_t])]), g.cf(PERTURB)])  # [b,s,V]

    # --- FIXED logits from the successor table (float32, exact) -------------------------------
    src, nxt, last = tok["table"]
    onehot_src = g.op("Cast", [g.op("Equal", [g.op("Unsqueeze", ["input_ids", g.i64([-1])]), g.c(src, np.int64)])], to=F32)  # [b,s,K]
    hit = g.op("ReduceSum", [onehot_src, g.i64([-1])], keepdims=1)  # [b,s,1]
    nxt_f = g.op("MatMul", [onehot_src, g.c(np.array(nxt, np.float32).reshape(-1, 1), np.float32)])
    miss = g.op("Sub", [g.c(1.0, np.float32), hit])
    nxt_f = g.op("Add", [nxt_f, g.op("Mul", [miss, g.c(float(tok["eot"]), np.float32)])])  # [b,s,1]
    target = g.op("Cast", [g.op("Equal", [nxt_f, vocab_f])], to=F32)  # [b,s,V]
    fixed = g.op("Mul", [target, g.c(LOGIT_HIGH, np.float32)])
    last_f = g.op("MatMul", [onehot_src, g.c(np.array(last, np.float32).reshape(-1, 1), np.float32)])  # [b,s,1]
    is_ts = g.op("Cast", [g.op("GreaterOrEqual", [vocab_f, g.c(float(tok["timestamp_begin"]), np.float32)])], to=F32)
    is_end = g.op("Cast", [g.op("Equal", [vocab_f, g.c(float(tok["timestamp_begin"] + END_TIMESTAMP_INDEX), np.float32)])], to=F32)
    ts_bias = g.op("Add", [g.op("Mul", [is_ts, g.c(TS_ALL, np.float32)]), is_end])  # [V]
    fixed = g.op("Add", [fixed, g.op("Mul", [last_f, ts_bias])])
    g.op("Add", [g.to_fdt(fixed), perturb], outputs=["logits"])

    inputs = [helper.make_tensor_value_info("input_ids", I64, ["batch_size", "decoder_sequence_length"]),
              helper.make_tensor_value_info("encoder_hidden_states", fdt, ["batch_size", "encoder_sequence_length / 2", D_MODEL])]
    for i in range(DECODER_LAYERS):
        for part, seq in (("decoder", "past_decoder_sequence_length"), ("encoder", "encoder_sequence_length_out")):
            for kind in ("key", "value"):
                inputs.append(helper.make_tensor_value_info(f"past_key_values.{i}.{part}.{kind}", fdt,
                                                            ["batch_size", HEADS, seq, HEAD_DIM]))
    inputs.append(helper.make_tensor_value_info("use_cache_branch", TensorProto.BOOL, [1]))

    outputs = [helper.make_tensor_value_info("logits", fdt, ["batch_size", "decoder_sequence_length", V])]
    for name in out_names[1:]:
        seq = "encoder_sequence_length_out" if ".encoder." in name else "past_decoder_sequence_length + decoder_sequence_length"
        outputs.append(helper.make_tensor_value_info(name, fdt, ["batch_size", HEADS, seq, HEAD_DIM]))
    for name in cross_outs:
        outputs.append(helper.make_tensor_value_info(name, fdt, ["batch_size", HEADS, "decoder_sequence_length", "encoder_sequence_length_out"]))
    return make_model(g, inputs, outputs, "tiny_whisper_decoder_merged")


# ----------------------------------------------------------------------------------------------
VARIANTS = [  # (file suffix, transformers.js dtype, builder mode, float16?)
    ("", "fp32", "fp", False),
    ("_fp16", "fp16", "fp", True),
    ("_quantized", "q8", "q8u", False),
    ("_uint8", "uint8", "q8u", False),
    ("_int8", "int8", "q8s", False),
    ("_q4", "q4", "q4", False),
    ("_q4f16", "q4f16", "q4", True),
]


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    flags = {a for a in argv if a.startswith("--")}
    unknown = flags - {"--english-only", "--cross-attentions"}
    if len(args) != 1 or unknown:
        print(__doc__.split("\n\n")[1])
        return 2
    outdir = args[0]
    multilingual = "--english-only" not in flags
    cross_attentions = "--cross-attentions" in flags
    os.makedirs(os.path.join(outdir, "onnx"), exist_ok=True)

    vocab, merges, ids, timestamps, timestamp_begin, vocab_size = build_vocab()
    eot, sot, nots = ids["<|endoftext|>"], ids["<|startoftranscript|>"], ids["<|notimestamps|>"]
    sentence_ids = [vocab[t] for t in SENTENCE_TOKENS]
    ts0 = timestamp_begin
    # successor table: (source token, next token, is-last-word flag)
    table = [(nots, sentence_ids[0], 0), (ts0, sentence_ids[0], 0)]
    table += [(ids[t], ts0, 0) for t in ("<|startoftranscript|>", "<|transcribe|>", "<|translate|>")]
    for a, b in zip(sentence_ids, sentence_ids[1:]):
        table.append((a, b, 0))
    table.append((sentence_ids[-1], eot, 1))
    tok = {"vocab_size": vocab_size, "eot": eot, "timestamp_begin": timestamp_begin,
           "table": ([t[0] for t in table], [t[1] for t in table], [t[2] for t in table])}

    space_id = vocab["Ġ"]
    # like Whisper's list: punctuation/symbol byte tokens + task/control specials (not the sentence's ".")
    suppress = sorted({vocab[c] for c in '"#()*+/:;<=>@[\\]^_`{|}~'} |
                      {ids[t] for t in ("<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>")})
    assert not set(suppress) & set(sentence_ids)

    config = {
        "_name_or_path": "parley/tiny-whisper",
        "activation_dropout": 0.0, "activation_function": "gelu", "apply_spec_augment": False,
        "architectures": ["WhisperForConditionalGeneration"],
        "attention_dropout": 0.0, "begin_suppress_tokens": [space_id, eot], "bos_token_id": eot,
        "classifier_proj_size": 256, "d_model": D_MODEL,
        "decoder_attention_heads": HEADS, "decoder_ffn_dim": FFN_DIM, "decoder_layerdrop": 0.0,
        "decoder_layers": DECODER_LAYERS, "decoder_start_token_id": sot, "dropout": 0.0,
        "encoder_attention_heads": HEADS, "encoder_ffn_dim": FFN_DIM, "encoder_layerdrop": 0.0,
        "encoder_layers": ENCODER_LAYERS, "eos_token_id": eot, "init_std": 0.02, "is_encoder_decoder": True,
        "mask_feature_length": 10, "mask_feature_min_masks": 0, "mask_feature_prob": 0.0,
        "mask_time_length": 10, "mask_time_min_masks": 2, "mask_time_prob": 0.05,
        "max_source_positions": MAX_SOURCE_POSITIONS, "max_target_positions": MAX_TARGET_POSITIONS,
        "median_filter_width": 7, "model_type": "whisper", "num_hidden_layers": ENCODER_LAYERS,
        "num_mel_bins": NUM_MEL_BINS, "pad_token_id": eot, "scale_embedding": False,
        "torch_dtype": "float32", "transformers_version": "4.46.0", "use_cache": True,
        "use_weighted_layer_sum": False, "vocab_size": vocab_size,
    }
    gen = {
        "begin_suppress_tokens": [space_id, eot],
        "bos_token_id": eot,
        "decoder_start_token_id": sot,
        "eos_token_id": eot,
        "is_multilingual": multilingual,
        "max_initial_timestamp_index": 50,
        "max_length": MAX_TARGET_POSITIONS,
        "no_timestamps_token_id": nots,
        "pad_token_id": eot,
        "prev_sot_token_id": ids["<|startofprev|>"],
        "return_timestamps": False,
        "suppress_tokens": suppress,
        "transformers_version": "4.46.0",
    }
    if multilingual:
        gen["lang_to_id"] = {f"<|{l}|>": ids[f"<|{l}|>"] for l in LANGUAGES}
        gen["task_to_id"] = {"transcribe": ids["<|transcribe|>"], "translate": ids["<|translate|>"]}
        gen["forced_decoder_ids"] = [[1, None], [2, ids["<|transcribe|>"]]]
    else:
        gen["forced_decoder_ids"] = [[1, nots]]
    if cross_attentions:
        gen["alignment_heads"] = [[DECODER_LAYERS - 1, h] for h in range(HEADS)]
    preproc = {
        "chunk_length": 30, "feature_extractor_type": "WhisperFeatureExtractor", "feature_size": NUM_MEL_BINS,
        "hop_length": 160, "n_fft": 400, "n_samples": 480000, "nb_max_frames": NB_MAX_FRAMES,
        "padding_side": "right", "padding_value": 0.0, "processor_class": "WhisperProcessor",
        "return_attention_mask": False, "sampling_rate": 16000,
    }
    tok_config = {
        "add_bos_token": False, "add_prefix_space": False, "bos_token": "<|endoftext|>",
        "clean_up_tokenization_spaces": True, "eos_token": "<|endoftext|>", "errors": "replace",
        "model_max_length": 1024, "pad_token": "<|endoftext|>", "processor_class": "WhisperProcessor",
        "return_attention_mask": False, "tokenizer_class": "WhisperTokenizer", "unk_token": "<|endoftext|>",
    }
    special_map = {
        "additional_special_tokens": [t for t in ids if t != "<|endoftext|>"],
        "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
    }
    text = "".join(SENTENCE_TOKENS).replace("Ġ", " ")
    info = {
        "about": "Tiny Whisper-shaped test model written by models/tools/make-tiny-whisper.py. "
                 "It ignores the audio: greedy decoding always yields `text`. Not a real speech recogniser.",
        "text": text,
        "text_with_timestamps": {"timestamp": [0.0, END_TIMESTAMP_INDEX * 0.02], "text": text},
        "token_ids": sentence_ids,
        "multilingual": multilingual,
        "cross_attentions": cross_attentions,
        "variants": {dtype: {"encoder": f"onnx/encoder_model{sfx}.onnx", "decoder": f"onnx/decoder_model_merged{sfx}.onnx"}
                     for sfx, dtype, _, _ in VARIANTS},
    }

    def dump(name, obj):
        with open(os.path.join(outdir, name), "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False, **({"indent": 2} if name != "tokenizer.json" else {"separators": (",", ":")}))
            f.write("\n")

    dump("config.json", config)
    dump("generation_config.json", gen)
    dump("preprocessor_config.json", preproc)
    dump("tokenizer.json", tokenizer_json(vocab, merges, ids, timestamps))
    dump("tokenizer_config.json", tok_config)
    dump("special_tokens_map.json", special_map)
    dump("tiny_whisper_info.json", info)

    enc_w, dec_w = make_weights()
    for sfx, _dtype, mode, half in VARIANTS:
        onnx.save(build_encoder(mode, half, enc_w), os.path.join(outdir, "onnx", f"encoder_model{sfx}.onnx"))
        onnx.save(build_decoder(mode, half, dec_w, tok, cross_attentions),
                  os.path.join(outdir, "onnx", f"decoder_model_merged{sfx}.onnx"))

    total = 0
    for root, _, files in os.walk(outdir):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    print(f"wrote tiny whisper to {outdir} ({total / 1024:.0f} KiB, vocab {vocab_size}, "
          f"{'multilingual' if multilingual else 'english-only'}{', cross-attentions' if cross_attentions else ''}); "
          f"it will always say {text!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
