"""Closed-form costs of the layers the course teaches, each with its formula and source.

Notation (shared by every notebook): ``h, w`` the OUTPUT feature map unless a name says
``h_in``; ``c_in``/``c_out`` channels; ``k`` kernel size; ``g`` groups; ``t`` expansion ratio;
``s`` ghost ratio and ``d`` the cheap operation's kernel; ``batch`` the batch size.
MACs are multiply-accumulates (the papers' "FLOPs"); memory access counts elements read +
written (the ShuffleNetV2 paper's "MAC"). Every function here is checked against
``lwcourse.cost.profile`` in the tests and notebooks.
"""

from __future__ import annotations

import math

from .._checks import check_divides, check_positive, check_positive_int


def _ints(**values) -> None:
    for name, value in values.items():
        check_positive_int(name, value)


def conv2d_output_size(size: int, k: int, stride: int = 1, padding: int | None = None,
                       dilation: int = 1) -> int:
    """``floor((size + 2p - dilation(k - 1) - 1) / stride) + 1``; padding defaults to
    "same" padding ``(k - 1) // 2 * dilation``."""
    _ints(size=size, k=k, stride=stride, dilation=dilation)
    padding = (k - 1) // 2 * dilation if padding is None else padding
    if padding < 0:
        raise ValueError(f"padding must be >= 0, got {padding}")
    out = (size + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    if out < 1:
        raise ValueError(f"input size {size} is too small for kernel {k} with padding {padding}")
    return out


def conv2d_params(c_in: int, c_out: int, k: int, groups: int = 1, bias: bool = False) -> int:
    """``k^2 * (c_in / g) * c_out`` weights, ``+ c_out`` with a bias."""
    _ints(c_in=c_in, c_out=c_out, k=k, groups=groups)
    check_divides("groups", groups, "c_in", c_in)
    check_divides("groups", groups, "c_out", c_out)
    return k * k * (c_in // groups) * c_out + (c_out if bias else 0)


def conv2d_macs(c_in: int, c_out: int, k: int, h: int, w: int, groups: int = 1,
                batch: int = 1) -> int:
    """``batch * h * w * c_out * (c_in / g) * k^2``: each output element is a dot product of
    length ``(c_in / g) k^2`` (MobileNetV1 paper, Sec. 3.1, with ``g = 1``)."""
    _ints(h=h, w=w, batch=batch)
    return batch * h * w * conv2d_params(c_in, c_out, k, groups)


def conv2d_memory_access(c_in: int, c_out: int, k: int, h_in: int, w_in: int, h: int, w: int,
                         groups: int = 1, bias: bool = False, batch: int = 1) -> int:
    """Elements read + written, unfused: ``batch h_in w_in c_in`` (input) + weights (+ bias)
    + ``batch h w c_out`` (output)."""
    _ints(h_in=h_in, w_in=w_in, h=h, w=w, batch=batch)
    return (batch * h_in * w_in * c_in + conv2d_params(c_in, c_out, k, groups, bias)
            + batch * h * w * c_out)


def linear_params(c_in: int, c_out: int, bias: bool = True) -> int:
    """``c_in * c_out`` weights, ``+ c_out`` with a bias."""
    _ints(c_in=c_in, c_out=c_out)
    return c_in * c_out + (c_out if bias else 0)


def linear_macs(c_in: int, c_out: int, batch: int = 1) -> int:
    """``batch * c_in * c_out``."""
    _ints(c_in=c_in, c_out=c_out, batch=batch)
    return batch * c_in * c_out


def depthwise_separable_params(c_in: int, c_out: int, k: int = 3) -> int:
    """Depthwise ``k^2 c_in`` + pointwise ``c_in c_out`` (no biases; BN not included)."""
    return conv2d_params(c_in, c_in, k, groups=c_in) + conv2d_params(c_in, c_out, 1)


def depthwise_separable_macs(c_in: int, c_out: int, k: int, h: int, w: int,
                             batch: int = 1) -> int:
    """``h w c_in k^2 + h w c_in c_out`` (MobileNetV1 paper, Eq. 5), ``h, w`` after the
    depthwise conv's stride."""
    return (conv2d_macs(c_in, c_in, k, h, w, groups=c_in, batch=batch)
            + conv2d_macs(c_in, c_out, 1, h, w, batch=batch))


def depthwise_separable_ratio(c_out: int, k: int = 3) -> float:
    """Depthwise separable / standard conv cost ``= 1 / c_out + 1 / k^2`` (MobileNetV1, Sec. 3.1).
    For ``k = 3`` and many channels it is a little above 1/9: 8-9x fewer MACs."""
    _ints(c_out=c_out, k=k)
    return 1 / c_out + 1 / k**2


def pointwise_memory_access(h: int, w: int, c1: int, c2: int, batch: int = 1) -> int:
    """Memory access of a 1x1 conv ``c1 -> c2``: ``hw(c1 + c2) + c1 c2`` (ShuffleNetV2 paper,
    Sec. 3, G1; times ``batch`` for the feature maps)."""
    _ints(h=h, w=w, c1=c1, c2=c2, batch=batch)
    return batch * h * w * (c1 + c2) + c1 * c2


def pointwise_memory_access_lower_bound(h: int, w: int, flops: int) -> float:
    """``2 sqrt(hwB) + B / (hw)`` with ``B = hw c1 c2``, reached when ``c1 = c2``
    (ShuffleNetV2, Eq. 1: AM-GM on ``hw(c1 + c2) >= 2 hw sqrt(c1 c2)``)."""
    _ints(h=h, w=w, flops=flops)
    return 2 * math.sqrt(h * w * flops) + flops / (h * w)


def grouped_pointwise_memory_access(h: int, w: int, c1: int, c2: int, groups: int,
                                    batch: int = 1) -> int:
    """``hw(c1 + c2) + c1 c2 / g`` (ShuffleNetV2, Eq. 2, G2): at fixed FLOPs ``B = hw c1 c2 / g``
    this is ``hw c1 + B g / c1 + B / (hw)``, growing with g."""
    _ints(h=h, w=w, c1=c1, c2=c2, groups=groups, batch=batch)
    check_divides("groups", groups, "c1", c1)
    check_divides("groups", groups, "c2", c2)
    return batch * h * w * (c1 + c2) + c1 * c2 // groups


def resnet_unit_macs(h: int, w: int, c: int, m: int) -> int:
    """ResNet bottleneck ``1x1 c->m, 3x3 m->m, 1x1 m->c``: ``hw(2cm + 9m^2)``
    (ShuffleNet paper, Sec. 3.3)."""
    _ints(h=h, w=w, c=c, m=m)
    return h * w * (2 * c * m + 9 * m * m)


def resnext_unit_macs(h: int, w: int, c: int, m: int, groups: int) -> int:
    """ResNeXt unit, 3x3 grouped: ``hw(2cm + 9m^2 / g)`` (ShuffleNet, Sec. 3.3)."""
    _ints(h=h, w=w, c=c, m=m, groups=groups)
    check_divides("groups", groups, "m", m)
    return h * w * (2 * c * m + 9 * m * m // groups)


def shufflenet_unit_macs(h: int, w: int, c: int, m: int, groups: int) -> int:
    """ShuffleNet unit, 1x1 convs grouped and 3x3 depthwise: ``hw(2cm / g + 9m)``
    (ShuffleNet paper, Sec. 3.3)."""
    _ints(h=h, w=w, c=c, m=m, groups=groups)
    check_divides("groups", groups, "c", c)
    check_divides("groups", groups, "m", m)
    return h * w * (2 * c * m // groups + 9 * m)


def inverted_residual_macs(h_in: int, w_in: int, c_in: int, c_out: int, t: int, k: int = 3,
                           stride: int = 1) -> int:
    """Expand 1x1 ``c_in -> t c_in`` at the input resolution, ``k x k`` depthwise (stride s),
    project 1x1 ``t c_in -> c_out``: ``h_in w_in c_in t c_in + h w t c_in (k^2 + c_out)``.
    With ``s = 1`` this is the MobileNetV2 paper's ``h w c_in t (c_in + k^2 + c_out)``
    (Sec. 3.3, Table 1). ``t = 1`` has no expansion conv."""
    _ints(h_in=h_in, w_in=w_in, c_in=c_in, c_out=c_out, t=t, k=k, stride=stride)
    hidden = t * c_in
    h, w = conv2d_output_size(h_in, k, stride), conv2d_output_size(w_in, k, stride)
    expand = conv2d_macs(c_in, hidden, 1, h_in, w_in) if t != 1 else 0
    return (expand + conv2d_macs(hidden, hidden, k, h, w, groups=hidden)
            + conv2d_macs(hidden, c_out, 1, h, w))


def inverted_residual_params(c_in: int, c_out: int, t: int, k: int = 3, bn: bool = True) -> int:
    """Conv weights of the three convs, plus BN's gamma and beta (2 per channel) when ``bn``."""
    _ints(c_in=c_in, c_out=c_out, t=t, k=k)
    hidden = t * c_in
    convs = ((conv2d_params(c_in, hidden, 1) if t != 1 else 0)
             + conv2d_params(hidden, hidden, k, groups=hidden) + conv2d_params(hidden, c_out, 1))
    norms = 2 * ((hidden if t != 1 else 0) + hidden + c_out)
    return convs + (norms if bn else 0)


def se_params(c: int, squeeze: int) -> int:
    """Squeeze-and-excitation, two 1x1 convs with biases: ``c r + r + r c + c``."""
    _ints(c=c, squeeze=squeeze)
    return 2 * c * squeeze + squeeze + c


def se_macs(c: int, squeeze: int, batch: int = 1) -> int:
    """``2 c r`` per image: both layers act on the pooled 1x1 vector, so SE's MACs do not
    depend on the resolution (its pooling and rescaling are element-wise work, ``2 h w c``)."""
    _ints(c=c, squeeze=squeeze, batch=batch)
    return batch * 2 * c * squeeze


def ghost_module_macs(c_in: int, c_out: int, h: int, w: int, k: int = 1, d: int = 3,
                      s: int = 2) -> int:
    """Primary conv ``c_in -> m = ceil(c_out / s)`` (k x k), cheap depthwise ``d x d`` making
    ``(s - 1) m`` more maps: ``hw m c_in k^2 + hw (s - 1) m d^2`` (GhostNet, Sec. 3.1)."""
    _ints(c_in=c_in, c_out=c_out, h=h, w=w, k=k, d=d, s=s)
    m = math.ceil(c_out / s)
    return h * w * m * c_in * k * k + h * w * (s - 1) * m * d * d


def ghost_speedup_ratio(c: int, k: int, d: int, s: int) -> float:
    """GhostNet Eq. (4): ``c k^2 / (c k^2 / s + (s - 1) d^2 / s)``, about ``s c / (s + c - 1)``
    ~ ``s`` when ``d ~ k`` and ``s << c``. The compression ratio (Eq. 5) has the same form."""
    _ints(c=c, k=k, d=d, s=s)
    return c * k * k / (c * k * k / s + (s - 1) * d * d / s)


ghost_compression_ratio = ghost_speedup_ratio


def compound_scaling_factors(phi: float, alpha: float = 1.2, beta: float = 1.1,
                             gamma: float = 1.15) -> tuple[float, float, float]:
    """Depth, width and resolution multipliers ``(alpha^phi, beta^phi, gamma^phi)``;
    defaults are EfficientNet's grid-searched B0 constants (Tan & Le 2019, Sec. 3.3)."""
    if phi < 0:
        raise ValueError(f"phi must be >= 0, got {phi}")
    for name, v in {"alpha": alpha, "beta": beta, "gamma": gamma}.items():
        check_positive(name, v)
    return alpha**phi, beta**phi, gamma**phi


def compound_scaling_flops_factor(phi: float, alpha: float = 1.2, beta: float = 1.1,
                                  gamma: float = 1.15) -> float:
    """FLOPs grow by ``(alpha beta^2 gamma^2)^phi``: linear in depth, quadratic in width and
    resolution; EfficientNet keeps ``alpha beta^2 gamma^2 ~ 2``, so about ``2^phi``."""
    d, w, r = compound_scaling_factors(phi, alpha, beta, gamma)
    return d * w * w * r * r


def inverted_residual_memory_access(h_in: int, w_in: int, c_in: int, c_out: int, t: int,
                                    k: int = 3, stride: int = 1, fold_bn: bool = False) -> int:
    """Elements read + written by ``lwcourse.blocks.InvertedResidual`` (conv-BN-ReLU6 expand,
    depthwise, linear conv-BN project, shortcut add when ``stride == 1`` and ``c_in == c_out``),
    unfused. Each conv reads input + weights and writes its output; each BN reads its input and
    4 per-channel vectors and writes its output; the in-place ReLU6 reads and writes its map;
    the add reads two maps and writes one. With ``fold_bn`` every BN disappears into its conv,
    which reads one bias vector instead."""
    _ints(h_in=h_in, w_in=w_in, c_in=c_in, c_out=c_out, t=t, k=k, stride=stride)
    hidden = t * c_in
    h, w = conv2d_output_size(h_in, k, stride), conv2d_output_size(w_in, k, stride)

    def conv_bn(c1, c2, kk, hi, wi, ho, wo, groups=1, relu=True):
        conv = conv2d_memory_access(c1, c2, kk, hi, wi, ho, wo, groups=groups, bias=fold_bn)
        bn = 0 if fold_bn else 2 * ho * wo * c2 + 4 * c2
        return conv + bn + (2 * ho * wo * c2 if relu else 0)

    expand = conv_bn(c_in, hidden, 1, h_in, w_in, h_in, w_in) if t != 1 else 0
    depthwise = conv_bn(hidden, hidden, k, h_in, w_in, h, w, groups=hidden)
    project = conv_bn(hidden, c_out, 1, h, w, h, w, relu=False)
    add = 3 * h * w * c_out if stride == 1 and c_in == c_out else 0
    return expand + depthwise + project + add


def sandglass_params(c_in: int, c_out: int, reduced: int, k: int = 3,
                     first_depthwise: bool = True, last_depthwise: bool = True,
                     bn: bool = True) -> int:
    """MobileNeXt's sandglass block: depthwise ``k^2 c_in``, reduce ``c_in r``, expand
    ``r c_out``, depthwise ``k^2 c_out``, plus BN's gamma and beta (2 per channel) when ``bn``."""
    _ints(c_in=c_in, c_out=c_out, reduced=reduced, k=k)
    convs = c_in * reduced + reduced * c_out
    norms = reduced + c_out
    if first_depthwise:
        convs, norms = convs + k * k * c_in, norms + c_in
    if last_depthwise:
        convs, norms = convs + k * k * c_out, norms + c_out
    return convs + (2 * norms if bn else 0)


def sandglass_macs(h_in: int, w_in: int, c_in: int, c_out: int, reduced: int, k: int = 3,
                   stride: int = 1, first_depthwise: bool = True,
                   last_depthwise: bool = True) -> int:
    """Depthwise ``k x k`` on ``c_in``, 1x1 ``c_in -> r`` and ``r -> c_out`` at the input
    resolution, then depthwise ``k x k`` on ``c_out`` carrying the stride:
    ``h_in w_in (k^2 c_in + r (c_in + c_out)) + h w k^2 c_out``. At stride 1 with
    ``c_in = c_out = C`` and ``r = C / t``: ``h w C (2 k^2 + 2 C / t)`` (Zhou et al. 2020)."""
    _ints(h_in=h_in, w_in=w_in, c_in=c_in, c_out=c_out, reduced=reduced, k=k, stride=stride)
    if stride != 1 and not last_depthwise:
        raise ValueError("stride > 1 needs last_depthwise=True (the last depthwise conv "
                         "carries the stride)")
    h, w = conv2d_output_size(h_in, k, stride), conv2d_output_size(w_in, k, stride)
    pointwise = conv2d_macs(c_in, reduced, 1, h_in, w_in) + conv2d_macs(reduced, c_out, 1,
                                                                        h_in, w_in)
    first = conv2d_macs(c_in, c_in, k, h_in, w_in, groups=c_in) if first_depthwise else 0
    last = conv2d_macs(c_out, c_out, k, h, w, groups=c_out) if last_depthwise else 0
    return first + pointwise + last
