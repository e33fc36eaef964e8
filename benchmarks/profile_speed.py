"""How long ``lwcourse.cost.profile`` takes on a large model (shapes only, no arithmetic).

The profiler runs the model once on meta tensors, so its time grows with the number of
operators, not with the resolution's arithmetic. The reference case is torchvision's
EfficientNet-B7 at 600x600 (814 operators), which should take well under 2 s. Timings depend on
the machine and its load, so they are printed here, never asserted in tests.

    python benchmarks/profile_speed.py --model efficientnet_b7 --resolution 600 --repeats 5
"""

from __future__ import annotations

import argparse
import statistics
import time

import torchvision

from lwcourse.cost import profile


def _positive(text: str) -> int:
    value = int(text) if text.lstrip("-").isdigit() else 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _model_name(text: str) -> str:
    if text not in torchvision.models.list_models(torchvision.models):
        raise argparse.ArgumentTypeError(f"unknown torchvision classification model {text!r} "
                                         f"(e.g. efficientnet_b7, mobilenet_v2, resnet50)")
    return text


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="efficientnet_b7", type=_model_name,
                        help="a torchvision classification model (default: efficientnet_b7)")
    parser.add_argument("--resolution", type=_positive, default=600)
    parser.add_argument("--repeats", type=_positive, default=5)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    model = torchvision.models.get_model(args.model)
    size = (1, 3, args.resolution, args.resolution)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        p = profile(model, size)
        times.append(time.perf_counter() - start)
    q1, _, q3 = statistics.quantiles(times, n=4) if len(times) > 1 else (times[0],) * 3
    print(f"profile({args.model}, {size}): {len(p.rows)} rows, {p.macs:,} MACs")
    print(f"time over {args.repeats} run(s): median {statistics.median(times):.3f} s "
          f"(IQR {q1:.3f}-{q3:.3f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
