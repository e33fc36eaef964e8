"""Command line: ``lwcourse list | summary NAME | compare NAME...``."""

from __future__ import annotations

import argparse
import sys

from . import models
from ._checks import check_positive_int


def _resolution(model, requested: int | None) -> int:
    return requested or getattr(model, "default_resolution", 224)


def _build(name: str):
    if name not in models.list_models():
        raise SystemExit(f"lwcourse: {models._registry.unknown_model_message(name)}")
    return models.create(name)


def cmd_list(_args) -> int:
    for name in models.list_models():
        print(name)
    return 0


def cmd_summary(args) -> int:
    from .cost import profile

    model = _build(args.name)
    res = _resolution(model, args.resolution)
    p = profile(model, (1, 3, res, res))
    print(f"{args.name} at {res}x{res}")
    print(p.summary())
    print()
    print(p.table(depth=args.depth))
    return 0


def cmd_compare(args) -> int:
    from .bench import compare
    from .cost import profile

    built = {name: _build(name) for name in args.names}
    res = args.resolution or 224
    size = (args.batch, 3, res, res)
    profiles = {name: profile(m, size) for name, m in built.items()}
    timing = compare(built, size, threads=args.threads, rounds=args.rounds)
    print(f"input {size}, {args.threads} thread(s); latency is measured on this machine")
    print(f"{'model':<22} {'params':>12} {'MACs (M)':>10} {'mem. access (M)':>16} "
          f"{'latency':>12} {'ratio':>7}")
    for name, p in profiles.items():
        r = timing.results[name]
        print(f"{name:<22} {p.params:>12,} {p.macs / 1e6:>10.2f} {p.memory_access / 1e6:>16.2f} "
              f"{r.median_ms:>9.3f} ms {timing.ratio(name):>6.2f}x")
    if args.plot:
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
        fig.savefig(args.plot, dpi=100, bbox_inches="tight")
        print(f"plot written to {args.plot}")
    return 0


def _positive(text: str) -> int:
    try:
        return check_positive_int("value", int(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lwcourse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the registered models").set_defaults(func=cmd_list)
    s = sub.add_parser("summary", help="params, MACs, memory access and a per-stage table")
    s.add_argument("name")
    s.add_argument("--resolution", type=_positive, help="input size (default: the model's)")
    s.add_argument("--depth", type=_positive, default=2, help="module depth of the table")
    s.set_defaults(func=cmd_summary)
    c = sub.add_parser("compare", help="cost and measured latency of several models")
    c.add_argument("names", nargs="+")
    c.add_argument("--resolution", type=_positive, default=224)
    c.add_argument("--batch", type=_positive, default=1)
    c.add_argument("--threads", type=_positive, default=1)
    c.add_argument("--rounds", type=_positive, default=10)
    c.add_argument("--plot", metavar="FILE", help="also save MACs vs latency as a PNG")
    c.set_defaults(func=cmd_compare)
    from .train_cli import add_parser as add_train_parser  # lwcourse train (owner: training)
    add_train_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
