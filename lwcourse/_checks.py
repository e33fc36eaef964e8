"""Argument checks shared by the whole package: one clear error style.

Every check raises ``ValueError`` with a message that names the parameter, says what is allowed
and shows what was given, e.g. ``width_mult must be a positive finite number; got inf``.
Integers may be any integral type (Python or NumPy ints), never ``bool``; a float is not an
integer even when it is whole (``groups=3.0`` is refused).
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable

import torch


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_positive_int(name: str, value) -> int:
    """Return ``value`` as an int if it is an integer > 0."""
    if not _is_int(value) or value <= 0:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def check_odd_int(name: str, value) -> int:
    """Return ``value`` if it is an odd positive integer (a kernel size whose "same" padding
    ``(K - 1) // 2`` keeps the spatial size: 1, 3, 5, 7, ...)."""
    if not _is_int(value) or value <= 0 or value % 2 == 0:
        raise ValueError(f"{name} must be an odd positive integer (1, 3, 5, 7, ...: \"same\" "
                         f"padding (K - 1) // 2 keeps the size only for odd K); got {value!r}")
    return int(value)


def check_real(name: str, value, low: float = -math.inf, high: float = math.inf, *,
               low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` as a float if it is a finite real number in the given interval."""
    inside = (_is_real(value) and math.isfinite(value)
              and (value > low if low_open else value >= low)
              and (value < high if high_open else value <= high))
    if not inside:
        if (low, low_open, high) == (0, True, math.inf):
            allowed = "a positive finite number"
        else:
            allowed = (f"a number in {'(' if low_open else '['}{low:g}, {high:g}"
                       f"{')' if high_open or high == math.inf else ']'}")
        raise ValueError(f"{name} must be {allowed}; got {value!r}")
    return float(value)


def check_positive(name: str, value) -> float:
    """Return ``value`` if it is a finite real number > 0 (``inf`` and ``nan`` are refused)."""
    check_real(name, value, 0, low_open=True)
    return value


def check_rate(name: str, value) -> float:
    """Return ``value`` if it is a probability in [0, 1) (dropout, stochastic depth)."""
    return check_real(name, value, 0, 1, high_open=True)


def _matches(value, allowed) -> bool:
    if isinstance(value, bool) or isinstance(allowed, bool):
        return value is allowed
    if _is_int(allowed) and not _is_int(value):
        return False  # 3.0 is not the integer 3
    try:
        return bool(value == allowed)
    except (TypeError, ValueError, RuntimeError):  # e.g. an array compared elementwise
        return False


def check_choice(name: str, value, allowed: Iterable):
    """Return the element of ``allowed`` equal to ``value``, else raise listing them.

    Types are respected: where an integer is allowed, a float is refused even if it is whole
    (``3.0``); ``True`` is never taken for ``1``.
    """
    allowed = tuple(allowed)
    for a in allowed:
        if _matches(value, a):
            return a
    shown = ", ".join(repr(a) for a in allowed)
    raise ValueError(f"{name} must be one of {shown}; got {value!r}")


def check_divides(groups_name: str, groups: int, channels_name: str, channels: int) -> None:
    """Raise ValueError unless ``groups`` divides ``channels``."""
    if channels % groups:
        raise ValueError(
            f"{groups_name}={groups} must divide {channels_name}={channels} "
            f"(allowed: divisors of {channels})"
        )


def check_name(name: str, value, known: Iterable[str], what: str) -> str:
    """Return ``value`` if it is a string among ``known``; else raise listing close matches
    (or all known names when there are few)."""
    known = sorted(known)
    if isinstance(value, str) and value in known:
        return value
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string, one of {what}; got {value!r}")
    close = difflib.get_close_matches(value, known, n=3, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise ValueError(f"unknown {name} {value!r}.{hint} Allowed: {what}.")


def check_image_batch(name: str, x, channels: int | None = None) -> torch.Tensor:
    """Return ``x`` if it is a 4-D tensor ``(N, C, H, W)`` (with ``channels`` channels when
    given)."""
    if not isinstance(x, torch.Tensor) or x.dim() != 4:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"{name} must be a batch of feature maps (N, C, H, W); got {shape}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{name} must have {channels} channels; got shape {tuple(x.shape)}")
    return x
