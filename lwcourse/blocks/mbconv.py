"""The inverted residual ("MBConv") block family: MobileNetV2, MnasNet, MobileNetV3, EfficientNet.

One block covers the four papers; the networks differ only in the arguments they pass
(expansion, kernel, activation, whether and how wide a squeeze-and-excitation is).
"""

from __future__ import annotations

import torch
from torch import nn

from .._checks import check_choice, check_positive, check_positive_int, check_rate
from .conv import ConvBNAct, chain
from .se import SqueezeExcitation


class DropPath(nn.Module):
    """Stochastic depth (Huang et al. 2016, "Deep Networks with Stochastic Depth", Sec. 3).

    In training, each sample's residual branch is dropped with probability ``p`` and the
    survivors are scaled by ``1 / (1 - p)`` (torchvision's ``StochasticDepth(p, "row")``).
    In eval mode it is the identity.
    """

    def __init__(self, p: float = 0.0):
        super().__init__()
        self.p = check_rate("drop_path", p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        mask = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(keep)
        return x * mask.div_(keep)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class InvertedResidual(nn.Module):
    """The inverted residual with linear bottleneck (Sandler et al. 2018, MobileNetV2, Fig. 3b
    and Table 1), a.k.a. MBConv (MnasNet Fig. 7, EfficientNet Table 1):

        1x1 expand conv-BN-act   (in -> hidden = in * expansion; skipped when hidden == in)
        kxk depthwise conv-BN-act (carries the stride)
        squeeze-and-excitation    (optional, on the hidden channels: MnasNet, MobileNetV3 Fig. 4,
                                   EfficientNet)
        1x1 project conv-BN       (hidden -> out, *linear*: no activation)
        + input                   (only when stride == 1 and in == out; stochastic depth on the
                                   branch when ``drop_path`` > 0)

    MobileNetV3's "bneck" is this block with ``activation="hardswish"`` or ``"relu"`` and a
    hard-sigmoid SE gate; its table gives the hidden width directly (``expanded_channels``).
    The SE squeeze width is the caller's: the papers differ (see each model).
    Children: ``expand``, ``depthwise``, ``se``, ``project``, ``drop_path``; absent parts are
    ``None`` (not ``nn.Identity``: no module call in ``forward`` for what is not there).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1,
                 expansion: float = 6, kernel_size: int = 3, activation="relu6",
                 se_channels: int | None = None, se_activation="relu", se_gate="sigmoid",
                 drop_path: float = 0.0, bn_eps: float = 1e-5, bn_momentum: float = 0.1,
                 expanded_channels: int | None = None):
        super().__init__()
        check_positive_int("in_channels", in_channels)
        check_positive_int("out_channels", out_channels)
        check_choice("stride", stride, (1, 2))
        check_positive("expansion", expansion)
        if expansion < 1:
            raise ValueError(f"expansion must be >= 1 (1 skips the expand conv), got {expansion!r}")
        if not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be an odd positive integer (3, 5, 7), "
                             f"got {kernel_size!r}")
        if se_channels is not None:
            check_positive_int("se_channels", se_channels)
        check_rate("drop_path", drop_path)
        hidden = round(in_channels * expansion) if expanded_channels is None else expanded_channels
        check_positive_int("expanded_channels", hidden)
        if hidden < in_channels:
            raise ValueError(f"expanded_channels must be >= in_channels={in_channels}, "
                             f"got {hidden}")
        bn = {"bn_eps": bn_eps, "bn_momentum": bn_momentum}

        self.expand = (ConvBNAct(in_channels, hidden, 1, activation=activation, **bn)
                       if hidden != in_channels else None)
        self.depthwise = ConvBNAct(hidden, hidden, kernel_size, stride, groups=hidden,
                                   activation=activation, **bn)
        self.se = (SqueezeExcitation(hidden, se_channels, se_activation, se_gate)
                   if se_channels else None)
        self.project = ConvBNAct(hidden, out_channels, 1, activation=None, **bn)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else None
        self.use_residual = stride == 1 and in_channels == out_channels
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride
        self.expanded_channels = hidden

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = chain(x, self.expand, self.depthwise, self.se, self.project)
        if self.use_residual:
            if self.drop_path is not None:
                out = self.drop_path(out)
            out += x  # in place, as torchvision: the projection's BN output is ours to reuse
        return out


MBConv = InvertedResidual  # the name MnasNet and EfficientNet use
