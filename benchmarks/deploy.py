"""The deployment ladder: eager -> BN folded -> channels_last -> frozen -> int8 -> ONNX Runtime
(fp32, then int8), for each model, against eager torchvision/timm at the same weights.

Every step of one model is timed in the same interleaved rounds as the eager reference and its
A/A control (``lwcourse.bench.compare``); the verdict says whether a ratio lies outside the A/A
noise band. Output agreement with the eager reference, over the timing input and the 8
calibration inputs: ``rel_max_diff`` is the largest absolute output difference divided by the
reference's largest output magnitude, ``top1_agreement`` the fraction of those 9 inputs with
the same top-1 class. The int8 step compiles with ``torch.compile`` (tens of seconds per model;
needs g++); ``onnxruntime_int8`` is ONNX Runtime's static int8 quantization (a few seconds).

    python benchmarks/deploy.py --out results/deploy.csv

Target (issue 13): the best lwcourse-deployed MobileNetV2 >= 3x faster than eager torchvision at
batch 1, 1 thread.

``--drift`` instead trains a small MobileNetV2 on the digits set and writes what int8 costs in
test accuracy (torchao and ONNX Runtime; ``lwcourse.deploy.int8_drift``), about two minutes:

    python benchmarks/deploy.py --drift --out results/deploy_drift.json
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import sys
import tempfile

import torch

from lwcourse import bench, deploy
from lwcourse.cli import _positive  # the CLI's check: a positive integer
from lwcourse.models import create
from lwcourse.reference import randomize_, reference_model, transplant

MODELS = ("mobilenet_v2", "mobilenet_v3_large", "shufflenet_v2_x1_0", "ghostnet",
          "efficientnet_b0")
CALIBRATION_INPUTS = 8  # random images: the models have random weights, there is no data
FIELDS = ("model", "threads", "step", "median_ms", "q1_ms", "q3_ms", "ratio_vs_reference",
          "speedup_vs_reference", "aa_low", "aa_high", "verdict", "rel_max_diff", "top1_agreement")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS,
                        metavar="MODEL", help=f"any of {', '.join(MODELS)} (default: all)")
    parser.add_argument("--steps", nargs="+", default=list(deploy.LADDER),
                        choices=deploy.LADDER, metavar="STEP",
                        help=f"any of {', '.join(deploy.LADDER)} (default: all)")
    parser.add_argument("--threads", nargs="+", type=_positive, default=[1, 2])
    parser.add_argument("--resolution", type=_positive, default=224)
    parser.add_argument("--time-budget", type=float, default=10.0,
                        help="seconds of interleaved rounds per model and thread count")
    parser.add_argument("--out", default=None, help="write the rows to this CSV file (with "
                        "--drift: the JSON file, required)")
    parser.add_argument("--drift", action="store_true",
                        help="measure int8 accuracy drift on a trained model instead of timing")
    args = parser.parse_args(argv)
    if args.drift and not (args.out or "").endswith(".json"):
        parser.error("--drift needs --out FILE.json")
    cores = bench.available_cores()
    if max(args.threads) > cores:
        parser.error(f"--threads must be between 1 and {cores} (the cores available), "
                     f"got {max(args.threads)}")
    if not args.time_budget > 0:
        parser.error(f"--time-budget must be a positive number of seconds, got "
                     f"{args.time_budget}")
    if args.resolution < 32:
        parser.error(f"--resolution must be at least 32, got {args.resolution}")
    return args


def pair(name: str) -> tuple[torch.nn.Module, torch.nn.Module]:
    """(lwcourse model, reference) with the same randomized weights, in eval mode."""
    torch.manual_seed(0)
    ref = randomize_(reference_model(name)).eval()
    return transplant(ref, create(name)).eval(), ref


def rows_for(name: str, threads: int, args, workdir: str) -> list[dict]:
    ours, ref = pair(name)
    size = (1, 3, args.resolution, args.resolution)
    x = torch.randn(size, generator=torch.Generator().manual_seed(0))
    calibration = [torch.randn(size, generator=torch.Generator().manual_seed(i + 1))
                   for i in range(CALIBRATION_INPUTS)]
    steps = deploy.ladder(ours, x, steps=args.steps, threads=threads, calibration=calibration,
                          workdir=workdir)
    inputs = [x, *calibration]
    with torch.no_grad():
        expected = torch.cat([ref(i) for i in inputs])
        outputs = {s: torch.cat([f(i) for i in inputs]) for s, f in steps.items()}
    agreement = {s: (deploy.relative_max_diff(out, expected), deploy.top1_agreement(out, expected))
                 for s, out in outputs.items()}
    entries = {"reference": (ref, x), **{s: (f, x) for s, f in steps.items()}}
    result = bench.compare(entries, threads=threads, time_budget_s=args.time_budget)
    lo, hi = result.noise_band
    rows = []
    for step in entries:
        lat = result.results[step]
        rows.append({"model": name, "threads": threads, "step": step,
                     "median_ms": round(lat.median_ms, 3), "q1_ms": round(lat.q1_ms, 3),
                     "q3_ms": round(lat.q3_ms, 3),
                     "ratio_vs_reference": round(result.ratio(step), 3),
                     "speedup_vs_reference": round(1 / result.ratio(step), 2),
                     "aa_low": round(lo, 3), "aa_high": round(hi, 3),
                     "verdict": "baseline" if step == "reference" else result.verdict(step),
                     "rel_max_diff": f"{agreement.get(step, (0.0, 1.0))[0]:.2e}",
                     "top1_agreement": round(agreement.get(step, (0.0, 1.0))[1], 3)})
    return rows


def drift(out: str) -> int:
    """Write ``lwcourse.deploy.int8_drift()`` (default configuration) to ``out``."""
    import onnxruntime

    torch.set_num_threads(1)
    results = {"command": f"python benchmarks/deploy.py --drift --out {out}",
               "torch": torch.__version__, "onnxruntime": onnxruntime.__version__,
               "machine": bench.machine_info(), **deploy.int8_drift(verbose=True)}
    with open(out, "w") as f:
        f.write(json.dumps(results, indent=1) + "\n")
    for label in ("trained", "random_weights"):
        for step, score in results[label].items():
            if isinstance(score, dict):
                print(f"{label:<15} {step:<27} test accuracy {score['test_accuracy']:.1%}  top-1 "
                      f"agreement {score['top1_agreement_with_fp32']:.1%}  logit difference: "
                      f"max {score['relative_max_diff']:.1%} of the largest, RMS "
                      f"{score['relative_rms_diff']:.1%} of fp32's")
    print(f"wrote {out}")
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.drift:
        return drift(args.out)
    print(bench.machine_info())
    print(f"batch 1, {args.resolution}x{args.resolution}; speed-up = eager reference median / "
          f"step median; verdict against the A/A band")
    header = (f"{'model':<20} {'thr':>3} {'step':<16} {'median':>12} {'IQR':>12} "
              f"{'speed-up':>8} {'A/A band':>12}  {'verdict':<13} rel. diff  top-1")
    print(header + "\n" + "-" * len(header))
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for name, threads in itertools.product(args.models, args.threads):
            for row in rows_for(name, threads, args, workdir):
                rows.append(row)
                if args.out:  # written as it goes: a long run keeps what it measured
                    write_csv(args.out, rows)
                print(f"{name:<20} {threads:>3} {row['step']:<16} "
                      f"{bench.format_ms(row['median_ms']):>12} "
                      f"{bench.format_ms(row['q3_ms'] - row['q1_ms']):>12} "
                      f"{row['speedup_vs_reference']:>7.2f}x "
                      f"{row['aa_low']:>5.2f}-{row['aa_high']:.2f}x  {row['verdict']:<13} "
                      f"{row['rel_max_diff']:>9}  {row['top1_agreement']:.0%}", flush=True)
    for name, threads in itertools.product(args.models, args.threads):
        best = max((r for r in rows if r["model"] == name and r["threads"] == threads
                    and r["step"] != "reference"), key=lambda r: r["speedup_vs_reference"])
        print(f"best for {name} at {threads} thread(s): {best['step']}, "
              f"{best['speedup_vs_reference']:.2f}x faster than the eager reference; largest "
              f"output difference {float(best['rel_max_diff']):.1e} of the largest logit, same "
              f"top-1 on {best['top1_agreement']:.0%} of {1 + CALIBRATION_INPUTS} inputs")
    return 0


def write_csv(path: str, rows: list[dict]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    sys.exit(main())
