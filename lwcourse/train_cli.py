"""``lwcourse train MODEL --data digits|shapes|cifar10|imagefolder ...``: one training run.

The same command runs on one process or, under ``torchrun``, on many (see ``lwcourse.train``).
Rank 0 prints one line per epoch, writes the checkpoint (``--checkpoint``) and the results
(``--results``, JSON: the arguments, the model's cost and the per-epoch history).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .data import SOURCES


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``train`` on the CLI's subparsers."""
    t = subparsers.add_parser("train", help="train a model (also under torchrun)",
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    t.add_argument("model", help="a registered model name (lwcourse list)")
    t.add_argument("--data", choices=SOURCES, required=True)
    t.add_argument("--root", help="dataset folder (cifar10: holds cifar-10-batches-py; "
                                  "imagefolder: holds train/ and val/)")
    t.add_argument("--download", action="store_true", help="cifar10: download if missing")
    t.add_argument("--epochs", type=_positive_int, default=10)
    t.add_argument("--batch-size", type=_positive_int, default=64, help="per process")
    t.add_argument("--optimizer", choices=("sgd", "adamw"), default="sgd")
    t.add_argument("--lr", type=_positive_float, help="peak learning rate "
                   "(default 0.1 for sgd, 0.002 for adamw, times the number of processes)")
    t.add_argument("--weight-decay", type=float, default=5e-4)
    t.add_argument("--label-smoothing", type=float, default=0.1)
    t.add_argument("--warmup-epochs", type=float, default=0.0)
    t.add_argument("--width-mult", type=_positive_float, help="the model's width multiplier")
    t.add_argument("--resolution", type=_positive_int, help="input size (default: 32, "
                   "224 for imagefolder)")
    t.add_argument("--limit", type=_positive_int, help="train on the first N images only")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1 ...")
    t.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    t.add_argument("--amp", action="store_true", help="float16 mixed precision (CUDA)")
    t.add_argument("--channels-last", action="store_true")
    t.add_argument("--checkpoint", metavar="FILE", help="write a checkpoint after every epoch")
    t.add_argument("--resume", metavar="FILE", help="continue from a checkpoint")
    t.add_argument("--results", metavar="FILE", help="write the results as JSON")
    t.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar (default: when stderr is a terminal)")
    t.set_defaults(func=cmd_train)
    return t


def _fail(message: str) -> int:
    print(f"lwcourse train: error: {message}", file=sys.stderr)
    return 2


def cmd_train(args) -> int:
    """Build the data and the model, check everything up front, then train."""
    from torch.utils.data import Subset

    from . import data, models
    from .cost import profile
    from .train import TrainConfig, distributed_env, fit

    world = distributed_env()[1]
    size = args.resolution or (224 if args.data == "imagefolder" else 32)
    lr = args.lr or (0.1 if args.optimizer == "sgd" else 0.002) * world
    try:
        config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size,
                             optimizer=args.optimizer, lr=lr, weight_decay=args.weight_decay,
                             label_smoothing=args.label_smoothing,
                             warmup_epochs=args.warmup_epochs, amp=args.amp,
                             channels_last=args.channels_last, seed=args.seed,
                             device=args.device, num_workers=args.workers)
        common = {"root": args.root, "size": size, "seed": args.seed}
        train_set = data.dataset(args.data, "train", download=args.download, **common)
        test_set = data.dataset(args.data, "test", **common)
        num_classes = len(test_set.classes)
        if args.limit:
            train_set = Subset(train_set, range(min(args.limit, len(train_set))))
        extra = {} if args.width_mult is None else {"width_mult": args.width_mult}
        model = models.create(args.model, num_classes=num_classes, **extra)
        cost = profile(model, (1, 3, size, size))
    except (ValueError, FileNotFoundError) as exc:
        return _fail(str(exc))
    history = fit(model, train_set, test_set, config, checkpoint=args.checkpoint,
                  resume=args.resume, progress=args.progress, verbose=True)
    if args.results and distributed_env()[0] == 0:
        record = {"model": args.model, "width_mult": args.width_mult, "data": args.data,
                  "resolution": size, "params": cost.params, "macs": cost.macs,
                  "config": vars(config), **history.as_dict()}
        Path(args.results).parent.mkdir(parents=True, exist_ok=True)
        Path(args.results).write_text(json.dumps(record, indent=1) + "\n")
        print(f"results written to {args.results}")
    return 0
