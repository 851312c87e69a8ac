# SPDX-License-Identifier: Apache-2.0
"""HarDNet-68 and HarDNet-39DS (Chao et al., "HarDNet: A Low Memory Traffic Network", ICCV 2019).

Follows the authors' reference code (github.com/PingoLH/Pytorch-HarDNet, hardnet.py at de9662f) layer for
layer, with the same module names so a state_dict would load. `width` / `n_layers` make the scaled-down test
variants (width=1, n_layers=None is the paper's network).
"""
import torch
import torch.nn as nn


def scaled(c, width, even=False):
    v = max(1, int(round(c * width)))
    return v + (v % 2) if even else v


class Flatten(nn.Module):
    """The reference's flatten (exports as Reshape with a constant shape; ResNet-18's torch.flatten as Flatten)."""

    def forward(self, x):
        return x.view(x.size(0), -1)


class ConvLayer(nn.Sequential):
    """Conv (no bias) + BN + ReLU6, 'same' padding."""

    def __init__(self, cin, cout, kernel=3, stride=1):
        super().__init__()
        self.add_module("conv", nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=False))
        self.add_module("norm", nn.BatchNorm2d(cout))
        self.add_module("relu", nn.ReLU6(True))


class DWConvLayer(nn.Sequential):
    """Depthwise 3x3 conv + BN, no activation (as in the reference)."""

    def __init__(self, ch, stride=1):
        super().__init__()
        self.add_module("dwconv", nn.Conv2d(ch, ch, 3, stride=stride, padding=1, groups=ch, bias=False))
        self.add_module("norm", nn.BatchNorm2d(ch))


class CombConvLayer(nn.Sequential):
    """HarDNet-DS block layer: 1x1 ConvLayer then a depthwise 3x3."""

    def __init__(self, cin, cout):
        super().__init__()
        self.add_module("layer1", ConvLayer(cin, cout, kernel=1))
        self.add_module("layer2", DWConvLayer(cout))


def get_link(layer, base_ch, growth, grmul):
    """Layer k reads layers k - 2^i for every 2^i dividing k; width growth * grmul^(#links - 1), rounded to even."""
    if layer == 0:
        return base_ch, 0, []
    out_ch = growth
    link = []
    for i in range(10):
        dv = 2 ** i
        if layer % dv == 0:
            link.append(layer - dv)
            if i > 0:
                out_ch *= grmul
    out_ch = int(int(out_ch + 1) / 2) * 2
    in_ch = sum(get_link(k, base_ch, growth, grmul)[0] for k in link)
    return out_ch, in_ch, link


class HarDBlock(nn.Module):
    def __init__(self, cin, growth, grmul, n_layers, dwconv=False):
        super().__init__()
        self.links = []
        layers = []
        self.out_channels = 0
        for i in range(n_layers):
            out_ch, in_ch, link = get_link(i + 1, cin, growth, grmul)
            self.links.append(link)
            layers.append(CombConvLayer(in_ch, out_ch) if dwconv else ConvLayer(in_ch, out_ch))
            if i % 2 == 0 or i == n_layers - 1:
                self.out_channels += out_ch
        self.layers = nn.ModuleList(layers)

    def forward(self, x):
        outs = [x]
        for layer, link in zip(self.layers, self.links):
            tin = [outs[i] for i in link]
            outs.append(layer(torch.cat(tin, 1) if len(tin) > 1 else tin[0]))
        t = len(outs)
        return torch.cat([outs[i] for i in range(t) if i == t - 1 or i % 2 == 1], 1)


# (first_ch, ch_list, grmul, growth, n_layers, downsample, second_kernel, max_pool, drop_rate), from the reference
CONFIGS = {
    "hardnet68": ([32, 64], [128, 256, 320, 640, 1024], 1.7, [14, 16, 20, 40, 160], [8, 16, 16, 16, 4],
                  [1, 0, 1, 1, 0], 3, True, 0.1),
    "hardnet39ds": ([24, 48], [96, 320, 640, 1024], 1.6, [16, 20, 64, 160], [4, 16, 8, 4],
                    [1, 1, 1, 0], 1, False, 0.05),
}


class HarDNet(nn.Module):
    def __init__(self, arch="hardnet68", width=1.0, n_layers=None, num_classes=1000):
        super().__init__()
        first_ch, ch_list, grmul, gr, nl, down, k2, max_pool, drop = CONFIGS[arch]
        dw = arch.endswith("ds")
        first_ch = [scaled(c, width) for c in first_ch]
        ch_list = [scaled(c, width) for c in ch_list]
        gr = [scaled(g, width, even=True) for g in gr]
        nl = n_layers or nl
        self.base = nn.ModuleList()
        self.base.append(ConvLayer(3, first_ch[0], kernel=3, stride=2))
        self.base.append(ConvLayer(first_ch[0], first_ch[1], kernel=k2))
        self.base.append(nn.MaxPool2d(3, stride=2, padding=1) if max_pool else DWConvLayer(first_ch[1], stride=2))
        ch = first_ch[1]
        for i in range(len(nl)):
            blk = HarDBlock(ch, gr[i], grmul, nl[i], dwconv=dw)
            self.base.append(blk)
            self.base.append(ConvLayer(blk.out_channels, ch_list[i], kernel=1))
            ch = ch_list[i]
            if down[i]:
                self.base.append(nn.MaxPool2d(2, stride=2) if max_pool else DWConvLayer(ch, stride=2))
        self.base.append(nn.Sequential(nn.AdaptiveAvgPool2d((1, 1)), Flatten(), nn.Dropout(drop),
                                       nn.Linear(ch, num_classes)))

    def forward(self, x):
        for layer in self.base:
            x = layer(x)
        return x
