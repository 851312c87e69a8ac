# SPDX-License-Identifier: Apache-2.0
"""A small numpy interpreter of the ONNX operators the models use, written from the ONNX operator spec.

It checks that every exported graph (especially the hand-built ones) means what torch computed: onnxruntime
and onnx.reference are not available with Debian's python3-onnx 1.12. Float64 throughout.
"""
import numpy as np
from onnx import helper, numpy_helper


def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _pads(a, nd):
    p = list(a.get("pads", [0] * (2 * nd)))
    return p[:nd], p[nd:]


def _windows(x, k, s, d, begin, end, fill):
    """[N, C, Ho, Wo, kh, kw] views of the padded input."""
    n, c, h, w = x.shape
    xp = np.full((n, c, h + begin[0] + end[0], w + begin[1] + end[1]), fill, dtype=x.dtype)
    xp[:, :, begin[0]:begin[0] + h, begin[1]:begin[1] + w] = x
    ek = [(k[i] - 1) * d[i] + 1 for i in range(2)]
    ho = (xp.shape[2] - ek[0]) // s[0] + 1
    wo = (xp.shape[3] - ek[1]) // s[1] + 1
    out = np.empty((n, c, ho, wo, k[0], k[1]), dtype=x.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            out[..., i, j] = xp[:, :, i * d[0]:i * d[0] + (ho - 1) * s[0] + 1:s[0],
                                j * d[1]:j * d[1] + (wo - 1) * s[1] + 1:s[1]]
    return out


def conv(x, w, b, a):
    g = a.get("group", 1)
    k = list(w.shape[2:])
    begin, end = _pads(a, 2)
    win = _windows(x, k, a.get("strides", [1, 1]), a.get("dilations", [1, 1]), begin, end, 0.0)
    cin_g, cout_g = x.shape[1] // g, w.shape[0] // g
    if cin_g == 1 and cout_g == 1:  # depthwise: one multiply over all channels instead of C tiny products
        y = (win * w[:, 0][None, :, None, None]).sum(axis=(4, 5))
    else:
        outs = []
        for gi in range(g):
            xw = win[:, gi * cin_g:(gi + 1) * cin_g]                   # N, Cg, Ho, Wo, kh, kw
            wg = w[gi * cout_g:(gi + 1) * cout_g]                      # Og, Cg, kh, kw
            outs.append(np.tensordot(xw, wg, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2))
        y = np.concatenate(outs, 1)
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def pool(x, a, kind):
    k = a["kernel_shape"]
    begin, end = _pads(a, 2)
    s = a.get("strides", [1, 1])
    if kind == "max":
        return _windows(x, k, s, [1, 1], begin, end, -np.inf).max(axis=(4, 5))
    total = _windows(x, k, s, [1, 1], begin, end, 0.0).sum(axis=(4, 5))
    if a.get("count_include_pad", 0):
        return total / (k[0] * k[1])
    ones = np.ones((1, 1) + x.shape[2:])
    return total / _windows(ones, k, s, [1, 1], begin, end, 0.0).sum(axis=(4, 5))


def run(model, x):
    env = {i.name: numpy_helper.to_array(i).astype(np.float64) for i in model.graph.initializer}
    env[model.graph.input[0].name] = x.astype(np.float64)
    for n in model.graph.node:
        a = _attrs(n)
        i = [env[name] if name else None for name in n.input]
        t = n.op_type
        if t == "Conv":
            y = conv(i[0], i[1], i[2] if len(i) > 2 else None, a)
        elif t == "Gemm":
            A = i[0].T if a.get("transA", 0) else i[0]
            B = i[1].T if a.get("transB", 0) else i[1]
            y = a.get("alpha", 1.0) * (A @ B)
            if len(i) > 2:
                y = y + a.get("beta", 1.0) * i[2]
        elif t == "MatMul":
            y = i[0] @ i[1]
        elif t == "Add":
            y = i[0] + i[1]
        elif t == "Relu":
            y = np.maximum(i[0], 0)
        elif t == "Clip":
            y = np.clip(i[0], i[1] if len(i) > 1 and i[1] is not None else -np.inf,
                        i[2] if len(i) > 2 and i[2] is not None else np.inf)
        elif t == "MaxPool":
            y = pool(i[0], a, "max")
        elif t == "AveragePool":
            y = pool(i[0], a, "avg")
        elif t == "GlobalAveragePool":
            y = i[0].mean(axis=(2, 3), keepdims=True)
        elif t == "Concat":
            y = np.concatenate(i, a["axis"])
        elif t == "Flatten":
            ax = a.get("axis", 1)
            y = i[0].reshape(int(np.prod(i[0].shape[:ax])), -1)
        elif t == "Reshape":
            shape = [i[0].shape[d] if v == 0 else int(v) for d, v in enumerate(i[1])]
            y = i[0].reshape(shape)
        elif t == "BatchNormalization":
            sh = (1, -1) + (1,) * (i[0].ndim - 2)
            y = (i[0] - i[3].reshape(sh)) / np.sqrt(i[4].reshape(sh) + a.get("epsilon", 1e-5)) \
                * i[1].reshape(sh) + i[2].reshape(sh)
        elif t in ("Dropout", "Identity"):
            y = i[0]
        elif t == "Softmax":
            ax = a.get("axis", -1)
            e = np.exp(i[0] - i[0].max(axis=ax, keepdims=True))
            y = e / e.sum(axis=ax, keepdims=True)
        elif t == "Constant":
            y = numpy_helper.to_array(a["value"]).astype(np.float64) if "value" in a else None
            if y is not None and numpy_helper.to_array(a["value"]).dtype.kind == "i":
                y = numpy_helper.to_array(a["value"])
        else:
            raise ValueError(f"onnx_ref: no reference for op {t} (node {n.name})")
        env[n.output[0]] = y
    return env[model.graph.output[0].name]


def rel_rms(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.sqrt(np.mean((a - b) ** 2)) / max(np.sqrt(np.mean(b ** 2)), 1e-30))
