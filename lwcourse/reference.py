"""Proving that a model equals its reference: weight transplant and output comparison.

The reference implementations are torchvision's, timm's and pytorchcv's (never with pretrained
weights: nothing here touches the network).
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable

import torch
from torch import nn

from ._checks import check_name, check_positive, check_positive_int


def _timm_lcnet_200(**kwargs) -> nn.Module:
    """timm's PP-LCNet at width x2.0: timm's own builder, which timm registers only up to x1.5.
    The explicit ``pretrained_cfg`` keeps timm from logging that it has none for this name."""
    from timm.models.mobilenetv3 import _gen_lcnet

    return _gen_lcnet("lcnet_200", channel_multiplier=2.0, pretrained=False,
                      pretrained_cfg={"architecture": "lcnet_200"}, **kwargs)


def _pytorchcv_hardnet(variant: str) -> Callable[..., nn.Module]:
    def build(**kwargs) -> nn.Module:
        """pytorchcv's HarDNet with its final ``AvgPool2d(7)`` made a global average pool: the
        same on the 7x7 map of a 224x224 input, and it also runs on smaller inputs."""
        from pytorchcv.models import hardnet

        model = getattr(hardnet, variant)(pretrained=False, **kwargs)
        model.features.final_pool = nn.AdaptiveAvgPool2d(1)
        return model

    return build


# registry name -> (library, constructor, fixed keyword arguments). The constructor is the
# library's model name or, where the library has no name for it, a function that builds the
# library's model.
REFERENCES: dict[str, tuple[str, str | Callable[..., nn.Module], dict]] = {
    "mobilenet_v1": ("timm", "mobilenetv1_100", {}),
    "mobilenet_v2": ("torchvision", "mobilenet_v2", {}),
    "mobilenet_v3_large": ("torchvision", "mobilenet_v3_large", {}),
    "mobilenet_v3_small": ("torchvision", "mobilenet_v3_small", {}),
    "shufflenet_v2_x0_5": ("torchvision", "shufflenet_v2_x0_5", {}),
    "shufflenet_v2_x1_0": ("torchvision", "shufflenet_v2_x1_0", {}),
    "shufflenet_v2_x1_5": ("torchvision", "shufflenet_v2_x1_5", {}),
    "shufflenet_v2_x2_0": ("torchvision", "shufflenet_v2_x2_0", {}),
    "ghostnet": ("timm", "ghostnet_100", {}),
    "mnasnet_a1": ("timm", "semnasnet_100", {}),
    "mnasnet_b1": ("torchvision", "mnasnet1_0", {}),
    **{f"efficientnet_b{i}": ("torchvision", f"efficientnet_b{i}", {}) for i in range(8)},
    "resnext50_32x4d": ("torchvision", "resnext50_32x4d", {}),
    **{f"lcnet_{v}": ("timm", f"lcnet_{v}", {}) for v in ("035", "050", "075", "100", "150")},
    "lcnet_200": ("timm", _timm_lcnet_200, {}),
    **{n: ("pytorchcv", _pytorchcv_hardnet(n), {}) for n in ("hardnet39ds", "hardnet68ds")},
    "fbnet_c": ("timm", "fbnetc_100", {}),
    **{f"mixnet_{v}": ("timm", f"mixnet_{v}", {}) for v in "sml"},
    **{f"efficientnet_lite{i}": ("timm", f"efficientnet_lite{i}", {}) for i in range(5)},
}


def reference_model(name: str, **kwargs) -> nn.Module:
    """The torchvision, timm or pytorchcv counterpart of registry model ``name``, randomly
    initialised.

    ``kwargs`` go to the reference's constructor (e.g. ``num_classes=10``, ``width_mult=1.4``
    for torchvision's MobileNetV2). timm and pytorchcv are imported only when needed.
    """
    check_name("reference model", name, REFERENCES,
               f"the models with a reference: {', '.join(sorted(REFERENCES))}")
    library, constructor, fixed = REFERENCES[name]
    kwargs = {**fixed, **kwargs}
    try:
        module = importlib.import_module(library)
    except ImportError as exc:  # pragma: no cover - timm and pytorchcv are in the test extra
        raise ImportError(f"the reference for {name!r} comes from {library}: "
                          f"pip install {library}") from exc
    if callable(constructor):
        return constructor(**kwargs)
    if library == "timm":
        return module.create_model(constructor, pretrained=False, **kwargs)
    return module.models.get_model(constructor, weights=None, **kwargs)


def _check_module(name: str, value) -> nn.Module:
    if not isinstance(value, nn.Module):
        raise ValueError(f"{name} must be a torch.nn.Module; got {type(value).__name__}")
    return value


def _check_tensor(name: str, value) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise ValueError(f"{name} must be a tensor; got {type(value).__name__}")
    return value


def _check_input_size(input_size) -> tuple[int, ...]:
    if not isinstance(input_size, tuple | list) or len(input_size) != 4:
        raise ValueError(f"input_size must be a 4-tuple (N, C, H, W) of positive integers; "
                         f"got {input_size!r}")
    return tuple(check_positive_int("input_size entries", v) for v in input_size)


def _tensors(model: nn.Module) -> list[tuple[str, torch.Tensor]]:
    return list(model.state_dict(keep_vars=True).items())


def n_params(model: nn.Module) -> int:
    """Number of parameters (every element of every parameter tensor)."""
    return sum(p.numel() for p in _check_module("model", model).parameters())


ACTIVATION_TYPES = (nn.ReLU, nn.ReLU6, nn.Hardswish, nn.SiLU, nn.Sigmoid, nn.Hardsigmoid,
                    nn.GELU)


@torch.no_grad()
def activation_calls(model: nn.Module, x: torch.Tensor) -> Counter:
    """How often ``model(x)`` calls an activation module of each type (by class name), in eval
    mode. Calls, not modules: torchvision's ResNet reuses one ``ReLU`` three times a block."""
    _check_module("model", model)
    _check_tensor("x", x)
    calls: Counter = Counter()
    hooks = [m.register_forward_hook(lambda m, i, o: calls.update([type(m).__name__]))
             for m in model.modules() if isinstance(m, ACTIVATION_TYPES)]
    training = model.training
    try:
        model.eval()(x.clone())
    finally:
        model.train(training)
        for h in hooks:
            h.remove()
    return calls


def bn_settings(model: nn.Module) -> list[tuple[float, float | None]]:
    """``(eps, momentum)`` of every BatchNorm, in registration order."""
    return [(m.eps, m.momentum) for m in _check_module("model", model).modules()
            if isinstance(m, nn.modules.batchnorm._BatchNorm)]


def transplant(src: nn.Module, dst: nn.Module) -> nn.Module:
    """Copy every parameter and buffer of ``src`` into ``dst``, pairing them in registration
    order (``state_dict`` order) and checking each shape. Returns ``dst``.

    Raises ValueError naming the first mismatching tensor of each side, or the first tensor
    left without a partner when the counts differ. Nothing is copied unless all pairs match.
    """
    src_items = _tensors(_check_module("src", src))
    dst_items = _tensors(_check_module("dst", dst))
    for i, ((s_name, s), (d_name, d)) in enumerate(zip(src_items, dst_items, strict=False)):
        if s.shape != d.shape:
            raise ValueError(
                f"transplant: tensor #{i} does not match: source {s_name!r} "
                f"{tuple(s.shape)} vs destination {d_name!r} {tuple(d.shape)}"
            )
    if len(src_items) != len(dst_items):
        longer, side = ((src_items, "source") if len(src_items) > len(dst_items)
                        else (dst_items, "destination"))
        extra_name, extra = longer[min(len(src_items), len(dst_items))]
        raise ValueError(
            f"transplant: source has {len(src_items)} tensors, destination {len(dst_items)}; "
            f"first unmatched is {side} {extra_name!r} {tuple(extra.shape)}"
        )
    with torch.no_grad():
        for (_, s), (_, d) in zip(src_items, dst_items, strict=True):
            d.copy_(s)
    return dst


@torch.no_grad()
def randomize_(model: nn.Module, seed: int = 0, input_size=(4, 3, 64, 64)) -> nn.Module:
    """Make ``model`` a demanding test subject, in place, and return it.

    A freshly initialised network in eval mode often outputs logits near 1e-9 (BatchNorm's
    running statistics are 0 and 1, far from the real activations), so "same outputs within
    1e-4" would pass for any two models. This gives every BatchNorm a random affine transform
    (gamma in [0.5, 1.5], beta ~ N(0, 0.2)) and running statistics measured on a random batch,
    so eval-mode outputs are of order 1 and every tensor matters.
    """
    _check_module("model", model)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    input_size = _check_input_size(input_size)
    gen = torch.Generator().manual_seed(seed)
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for bn in norms:
        if bn.affine:
            bn.weight.copy_(torch.rand(bn.weight.shape, generator=gen) + 0.5)
            bn.bias.copy_(torch.randn(bn.bias.shape, generator=gen) * 0.2)
    modes = {m: m.training for m in model.modules()}
    momenta = {bn: bn.momentum for bn in norms}
    try:
        for bn in norms:
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average over this one batch
        model.train()
        model(torch.randn(input_size, generator=gen))
    finally:
        for bn, momentum in momenta.items():
            bn.momentum = momentum
        for m, training in modes.items():
            m.train(training)
    return model


@torch.no_grad()
def assert_same_outputs(model: nn.Module, ref: nn.Module, x: torch.Tensor,
                        atol: float = 1e-4) -> float:
    """Assert ``model(x)`` equals ``ref(x)`` in eval mode within ``atol``; return the max
    absolute difference. Both models are put in eval mode.

    Refuses a vacuous comparison: if the reference's outputs are all below ``100 * atol``,
    any model would pass, so it raises and asks for ``randomize_(ref)`` before the transplant.
    """
    _check_module("model", model)
    _check_module("ref", ref)
    _check_tensor("x", x)
    check_positive("atol", atol)
    model.eval()
    ref.eval()
    ours, theirs = model(x.clone()), ref(x.clone())  # clones: either may work in place
    if ours.shape != theirs.shape:
        raise AssertionError(f"output shapes differ: {tuple(ours.shape)} vs {tuple(theirs.shape)}")
    scale = theirs.abs().max().item()
    if not scale >= 100 * atol:
        raise AssertionError(
            f"the reference's outputs are nearly zero (max |y| = {scale:.3g}), so comparing them "
            f"within atol = {atol:g} proves nothing: call lwcourse.reference.randomize_(ref) "
            f"before transplant(ref, model)")
    diff = (ours - theirs).abs().max().item()
    if not diff <= atol:
        raise AssertionError(f"outputs differ: max |difference| = {diff:.3g} > atol = {atol:g}")
    return diff


def assert_same_model(model: nn.Module, ref: nn.Module, input_size=(1, 3, 64, 64), *,
                      atol: float = 1e-4, seed: int = 0) -> float:
    """Prove ``model`` is ``ref``: the same parameter count, the same BatchNorm eps and momentum
    in the same order, the same activation calls (``activation_calls``), and -- after
    ``randomize_(ref)`` and ``transplant(ref, model)`` -- the same outputs on a random input of
    ``input_size`` (``assert_same_outputs``). Changes both models' weights; returns the max
    difference."""
    input_size = _check_input_size(input_size)
    ours, theirs = n_params(model), n_params(ref)
    if ours != theirs:
        raise AssertionError(f"parameter counts differ: {ours:,} vs {theirs:,}")
    if bn_settings(model) != bn_settings(ref):
        raise AssertionError(f"BatchNorm (eps, momentum) differ: {sorted(set(bn_settings(model)))}"
                             f" vs {sorted(set(bn_settings(ref)))}")
    x = torch.randn(input_size, generator=torch.Generator().manual_seed(seed))
    ours, theirs = activation_calls(model, x), activation_calls(ref, x)
    if ours != theirs:
        raise AssertionError(f"activation calls differ: {dict(ours)} vs {dict(theirs)}")
    transplant(randomize_(ref, seed=seed, input_size=(2, *input_size[1:])), model)
    return assert_same_outputs(model, ref, x, atol=atol)
