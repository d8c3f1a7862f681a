#!/usr/bin/env python3
"""make-tiny-kokoro.py: write a TINY Kokoro-shaped TTS model that transformers.js loads like the real export.

Usage:
    /usr/bin/python3 models/tools/make-tiny-kokoro.py <outdir>

Needs numpy and onnx (Debian's python3-onnx is enough). Nothing is downloaded.

The layout is that of onnx-community/Kokoro-82M-v1.0-ONNX(-timestamped):

    config.json                 model_type "style_text_to_speech_2"
    tokenizer.json              character-level WordLevel over IPA symbols, "$" around each input
    tokenizer_config.json
    onnx/model.onnx             fp32   (transformers.js dtype "fp32")
    onnx/model_quantized.onnx   q8     (same graph here: there are no weights worth quantizing)
    voices/af_heart.bin         float32 [510, 1, 256]: one style row per input length
    tiny_kokoro_info.json       (not in real exports: what the model does, for tests)

Graph interface (names, ranks and dtypes of the real export):
    inputs:  input_ids int64 [1, tokens], style float32 [1, 256], speed float32 [1]
    outputs: waveform float32 [samples] at 24 kHz,
             durations float32 [tokens]: frames of 600 samples per token (as the -timestamped export)

What it says: every token becomes TOKEN_FRAMES frames of a sine whose pitch follows the token id
(the "$" boundary tokens are silent), scaled by the style vector's first value. It speaks no
language: it exists to test loading, voices, phoneme timings and the plumbing around them.
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SAMPLE_RATE = 24000
FRAME = 600  # samples per duration frame (25 ms)
TOKEN_FRAMES = 3  # 75 ms of sound per token
STYLE_DIM = 256
OPSET = 17

# IPA symbols as eSpeak NG writes them for English, plus punctuation and space.
SYMBOLS = list(';:,.!?—…"()“” ') + list("abcdefhijklmnopqrstuvwxyz") + list(
    "ɑɐɒæβɔɕçɖðʤəɚɛɜɟɡɥɨɪʝɯɰŋɳɲɴøɸθœɹɾɻʁɽʂʃʈʧʊʋʌɣɤχʎʒʔˈˌːʰʲ↓→↗↘ᵻ"
)


def tokenizer_json():
    vocab = {"$": 0}
    for s in SYMBOLS:
        vocab.setdefault(s, len(vocab))
    special = {"id": "$", "type_id": 0}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": 0, "content": "$", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "Split", "pattern": {"Regex": ""}, "behavior": "Isolated", "invert": False},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": special}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": special}],
            "pair": [{"SpecialToken": special}, {"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": special}],
            "special_tokens": {"$": {"id": "$", "ids": [0], "tokens": ["$"]}},
        },
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "$"},
    }


def graph():
    n = np.arange(FRAME * TOKEN_FRAMES, dtype=np.float32).reshape(1, 1, -1)
    inits = [
        numpy_helper.from_array((2 * np.pi * n / SAMPLE_RATE).astype(np.float32), "phase_step"),
        numpy_helper.from_array(np.array(4.0, dtype=np.float32), "hz_per_id"),
        numpy_helper.from_array(np.array(120.0, dtype=np.float32), "base_hz"),
        numpy_helper.from_array(np.array([0, 0], dtype=np.int64), "style_first_start"),
        numpy_helper.from_array(np.array([1, 1], dtype=np.int64), "style_first_end"),
        numpy_helper.from_array(np.array([-1], dtype=np.int64), "flat"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "axis2"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "one"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "two"),
        numpy_helper.from_array(np.array(0, dtype=np.int64), "zero_id"),
    ]
    nodes = [
        # pitch per token: base + id * step; shape [1, T, 1]
        helper.make_node("Cast", ["input_ids"], ["ids_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["ids_f", "hz_per_id"], ["hz_id"]),
        helper.make_node("Add", ["hz_id", "base_hz"], ["hz"]),
        helper.make_node("Unsqueeze", ["hz", "axis2"], ["hz3"]),
        helper.make_node("Mul", ["hz3", "phase_step"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["tone"]),
        # boundary tokens ($, id 0) are silent
        helper.make_node("Equal", ["input_ids", "zero_id"], ["is_pad"]),
        helper.make_node("Not", ["is_pad"], ["voiced"]),
        helper.make_node("Cast", ["voiced"], ["voiced_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["voiced_f", "axis2"], ["voiced3"]),
        helper.make_node("Mul", ["tone", "voiced3"], ["gated"]),
        # loudness from the voice: style[0, 0]
        helper.make_node("Slice", ["style", "style_first_start", "style_first_end"], ["gain"]),
        helper.make_node("Unsqueeze", ["gain", "axis2"], ["gain3"]),
        helper.make_node("Mul", ["gated", "gain3"], ["voiced_audio"]),
        helper.make_node("Reshape", ["voiced_audio", "flat"], ["waveform"]),
        # durations: TOKEN_FRAMES per token, as float32 [T]
        helper.make_node("Shape", ["input_ids"], ["ids_shape"]),
        helper.make_node("Slice", ["ids_shape", "one", "two"], ["tokens"]),
        helper.make_node("ConstantOfShape", ["tokens"], ["durations"], value=numpy_helper.from_array(np.array([TOKEN_FRAMES], dtype=np.float32))),
    ]
    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, "sequence_length"]),
        helper.make_tensor_value_info("style", TensorProto.FLOAT, [1, STYLE_DIM]),
        helper.make_tensor_value_info("speed", TensorProto.FLOAT, [1]),
    ]
    outputs = [
        helper.make_tensor_value_info("waveform", TensorProto.FLOAT, ["num_samples"]),
        helper.make_tensor_value_info("durations", TensorProto.FLOAT, ["sequence_length"]),
    ]
    g = helper.make_graph(nodes, "tiny_kokoro", inputs, outputs, inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="parley-make-tiny-kokoro")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main(out):
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    os.makedirs(os.path.join(out, "voices"), exist_ok=True)
    model = graph()
    for name in ("model.onnx", "model_quantized.onnx"):
        onnx.save(model, os.path.join(out, "onnx", name))
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump({"model_type": "style_text_to_speech_2", "architectures": ["StyleTextToSpeech2Model"]}, f, indent=2)
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(), f, ensure_ascii=False)
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump({"model_max_length": 512, "pad_token": "$", "unk_token": "$", "tokenizer_class": "PreTrainedTokenizer"}, f, indent=2)
    # A voice: 510 style rows (one per input length); the first value is the loudness here.
    rng = np.random.default_rng(7)
    voice = rng.normal(0, 0.1, size=(510, 1, STYLE_DIM)).astype(np.float32)
    voice[:, 0, 0] = 0.4
    voice.tofile(os.path.join(out, "voices", "af_heart.bin"))
    with open(os.path.join(out, "tiny_kokoro_info.json"), "w") as f:
        json.dump({"sampleRate": SAMPLE_RATE, "frameSamples": FRAME, "framesPerToken": TOKEN_FRAMES, "voices": ["af_heart"], "note": "speaks no language: a tone per IPA symbol"}, f, indent=2)
    print(f"tiny Kokoro written to {out}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
