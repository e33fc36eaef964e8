"""Exact cost accounting: closed-form formulas and a per-op profiler that agree to the unit."""

from . import formulas, rules
from .profiler import Profile, ProfileError, Row, UnknownOpError, profile

__all__ = ["Profile", "ProfileError", "Row", "UnknownOpError", "formulas", "profile", "rules"]
