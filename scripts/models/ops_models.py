# SPDX-License-Identifier: Apache-2.0
"""Tiny one-operator-at-a-time models for the importer's tests (tests/data/onnx/ops/).

Each builder runs after torch.manual_seed (export_models.py seeds per model name) and returns
(onnx ModelProto, input NCHW float32, expected output from torch). Where torch cannot export the graph that
should be tested, the graph is written with onnx.helper around weights and outputs computed by torch.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import helper

from onnx_util import build, export_torch, tensor

N = 2  # every op model runs a batch of two


def randomize_bn(bn):
    """Non-trivial running statistics and affine parameters, so a wrongly folded BN shows."""
    c = bn.num_features
    with torch.no_grad():
        bn.running_mean.copy_(torch.randn(c) * 0.5)
        bn.running_var.copy_(torch.rand(c) * 1.5 + 0.25)
        bn.weight.copy_(torch.rand(c) + 0.5)
        bn.bias.copy_(torch.randn(c) * 0.3)
    return bn


def from_torch(module, x):
    module.eval()
    with torch.no_grad():
        y = module(x)
    return export_torch(module, x), tensor(x), tensor(y)


def img(c=3, h=8, w=8):
    return torch.randn(N, c, h, w)


class Lambda(nn.Module):
    def __init__(self, fn, **mods):
        super().__init__()
        self.fn = fn
        for k, v in mods.items():
            self.add_module(k, v)

    def forward(self, x):
        return self.fn(self, x)


def conv(**kw):
    return from_torch(nn.Conv2d(**kw), img(kw["in_channels"]))


def conv_asym(pads, stride, h, w):
    """Conv with asymmetric pads [top, left, bottom, right]: torch exports F.pad + conv as Pad + Conv, so the
    node is written by hand and torch computes the expected output through F.pad."""
    c = nn.Conv2d(3, 4, 3, stride=stride, bias=True).eval()
    x = img(h=h, w=w)
    with torch.no_grad():
        y = c(F.pad(x, (pads[1], pads[3], pads[0], pads[2])))
    node = helper.make_node("Conv", ["input", "w", "b"], ["output"], kernel_shape=[3, 3], pads=pads,
                            strides=[stride, stride])
    m = build([node], x.shape, y.shape, {"w": tensor(c.weight), "b": tensor(c.bias)}, "conv_asym")
    return m, tensor(x), tensor(y)


def gemm_transb0():
    x = torch.randn(N, 12)
    w = torch.randn(12, 5) * 0.3   # [K, N]: Gemm's B not transposed
    b = torch.randn(5) * 0.1
    y = x @ w + b
    node = helper.make_node("Gemm", ["input", "w", "b"], ["output"], alpha=1.0, beta=1.0, transA=0, transB=0)
    return build([node], x.shape, y.shape, {"w": tensor(w), "b": tensor(b)}, "gemm_transb0"), tensor(x), tensor(y)


class MatMulAdd(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(12, 5) * 0.3)
        self.b = nn.Parameter(torch.randn(5) * 0.1)

    def forward(self, x):
        return x @ self.w + self.b


def conv_bn():
    return Lambda(lambda s, x: s.bn(s.conv(x)), conv=nn.Conv2d(3, 4, 3, padding=1, bias=False),
                  bn=randomize_bn(nn.BatchNorm2d(4)))


def conv_bias_bn_relu():
    return Lambda(lambda s, x: F.relu(s.bn(s.conv(x))), conv=nn.Conv2d(3, 4, 3, padding=1, bias=True),
                  bn=randomize_bn(nn.BatchNorm2d(4)))


def linear_bn():
    return Lambda(lambda s, x: s.bn(s.fc(x)), fc=nn.Linear(12, 6), bn=randomize_bn(nn.BatchNorm1d(6)))


def dropout_identity():
    # torch drops Dropout in eval-mode export even with TrainingMode.PRESERVE, so the nodes are inserted by hand
    fc1, fc2 = nn.Linear(12, 8).eval(), nn.Linear(8, 5).eval()
    x = torch.randn(N, 12)
    with torch.no_grad():
        y = fc2(fc1(x))
    nodes = [
        helper.make_node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["h"], transB=1),
        helper.make_node("Dropout", ["h"], ["h_drop"]),   # no training_mode input: inference, output = input
        helper.make_node("Identity", ["h_drop"], ["h_id"]),
        helper.make_node("Gemm", ["h_id", "fc2.weight", "fc2.bias"], ["output"], transB=1),
    ]
    inits = {"fc1.weight": tensor(fc1.weight), "fc1.bias": tensor(fc1.bias),
             "fc2.weight": tensor(fc2.weight), "fc2.bias": tensor(fc2.bias)}
    return build(nodes, x.shape, y.shape, inits, "dropout_identity"), tensor(x), tensor(y)


def avgpool_pad_count_include():
    # torch exports count_include_pad=True with padding as Pad + AveragePool; the single AveragePool with
    # count_include_pad=1 (what other exporters write) is written by hand, torch computes the output
    c = nn.Conv2d(3, 4, 3, padding=1).eval()
    pool = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=True)
    x = img(h=7, w=7)
    with torch.no_grad():
        y = pool(c(x))
    nodes = [helper.make_node("Conv", ["input", "w", "b"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("AveragePool", ["c"], ["output"], kernel_shape=[3, 3], strides=[2, 2],
                              pads=[1, 1, 1, 1], count_include_pad=1)]
    m = build(nodes, x.shape, y.shape, {"w": tensor(c.weight), "b": tensor(c.bias)}, "avgpool_count_pad")
    return m, tensor(x), tensor(y)


def conv_then(layer, c=4, h=8):
    return Lambda(lambda s, x: s.op(s.conv(x)), conv=nn.Conv2d(3, c, 3, padding=1), op=layer), img(h=h, w=h)


def relu6():
    m, x = conv_then(nn.ReLU6())
    return m, x * 8.0


def t(module_and_x):
    return from_torch(*module_and_x)


# name -> (builder, what it tests). Shapes are NCHW as torch takes them.
OPS = {
    "conv": (lambda: conv(in_channels=3, out_channels=4, kernel_size=3, padding=1),
             "Conv 3x3 pad 1 with bias, 3->4 channels"),
    "conv_nobias": (lambda: conv(in_channels=3, out_channels=4, kernel_size=3, padding=1, bias=False),
                    "Conv without the bias input"),
    "conv_groups": (lambda: conv(in_channels=4, out_channels=6, kernel_size=3, padding=1, groups=2),
                    "grouped Conv (group=2), 4->6 channels, bias"),
    "conv_depthwise": (lambda: conv(in_channels=4, out_channels=4, kernel_size=3, padding=1, groups=4, bias=False),
                       "depthwise Conv (group=4=C), no bias (HarDNet-39DS's DWConvLayer)"),
    "conv_stride2": (lambda: conv(in_channels=3, out_channels=4, kernel_size=3, stride=2, padding=1),
                     "Conv stride 2, symmetric pads 1, 8x8 -> 4x4"),
    "conv_asym_pads": (lambda: conv_asym([0, 1, 2, 1], 1, 7, 9),
                       "Conv with asymmetric pads [t,l,b,r]=[0,1,2,1] (hand-built node)"),
    "conv_asym_pads_stride2": (lambda: conv_asym([0, 0, 1, 1], 2, 8, 8),
                               "Conv stride 2, pads [0,0,1,1] (TF 'same' for an even input; hand-built)"),
    "conv_dilation2": (lambda: conv(in_channels=3, out_channels=4, kernel_size=3, padding=2, dilation=2),
                       "Conv dilation 2, pads 2 (effective 5x5 kernel)"),
    "conv_rect": (lambda: from_torch(nn.Conv2d(3, 4, (3, 1), stride=(2, 1), padding=(1, 0)), img(h=8, w=6)),
                  "Conv with a 3x1 kernel, strides [2,1], pads [1,0,1,0], non-square 8x6 input"),
    "linear": (lambda: from_torch(nn.Linear(12, 5), torch.randn(N, 12)), "Linear: Gemm transB=1 with bias C"),
    "linear_nobias": (lambda: from_torch(nn.Linear(12, 5, bias=False), torch.randn(N, 12)),
                      "Linear without bias: MatMul with the transposed weight as initializer"),
    "gemm_transb0": (gemm_transb0, "Gemm transB=0 (B stored [K,N]) with bias C (hand-built)"),
    "matmul_add": (lambda: from_torch(MatMulAdd(), torch.randn(N, 12)), "x @ W + b: MatMul + Add of a bias"),
    "residual_add": (lambda: t((Lambda(lambda s, x: s.c2(F.relu(s.c1(x))) + x, c1=nn.Conv2d(4, 4, 3, padding=1),
                                       c2=nn.Conv2d(4, 4, 3, padding=1)), img(4))),
                     "residual Add of two tensors: x + conv(relu(conv(x)))"),
    "relu_after_add": (lambda: t((Lambda(lambda s, x: F.relu(s.c1(x) + x), c1=nn.Conv2d(4, 4, 3, padding=1)),
                                  img(4))),
                       "standalone Relu after a residual Add"),
    "relu6": (lambda: t(relu6()), "Clip(min=0, max=6) as torch exports ReLU6 (min/max as Constant node inputs) "
                                 "after a conv; the input is scaled so both bounds clip"),
    "clamp_min": (lambda: t((Lambda(lambda s, x: torch.clamp(s.conv(x), min=-0.25),
                                    conv=nn.Conv2d(3, 4, 3, padding=1)), img())),
                  "torch.clamp(min=-0.25) after a conv: Clip with the min input only (max input name empty)"),
    "maxpool": (lambda: t(conv_then(nn.MaxPool2d(3, stride=2, padding=1))), "MaxPool k3 s2 p1 after a conv"),
    "maxpool_k2": (lambda: t(conv_then(nn.MaxPool2d(2, stride=2))), "MaxPool k2 s2 (HarDNet-68 downsampling)"),
    "avgpool_exclude_pad": (lambda: t(conv_then(nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
                                                h=7)),
                            "AveragePool k3 s2 p1 count_include_pad=0 after a conv"),
    "avgpool_include_pad": (avgpool_pad_count_include,
                            "AveragePool k3 s2 p1 count_include_pad=1 after a conv (hand-built; torch would "
                            "export Pad + AveragePool)"),
    "avgpool_k2": (lambda: t(conv_then(nn.AvgPool2d(2, count_include_pad=False))),
                   "AveragePool k2 s2, no pads (count_include_pad=False, else torch exports a zero Pad)"),
    "gap": (lambda: t(conv_then(nn.AdaptiveAvgPool2d(1))), "GlobalAveragePool (nn.AdaptiveAvgPool2d(1))"),
    "concat": (lambda: t((Lambda(lambda s, x: s.c3(torch.cat([s.c1(x), x], 1)), c1=nn.Conv2d(3, 5, 3, padding=1),
                                 c3=nn.Conv2d(8, 4, 1)), img())),
               "Concat along channels of a conv output (5 ch) and the input (3 ch), then a 1x1 conv"),
    "flatten_linear": (lambda: t((Lambda(lambda s, x: s.fc(torch.flatten(s.conv(x), 1)),
                                         conv=nn.Conv2d(3, 4, 3, stride=2, padding=1), fc=nn.Linear(4 * 4 * 3, 5)),
                                  img(h=8, w=6))),
                       "Flatten(axis=1) of a 4x4x3 (CxHxW) conv output then Linear: the fc weight rows are in "
                       "NCHW order"),
    "reshape_linear": (lambda: t((Lambda(lambda s, x: s.fc(s.conv(x).reshape(x.shape[0], -1)),
                                         conv=nn.Conv2d(3, 4, 3, stride=2, padding=1), fc=nn.Linear(4 * 4 * 3, 5)),
                                  img(h=8, w=6))),
                       "Reshape to [N, -1] (shape from a Constant node; no Shape/Gather) then Linear"),
    "conv_bn": (lambda: t((conv_bn(), img())), "Conv (no bias) + BatchNormalization with random running stats"),
    "conv_bias_bn_relu": (lambda: t((conv_bias_bn_relu(), img())),
                          "Conv with bias + BatchNormalization + Relu (BN folds into an existing bias)"),
    "linear_bn": (lambda: t((linear_bn(), torch.randn(N, 12))), "Linear + BatchNorm1d (BN on [N, C])"),
    "dropout_identity": (dropout_identity, "Gemm -> Dropout -> Identity -> Gemm (both no-ops at inference; "
                                           "hand-inserted since torch drops them)"),
    "softmax": (lambda: t((Lambda(lambda s, x: torch.softmax(s.fc(x), 1), fc=nn.Linear(12, 5)),
                           torch.randn(N, 12))), "Linear then Softmax(axis=1) as the final layer"),
    "softmax_channels": (lambda: t(conv_then(nn.Softmax(dim=1))),
                         "Softmax over the channels of every pixel (axis=1 of NCHW) after a conv"),
}
