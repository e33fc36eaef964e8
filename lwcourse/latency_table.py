"""A latency lookup table (MnasNet Sec. 3 measures on the phone; FBNet Sec. 3.2 and ProxylessNAS
predict with a table): time every *distinct* unit of a network once, stem, each block, head,
pool + classifier, keyed by its structure and input shape, and predict a network's latency
as the sum of its units' medians.

    table = LatencyTable(threads=1)
    table.add(model)                 # times the units the table does not hold yet
    table.predict_ms(model)          # sum of the units' median times
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from . import bench
from ._checks import check_positive_int
from .models._common import ImageClassifier

_IGNORED = ("Dropout", "DropPath")  # identity at inference: not part of a unit's key


@dataclass(frozen=True)
class Unit:
    """One piece of a network that the table times on its own."""

    name: str
    module: nn.Module
    input_shape: tuple[int, ...]
    key: str


def _signature(module: nn.Module) -> str:
    parts = []
    for name, m in module.named_modules():
        if type(m).__name__ in _IGNORED:
            continue
        parts.append(f"{name}:{type(m).__name__}({m.extra_repr()})")
    return "; ".join(parts)


def _check_model(model) -> ImageClassifier:
    if not isinstance(model, ImageClassifier):
        raise ValueError("model must be a model of the zoo (an lwcourse ImageClassifier, e.g. "
                         f"lw.models.create('efficientnet_b0')); got {type(model).__name__}")
    return model


def _input_size(model: ImageClassifier, input_size) -> tuple[int, ...]:
    if input_size is None:
        r = model.default_resolution
        return (1, 3, r, r)
    if (not isinstance(input_size, Sequence) or len(input_size) != 4
            or isinstance(input_size, str)):
        raise ValueError(f"input_size must be (N, 3, H, W); got {input_size!r}")
    for v in input_size:
        check_positive_int("input_size", v)
    return tuple(input_size)


def units(model: ImageClassifier, input_size=None) -> list[Unit]:
    """The model's units in forward order with their input shapes (one forward pass on zeros,
    in eval mode: the model is left in eval mode): ``stem``, every block ``stages.i.j``,
    ``head``, ``pool+classifier``."""
    model = _check_model(model)
    size = _input_size(model, input_size)
    model.check_input(torch.empty(size, device="meta"))
    tail = nn.Sequential(model.pool, model.classifier)
    pieces = [("stem", model.stem)]
    pieces += [(f"stages.{i}.{j}", block) for i, stage in enumerate(model.stages)
               for j, block in enumerate(stage)]
    pieces += [("head", model.head)] if model.head is not None else []
    pieces += [("pool+classifier", tail)]
    out, x = [], torch.zeros(size)
    model.eval()
    with torch.inference_mode():
        for name, module in pieces:
            shape = tuple(x.shape)
            out.append(Unit(name, module, shape, f"{_signature(module)} @ {shape}"))
            x = module(x)
    return out


class LatencyTable:
    """Median time of each distinct unit, measured once with ``lw.bench.latency``."""

    def __init__(self, *, threads: int = 1, warmup: int = 3, min_runs: int = 5,
                 min_time_s: float = 0.02):
        self.threads = bench._check_threads(threads)
        bench._check_warmup(warmup)
        self.warmup = warmup
        self.min_runs = check_positive_int("min_runs", min_runs)
        self.min_time_s = bench._check_seconds("min_time_s", min_time_s)
        self.entries: dict[str, bench.Latency] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, model: ImageClassifier, input_size=None) -> int:
        """Time every unit of ``model`` whose key the table lacks; returns how many were new."""
        new = 0
        for unit in units(model, input_size):
            if unit.key not in self.entries:
                self.entries[unit.key] = bench.latency(
                    unit.module, unit.input_shape, threads=self.threads, warmup=self.warmup,
                    min_runs=self.min_runs,
                    min_time_s=self.min_time_s, min_sample_ms=1.0, name=unit.name)
                new += 1
        return new

    def breakdown(self, model: ImageClassifier, input_size=None) -> list[tuple[str, float]]:
        """(unit name, predicted ms) for every unit; a unit missing from the table is an error."""
        rows = []
        for unit in units(model, input_size):
            if unit.key not in self.entries:
                raise ValueError(f"unit {unit.name!r} of {model.name} (input "
                                 f"{unit.input_shape}) is not in the table: call "
                                 "table.add(model) first")
            rows.append((unit.name, self.entries[unit.key].median_ms))
        return rows

    def predict_ms(self, model: ImageClassifier, input_size=None) -> float:
        """Predicted latency: the sum of the units' median times."""
        return sum(ms for _, ms in self.breakdown(model, input_size))


def relative_error(predicted: float, measured: float) -> float:
    """``(predicted - measured) / measured``: positive when the table over-predicts."""
    for name, v in {"predicted": predicted, "measured": measured}.items():
        if isinstance(v, bool) or not isinstance(v, int | float) or v <= 0:
            raise ValueError(f"{name} must be a positive time; got {v!r}")
    return (predicted - measured) / measured


def kendall_tau(a: Sequence[float], b: Sequence[float]) -> float:
    """Rank agreement of two scores of the same items: (concordant - discordant) pairs / all
    pairs, from -1 (reversed order) to 1 (same order); ties count as neither."""
    a, b = list(a), list(b)
    if len(a) != len(b) or len(a) < 2:
        raise ValueError(f"a and b must have the same length >= 2; got {len(a)} and {len(b)}")
    pairs = [(i, j) for i in range(len(a)) for j in range(i + 1, len(a))]
    score = sum(_sign(a[i] - a[j]) * _sign(b[i] - b[j]) for i, j in pairs)
    return score / len(pairs)


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)
