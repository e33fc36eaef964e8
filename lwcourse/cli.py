"""Command line: ``lwcourse list | summary NAME | compare NAME... | execute [NOTEBOOK...]``,
plus the classroom commands (``student-copies``, ``site``).

Every argument is checked before any work starts; a user error prints one line (``lwcourse
<command>: error: ...``) and exits with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import models
from ._checks import check_positive_int
from .classroom import cli as classroom_cli


class UsageError(Exception):
    """A wrong argument: reported by ``main`` as ``lwcourse <command>: error: ...``, exit 2."""


def _build(name: str):
    try:
        return models.create(name)
    except ValueError as exc:  # create() raises only for a bad name here
        raise UsageError(str(exc)) from None


def _check_resolution(model, resolution: int) -> int:
    if resolution < model.min_input_size:
        raise UsageError(f"--resolution must be at least {model.min_input_size} for "
                         f"{model.name} (its total stride); got {resolution}")
    return resolution


def _check_plot_path(path: str) -> Path:
    """The figure's folder must exist and be writable, its suffix a format matplotlib
    writes: checked before any timing starts."""
    from matplotlib.figure import Figure

    target = Path(path)
    formats = Figure().canvas.get_supported_filetypes()
    suffix = target.suffix.lstrip(".").lower()
    if suffix not in formats:
        raise UsageError(f"--plot must end in one of {', '.join('.' + f for f in formats)}; "
                         f"got {path!r}")
    folder = target.parent
    if not folder.is_dir():
        raise UsageError(f"--plot: folder {str(folder)!r} does not exist; got {path!r}")
    if target.is_dir() or not os.access(folder, os.W_OK):
        raise UsageError(f"--plot: cannot write {path!r}")
    return target


def cmd_list(_args) -> int:
    for name in models.list_models():
        print(name)
    return 0


def cmd_summary(args) -> int:
    from .cost import profile

    model = _build(args.name)
    res = _check_resolution(model, args.resolution or model.default_resolution)
    p = profile(model, (1, 3, res, res))
    print(f"{args.name} at {res}x{res}")
    print(p.summary())
    print()
    print(p.table(depth=args.depth))
    return 0


def cmd_compare(args) -> int:
    from .bench import compare
    from .cost import profile

    repeated = sorted({n for n in args.names if args.names.count(n) > 1})
    if repeated:
        raise UsageError(f"each model may be named once; repeated: {', '.join(repeated)}")
    plot = _check_plot_path(args.plot) if args.plot else None
    built = {name: _build(name) for name in args.names}
    res = args.resolution
    for model in built.values():
        _check_resolution(model, res)
    size = (args.batch, 3, res, res)
    profiles = {name: profile(m, size) for name, m in built.items()}
    timing = compare(built, size, threads=args.threads, rounds=args.rounds)
    print(f"input {size}, {args.threads} thread(s); latency is measured on this machine")
    print(f"{'model':<22} {'params':>12} {'MACs (M)':>10} {'mem. access (M)':>16} "
          f"{'median':>12} {'IQR':>10} {'ratio':>7}")
    for name, p in profiles.items():
        r = timing.results[name]
        print(f"{name:<22} {p.params:>12,} {p.macs / 1e6:>10.2f} {p.memory_access / 1e6:>16.2f} "
              f"{r.median_ms:>9.3f} ms {r.iqr_ms:>7.3f} ms {timing.ratio(name):>6.2f}x")
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from .plot import scatter_labeled

        fig, ax = plt.subplots()
        names = list(profiles)
        scatter_labeled([profiles[n].macs / 1e6 for n in names],
                        [timing.results[n].median_ms for n in names], names,
                        xlabel="MACs (M)", ylabel="median latency (ms)",
                        title=f"{res}x{res}, batch {args.batch}, {args.threads} thread(s)", ax=ax)
        fig.savefig(plot, dpi=100, bbox_inches="tight")
        print(f"plot written to {plot}")
    return 0


def _positive(text: str) -> int:
    try:
        return check_positive_int("value", int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None


def _threads(text: str) -> int:
    value = _positive(text)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if value > cores:
        raise argparse.ArgumentTypeError(f"expected 1 to {cores} (this machine's cores), "
                                         f"got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lwcourse", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list", help="list the registered models")
    ls.set_defaults(func=cmd_list, parser=ls)
    s = sub.add_parser("summary", help="params, MACs, memory access and a per-stage table")
    s.add_argument("name")
    s.add_argument("--resolution", type=_positive, help="input size (default: the model's)")
    s.add_argument("--depth", type=_positive, default=2, help="module depth of the table")
    s.set_defaults(func=cmd_summary, parser=s)
    c = sub.add_parser("compare", help="cost and measured latency of several models")
    c.add_argument("names", nargs="+")
    c.add_argument("--resolution", type=_positive, default=224)
    c.add_argument("--batch", type=_positive, default=1)
    c.add_argument("--threads", type=_threads, default=1)
    c.add_argument("--rounds", type=_positive, default=10)
    c.add_argument("--plot", metavar="FILE", help="also save MACs vs latency as a PNG")
    c.set_defaults(func=cmd_compare, parser=c)
    classroom_cli.add_parser(sub)
    from .execute import add_parser as add_execute_parser

    add_execute_parser(sub)
    from .train_cli import add_parser as add_train_parser

    add_train_parser(sub)
    from .survey import add_parser as add_survey_parser

    add_survey_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        args.parser.error(str(exc))  # prints usage and the message, exits 2


if __name__ == "__main__":
    sys.exit(main())
