"""``lwcourse student-copies`` and ``lwcourse site``: the classroom commands.

Registered in ``lwcourse/cli.py`` with ``classroom.cli.add_parser(sub)``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .outdir import OutDirError

EXTRA_HINT = 'the classroom commands need nbformat and nbconvert: pip install -e ".[classroom]"'


def _run(command: str, build, *args):
    """``(build(*args), 0)``, or ``(None, 2)`` after printing a user error (no traceback)."""
    try:
        return build(*args), 0
    except (FileNotFoundError, OutDirError) as exc:
        message = str(exc)
    except ImportError as exc:
        message = f"{exc}; {EXTRA_HINT}"
    print(f"lwcourse {command}: error: {message}", file=sys.stderr)
    return None, 2


def cmd_student_copies(args) -> int:
    from .student import make_student_copies

    written, status = _run("student-copies", make_student_copies, args.notebooks, args.out)
    if written is None:
        return status
    notebooks = [p for p in written if p.suffix == ".ipynb"]
    print(f"{len(notebooks)} student notebooks and {len(written) - len(notebooks)} figures "
          f"written to {args.out}")
    return 0


def cmd_site(args) -> int:
    from .site import build_site, check_links

    report, status = _run("site", build_site, args.root, args.out)
    if report is None:
        return status
    links, broken = check_links(report.out)
    print(f"{len(report.pages)} pages written to {args.out}; open {Path(args.out) / 'index.html'}")
    if broken:
        print(f"{len(broken)} of {links} internal links do not resolve:", file=sys.stderr)
        for line in broken:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"all {links} internal links resolve")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``student-copies`` and ``site`` subcommands to the ``lwcourse`` command line."""
    s = subparsers.add_parser(
        "student-copies", help="notebooks for students: no outputs, answers or solution hints")
    s.add_argument("--out", required=True, metavar="DIR",
                   help="new or empty folder (or an earlier output, which is replaced)")
    s.add_argument("--notebooks", default="notebooks", metavar="DIR",
                   help="the course notebooks (default: notebooks)")
    s.set_defaults(func=cmd_student_copies)
    w = subparsers.add_parser("site", help="the course as a static HTML site (offline MathJax)")
    w.add_argument("--out", required=True, metavar="DIR",
                   help="new or empty folder (or an earlier site, which is replaced)")
    w.add_argument("--root", default=".", metavar="DIR",
                   help="the course repository: README.md, notebooks/, lwcourse/ (default: .)")
    w.set_defaults(func=cmd_site)
