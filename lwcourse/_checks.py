"""Argument checks shared by blocks, models and cost formulas: one clear error style."""

from __future__ import annotations

from collections.abc import Iterable


def check_positive_int(name: str, value) -> int:
    """Return ``value`` if it is an int > 0, else raise ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def check_positive(name: str, value) -> float:
    """Return ``value`` if it is a real number > 0, else raise ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return value


def check_choice(name: str, value, allowed: Iterable):
    """Return ``value`` if it is one of ``allowed``, else raise ValueError listing them."""
    allowed = tuple(allowed)
    if value not in allowed:
        shown = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {shown}; got {value!r}")
    return value


def check_divides(groups_name: str, groups: int, channels_name: str, channels: int) -> None:
    """Raise ValueError unless ``groups`` divides ``channels``."""
    if channels % groups:
        raise ValueError(
            f"{groups_name}={groups} must divide {channels_name}={channels} "
            f"(allowed: divisors of {channels})"
        )


def check_rate(name: str, value) -> float:
    """Return ``value`` if it is a probability in [0, 1), else raise ValueError naming ``name``
    (used for dropout and stochastic depth rates)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)
