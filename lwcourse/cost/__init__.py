"""Exact cost accounting: closed-form formulas and a per-op profiler that agree to the unit."""

from . import formulas
from .profiler import Profile, Row, UnknownOpError, profile

__all__ = ["Profile", "Row", "UnknownOpError", "formulas", "profile"]
