"""Minor page faults per forward pass of each lwcourse model and its reference, interleaved.

A count, not a timing, so it reads the same on a busy machine. When two implementations of one
network differ in speed although their ops are the same, compare this: memory the allocator
returned to the OS (glibc trims the heap, unmaps big blocks) is faulted in again, page by page,
on the next call, and how much depends on the order in which activations are freed
(issue 7, P2: MobileNetV2 held the stem's output through every stage; ours/ref was ~1.4x here
before ``lwcourse.blocks.conv.chain``, ~1.0x after). Unix only (``resource``).

    python benchmarks/page_faults_vs_reference.py --models mobilenet_v2 --batch 1
"""

from __future__ import annotations

import argparse
import resource
import sys

import torch

from lwcourse import bench
from lwcourse.cli import _positive

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from latency_vs_reference import models_with_reference, pair  # noqa: E402


def faults_per_call(calls: dict, x: torch.Tensor, rounds: int, warmup: int = 5) -> dict:
    """Mean minor page faults of one call of each callable, in rotating interleaved rounds."""
    totals = dict.fromkeys(calls, 0)
    names = list(calls)
    with torch.inference_mode():
        for r in range(warmup + rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:
                before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                calls[name](x)
                if r >= warmup:
                    totals[name] += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    return {name: total / rounds for name, total in totals.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=None)
    parser.add_argument("--batch", type=_positive, default=1)
    parser.add_argument("--resolution", type=_positive, default=224)
    parser.add_argument("--rounds", type=_positive, default=30)
    args = parser.parse_args(argv)
    known = models_with_reference()
    wrong = [m for m in args.models or [] if m not in known]
    if wrong:
        parser.error(f"no reference for {', '.join(wrong)}; choose from: {', '.join(known)}")
    print(bench.machine_info())
    print(f"{'model':<28} {'ours':>10} {'reference':>10} {'ours/ref':>9}   (faults per call)")
    with bench.threads(1):
        for name in args.models or known:
            ours, ref = pair(name)
            x = torch.randn(args.batch, 3, args.resolution, args.resolution)
            f = faults_per_call({"ours": ours, "reference": ref}, x, args.rounds)
            ratio = f["ours"] / f["reference"] if f["reference"] else float("nan")
            print(f"{name:<28} {f['ours']:>10.0f} {f['reference']:>10.0f} {ratio:>8.2f}x",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
