"""Imports every model family so that their builders register themselves."""
# Add one import line per family module, e.g. `from . import mobilenet_v2  # noqa: F401`.
