"""Notebook 03 (ShuffleNet V2's guidelines): exercise checks and reference solutions."""

from __future__ import annotations

import math

from ..cost import formulas, profile
from ..guidelines import g2_width, g3_block, input_size

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


# --- Exercise 2: the width of a G2 row (Table 2) ------------------------------------------


def solve_g2_width(c0: int, g: int) -> int:
    """The largest multiple of ``g`` with ``c^2 / g <= c0^2``: a g-grouped 1x1 conv
    ``c -> c`` that costs no more MACs than the dense ``c0 -> c0`` one."""
    return g2_width(c0, g)


def check_g2_width(fn) -> None:
    """``fn(c0, g) -> c`` against brute force and the paper's GPU widths (Table 2)."""
    for c0, g in [(128, 1), (128, 2), (128, 4), (128, 8), (64, 2), (64, 8), (32, 3), (100, 16)]:
        got = fn(c0, g)
        want = max(c for c in range(g, 4 * g * c0 + 1, g) if c * c <= g * c0 * c0)
        assert isinstance(got, int), f"return an int; got {type(got).__name__}"
        assert got % g == 0, f"c0={c0}, g={g}: {got} channels cannot be split into {g} groups"
        assert got * got <= g * c0 * c0, (
            f"c0={c0}, g={g}: c={got} costs c^2/g = {got * got / g:,.1f} > c0^2 = {c0 * c0:,} "
            f"MACs per pixel: over the budget")
        assert got == want, (f"c0={c0}, g={g}: {want} also fits the budget and is wider than "
                             f"{got}. Hint: c <= sqrt(g) c0, rounded down to a multiple of g")


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
