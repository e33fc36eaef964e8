"""One plain training loop: ``fit(model, train_set, test_set, TrainConfig(...))``.

SGD with Nesterov momentum or AdamW, a per-step cosine schedule, label smoothing, optional
mixed precision (CUDA) and channels-last memory format, evaluation after every epoch, and a
checkpoint that resumes to the same weights. Deterministic under ``config.seed`` on CPU.

The same code scales out: launched by ``torchrun`` (which sets ``WORLD_SIZE``, ``RANK``,
``LOCAL_RANK``), ``fit`` joins the process group (``gloo`` on CPU, ``nccl`` on GPU), wraps the
model in ``DistributedDataParallel``, gives each rank its share of the data through a
``DistributedSampler``, and lets rank 0 alone print and write checkpoints::

    torchrun --nproc_per_node 2 -m lwcourse.cli train mobilenet_v2 --data shapes --epochs 5
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import Dataset, Subset

from ._checks import check_choice, check_positive, check_positive_int
from .data import loader

OPTIMIZERS = ("sgd", "adamw")


@dataclass
class TrainConfig:
    """Hyper-parameters of one run. ``lr`` is the peak learning rate of the cosine schedule
    (after ``warmup_epochs`` of linear warm-up), for the global batch."""

    epochs: int = 10
    batch_size: int = 64
    optimizer: str = "sgd"
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    warmup_epochs: float = 0.0
    amp: bool = False
    channels_last: bool = False
    seed: int = 0
    device: str = "auto"
    num_workers: int = 0

    def __post_init__(self):
        check_positive_int("epochs", self.epochs)
        check_positive_int("batch_size", self.batch_size)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_positive("lr", self.lr)
        for name in ("momentum", "label_smoothing"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)!r}")
        if self.weight_decay < 0 or self.warmup_epochs < 0:
            raise ValueError("weight_decay and warmup_epochs must be >= 0")
        for name in ("seed", "num_workers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative int, got {value!r}")


@dataclass
class History:
    """What a run did: one dict per epoch (``epoch, lr, train_loss, train_accuracy, test_loss,
    test_accuracy``), the number of processes and the training samples each one processed."""

    epochs: list[dict] = field(default_factory=list)
    world_size: int = 1
    samples_per_rank: list[int] = field(default_factory=list)

    @property
    def final(self) -> dict:
        return self.epochs[-1] if self.epochs else {}

    def as_dict(self) -> dict:
        return asdict(self)


# --- processes ------------------------------------------------------------------------------

def distributed_env() -> tuple[int, int, int]:
    """``(rank, world_size, local_rank)`` as torchrun sets them; ``(0, 1, 0)`` otherwise."""
    return (int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)),
            int(os.environ.get("LOCAL_RANK", 0)))


def _device(requested: str, local_rank: int) -> torch.device:
    if requested == "auto":
        return torch.device(f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu")
    device = torch.device(requested)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {requested!r} asked for, but CUDA is not available")
    return device


def _join_process_group(device: torch.device) -> bool:
    """Join torchrun's process group when there is more than one process; True if joined here."""
    dist = torch.distributed
    if distributed_env()[1] == 1 or dist.is_initialized():
        return False
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return True


def _is_main() -> bool:
    return not torch.distributed.is_initialized() or torch.distributed.get_rank() == 0


def _all_sum(values: list[float], device: torch.device) -> list[float]:
    t = torch.tensor(values, dtype=torch.float64, device=device)
    if torch.distributed.is_initialized():
        torch.distributed.all_reduce(t)
    return t.tolist()


# --- the parts of a run -----------------------------------------------------------------------

def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """SGD (Nesterov) or AdamW; no weight decay on biases and BatchNorm parameters (1-D)."""
    decay = [p for p in model.parameters() if p.requires_grad and p.ndim > 1]
    no_decay = [p for p in model.parameters() if p.requires_grad and p.ndim <= 1]
    groups = [{"params": decay, "weight_decay": config.weight_decay},
              {"params": no_decay, "weight_decay": 0.0}]
    if config.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=config.lr, momentum=config.momentum,
                               nesterov=config.momentum > 0)
    return torch.optim.AdamW(groups, lr=config.lr)


def cosine_schedule(optimizer, total_steps: int, warmup_steps: int = 0):
    """Linear warm-up to the peak, then cosine decay to 0, one step per batch."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def _to(x: torch.Tensor, device, channels_last: bool) -> torch.Tensor:
    fmt = torch.channels_last if channels_last and x.dim() == 4 else torch.contiguous_format
    return x.to(device, non_blocking=True, memory_format=fmt)


def evaluate(model: nn.Module, data: Dataset, *, batch_size: int = 256, device="cpu",
             channels_last: bool = False, amp: bool = False) -> dict:
    """Mean cross-entropy and top-1 accuracy on ``data``. Under torchrun each rank scores
    every world_size-th sample and the sums are added up, so every sample counts once."""
    device = torch.device(device)
    if torch.distributed.is_initialized():
        rank, world = torch.distributed.get_rank(), torch.distributed.get_world_size()
        data = Subset(data, range(rank, len(data), world))
    model.eval()
    loss_sum = correct = count = 0.0
    with torch.inference_mode(), torch.autocast(device.type, enabled=amp):
        for x, y in loader(data, batch_size) if len(data) else []:
            x, y = _to(x, device, channels_last), y.to(device)
            logits = model(x).float()
            loss_sum += nn.functional.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
            count += len(y)
    loss_sum, correct, count = _all_sum([loss_sum, correct, count], device)
    return {"loss": loss_sum / count, "accuracy": correct / count}


def recalibrate_bn(model: nn.Module, data: Dataset, *, batch_size: int = 64,
                   device="cpu") -> nn.Module:
    """Recompute every BatchNorm's running mean and variance as the plain average over
    ``data`` (train-mode forward passes, no gradients, weights unchanged).

    After a short training run, BN layers with a small momentum (0.01 in MobileNetV3 and
    EfficientNet, TensorFlow's default) still hold much of their initial statistics:
    ``0.99 ** steps`` of them. The network is then right in train mode and wrong in eval mode.
    """
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [m.momentum for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average: every batch weighs the same
    was_training = model.training
    model.train()
    with torch.no_grad():
        for x, _ in loader(data, batch_size):
            model(x.to(device))
    for m, momentum in zip(bns, saved, strict=True):
        m.momentum = momentum
    return model.train(was_training)


def save_checkpoint(path, model, optimizer, scheduler, scaler, epoch: int, config: TrainConfig,
                    history: History) -> None:
    """Everything a resume needs: weights, optimizer, schedule, AMP scaler, the RNG state, the
    number of finished epochs, the config and the history so far. Rank 0 writes."""
    if not _is_main():
        return
    state = {"model": _unwrap(model).state_dict(), "optimizer": optimizer.state_dict(),
             "scheduler": scheduler.state_dict(), "scaler": scaler.state_dict(),
             "epoch": epoch, "rng": torch.get_rng_state(), "config": asdict(config),
             "history": history.as_dict()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(state, tmp)
    tmp.replace(path)  # never a half-written checkpoint


def load_checkpoint(path, model: nn.Module | None = None) -> dict:
    """Read a checkpoint (on the CPU); with ``model``, also load its weights into it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {str(path)!r} does not exist")
    state = torch.load(path, map_location="cpu", weights_only=False)
    if model is not None:
        _unwrap(model).load_state_dict(state["model"])
    return state


def _unwrap(model: nn.Module) -> nn.Module:
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


def _progress(iterable, enabled: bool, desc: str):
    if not enabled:
        return iterable
    from tqdm.auto import tqdm  # a widget in Jupyter, a text bar in a terminal

    return tqdm(iterable, desc=desc, leave=False)


# --- the loop ---------------------------------------------------------------------------------

def fit(model: nn.Module, train_set: Dataset, test_set: Dataset | None = None,
        config: TrainConfig | None = None, *, checkpoint=None, resume=None,
        stop_after: int | None = None, progress: bool | None = None,
        verbose: bool = False) -> History:
    """Train ``model`` on ``train_set`` for ``config.epochs`` epochs, evaluating on
    ``test_set`` after each; return the ``History``.

    ``checkpoint``: a path written after every epoch (rank 0). ``resume``: a checkpoint to
    continue from (weights, optimizer, schedule, RNG and epoch count); the result equals an
    uninterrupted run's. ``progress``: a tqdm bar per epoch (default: only when stderr is a
    terminal, so never in stored notebook outputs). ``verbose``: print one line per epoch.
    ``stop_after``: stop after that many epochs, as an interrupted run would (the schedule
    still spans ``config.epochs``), to be continued with ``resume=``.
    """
    config = config or TrainConfig()
    end = config.epochs if stop_after is None else check_positive_int("stop_after", stop_after)
    local_rank = distributed_env()[2]
    device = _device(config.device, local_rank)
    if config.amp and device.type != "cuda":
        raise ValueError("amp=True needs a CUDA device (mixed precision here is float16 on GPU)")
    joined = _join_process_group(device)
    try:
        return _fit(model, train_set, test_set, config, device, checkpoint, resume, end,
                    sys.stderr.isatty() if progress is None else progress, verbose)
    finally:
        if joined:
            torch.distributed.destroy_process_group()


def _fit(model, train_set, test_set, config, device, checkpoint, resume, end, progress,
         verbose):
    distributed = torch.distributed.is_initialized()
    torch.manual_seed(config.seed)
    model.to(device)
    if config.channels_last:
        model.to(memory_format=torch.channels_last)
    train_loader = loader(train_set, config.batch_size, shuffle=True, seed=config.seed,
                          drop_last=len(train_set) > config.batch_size,
                          num_workers=config.num_workers, distributed=distributed)
    steps = len(train_loader) * config.epochs
    optimizer = make_optimizer(model, config)
    scheduler = cosine_schedule(optimizer, steps, round(config.warmup_epochs * len(train_loader)))
    scaler = torch.amp.GradScaler(device.type, enabled=config.amp)
    history, start = History(world_size=torch.distributed.get_world_size() if distributed else 1), 0
    if resume is not None:
        state = load_checkpoint(resume, model)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        scaler.load_state_dict(state["scaler"])
        torch.set_rng_state(state["rng"])
        history.epochs, start = state["history"]["epochs"], state["epoch"]
    net = nn.parallel.DistributedDataParallel(model) if distributed else model
    criterion = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
    seen = 0
    for epoch in range(start, min(end, config.epochs)):
        train_loader.sampler.set_epoch(epoch)
        net.train()
        loss_sum = correct = count = 0.0
        bar = _progress(train_loader, progress and _is_main(), f"epoch {epoch + 1}")
        for x, y in bar:
            x, y = _to(x, device, config.channels_last), y.to(device, non_blocking=True)
            with torch.autocast(device.type, enabled=config.amp):
                logits = net(x)
                loss = criterion(logits, y)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
            count += len(y)
        seen += int(count)
        loss_sum, correct, count = _all_sum([loss_sum, correct, count], device)
        record = {"epoch": epoch + 1, "lr": optimizer.param_groups[0]["lr"],
                  "train_loss": loss_sum / count, "train_accuracy": correct / count}
        if test_set is not None:
            scores = evaluate(net, test_set, device=device, channels_last=config.channels_last,
                              amp=config.amp)
            record.update(test_loss=scores["loss"], test_accuracy=scores["accuracy"])
        history.epochs.append(record)
        if verbose and _is_main():
            print(format_record(record, config.epochs), flush=True)
        if checkpoint is not None:
            save_checkpoint(checkpoint, net, optimizer, scheduler, scaler, epoch + 1, config,
                            history)
    history.samples_per_rank = _samples_per_rank(seen, device)
    if distributed:
        torch.distributed.barrier()  # the last checkpoint is written before anyone reads it
    return history


def _samples_per_rank(seen: int, device) -> list[int]:
    if not torch.distributed.is_initialized():
        return [seen]
    rank, world = torch.distributed.get_rank(), torch.distributed.get_world_size()
    counts = [0.0] * world
    counts[rank] = float(seen)
    return [int(c) for c in _all_sum(counts, device)]


def format_record(record: dict, epochs: int) -> str:
    """One line per epoch: ``epoch  3/10  loss 0.812  train 78.2 %  test 80.1 %``."""
    line = (f"epoch {record['epoch']:>3}/{epochs}  lr {record['lr']:.4f}  "
            f"loss {record['train_loss']:.3f}  train {100 * record['train_accuracy']:.1f} %")
    if "test_accuracy" in record:
        line += f"  test loss {record['test_loss']:.3f}  test {100 * record['test_accuracy']:.1f} %"
    return line
