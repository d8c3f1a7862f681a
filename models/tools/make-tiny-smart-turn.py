#!/usr/bin/env python3
"""make-tiny-smart-turn.py: write a TINY end-of-turn model with Smart Turn v3's interface.

Usage:
    /usr/bin/python3 models/tools/make-tiny-smart-turn.py <outdir> [--complete P]

Needs numpy and onnx (Debian's python3-onnx is enough). Nothing is downloaded.

The real model (pipecat-ai/smart-turn-v3, BSD-2, `smart-turn-v3.0.onnx`, ~8 MB int8) is a Whisper
Tiny encoder with an attention-pooled classifier, exported by its train.py with
    input_names=['input_features']   float32 [batch_size, 80, 800]  (Whisper log-mel of the last 8 s)
    output_names=['logits']          float32 [batch_size, 1]        (already a sigmoid: P(turn complete))
This writes the same file name with the same input and output: the features are averaged over
time and weighed by zeros, so the answer is always P (default 0.95). It proves the loading and
feature path, and lets a test script the verdict; it knows nothing about turns.
"""
import argparse
import math
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

parser = argparse.ArgumentParser()
parser.add_argument("outdir")
parser.add_argument("--complete", type=float, default=0.95, help="the probability it always answers")
args = parser.parse_args()
p = min(max(args.complete, 1e-4), 1 - 1e-4)

weights = numpy_helper.from_array(np.zeros((80, 1), dtype=np.float32), "classifier.weight")
bias = numpy_helper.from_array(np.array([math.log(p / (1 - p))], dtype=np.float32), "classifier.bias")
nodes = [
    helper.make_node("ReduceMean", ["input_features"], ["pooled"], axes=[2], keepdims=0),
    helper.make_node("MatMul", ["pooled", "classifier.weight"], ["score"]),
    helper.make_node("Add", ["score", "classifier.bias"], ["logit"]),
    helper.make_node("Sigmoid", ["logit"], ["logits"]),
]
graph = helper.make_graph(
    nodes,
    "tiny-smart-turn",
    [helper.make_tensor_value_info("input_features", TensorProto.FLOAT, ["batch_size", 80, 800])],
    [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", 1])],
    [weights, bias],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="parley make-tiny-smart-turn")
model.ir_version = 8
onnx.checker.check_model(model)
os.makedirs(args.outdir, exist_ok=True)
onnx.save(model, os.path.join(args.outdir, "smart-turn-v3.0.onnx"))
print(f"wrote {args.outdir}/smart-turn-v3.0.onnx (always {p:.2f})")
