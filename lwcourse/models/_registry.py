"""The model registry: ``create(name, **kwargs)`` and ``list_models()``."""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable

from torch import nn

_MODELS: dict[str, Callable[..., nn.Module]] = {}


def register_model(fn: Callable[..., nn.Module] | None = None, *, name: str | None = None):
    """Decorator that adds a model builder to the registry under its function name."""

    def add(builder):
        key = name or builder.__name__
        if key in _MODELS:
            raise ValueError(f"model {key!r} is registered twice")
        _MODELS[key] = builder
        return builder

    return add(fn) if fn is not None else add


def list_models() -> list[str]:
    """Names of all registered models, sorted."""
    _load_families()
    return sorted(_MODELS)


def unknown_model_message(name: str) -> str:
    """A readable error for an unknown model name, with close matches."""
    close = difflib.get_close_matches(name, list_models(), n=3, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    return f"unknown model {name!r}.{hint} See lwcourse.models.list_models()."


def create(name: str, num_classes: int = 1000, **kwargs) -> nn.Module:
    """Build a registered model, e.g. ``create("mobilenet_v2", width_mult=1.4)``.

    Keyword arguments a builder does not take raise a ValueError that lists the ones it does.
    """
    _load_families()
    if name not in _MODELS:
        raise ValueError(unknown_model_message(name))
    builder = _MODELS[name]
    accepted = inspect.signature(builder).parameters
    wrong = [k for k in kwargs if k not in accepted]
    if wrong:
        raise ValueError(
            f"model {name!r} does not take {', '.join(wrong)}; it takes: {', '.join(accepted)}"
        )
    return builder(num_classes=num_classes, **kwargs)


def _load_families() -> None:
    # Importing the family modules runs their @register_model decorators.
    from . import _families  # noqa: F401
