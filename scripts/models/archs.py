# SPDX-License-Identifier: Apache-2.0
"""The whole-network models: a small CNN, scaled-down test variants and the full-size networks.

Every builder returns (eval-mode module, input NCHW). Weights are torch's (seeded) initialisation; BatchNorm
gets random affine parameters and running statistics measured on a separate random calibration batch (variance
floored at 0.1), so
the activations keep a realistic scale through 68 layers (with the default mean 0 / var 1 they shrink layer
after layer and every class would score the same) and the folded BN of the importer is non-trivial.
"""
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

from hardnet import HarDNet
from resnet import ResNet18


def calibrate_bn(model, x_shape, calib_n):
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    with torch.no_grad():
        for bn in bns:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.normal_(0.0, 0.2)
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average: the statistics of exactly the calibration batch
        model.train()
        model(torch.randn(calib_n, *x_shape[1:]))
        for bn in bns:
            # a (nearly) dead channel measures a variance near 0 and BN would scale it by up to 1/sqrt(eps):
            # that amplifies rounding noise (FP32 vs exact drifts towards the 1e-5 check) and is not what
            # training converges to; the floor bounds every BN scale by 1.5/sqrt(0.1) ~ 4.7
            bn.running_var.clamp_(min=0.1)
    model.eval()
    return model


class SmallCNN(nn.Module):
    """Every supported operator once, in one network: 16x16x3 -> 10 classes."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(8)
        self.c1 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.c1_bn = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.res1 = nn.Conv2d(8, 8, 3, padding=1)
        self.res2 = nn.Conv2d(8, 8, 3, padding=1)
        self.branch = nn.Conv2d(8, 6, 1)
        self.c2 = nn.Conv2d(14, 16, 3, padding=1, bias=False)
        self.c2_bn = nn.BatchNorm2d(16)
        self.avg = nn.AvgPool2d(2, count_include_pad=False)  # True (torch's default) would export a zero Pad
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)
        with torch.no_grad():
            self.fc.weight.mul_(4.0)  # logits spread enough that the softmax is not nearly uniform

    def forward(self, x):
        x = F.relu(self.stem_bn(self.stem(x)))                  # conv + BN + ReLU      16x16x8
        x = F.relu6(self.c1_bn(self.c1(x)))                     # conv + BN + ReLU6     16x16x8
        x = self.pool(x)                                        # maxpool 3/2 pad 1      8x8x8
        x = F.relu(x + self.res2(F.relu(self.res1(x))))         # residual block (conv bias), add, ReLU
        x = torch.cat([x, F.relu(self.branch(x))], 1)           # concat 8 + 6 channels  8x8x14
        x = F.relu(self.c2_bn(self.c2(x)))                      #                        8x8x16
        x = self.gap(self.avg(x))                               # avgpool 2, GAP         1x1x16
        return torch.softmax(self.fc(torch.flatten(x, 1)), 1)   # flatten, fc + bias, softmax


def net(make_module, x_shape, calib_n=8, same_as=None, **export_options):
    """same_as: draw weights and input with that model's seed, so export variants of one network share them."""
    if same_as:
        torch.manual_seed(zlib.crc32(same_as.encode()))
    return calibrate_bn(make_module(), x_shape, calib_n), torch.randn(*x_shape), export_options


# name -> (builder, description)
SMALL = {
    "small_cnn": (lambda: net(SmallCNN, (2, 3, 16, 16)),
                  "conv+BN+ReLU, conv+BN+ReLU6, maxpool 3/2/1, residual add, concat, avgpool 2, GAP, flatten, "
                  "fc with bias, softmax; batch 2"),
    "small_cnn_opset17": (lambda: net(SmallCNN, (2, 3, 16, 16), same_as="small_cnn", opset=17),
                          "small_cnn (same weights and input) exported at opset 17, the highest PyTorch 1.13 "
                          "writes (BatchNormalization-15, Relu-14 versions)"),
    "small_cnn_bn_folded": (lambda: net(SmallCNN, (2, 3, 16, 16), same_as="small_cnn", keep_bn=False),
                            "small_cnn (same weights and input) exported as torch does by default "
                            "(TrainingMode.EVAL): the exporter folds BN into the convs, which then carry a bias"),
    "hardnet68_tiny": (lambda: net(lambda: HarDNet("hardnet68", width=1 / 16, num_classes=10), (2, 3, 32, 32)),
                       "HarDNet-68 with every layer and link, channels x1/16, 10 classes, 32x32, batch 2"),
    "hardnet39ds_tiny": (lambda: net(lambda: HarDNet("hardnet39ds", width=1 / 8, num_classes=10), (2, 3, 32, 32)),
                         "HarDNet-39DS with every layer and link, channels x1/8, 10 classes, 32x32, batch 2"),
    "resnet18_tiny": (lambda: net(lambda: ResNet18(width=1 / 16, num_classes=10), (2, 3, 32, 32)),
                      "ResNet-18 with every layer, channels x1/16, 10 classes, 32x32, batch 2"),
}

FULL = {
    "hardnet68": (lambda: net(lambda: HarDNet("hardnet68"), (1, 3, 224, 224), 4),
                  "HarDNet-68 (ICCV 2019 / reference code), 224x224, batch 1"),
    "hardnet39ds": (lambda: net(lambda: HarDNet("hardnet39ds"), (1, 3, 224, 224), 4),
                    "HarDNet-39DS (ICCV 2019 / reference code), 224x224, batch 1"),
    "resnet18": (lambda: net(ResNet18, (1, 3, 224, 224), 4), "ResNet-18 (torchvision), 224x224, batch 1"),
    # The same network at 96x96: the workload of `bfpgen report --net`, whose coverage-instrumented activity
    # run of the 224x224 model would take hours on two cores (docs/networks.md).
    "hardnet39ds_96": (lambda: net(lambda: HarDNet("hardnet39ds"), (1, 3, 96, 96), 4),
                       "HarDNet-39DS (all layers and channels) at 96x96, batch 1"),
}
