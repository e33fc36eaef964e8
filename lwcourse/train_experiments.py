"""Notebook 09's experiments: small variants of the model families, and "what do you lose"
ablations on a tiny inverted-residual network, each trained with ``lwcourse.train.fit``.

The full-length run writes the results file the notebook loads::

    python -m lwcourse.train_experiments --only families --out results/09_families.json
    python -m lwcourse.train_experiments --only ablations --out results/09_ablations.json

Ablation networks are assembled from the library's blocks; a variant changes one thing by a
keyword argument or by swapping a module (``swap_bottleneck_activation``, ``ghost_pointwise``),
never by editing the blocks.
"""

from __future__ import annotations

import argparse
import inspect
import json
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

from .blocks import ConvBNAct, GhostModule, InvertedResidual
from .cost import profile
from .data import dataset
from .train import TrainConfig, fit

# label: (registry name, keyword arguments) — small members of five families
FAMILIES = {
    "MobileNetV1 0.25": ("mobilenet_v1", {"width_mult": 0.25}),
    "MobileNetV2 0.35": ("mobilenet_v2", {"width_mult": 0.35}),
    "MobileNetV3-Small 0.5": ("mobilenet_v3_small", {"width_mult": 0.5}),
    "ShuffleNetV2 0.5": ("shufflenet_v2_x0_5", {}),
    "GhostNet 0.5": ("ghostnet", {"width_mult": 0.5}),
}


def create_family(label: str, num_classes: int = 10) -> nn.Module:
    """One of ``FAMILIES`` with ``num_classes`` outputs."""
    from .models import create

    name, kwargs = FAMILIES[label]
    return create(name, num_classes=num_classes, **kwargs)


# --- the tiny network of the ablations ------------------------------------------------------

def tiny_net(width: int = 16, depth: int = 1, expansion: int = 4, se: bool = False,
             num_classes: int = 10) -> nn.Module:
    """stem 3x3 conv (stride 2) -> three stages of ``depth`` inverted residuals (stride 1, 2, 2;
    ``width``, 2x and 4x channels) -> global pool -> linear. ``se``: a squeeze-and-excitation
    of a quarter of the hidden channels in every block."""
    layers = [ConvBNAct(3, width, kernel_size=3, stride=2, activation="relu6")]
    c_in = width
    for c_out, stride in ((width, 1), (2 * width, 2), (4 * width, 2)):
        for i in range(depth):
            hidden = c_in * expansion
            layers.append(InvertedResidual(c_in, c_out, stride=stride if i == 0 else 1,
                                           expansion=expansion, activation="relu6",
                                           se_channels=hidden // 4 if se else None))
            c_in = c_out
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.Linear(c_in, num_classes)]
    return nn.Sequential(*layers)


def swap_bottleneck_activation(model: nn.Module, activation: nn.Module = nn.ReLU6) -> nn.Module:
    """Make every inverted residual's bottleneck non-linear: its projection becomes
    ``project -> activation`` (MobileNetV2's ablation, Sec. 6.4 and Fig. 6a)."""
    for block in model.modules():
        if isinstance(block, InvertedResidual):
            block.project = nn.Sequential(block.project, activation())
    return model


def _ghost(c_in: int, c_out: int, ratio: int, relu: bool) -> GhostModule:
    # the Ghost module's activation switch: `activation=` (new) or `relu=` (old signature)
    if "activation" in inspect.signature(GhostModule).parameters:
        return GhostModule(c_in, c_out, ratio=ratio, activation="relu" if relu else None)
    return GhostModule(c_in, c_out, ratio=ratio, relu=relu)


def ghost_pointwise(model: nn.Module, ratio: int) -> nn.Module:
    """Replace the expand and project 1x1 convs of every inverted residual by Ghost modules of
    ratio ``s`` (GhostNet Sec. 3.1): ``ceil(C_out / s)`` maps from a 1x1 conv, the rest from a
    cheap 3x3 depthwise conv."""
    for block in model.modules():
        if isinstance(block, InvertedResidual):
            if block.expand is not None:
                block.expand = _ghost(block.in_channels, block.expanded_channels, ratio, True)
            block.project = _ghost(block.expanded_channels, block.out_channels, ratio, False)
    return model


def _net(**kwargs) -> nn.Module:
    bottleneck, ghost = kwargs.pop("bottleneck", "linear"), kwargs.pop("ghost_ratio", 1)
    model = tiny_net(**kwargs)
    if bottleneck == "relu6":
        swap_bottleneck_activation(model)
    return ghost_pointwise(model, ghost) if ghost > 1 else model


# study: {variant: (network keyword arguments, input resolution)}. The scaling variants cost
# about the same MACs: 2x the baseline's, spent on depth, width or resolution alone.
ABLATIONS = {
    "bottleneck": {"linear": ({}, 32), "ReLU6": ({"bottleneck": "relu6"}, 32)},
    "squeeze-excitation": {"without SE": ({}, 32), "with SE": ({"se": True}, 32)},
    "ghost ratio": {"s = 1 (1x1 conv)": ({}, 32), "s = 2": ({"ghost_ratio": 2}, 32),
                    "s = 4": ({"ghost_ratio": 4}, 32)},
    "scaling": {"baseline": ({}, 32), "deeper (depth 2)": ({"depth": 2}, 32),
                "wider (width 24)": ({"width": 24}, 32),
                "higher resolution (45)": ({}, 45)},
}


def ablation_net(study: str, variant: str) -> tuple[nn.Module, int]:
    """The network of one ablation variant and its input resolution."""
    kwargs, resolution = ABLATIONS[study][variant]
    return _net(**kwargs), resolution


# --- running ----------------------------------------------------------------------------------

def run_one(model: nn.Module, data: str, resolution: int, config: TrainConfig,
            per_class: int | None = None) -> dict:
    """Train ``model`` on ``data`` at ``resolution``; return cost and accuracies."""
    from .data import shapes

    if data == "shapes" and per_class:
        train_set = shapes("train", per_class=per_class, size=resolution, seed=0)
    else:
        train_set = dataset(data, "train", size=resolution)
    test_set = dataset(data, "test", size=resolution)
    cost = profile(model, (1, 3, resolution, resolution))
    history = fit(model, train_set, test_set, config, progress=False)
    return {"data": data, "resolution": resolution, "params": cost.params, "macs": cost.macs,
            "seed": config.seed, "epochs": config.epochs,
            "train_accuracy": history.final["train_accuracy"],
            "test_accuracy": history.final["test_accuracy"]}


def mean_spread(values: list[float]) -> tuple[float, float]:
    """Mean and half the range (max - min) / 2 over seeds."""
    return statistics.fmean(values), (max(values) - min(values)) / 2


STUDIES = ("families", "ablations")


def run_all(only: str, seeds=(0, 1, 2), epochs: int = 5, per_class: int = 150,
            log=print) -> list[dict]:
    """``only="families"``: every family on digits and on shapes (seed 0).
    ``only="ablations"``: every ablation variant on shapes, once per seed. Shapes trains on
    ``per_class`` images per class."""
    records = []
    jobs = ([(data, label, 0) for data in ("digits", "shapes") for label in FAMILIES]
            if only == "families" else
            [(study, variant, seed) for study, variants in ABLATIONS.items()
             for variant in variants for seed in seeds])
    for first, second, seed in jobs:
        torch.manual_seed(seed)
        config = TrainConfig(epochs=epochs, batch_size=64, lr=0.1, seed=seed)
        if only == "families":
            record = {"family": second, **run_one(create_family(second), first, 32, config,
                                                  per_class)}
        else:
            model, resolution = ablation_net(first, second)
            record = {"study": first, "variant": second,
                      **run_one(model, "shapes", resolution, config, per_class)}
        records.append(record)
        log(f"{first:<20} {second:<24} seed {seed} test {100 * record['test_accuracy']:.1f} %")
    return records


# What each paper reports for the same question (at ImageNet scale), to set against ours.
PAPER = {
    "bottleneck": "MobileNetV2 (Sandler et al. 2018), Sec. 6.4 and Fig. 6a: on ImageNet the "
                  "linear bottleneck trains to a higher top-1 than a ReLU6 one.",
    "squeeze-excitation": "SENet (Hu et al. 2018), Table 3: SE-MobileNet cuts MobileNet's "
                          "ImageNet top-1 error by about 3 points for under 1 % more MACs.",
    "ghost ratio": "GhostNet (Han et al. 2020), Sec. 4.1, Tables 2-3: on CIFAR-10, accuracy "
                   "falls slowly as s grows while the MACs fall about s-fold.",
    "scaling": "EfficientNet (Tan & Le 2019), Table 3: MobileNetV1 scaled to about 2.2 B "
               "FLOPs reaches 74.2 % by width, 72.7 % by resolution, 75.6 % compound "
               "(baseline 70.6 %).",
}


def load_results(path) -> dict:
    """A results file written by ``main`` (see the module docstring for the command)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist; write it with: python -m "
                                f"lwcourse.train_experiments --only ... --out {path}")
    return json.loads(path.read_text())


def summarize_ablations(records: list[dict]) -> dict[str, list[dict]]:
    """Per study, one row per variant: params, MACs, number of seeds, mean and spread (half
    the range) of the test accuracy, and the verdict against the study's first variant:
    "within seed noise" when the means differ by at most the two spreads added, otherwise
    "higher" or "lower"."""
    table: dict[str, list[dict]] = {}
    for study, variants in ABLATIONS.items():
        rows = []
        for variant in variants:
            runs = [r for r in records if r["study"] == study and r["variant"] == variant]
            if not runs:
                continue
            mean, spread = mean_spread([r["test_accuracy"] for r in runs])
            rows.append({"variant": variant, "params": runs[0]["params"],
                         "macs": runs[0]["macs"], "seeds": len(runs), "mean": mean,
                         "spread": spread})
        for row in rows:
            base = rows[0]
            gap = row["mean"] - base["mean"]
            noise = row["spread"] + base["spread"]
            row["verdict"] = ("baseline" if row is base else "within seed noise"
                              if abs(gap) <= noise else "higher" if gap > 0 else "lower")
        table[study] = rows
    return table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lwcourse.train_experiments",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("--only", choices=STUDIES, required=True)
    parser.add_argument("--seeds", type=int, default=3, help="seeds per ablation variant")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--per-class", type=int, default=150, help="shapes training images")
    args = parser.parse_args(argv)
    if min(args.seeds, args.epochs, args.per_class) < 1:
        parser.error("--seeds, --epochs and --per-class must be positive integers")
    torch.set_num_threads(1)
    start = time.perf_counter()
    command = " ".join(["python -m lwcourse.train_experiments", *(argv or sys.argv[1:])])
    results = {"command": command, "torch": torch.__version__, "seeds": args.seeds,
               "epochs": args.epochs, "per_class": args.per_class,
               args.only: run_all(args.only, tuple(range(args.seeds)), args.epochs,
                                  args.per_class)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {args.out} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
