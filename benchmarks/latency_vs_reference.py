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
(then B5 at batch 16 measured 1.00x).

    python benchmarks/latency_vs_reference.py --models shufflenet_v2_x1_0 ghostnet \\
        --batches 1 16 --threads 1 2 --resolution 224
"""

from __future__ import annotations

import argparse
import copy
import itertools
import sys

import torch

from lwcourse import bench
from lwcourse.models import create, list_models
from lwcourse.reference import REFERENCES, randomize_, reference_model, transplant


def models_with_reference() -> list[str]:
    return [name for name in list_models() if name in REFERENCES]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=None,
                        help="registry names (default: every model with a reference)")
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 16])
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--resolution", type=int, default=224)
    parser.add_argument("--rounds", type=int, default=15,
                        help="interleaved timing rounds per model pair (default 15)")
    parser.add_argument("--control", action="store_true",
                        help="also time the reference against a copy of itself (an A/A test): "
                             "its spread around 1.00x is this machine's noise level")
    args = parser.parse_args(argv)
    known = models_with_reference()
    args.models = args.models or known
    wrong = [m for m in args.models if m not in known]
    if wrong:
        parser.error(f"no reference for {', '.join(wrong)}; choose from: {', '.join(known)}")
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
              f"{'ours/ref':>9}")
    print(f"CPU latency, input {args.resolution}x{args.resolution}, median of "
          f"{args.rounds} interleaved rounds (torch {torch.__version__})")
    print(header)
    print("-" * len(header))
    ratios = []
    for name in args.models:
        ours, ref = pair(name)
        contenders = [(name, ours)]
        if args.control:
            contenders.append((f"{name} (A/A)", copy.deepcopy(ref)))
        for (label, model), batch, threads in itertools.product(contenders, args.batches,
                                                                args.threads):
            result = bench.compare({"ours": model, "reference": ref},
                                   (batch, 3, args.resolution, args.resolution),
                                   threads=threads, rounds=args.rounds, baseline="reference")
            ratio = result.ratio("ours")
            if label == name:
                ratios.append(ratio)
            print(f"{label:<28} {batch:>5} {threads:>7} "
                  f"{bench.format_ms(result.results['ours'].median_ms):>12} "
                  f"{bench.format_ms(result.results['reference'].median_ms):>12} "
                  f"{ratio:>8.2f}x", flush=True)
    if ratios:
        worst = max(ratios)
        print(f"worst ratio {worst:.2f}x ({'ok' if worst <= 1.0 else 'ours slower somewhere'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
