"""Imports every model family so that their builders register themselves."""
# One import line per family module (import order = registration order).
from . import efficientnet  # noqa: F401
from . import ghostnet  # noqa: F401
from . import mnasnet  # noqa: F401
from . import mobilenet_v1  # noqa: F401
from . import mobilenet_v2  # noqa: F401
from . import mobilenet_v3  # noqa: F401
from . import resnext  # noqa: F401
from . import shufflenet_v1  # noqa: F401
from . import shufflenet_v2  # noqa: F401
from . import mobilenet_v2_attention  # noqa: F401
