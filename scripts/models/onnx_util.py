# SPDX-License-Identifier: Apache-2.0
"""ONNX helpers of export_models.py: export from torch, hand-built graphs, clean-up, checks, MAC counts."""
import io
import warnings

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper, shape_inference, TensorProto

OPSET = 13  # PyTorch 1.13's default; every op the importer supports has its final semantics here


def export_torch(model, x, opset=OPSET, keep_bn=True):
    """Export an eval-mode module to ONNX, keeping BatchNormalization nodes unless keep_bn is False.

    TrainingMode.EVAL (torch's default) folds Conv+BN into one Conv and drops Dropout; PRESERVE with the module
    in eval mode exports the eval-mode computation but leaves the BN nodes for the importer to fold.
    """
    model.eval()
    buf = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        # the warning is about modules in training mode, whose parameters folding could change; ours are in
        # eval mode and onnx_ref.py checks every exported graph against torch's output
        warnings.filterwarnings("ignore", message="It is recommended that constant folding be turned off")
        # the absent max of torch.clamp(min=...) is a None constant without a shape; the checks below cover it
        warnings.filterwarnings("ignore", message="The shape inference of prim::Constant type is missing")
        mode = torch.onnx.TrainingMode.PRESERVE if keep_bn else torch.onnx.TrainingMode.EVAL
        torch.onnx.export(model, x, buf, opset_version=opset, input_names=["input"], output_names=["output"],
                          training=mode, do_constant_folding=True)
    return clean(onnx.load_from_string(buf.getvalue()))


def clean(model):
    """Replace `Identity(initializer)` nodes (PRESERVE mode feeds BN's running stats through them) by a copy of
    the initializer under the Identity's output name, so every BN parameter is a plain initializer."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    keep = []
    for n in g.node:
        if n.op_type == "Identity" and n.input[0] in inits:
            t = onnx.TensorProto()
            t.CopyFrom(inits[n.input[0]])
            t.name = n.output[0]
            g.initializer.append(t)
        else:
            keep.append(n)
    del g.node[:]
    g.node.extend(keep)
    used = {i for n in g.node for i in n.input} | {o.name for o in g.output}
    live = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(live)
    return model


def build(nodes, x_shape, y_shape, inits, name):
    """A one-input, one-output model from hand-written nodes (for graphs torch cannot export directly)."""
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, list(x_shape))],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, list(y_shape))],
        [numpy_helper.from_array(np.ascontiguousarray(v, dtype=np.float32), k) for k, v in inits.items()])
    m = helper.make_model(graph, producer_name="bfpgen export_models.py",
                          opset_imports=[helper.make_opsetid("", OPSET)])
    m.ir_version = 7  # what torch 1.13 writes for opset 13
    return m


def tensor(t):
    return t.detach().cpu().numpy().astype(np.float32)


def check(model):
    onnx.checker.check_model(model, full_check=True)


def op_types(model):
    return [n.op_type for n in model.graph.node]


def infer_shapes(model):
    """Shape of every value (inputs, initializers, node outputs) after ONNX shape inference."""
    m = shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    shapes = {}
    for vi in list(m.graph.input) + list(m.graph.value_info) + list(m.graph.output):
        shapes[vi.name] = [d.dim_value for d in vi.type.tensor_type.shape.dim]
    for i in m.graph.initializer:
        shapes[i.name] = list(i.dims)
    return shapes


def count_macs(model):
    """Multiply-accumulates of Conv/Gemm/MatMul nodes, per ONNX semantics (whole batch)."""
    shapes = infer_shapes(model)
    macs = 0
    for n in model.graph.node:
        if n.op_type == "Conv":
            w = shapes[n.input[1]]      # [Cout, Cin/g, kh, kw]
            y = shapes[n.output[0]]     # [N, Cout, Ho, Wo]
            macs += int(np.prod(y)) * int(np.prod(w[1:]))
        elif n.op_type in ("Gemm", "MatMul"):
            a, y = shapes[n.input[0]], shapes[n.output[0]]
            trans_a = any(at.name == "transA" and at.i for at in n.attribute)
            k = a[-2] if trans_a else a[-1]
            macs += int(np.prod(y)) * k
    return macs
