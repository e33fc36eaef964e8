"""Notebook 03 (ShuffleNet V2's guidelines): exercise checks and reference solutions.

1. ``best_split(B, h, w)``: the c1:c2 split of a budget with the least memory access (G1).
2. ``shuffle_split(x)`` (change and prove): fuse the channel shuffle into the next unit's split,
   as megvii's official ShuffleNet V2 code does; the check proves equal outputs and one copy
   fewer per unit.
3. ``parallel_memory_access(c, n, h, w)``: memory access of a G3 parallel block.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import nn

from ..blocks.shuffle import channel_shuffle
from ..cost import formulas, profile
from ..guidelines import g3_block, input_size

# --- Exercise 1: the c1:c2 split of a FLOPs budget with the least memory access (G1) ---------


def _memory(h: int, w: int, c1: int, c2: int) -> int:
    return formulas.pointwise_memory_access(h, w, c1, c2)


def solve_best_split(B: int, h: int, w: int) -> tuple[int, int]:
    """Integer widths ``c1 <= c2`` with ``h w c1 c2 == B`` and the least memory access
    ``hw(c1 + c2) + c1 c2``: with the product fixed, the sum is smallest for the divisor pair
    closest to ``sqrt(B / hw)`` (AM-GM, the equality case of Eq. 1)."""
    if B % (h * w):
        raise ValueError(f"B = {B} is not a multiple of h w = {h * w}")
    product = B // (h * w)
    c1 = math.isqrt(product)
    while product % c1:
        c1 -= 1
    return c1, product // c1


def _brute_force_split(B: int, h: int, w: int) -> tuple[int, int]:
    product = B // (h * w)
    pairs = [(c1, product // c1) for c1 in range(1, product + 1) if product % c1 == 0]
    return min(pairs, key=lambda p: (_memory(h, w, *p), p[0] > p[1]))


def check_best_split(fn) -> None:
    """``fn(B, h, w) -> (c1, c2)``, c1 <= c2, checked against a brute-force search."""
    for B, h, w in [(56 * 56 * 1024, 56, 56), (28 * 28 * 4050, 28, 28), (7 * 7 * 97, 7, 7),
                    (14 * 14 * 720, 14, 14), (1 * 1 * 36, 1, 1)]:
        got = fn(B, h, w)
        want = _brute_force_split(B, h, w)
        assert isinstance(got, tuple) and len(got) == 2, \
            f"return a tuple (c1, c2); got {got!r}"
        c1, c2 = got
        assert h * w * c1 * c2 == B, \
            f"B={B:,}, h=w={h}: h*w*c1*c2 must equal B exactly; got {h * w * c1 * c2:,}"
        assert c1 <= c2, f"return the smaller width first; got {got}"
        assert (c1, c2) == want, (
            f"B={B:,}, h=w={h}: {got} has memory access {_memory(h, w, c1, c2):,}, but "
            f"{want} has {_memory(h, w, *want):,}. Hint: with c1 * c2 fixed, c1 + c2 is "
            f"smallest when c1 and c2 are as close as possible")


# --- Exercise 2 (change and prove): shuffle and split fused, as in the official code ---------


def inverse_shuffle_split(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The unfused reference: shuffle with ``C / 2`` groups (the inverse of the 2-group
    shuffle, which megvii's official ``ShuffleV2Block`` uses), a copy, then the channel split."""
    left, right = channel_shuffle(x, x.shape[1] // 2).chunk(2, dim=1)
    return left, right


class ShuffleSplitStack(nn.Module):
    """Basic ShuffleNet V2 units chained by ``split``: each unit concatenates its untouched
    half and its branch's output; ``split`` hands the next unit its two halves (shuffle and
    channel split in one)."""

    def __init__(self, units: Sequence[nn.Module], split: Callable):
        super().__init__()
        if any(getattr(u, "stride", 1) != 1 for u in units):
            raise ValueError("ShuffleSplitStack takes basic (stride-1) units only")
        self.units, self.split = nn.ModuleList(units), split

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        left, right = x.chunk(2, dim=1)
        for i, unit in enumerate(self.units):
            out = torch.cat((left, unit.branch2(right)), dim=1)
            if i + 1 < len(self.units):
                left, right = self.split(out)
        return out


def solve_shuffle_split(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Shuffled channel ``k C/2 + i`` is input channel ``2 i + k``: the first half is the even
    channels, the second the odd ones. Both are strided views: nothing is copied."""
    return x[:, 0::2], x[:, 1::2]


def check_shuffle_split(fn) -> None:
    """``fn(x) -> (left, right)`` must (1) equal ``inverse_shuffle_split`` on several shapes,
    (2) copy nothing (the profiler counts no memory access), and (3) as the glue of a stack of
    ShuffleNet V2 units, give the same outputs as the unfused stack with exactly one shuffle
    copy (``2 N C H W`` elements) fewer per junction."""
    from ..blocks import ShuffleV2Unit
    from ..reference import randomize_

    gen = torch.Generator().manual_seed(0)
    for shape in [(1, 8, 1, 1), (2, 12, 3, 4), (1, 116, 5, 5)]:
        x = torch.randn(*shape, generator=gen)
        got = fn(x)
        assert isinstance(got, tuple) and len(got) == 2, f"return (left, right); got {type(got)}"
        for name, a, b in zip(("left", "right"), got, inverse_shuffle_split(x), strict=True):
            assert torch.equal(a, b), (
                f"C = {shape[1]}: the {name} half differs from shuffle-with-C/2-groups then "
                f"split; shuffled channel k C/2 + i is input channel 2i + k")
        moved = profile(_Split(fn), shape).memory_access
        assert moved == 0, (f"C = {shape[1]}: {moved:,} elements copied; take the halves as "
                            f"views (strided slicing) instead of building the shuffled tensor")
    c, n = 48, 3
    torch.manual_seed(0)
    units = [randomize_(ShuffleV2Unit(c, c), input_size=(2, c, 8, 8)) for _ in range(n)]
    fused, plain = ShuffleSplitStack(units, fn).eval(), ShuffleSplitStack(
        units, inverse_shuffle_split).eval()
    x = torch.randn(2, c, 8, 8, generator=gen)
    with torch.no_grad():
        diff = (fused(x) - plain(x)).abs().max().item()
    assert diff <= 1e-5, f"stack of {n} units: outputs differ by up to {diff:.3g}"
    shape = tuple(x.shape)
    saved = profile(plain, shape).memory_access - profile(fused, shape).memory_access
    assert saved == (n - 1) * 2 * x.numel(), \
        f"stack of {n} units: {saved:,} elements saved, expected {n - 1} shuffle copies"


class _Split(nn.Module):
    def __init__(self, fn: Callable):
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor):
        return self.fn(x)


# --- Exercise 3: memory access of a G3 parallel block ----------------------------------------


def solve_parallel_memory_access(c: int, n: int, h: int, w: int) -> int:
    """``n`` branches ``c -> c/n`` each read the whole input and write ``c/n`` channels; the
    concat reads the ``n`` pieces and writes them again:
    ``n [hw c + c^2/n + hw c/n] + 2 hw c = (n + 3) hw c + c^2``."""
    return n * formulas.pointwise_memory_access(h, w, c, c // n) + 2 * h * w * c


def check_parallel_memory_access(fn) -> None:
    """``fn(c, n, h, w)`` against the profiler's count of ``g3_block("n-fragment-parallel")``."""
    for c, n, h in [(64, 2, 56), (64, 4, 56), (128, 4, 28), (256, 2, 14)]:
        got = fn(c, n, h, h)
        want = profile(g3_block(f"{n}-fragment-parallel", c), input_size(c, h)).memory_access
        assert got == want, (
            f"c={c}, n={n}, h=w={h}: you count {got:,} elements, the profiler {want:,}. "
            f"Hint: every branch reads the whole input; the concat reads and writes the output")
