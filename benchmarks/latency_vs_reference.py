"""CPU latency of each lwcourse model against its torchvision/timm reference.

Both models carry the same weights (``lwcourse.reference.transplant``) and are timed in eval
mode under ``torch.inference_mode`` in interleaved rounds (``lwcourse.bench.compare``), so a
slow moment of the machine hurts both alike. The goal is ``ours / reference <= 1.00``.

Large batches on Linux: glibc hands big activation buffers back to the OS after every call, so
the next call pays page faults again. For EfficientNet-B5 at batch 16 that was ~25 % of the
time, and it differed between two implementations of the same network with the same ops (ours
1.09x, per-stage times equal) only because their allocation order differs. To compare the
compute alone, keep freed memory in the process:
``MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=68719476736 python ...``
(then B5 at batch 16 measured 1.00x). The same effect made MobileNetV2 slower at batch 1
(issue 7, P2): our models held activations that torchvision's had already freed (a container
module keeps its input alive until it returns); ``lwcourse.blocks.conv.chain`` frees each one
as early as the reference does (``tests/test_memory_lifetimes.py``).

Every row is judged against the A/A control (the reference against a deep copy of itself,
timed in the same rounds): a ratio inside its noise band is "within noise".

    python benchmarks/latency_vs_reference.py --models shufflenet_v2_x1_0 ghostnet \\
        --batches 1 16 --threads 1 2 --resolution 224
"""

from __future__ import annotations

import argparse
import itertools
import sys

import torch

from lwcourse import bench
from lwcourse.cli import _positive  # the CLI's check: a positive integer
from lwcourse.models import create, list_models
from lwcourse.reference import REFERENCES, randomize_, reference_model, transplant


def models_with_reference() -> list[str]:
    return [name for name in list_models() if name in REFERENCES]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=None,
                        help="registry names (default: every model with a reference)")
    parser.add_argument("--batches", nargs="+", type=_positive, default=[1, 16])
    parser.add_argument("--threads", nargs="+", type=_positive, default=[1, 2])
    parser.add_argument("--resolution", type=_positive, default=224)
    parser.add_argument("--rounds", type=_positive, default=15,
                        help="interleaved timing rounds per model pair (default 15)")
    parser.add_argument("--control", action="store_true",
                        help="also print the A/A control (the reference against a copy of "
                             "itself, timed in the same rounds; it is always measured and sets "
                             "the noise band of the verdict)")
    args = parser.parse_args(argv)
    known = models_with_reference()
    args.models = args.models or known
    for option in ("models", "batches", "threads"):
        values = getattr(args, option)
        repeated = sorted({str(v) for v in values if values.count(v) > 1})
        if repeated:
            parser.error(f"--{option} lists {', '.join(repeated)} more than once")
    wrong = [m for m in args.models if m not in known]
    if wrong:
        parser.error(f"no reference for {', '.join(wrong)}; choose from: {', '.join(known)}")
    cores = bench.available_cores()
    if max(args.threads) > cores:
        parser.error(f"--threads must be between 1 and {cores} (the cores available), "
                     f"got {max(args.threads)}")
    for name in args.models:
        smallest = getattr(create(name), "min_input_size", 1)
        if args.resolution < smallest:
            parser.error(f"--resolution must be at least {smallest} for {name}, "
                         f"got {args.resolution}")
    return args


def pair(name: str) -> tuple[torch.nn.Module, torch.nn.Module]:
    """(ours, reference) with identical weights, in eval mode.

    The weights are ``randomize_``d first: a freshly initialised deep network in eval mode
    shrinks its activations layer by layer (EfficientNet-B5's logits are ~1e-14), towards
    denormal floats whose slow arithmetic a trained network never sees."""
    torch.manual_seed(0)
    ref = randomize_(reference_model(name)).eval()
    ours = transplant(ref, create(name)).eval()
    return ours, ref


def main(argv=None) -> int:
    args = parse_args(argv)
    header = (f"{'model':<28} {'batch':>5} {'threads':>7} {'ours':>12} {'reference':>12} "
              f"{'ours/ref':>9} {'A/A band':>12}  verdict")
    print(bench.machine_info())
    print(f"CPU latency, input {args.resolution}x{args.resolution}, medians of {args.rounds} "
          f"interleaved rounds; verdict against the A/A noise band (reference vs its copy)")
    print(header)
    print("-" * len(header))
    ratios = []
    for name in args.models:
        ours, ref = pair(name)
        for batch, threads in itertools.product(args.batches, args.threads):
            result = bench.compare({"reference": ref, "ours": ours},
                                   (batch, 3, args.resolution, args.resolution),
                                   threads=threads, rounds=args.rounds)
            ratio, (lo, hi) = result.ratio("ours"), result.noise_band
            ratios.append((ratio, result.verdict("ours")))
            print(f"{name:<28} {batch:>5} {threads:>7} "
                  f"{bench.format_ms(result.results['ours'].median_ms):>12} "
                  f"{bench.format_ms(result.results['reference'].median_ms):>12} "
                  f"{ratio:>8.2f}x {lo:>5.2f}-{hi:.2f}x  {result.verdict('ours')}", flush=True)
            if args.control:
                print(f"{name + ' (A/A)':<28} {batch:>5} {threads:>7} "
                      f"{bench.format_ms(result.control.median_ms):>12} "
                      f"{bench.format_ms(result.results['reference'].median_ms):>12} "
                      f"{result.control_ratio:>8.2f}x", flush=True)
    worst = max(ratios)
    slower = sum(verdict == "slower" for _, verdict in ratios)
    print(f"worst ratio {worst[0]:.2f}x; ours slower beyond the noise band in {slower} of "
          f"{len(ratios)} configuration(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
