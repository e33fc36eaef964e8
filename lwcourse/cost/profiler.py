"""An exact, layer-by-layer cost profiler that never does the arithmetic.

``profile(model, input_size)`` runs the model once on *meta* tensors (shapes only, no data),
intercepts every ATen operator with a ``TorchDispatchMode`` and attributes it to the innermost
module that was running, via global forward hooks that are removed afterwards. The model is not
modified: its parameters are swapped for meta stand-ins only for the duration of the call
(``torch.func.functional_call``), and no hook, buffer or attribute is left behind.

Counting conventions (the course's, stated in notebook 00):

* **MACs**: multiply-accumulates of convolutions, linear layers and matrix products,
  ``output elements x (C_in / g) x K_h x K_w`` for a conv. The papers' "FLOPs" are MACs;
  ``Profile.flops`` is 2 x MACs. Bias additions are not MACs (they are element-wise ops).
* **Memory access**: elements read + written by an op, unfused: every tensor it reads (inputs,
  weights, BN statistics) plus every tensor it writes. This is the ShuffleNetV2 paper's "MAC".
* **Element-wise ops**: work that is not a MAC: one per output element of BN, activations,
  adds, multiplies and bias additions; one per element read for pooling windows and reductions.
* **Views** (reshape, transpose, split, slicing) cost nothing and make no row; a copy that
  makes memory contiguous (``.contiguous()``, channel shuffle) is a ``copy`` row.
* **Parameters** are counted on the first op that reads them; BN's running statistics are
  buffers, not parameters (they still count as memory access).

How other counters differ (asserted in ``tests/test_profiler.py``, explained in notebook 00):

* ``torch.utils.flop_counter.FlopCounterMode`` counts 2 FLOPs per MAC of convs, linear layers
  and matmuls and nothing else: its total / 2 equals ``Profile.macs`` exactly.
* thop (ultralytics-thop) hooks *modules*: conv and linear MACs as ours (biases ignored),
  BatchNorm as 4 ops per element, pooling modules by window size, ReLU/ReLU6 and
  max-pool as zero, and it never sees functional calls or tensor ops (``F.adaptive_avg_pool2d``,
  ``x.mean``, ``x + y``, ``torch.cat``, the shuffle's copy). For torchvision's MobileNetV2 and
  ShuffleNetV2 its total is our MACs + 4 x BN elements.
* torchinfo's "mult-adds" are our MACs plus, for BN and linear layers, their parameter count
  (gamma, beta, the linear bias), and one addition per output element of a conv bias.
"""

from __future__ import annotations

import contextlib
import math
import weakref
from collections import Counter
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.func import functional_call
from torch.utils._python_dispatch import TorchDispatchMode

aten = torch.ops.aten

# ATen packet name -> the short name shown in rows. Trailing "_" (in-place) is stripped first.
MAC_OPS = {"convolution": "conv", "addmm": "linear", "mm": "matmul", "bmm": "matmul",
           "baddbmm": "matmul", "addbmm": "matmul"}
NORM_OPS = {"native_batch_norm": "batch_norm", "_native_batch_norm_legit": "batch_norm",
            "_native_batch_norm_legit_no_training": "batch_norm",
            "native_layer_norm": "layer_norm", "native_group_norm": "group_norm"}
ELEMENTWISE_OPS = {
    "relu", "hardtanh", "hardswish", "hardsigmoid", "sigmoid", "silu", "gelu", "tanh", "elu",
    "leaky_relu", "mish", "softplus", "clamp", "clamp_min", "clamp_max", "neg", "exp", "log",
    "sqrt", "rsqrt", "abs", "reciprocal", "add", "sub", "rsub", "mul", "div", "where",
    "maximum", "minimum", "pow", "native_dropout", "bernoulli", "_softmax", "threshold",
}
REDUCTION_OPS = {"mean": "mean", "sum": "sum", "amax": "amax", "max": "max", "var_mean": "var",
                 "max_pool2d_with_indices": "max_pool2d", "avg_pool2d": "avg_pool2d",
                 "_adaptive_avg_pool2d": "adaptive_avg_pool2d",
                 "adaptive_max_pool2d": "adaptive_max_pool2d"}
COPY_OPS = {"clone": "copy", "_to_copy": "copy", "copy": "copy", "cat": "cat", "stack": "cat",
            "channel_shuffle": "shuffle", "native_channel_shuffle": "shuffle",
            "constant_pad_nd": "pad", "upsample_nearest2d": "upsample",
            "upsample_bilinear2d": "upsample"}
VIEW_OPS = {"view", "_unsafe_view", "reshape", "_reshape_alias", "transpose", "permute", "t",
            "expand", "unsqueeze", "squeeze", "slice", "select", "split", "split_with_sizes",
            "chunk", "unbind", "as_strided", "alias", "detach", "flatten", "unflatten", "narrow",
            "view_as", "lift_fresh", "diagonal", "contiguous", "expand_as"}
FREE_OPS = {"empty", "empty_like", "empty_strided", "zeros", "zeros_like", "ones", "ones_like",
            "full", "full_like", "new_empty", "new_empty_strided", "new_zeros", "new_ones",
            "new_full", "scalar_tensor", "arange", "sym_size", "sym_stride", "sym_numel",
            "sym_storage_offset", "is_same_size", "_has_compatible_shallow_copy_type"}
KNOWN_OPS = (set(MAC_OPS) | set(NORM_OPS) | ELEMENTWISE_OPS | set(REDUCTION_OPS)
             | set(COPY_OPS) | VIEW_OPS | FREE_OPS)


class UnknownOpError(ValueError):
    """Raised by ``profile(..., strict=True)`` for an operator the profiler cannot count."""


@dataclass
class Row:
    """One counted operator call."""

    module: str  # qualified name of the innermost running module ("" is the model itself)
    module_type: str
    op: str  # short name: conv, linear, batch_norm, relu, add, mul, cat, copy, ...
    input_shapes: list[tuple[int, ...]]
    output_shape: tuple[int, ...]
    params: int = 0  # parameters first read by this op
    macs: int = 0
    memory_access: int = 0  # elements read + written
    elementwise: int = 0
    detail: dict = field(default_factory=dict)  # e.g. kernel, stride, groups of a conv


@dataclass
class Profile:
    """The result of ``profile``: per-op rows and exact totals."""

    rows: list[Row]
    params: int
    input_size: tuple
    unknown_ops: Counter
    peak_activation: int  # most activation elements alive at once (eager, no autograd)
    fold_bn: bool = False
    module_outputs: dict[str, tuple[int, ...]] = field(default_factory=dict)  # name -> shape

    @property
    def macs(self) -> int:
        return sum(r.macs for r in self.rows)

    @property
    def flops(self) -> int:
        """2 x MACs: one multiply and one add each."""
        return 2 * self.macs

    @property
    def memory_access(self) -> int:
        """Elements read + written by all ops (unfused; see ``fold_bn``)."""
        return sum(r.memory_access for r in self.rows)

    @property
    def memory_bytes(self) -> int:
        """Memory access in bytes at fp32 (4 bytes an element)."""
        return 4 * self.memory_access

    @property
    def elementwise(self) -> int:
        return sum(r.elementwise for r in self.rows)

    @property
    def largest_activation(self) -> Row:
        """The row that writes the largest tensor."""
        return max(self.rows, key=lambda r: math.prod(r.output_shape))

    @property
    def arithmetic_intensity(self) -> float:
        """FLOPs per byte of memory access."""
        return self.flops / self.memory_bytes if self.memory_bytes else float("nan")

    def select(self, op: str | None = None, module: str | None = None) -> list[Row]:
        """Rows of one op kind and/or within one module (its name or a prefix ``a.b``)."""
        return [r for r in self.rows if (op is None or r.op == op)
                and (module is None or r.module == module or r.module.startswith(module + "."))]

    def by_op(self) -> dict[str, dict[str, int]]:
        """Totals per op kind: ``{"conv": {"calls":…, "macs":…, "memory_access":…, …}}``."""
        out: dict[str, dict[str, int]] = {}
        for r in self.rows:
            t = out.setdefault(r.op, {"calls": 0, "params": 0, "macs": 0, "memory_access": 0,
                                      "elementwise": 0})
            t["calls"] += 1
            for key in ("params", "macs", "memory_access", "elementwise"):
                t[key] += getattr(r, key)
        return out

    def by_module(self, depth: int = 1) -> dict[str, dict[str, int]]:
        """Totals per module, names cut to ``depth`` dotted parts (in order of first call);
        ``output_shape`` is the module's output (else the shape its last op wrote)."""
        out: dict[str, dict[str, int]] = {}
        for r in self.rows:
            name = ".".join(r.module.split(".")[:depth]) if r.module else "(model)"
            t = out.setdefault(name, {"ops": 0, "params": 0, "macs": 0, "memory_access": 0,
                                      "elementwise": 0, "output_shape": r.output_shape})
            t["ops"] += 1
            t["output_shape"] = self.module_outputs.get(name, r.output_shape)
            for key in ("params", "macs", "memory_access", "elementwise"):
                t[key] += getattr(r, key)
        return out

    def table(self, depth: int | None = 1, max_rows: int | None = None) -> str:
        """A readable table: per module cut to ``depth`` parts, or per op when depth is None."""
        header = f"{'module':<28} {'op / ops':>10} {'output':>18} {'params':>12} " \
                 f"{'MACs (M)':>10} {'mem. access':>13} {'elementwise':>12}"
        lines = [header, "-" * len(header)]
        if depth is None:
            items = [(r.module or "(model)", r.op, r.output_shape, r.params, r.macs,
                      r.memory_access, r.elementwise) for r in self.rows]
        else:
            items = [(name, str(t["ops"]), t["output_shape"], t["params"], t["macs"],
                      t["memory_access"], t["elementwise"])
                     for name, t in self.by_module(depth).items()]
        shown = items if max_rows is None else items[:max_rows]
        for name, op, shape, params, macs, mem, elt in shown:
            shape_s = "x".join(map(str, shape))
            lines.append(f"{name[-28:]:<28} {op:>10} {shape_s:>18} {params:>12,} "
                         f"{macs / 1e6:>10.2f} {mem:>13,} {elt:>12,}")
        if len(shown) < len(items):
            lines.append(f"... {len(items) - len(shown)} more rows")
        lines.append("-" * len(header))
        lines.append(f"{'total':<28} {len(self.rows):>10} {'':>18} {self.params:>12,} "
                     f"{self.macs / 1e6:>10.2f} {self.memory_access:>13,} "
                     f"{self.elementwise:>12,}")
        return "\n".join(lines)

    def summary(self) -> str:
        """Totals in the course's print format."""
        big = self.largest_activation
        return "\n".join([
            f"input             {tuple(self.input_size)}",
            f"params            {self.params:,}",
            f"MACs              {self.macs / 1e6:,.2f} M  (FLOPs = 2 x MACs = "
            f"{self.flops / 1e6:,.2f} M)",
            f"memory access     {self.memory_access:,} elements = "
            f"{self.memory_bytes / 2**20:,.2f} MiB at fp32"
            + ("  (BN folded)" if self.fold_bn else ""),
            f"largest tensor    {math.prod(big.output_shape):,} elements "
            f"{tuple(big.output_shape)} in {big.module or '(model)'} ({big.op})",
            f"peak activations  {self.peak_activation:,} elements alive at once",
        ])

    def __repr__(self) -> str:
        return (f"Profile(params={self.params:,}, macs={self.macs:,}, "
                f"memory_access={self.memory_access:,}, rows={len(self.rows)})")


def _packet_name(func) -> str:
    name = func._overloadpacket.__name__
    return name[:-1] if name.endswith("_") and not name.startswith("_") else name


def _tensors(values) -> list[torch.Tensor]:
    out = []
    for v in values:
        if isinstance(v, torch.Tensor):
            out.append(v)
        elif isinstance(v, list | tuple):
            out.extend(_tensors(v))
    return out


def _root(t: torch.Tensor) -> torch.Tensor:
    while t._base is not None:
        t = t._base
    return t


class _Counter(TorchDispatchMode):
    """Counts every ATen op while the model runs; see the module docstring for the rules."""

    def __init__(self, param_names: dict[int, str], module_stack: list, strict: bool,
                 fold_bn: bool):
        super().__init__()
        self.param_names = param_names  # id(meta parameter) -> qualified name
        self.seen_params: set[int] = set()
        self.stack = module_stack
        self.strict = strict
        self.fold_bn = fold_bn
        self.rows: list[Row] = []
        self.unknown: Counter = Counter()
        self.producer: dict[int, tuple[weakref.ref, int]] = {}  # id(tensor) -> (ref, row index)
        self.live = 0
        self.peak = 0

    # activation liveness: count a new tensor until Python frees it
    def _allocate(self, t: torch.Tensor) -> None:
        self.live += t.numel()
        self.peak = max(self.peak, self.live)
        weakref.finalize(t, self._free, t.numel())

    def _free(self, n: int) -> None:
        self.live -= n

    def track_input(self, t: torch.Tensor) -> None:
        self._allocate(t)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        name = _packet_name(func)
        if name in VIEW_OPS or name in FREE_OPS:
            return out
        inputs = _tensors(args) + _tensors(kwargs.values())
        outputs = _tensors(out if isinstance(out, list | tuple) else [out])
        if name not in KNOWN_OPS:
            module = self.stack[-1][0] if self.stack else ""
            if self.strict:
                raise UnknownOpError(
                    f"profile(strict=True): unknown operator {func} in module "
                    f"{module or '(model)'!r}; it cannot be counted")
            self.unknown[str(func)] += 1
        else:
            self._count(name, func, args, inputs, outputs)
        input_ids = {id(t) for t in inputs}
        for t in outputs:
            if id(t) not in input_ids and t._base is None:  # a new tensor, not in-place or view
                self._allocate(t)
        return out

    def _count(self, name, func, args, inputs, outputs) -> None:
        module, module_type = self.stack[-1] if self.stack else ("", "")
        out = outputs[0]
        params = 0
        for t in inputs:
            key = id(_root(t))
            if key in self.param_names and key not in self.seen_params:
                self.seen_params.add(key)
                params += _root(t).numel()
        row = Row(module, module_type, name, [tuple(t.shape) for t in inputs], tuple(out.shape),
                  params=params)
        row.memory_access = sum(t.numel() for t in inputs) + out.numel()
        if name in MAC_OPS:
            row.op = MAC_OPS[name]
            if name == "convolution":
                x, w = args[0], args[1]
                groups = args[8]
                row.op = f"conv{w.dim() - 2}d"
                if args[6]:  # transposed: every input element meets C_out/g filters
                    row.op = f"conv_transpose{w.dim() - 2}d"
                    row.macs = x.numel() * w.shape[1] * math.prod(w.shape[2:])
                else:
                    row.macs = out.numel() * (x.shape[1] // groups) * math.prod(w.shape[2:])
                row.elementwise = out.numel() if args[2] is not None else 0
                row.detail = {"kernel": tuple(w.shape[2:]), "stride": tuple(args[3]),
                              "groups": groups, "bias": args[2] is not None}
            else:
                with_bias = name in ("addmm", "baddbmm", "addbmm")
                k = args[2].shape[-2] if with_bias else args[0].shape[-1]
                row.macs = out.numel() * k
                row.elementwise = out.numel() if with_bias else 0
                if name == "addbmm":
                    row.macs *= args[1].shape[0]
        elif name in NORM_OPS:
            row.op = NORM_OPS[name]
            row.elementwise = out.numel()
            if self.fold_bn and row.op == "batch_norm":
                self._fold(row, inputs[0])
        elif name in ELEMENTWISE_OPS:
            row.elementwise = out.numel()
        elif name in REDUCTION_OPS:
            row.op = REDUCTION_OPS[name]
            if name in ("max_pool2d_with_indices", "avg_pool2d"):
                row.elementwise = out.numel() * math.prod(_pair(args[1]))
            else:
                row.elementwise = inputs[0].numel()
        elif name in COPY_OPS:
            row.op = COPY_OPS[name]
        self.rows.append(row)
        for t in outputs:
            self.producer[id(t)] = (weakref.ref(t), len(self.rows) - 1)

    def _fold(self, row: Row, x: torch.Tensor) -> None:
        """BN after a conv folds into it: no BN pass; the conv gains a bias (read once)."""
        ref, index = self.producer.get(id(x), (None, None))
        conv = self.rows[index] if ref is not None and ref() is x else None
        if conv is None or not conv.op.startswith("conv"):
            return  # nothing to fold into: BN stays an op of its own
        row.memory_access = 0
        row.elementwise = 0
        row.detail = {"folded_into": conv.module}
        if not conv.detail.get("bias"):
            conv.memory_access += row.output_shape[1]
            conv.elementwise += math.prod(row.output_shape)
            conv.detail["bias"] = "folded BN"


def _pair(v) -> tuple[int, ...]:
    return tuple(v) if isinstance(v, list | tuple) else (v, v)


def _meta_inputs(input_size) -> list[torch.Tensor]:
    if isinstance(input_size, torch.Tensor):
        return [torch.empty_like(input_size, device="meta")]
    sizes = input_size if input_size and isinstance(input_size[0], list | tuple | torch.Tensor) \
        else [input_size]
    out = []
    for size in sizes:
        if isinstance(size, torch.Tensor):
            out.append(torch.empty_like(size, device="meta"))
            continue
        if not all(isinstance(d, int) and d > 0 for d in size):
            raise ValueError(f"input_size must be a tuple of positive ints such as "
                             f"(1, 3, 224, 224), or a list of them; got {input_size!r}")
        out.append(torch.empty(tuple(size), device="meta"))
    return out


@contextlib.contextmanager
def _module_tracking(model: nn.Module, stack: list, outputs: dict):
    names = {id(m): n for n, m in model.named_modules()}

    def push(module, _inputs):
        stack.append((names.get(id(module), f"<{type(module).__name__}>"),
                      type(module).__name__))

    def pop(module, _inputs, output):
        if stack:
            name, _ = stack.pop()
            if isinstance(output, torch.Tensor):
                outputs[name] = tuple(output.shape)

    handles = [nn.modules.module.register_module_forward_pre_hook(push),
               nn.modules.module.register_module_forward_hook(pop)]
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def profile(model: nn.Module, input_size=(1, 3, 224, 224), *, strict: bool = False,
            fold_bn: bool = False, eval_mode: bool = True) -> Profile:
    """Count parameters, MACs, memory access and activations of ``model`` exactly, per op.

    Args:
        model: any ``nn.Module``; it is not modified (nor run on real data).
        input_size: the input's shape, e.g. ``(1, 3, 224, 224)``; a list of shapes for a model
            with several inputs; or a tensor whose shape is used.
        strict: raise ``UnknownOpError`` for an operator the profiler does not know, instead of
            listing it in ``Profile.unknown_ops``.
        fold_bn: count memory access as if each BatchNorm that follows a conv were folded into
            it (the BN row costs nothing; the conv gains a bias).
        eval_mode: profile inference (dropout and stochastic depth off, BN uses its running
            statistics); the model's train/eval flags are restored afterwards.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    inputs = _meta_inputs(input_size)
    state = {name: torch.empty_like(t, device="meta")
             for name, t in [*model.named_parameters(remove_duplicate=False),
                             *model.named_buffers(remove_duplicate=False)]}
    param_ids = {n for n, _ in model.named_parameters(remove_duplicate=False)}
    param_names = {id(t): n for n, t in state.items() if n in param_ids}
    stack: list = []
    module_outputs: dict[str, tuple[int, ...]] = {}
    counter = _Counter(param_names, stack, strict, fold_bn)
    for x in inputs:
        counter.track_input(x)
    modes = {m: m.training for m in model.modules()}
    try:
        if eval_mode:
            model.eval()
        with torch.no_grad(), _module_tracking(model, stack, module_outputs), counter:
            functional_call(model, state, tuple(inputs), tie_weights=True, strict=False)
    except UnknownOpError:
        raise
    except NotImplementedError as exc:
        raise RuntimeError(f"profile: an operator in this model cannot run on the meta "
                           f"device ({exc}); the profiler needs shape-only execution") from exc
    finally:
        for m, training in modes.items():
            m.train(training)
    params = sum(p.numel() for p in model.parameters())
    return Profile(counter.rows, params, tuple(inputs[0].shape) if len(inputs) == 1
                   else tuple(tuple(x.shape) for x in inputs), counter.unknown, counter.peak,
                   fold_bn, module_outputs)
