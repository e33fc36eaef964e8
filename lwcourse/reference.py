"""Proving that a model equals its reference: weight transplant and output comparison.

The reference implementations are torchvision's and timm's (never with pretrained weights:
nothing here touches the network).
"""

from __future__ import annotations

import importlib

import torch
from torch import nn

# registry name -> (library, constructor name, fixed keyword arguments)
REFERENCES: dict[str, tuple[str, str, dict]] = {
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
}


def reference_model(name: str, **kwargs) -> nn.Module:
    """The torchvision or timm counterpart of registry model ``name``, randomly initialised.

    ``kwargs`` go to the reference's constructor (e.g. ``num_classes=10``, ``width_mult=1.4``
    for torchvision's MobileNetV2). timm is imported only when needed.
    """
    if name not in REFERENCES:
        raise ValueError(
            f"no reference implementation for {name!r}; models with one: "
            f"{', '.join(sorted(REFERENCES))}"
        )
    library, constructor, fixed = REFERENCES[name]
    kwargs = {**fixed, **kwargs}
    if library == "timm":
        try:
            timm = importlib.import_module("timm")
        except ImportError as exc:  # pragma: no cover - timm is in the course and test extras
            raise ImportError(
                f"the reference for {name!r} is timm's {constructor!r}: pip install timm"
            ) from exc
        return timm.create_model(constructor, pretrained=False, **kwargs)
    import torchvision

    return torchvision.models.get_model(constructor, weights=None, **kwargs)


def _tensors(model: nn.Module) -> list[tuple[str, torch.Tensor]]:
    return list(model.state_dict(keep_vars=True).items())


def transplant(src: nn.Module, dst: nn.Module) -> nn.Module:
    """Copy every parameter and buffer of ``src`` into ``dst``, pairing them in registration
    order (``state_dict`` order) and checking each shape. Returns ``dst``.

    Raises ValueError naming the first mismatching tensor of each side, or the first tensor
    left without a partner when the counts differ. Nothing is copied unless all pairs match.
    """
    src_items, dst_items = _tensors(src), _tensors(dst)
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
    model.eval()
    ref.eval()
    ours, theirs = model(x), ref(x)
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
