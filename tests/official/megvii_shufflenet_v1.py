"""ShuffleNet V1 unit as in the authors' official code.

Source: megvii-model/ShuffleNet-Series, ``ShuffleNetV1/blocks.py`` (class ``ShuffleV1Block``),
commit a96672fd98f18666f813b66c9f2a40495abc94b0,
https://github.com/megvii-model/ShuffleNet-Series/blob/master/ShuffleNetV1/blocks.py
Copyright (c) 2019 Megvii Technology, MIT License (the licence text is below).

Transcribed for the course's tests, keeping what decides equivalence: the module layout and
registration order (``branch_main_1``: pw conv, BN, ReLU, dw conv, BN; ``branch_main_2``: pw conv,
BN; ``branch_proj`` average pool), where the shuffle sits (after the depthwise conv-BN, in every
unit with ``group > 1``, the first unit of the network included), and its permutation (channels
viewed as a ``C/g x g`` grid and transposed: the inverse of the paper's Fig. 1 shuffle).

MIT License. Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in the Software
without restriction, including without limitation the rights to use, copy, modify, merge,
publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom
the Software is furnished to do so, subject to the following conditions: The above copyright
notice and this permission notice shall be included in all copies or substantial portions of the
Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE
AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""

import torch
import torch.nn.functional as F  # noqa: N812 (the official file's alias)
from torch import nn


class ShuffleV1Block(nn.Module):
    def __init__(self, inp, oup, *, group, first_group, mid_channels, ksize, stride):
        super().__init__()
        assert stride in (1, 2)
        self.stride, self.group = stride, group
        outputs = oup - inp if stride == 2 else oup
        pad = ksize // 2
        self.branch_main_1 = nn.Sequential(
            nn.Conv2d(inp, mid_channels, 1, 1, 0, groups=1 if first_group else group, bias=False),
            nn.BatchNorm2d(mid_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(mid_channels, mid_channels, ksize, stride, pad, groups=mid_channels,
                      bias=False),
            nn.BatchNorm2d(mid_channels),
        )
        self.branch_main_2 = nn.Sequential(
            nn.Conv2d(mid_channels, outputs, 1, 1, 0, groups=group, bias=False),
            nn.BatchNorm2d(outputs),
        )
        if stride == 2:
            self.branch_proj = nn.AvgPool2d(kernel_size=3, stride=2, padding=1)

    def forward(self, old_x):
        x = self.branch_main_1(old_x)
        if self.group > 1:
            x = self.channel_shuffle(x)
        x = self.branch_main_2(x)
        if self.stride == 1:
            return F.relu(x + old_x)
        return torch.cat((self.branch_proj(old_x), F.relu(x)), 1)

    def channel_shuffle(self, x):
        n, c, h, w = x.shape
        assert c % self.group == 0
        x = x.reshape(n, c // self.group, self.group, h, w).permute(0, 2, 1, 3, 4)
        return x.reshape(n, c, h, w)
