"""Imports every model family so that their builders register themselves."""
# One import line per family module (import order = registration order).
from . import ghostnet  # noqa: F401
from . import resnext  # noqa: F401
from . import shufflenet_v1  # noqa: F401
from . import shufflenet_v2  # noqa: F401
