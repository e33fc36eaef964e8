"""Reference solutions to the notebooks' exercises, one module per notebook (``nb01`` ...).

Each exercise has a ``check_<name>(fn)`` that raises AssertionError with a hint when ``fn`` is
wrong, and a reference ``solve_<name>``. The notebooks call ``try_check`` on the learner's
function; the unit tests run every reference solution through the same checks.
"""

from __future__ import annotations

from collections.abc import Callable


def try_check(check: Callable[[Callable], None], fn: Callable) -> bool:
    """Run ``check(fn)`` and print one line: correct, not attempted yet, or what is wrong."""
    try:
        check(fn)
    except NotImplementedError:
        print("not attempted yet: replace `raise NotImplementedError` with your code")
        return False
    except AssertionError as exc:
        print(f"not yet right: {str(exc).splitlines()[0] if str(exc) else 'wrong answer'}")
        return False
    print("correct!")
    return True
