"""lwcourse: lightweight CNNs from first principles, with exact cost accounting.

Start every notebook with ``import lwcourse as lw; lw.setup(seed=0)``.
"""

from __future__ import annotations

import importlib

from ._setup import setup

__version__ = "0.1.0"
_SUBMODULES = ("blocks", "models", "cost", "bench", "reference", "plot", "widgets", "solutions",
               "connectivity", "guidelines", "classroom", "cli", "data", "deploy", "execute",
               "latency_table", "memory", "redundancy", "scaling", "se_lab", "survey", "train")
__all__ = ["setup", "__version__", *_SUBMODULES]


def __getattr__(name: str):
    # Submodules load on first use, so `import lwcourse` stays fast.
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'lwcourse' has no attribute {name!r}")


def __dir__() -> list[str]:
    # So that `lw.<TAB>` in Jupyter offers the submodules before they are loaded.
    return sorted({*globals(), *_SUBMODULES})
