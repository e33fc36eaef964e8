"""Activation memory measured on real tensors: a check of the profiler's ``peak_activation``.

``lwcourse.cost.profile`` counts activation elements on *meta* tensors (shapes only).
``measure_activations(model, x)`` runs the model on the real input and records every storage
the CPU kernels actually allocate (``untyped_storage().nbytes()``), when it is created and
when Python frees it, so the two can be compared byte for byte.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode


@dataclass
class ActivationMemory:
    """What ``measure_activations`` saw: ``peak_bytes`` most bytes alive at once (the input
    included), ``largest`` the (op, shape, bytes) of the largest tensor allocated."""

    peak_bytes: int
    largest: tuple[str, tuple[int, ...], int]
    allocations: list[tuple[str, tuple[int, ...], int]] = field(default_factory=list)


class _Tracker(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.live, self.peak = 0, 0
        self.alive: set[int] = set()
        self.allocations: list[tuple[str, tuple[int, ...], int]] = []

    def _free(self, key: int, nbytes: int) -> None:
        self.live -= nbytes
        self.alive.discard(key)

    def track(self, t: torch.Tensor, op: str) -> None:
        storage = t.untyped_storage()
        key, nbytes = storage.data_ptr(), storage.nbytes()
        if nbytes == 0 or key in self.alive:  # empty, a view, or written in place
            return
        self.alive.add(key)
        self.live += nbytes
        self.peak = max(self.peak, self.live)
        self.allocations.append((op, tuple(t.shape), nbytes))
        weakref.finalize(t, self._free, key, nbytes)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in out if isinstance(out, list | tuple) else [out]:
            if isinstance(t, torch.Tensor):
                self.track(t, func._overloadpacket.__name__)
        return out


@torch.no_grad()
def measure_activations(model: nn.Module, x: torch.Tensor) -> ActivationMemory:
    """Run ``model(x)`` once in eval mode on the CPU and measure its activation memory."""
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(x, torch.Tensor) or x.device.type != "cpu":
        raise ValueError("x must be a CPU tensor (the measurement reads real storages)")
    modes = {m: m.training for m in model.modules()}
    tracker = _Tracker()
    try:
        model.eval()
        with tracker:
            tracker.track(x, "input")
            model(x)
    finally:
        for m, training in modes.items():
            m.train(training)
    largest = max(tracker.allocations, key=lambda a: a[2])
    return ActivationMemory(tracker.peak, largest, tracker.allocations)
