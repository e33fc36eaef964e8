"""Reference solutions to the notebooks' exercises, one module per notebook (``nb01`` ...).

Each exercise has a ``check_<name>(fn)`` that raises AssertionError with a hint when ``fn`` is
wrong, and a reference ``solve_<name>``. The notebooks call ``try_check`` on the learner's
function; the unit tests run every reference solution through the same checks.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable

NOTEBOOKS = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("nb")))


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


def exercises(notebook: str) -> list[str]:
    """The exercise names of ``notebook`` (e.g. ``"nb01"``), in file order."""
    if notebook not in NOTEBOOKS:
        raise ValueError(f"notebook must be one of {', '.join(NOTEBOOKS)}; got {notebook!r}")
    module = importlib.import_module(f"{__name__}.{notebook}")
    solvers = [(inspect.getsourcelines(f)[1], name.removeprefix("solve_"))
               for name, f in vars(module).items()
               if name.startswith("solve_") and inspect.isfunction(f)]
    return [name for _, name in sorted(solvers)]


def show(notebook: str, exercise: str) -> None:
    """Print the reference solution of one exercise (``solve_<exercise>`` in
    ``lwcourse/solutions/<notebook>.py``), for reading inside the notebook after trying."""
    names = exercises(notebook)
    if exercise not in names:
        raise ValueError(f"exercise must be one of {', '.join(names)} for {notebook}; "
                         f"got {exercise!r}")
    module = importlib.import_module(f"{__name__}.{notebook}")
    print(inspect.getsource(getattr(module, f"solve_{exercise}")).rstrip())
