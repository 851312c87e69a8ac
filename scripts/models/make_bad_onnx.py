#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Write the ONNX models that `bfpgen import` must refuse (tests/data/onnx/bad/, tests/import_errors_test.cpp).

Each is a tiny Conv network with one thing wrong; the test checks the error message and that nothing is written.
Corrupt protobuf (truncated or flipped bytes) is made by the test itself from a good model. Needs Debian's
python3-onnx (onnx.helper); run with /usr/bin/python3 from the repository root:

  /usr/bin/python3 scripts/models/make_bad_onnx.py [OUT_DIR]     (default tests/data/onnx/bad)

The files are committed; the script is not run by `make test`. Output is deterministic (no timestamps, fixed
values).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join("tests", "data", "onnx", "bad")


def arr(name, shape, seed):
    rng = np.random.default_rng(seed)
    return nh.from_array(rng.normal(size=shape).astype(np.float32), name)


def model(nodes, inits, in_shape=(1, 3, 8, 8), out_shape=(1, 4, 8, 8), opset=13, extra_inputs=(), check=True):
    inputs = [h.make_tensor_value_info("x", T.FLOAT, list(in_shape))] + list(extra_inputs)
    outputs = [h.make_tensor_value_info("y", T.FLOAT, list(out_shape))]
    g = h.make_graph(nodes, "bad", inputs, outputs, inits)
    m = h.make_model(g, opset_imports=[h.make_opsetid("", opset)], producer_name="make_bad_onnx.py")
    m.ir_version = 8
    if check:
        onnx.checker.check_model(m)  # each model is valid ONNX: the importer, not the checker, must refuse it
    return m


def conv(x="x", y="c", w="w", b=None, name="conv", **attrs):
    ins = [x, w] + ([b] if b else [])
    return h.make_node("Conv", ins, [y], name=name, pads=[1, 1, 1, 1], **attrs)


def save(name, m, what):
    path = os.path.join(OUT, name + ".onnx")
    with open(path, "wb") as f:
        f.write(m.SerializeToString())
    print(f"{path}: {what}")


def main():
    os.makedirs(OUT, exist_ok=True)
    w = arr("w", (4, 3, 3, 3), 1)
    save("unsupported_leakyrelu",
         model([conv(), h.make_node("LeakyRelu", ["c"], ["y"], name="act", alpha=0.1)], [w]),
         "LeakyRelu after a conv: not a supported operator")
    save("unsupported_sigmoid",
         model([conv(), h.make_node("Sigmoid", ["c"], ["y"], name="gate")], [w]),
         "Sigmoid after a conv")
    save("dynamic_input",
         model([conv(y="y")], [w], in_shape=("N", 3, 8, 8), out_shape=("N", 4, 8, 8)),
         "input [N, 3, 8, 8] with a named (dynamic) batch")
    save("missing_weight",
         model([conv(y="y")], [], extra_inputs=[h.make_tensor_value_info("w", T.FLOAT, [4, 3, 3, 3])]),
         "Conv weight 'w' is a graph input without initializer")
    save("bias_mismatch",
         model([conv(y="y", b="b")], [w, arr("b", (5,), 2)]),
         "Conv with 4 filters and a bias of 5")
    save("channels_mismatch",
         model([conv(y="y", w="w2")], [arr("w2", (4, 2, 3, 3), 3)], check=False),
         "Conv weight for 2 input channels on a 3-channel input")
    big = T()
    big.name = "w"
    big.data_type = T.FLOAT
    big.dims.extend([4, 3, 1 << 19, 1 << 19])  # 2^40 elements declared, 16 bytes stored
    big.raw_data = bytes(16)
    save("absurd_dims", model([conv(y="y")], [big], check=False),
         "an initializer declaring 2^40 elements with 16 bytes of raw_data")
    save("opset18", model([conv(y="y")], [w], opset=18, check=False), "opset 18 (newer than PyTorch 1.13 exports)")
    save("concat_axis2",
         model([conv(), h.make_node("Concat", ["c", "c"], ["y"], name="cat", axis=2)], [w], out_shape=(1, 4, 16, 8)),
         "Concat along H (axis 2)")
    save("maxpool_ceil",
         model([conv(), h.make_node("MaxPool", ["c"], ["y"], name="pool", kernel_shape=[3, 3], strides=[2, 2],
                                    ceil_mode=1)], [w], out_shape=(1, 4, 4, 4)),
         "MaxPool with ceil_mode 1")
    ext = arr("w", (4, 3, 3, 3), 1)
    ext.ClearField("raw_data")
    ext.data_location = T.EXTERNAL
    e = ext.external_data.add()
    e.key, e.value = "location", "weights.bin"
    save("external_data", model([conv(y="y")], [ext], check=False), "weight stored in an external file")


if __name__ == "__main__":
    main()
