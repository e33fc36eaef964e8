"""MobileNeXt as defined by the authors' published code, for the tests only.

Source: github.com/yitu-opensource/MobileNeXt, ``mobilenext/codebase/models/mnext.py``
(commit 94ac67d2a8943a06e4efa4e8cf5e9ca0ebd7b23b; the code linked from the paper's repository
github.com/zhoudaquan/rethinking_bottleneck_design). The official repository has no license
file, so this is not a copy: it re-states that file's architecture (its ``cfgs`` table, its
``SGBlock`` branches, its channel rounding and its module registration order: ``features``,
``avgpool``, ``classifier`` = dropout + linear) in plain ``nn.Sequential`` layers, written
independently of ``lwcourse`` so that the tests compare two separate implementations.
"""

import math

import torch
from torch import nn

CFGS = [(2, 96, 1, 2), (6, 144, 1, 1), (6, 192, 3, 2), (6, 288, 3, 2), (6, 384, 4, 1),
        (6, 576, 4, 2), (6, 960, 3, 1), (6, 1280, 1, 1)]  # t, c, n, s


def round_to(v, divisor):
    """The TensorFlow rounding rule used by the official code."""
    out = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return out + divisor if out < 0.9 * v else out


def _dw(c, stride):
    return [nn.Conv2d(c, c, 3, stride, 1, groups=c, bias=False), nn.BatchNorm2d(c)]


def _pw(c_in, c_out):
    return [nn.Conv2d(c_in, c_out, 1, 1, 0, bias=False), nn.BatchNorm2d(c_out)]


class OfficialSandglass(nn.Module):
    """``SGBlock(inp, oup, stride, expand_ratio, keep_3x3)`` of ``mnext.py``."""

    def __init__(self, inp, oup, stride, t, keep_3x3=False):
        super().__init__()
        hidden = inp // t
        if hidden < oup / 6.0:
            hidden = round_to(math.ceil(oup / 6.0), 16)
        self.identity = False
        if t == 2:
            layers = (_dw(inp, 1) + [nn.ReLU6(True)] + _pw(inp, hidden) + _pw(hidden, oup)
                      + [nn.ReLU6(True)] + _dw(oup, stride))
        elif inp != oup and stride == 1 and not keep_3x3:
            layers = _pw(inp, hidden) + _pw(hidden, oup) + [nn.ReLU6(True)]
        elif inp != oup and stride == 2 and not keep_3x3:
            layers = _pw(inp, hidden) + _pw(hidden, oup) + [nn.ReLU6(True)] + _dw(oup, stride)
        else:
            self.identity = not keep_3x3
            layers = (_dw(inp, 1) + [nn.ReLU6(True)] + _pw(inp, hidden) + _pw(hidden, oup)
                      + [nn.ReLU6(True)] + _dw(oup, 1))
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        out = self.conv(x)
        return out + x if self.identity else out


class OfficialMobileNeXt(nn.Module):
    """``MXNet(num_classes, width_mult)`` of ``mnext.py``."""

    def __init__(self, num_classes=1000, width_mult=1.0):
        super().__init__()
        c_in = round_to(32 * width_mult, 4 if width_mult == 0.1 else 8)
        layers = [nn.Sequential(nn.Conv2d(3, c_in, 3, 2, 1, bias=False), nn.BatchNorm2d(c_in),
                                nn.ReLU6(True))]
        for t, c, n, s in CFGS:
            c_out = round_to(c * width_mult, 4 if width_mult == 0.1 else 8)
            if c == 1280 and width_mult < 1:
                c_out = 1280
            layers.append(OfficialSandglass(c_in, c_out, s, t, n == 1 and s == 1))
            c_in = c_out
            layers += [OfficialSandglass(c_out, c_out, 1, t) for _ in range(n - 1)]
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Sequential(nn.Dropout(0.2),
                                        nn.Linear(round_to(c_in, 4), num_classes))

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))
