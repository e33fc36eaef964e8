"""An exact, layer-by-layer cost profiler that never does the arithmetic.

``profile(model, input_size)`` runs the model once on *meta* tensors (shapes only, no data),
intercepts every ATen operator with a ``TorchDispatchMode`` and attributes it to the innermost
module that was running, via global forward hooks that are removed afterwards. The model is not
modified: its parameters are swapped for meta stand-ins only for the duration of the call
(``torch.func.functional_call``, one stand-in per distinct tensor, so tied weights and reused
modules work), and whatever forward writes into a module (a cached tensor, spectral norm's
``weight``) is put back as it was.

Counting conventions (the course's, stated in notebook 00; the per-operator rules are the
small functions of ``lwcourse.cost.rules``):

* **MACs**: multiply-accumulates of convolutions, linear layers and matrix products,
  ``output elements x (C_in / g) x K_h x K_w`` for a conv. The papers' "FLOPs" are MACs;
  ``Profile.flops`` is 2 x MACs. Bias additions are not MACs (they are element-wise ops).
* **Memory access**: elements read + written by an op, unfused: every tensor it reads (inputs,
  weights, BN statistics; a broadcast view at its real storage size) plus every tensor it
  writes. This is the ShuffleNetV2 paper's "MAC". ``copy_`` does not read its destination.
  Max pooling writes its indices (PyTorch's CPU kernel does), so they count as written and as
  alive, like every other tensor an op writes.
* **Element-wise ops**: work that is not a MAC: one per output element of BN, activations,
  adds, multiplies and bias additions; one per element read for pooling windows and reductions.
* **Views** (reshape, transpose, split, slicing) cost nothing and make no row; a copy that
  makes memory contiguous (``.contiguous()``, channel shuffle) is a ``copy`` row.
* **Parameters** are counted on the first op that reads them; BN's running statistics are
  buffers, not parameters (they still count as memory access).
* **Peak activation** counts the tensors a real CPU run allocates (in inference BN's saved
  mean/invstd are empty), inputs included, each alive until Python frees it.

The count is the model's arithmetic, whatever mode the call is made in: ``torch.no_grad()``,
``torch.inference_mode()`` and autocast give the same numbers as a plain call; for a
``torch.compile``d module the original module is profiled (what it computes, not the fused
kernels the compiler makes of it).

How other counters differ (asserted in ``tests/test_profiler*.py``, explained in notebook 00):

* ``torch.utils.flop_counter.FlopCounterMode`` counts 2 FLOPs per MAC of convs, linear layers
  and matmuls and nothing else: for CNNs its total / 2 equals ``Profile.macs`` exactly. On CPU
  it misses attention: ``F.scaled_dot_product_attention`` runs as
  ``_scaled_dot_product_flash_attention_for_cpu``, which it does not count, while lwcourse
  counts its two matrix products (timm's ViT-tiny at 224: 178,831,872 MACs apart).
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
import operator
import weakref
from collections import Counter
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.func import functional_call
from torch.utils._python_dispatch import TorchDispatchMode

from .._checks import check_positive_int
from .rules import DATA_DEPENDENT, FREE, RULES, SHORT_NAMES


class UnknownOpError(ValueError):
    """Raised by ``profile(..., strict=True)`` for an operator the profiler cannot count."""


class ProfileError(RuntimeError):
    """The model cannot run on shapes alone; the message says where and what to do."""


@dataclass
class Row:
    """One counted operator call."""

    module: str  # qualified name of the innermost running module ("" is the model itself)
    module_type: str
    op: str  # short name: conv2d, linear, batch_norm, relu, add, mul, cat, copy, ...
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
    def complete(self) -> bool:
        """True when every operator was counted (``unknown_ops`` is empty)."""
        return not self.unknown_ops

    @property
    def input_shapes(self) -> list[tuple[int, ...]]:
        """The shape of each model input."""
        several = self.input_size and isinstance(self.input_size[0], tuple)
        return list(self.input_size) if several else [tuple(self.input_size)]

    @property
    def largest_activation(self) -> Row:
        """The row that writes the largest tensor; an input larger than every output is
        returned as a row with ``op="input"``."""
        inputs = [Row("(input)", "", "input", [], shape) for shape in self.input_shapes]
        return max(inputs + self.rows, key=lambda r: math.prod(r.output_shape))

    @property
    def arithmetic_intensity(self) -> float:
        """FLOPs per byte of memory access."""
        return self.flops / self.memory_bytes if self.memory_bytes else float("nan")

    def select(self, op: str | None = None, module: str | None = None) -> list[Row]:
        """Rows of one op kind and/or within one module (its name or a prefix ``a.b``).

        ``op`` is a row's short name (``"conv2d"``, ``"batch_norm"``, ``"relu"``…); ``"conv"``
        selects every convolution (``conv1d/2d/3d`` and transposed)."""
        if op is not None and op not in SHORT_NAMES:
            raise ValueError(f"op must be one of {', '.join(sorted(SHORT_NAMES))}; got {op!r}")

        def op_matches(row_op: str) -> bool:
            return op is None or row_op == op or (op == "conv" and row_op.startswith("conv"))

        return [r for r in self.rows if op_matches(r.op)
                and (module is None or r.module == module or r.module.startswith(module + "."))]

    def by_op(self) -> dict[str, dict[str, int]]:
        """Totals per op kind: ``{"conv2d": {"calls":…, "macs":…, "memory_access":…, …}}``."""
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
        check_positive_int("depth", depth)
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

    def unknown_ops_message(self) -> str:
        """One line naming the operators that were not counted ("" when there are none)."""
        if not self.unknown_ops:
            return ""
        calls = ", ".join(f"{name} x{n}" for name, n in sorted(self.unknown_ops.items()))
        return (f"NOT COUNTED: {sum(self.unknown_ops.values())} call(s) of unknown operators "
                f"({calls}); MACs and memory access are incomplete (strict=True raises)")

    def table(self, depth: int | None = 1, max_rows: int | None = None) -> str:
        """A readable table: per module cut to ``depth`` parts, or per op when depth is None."""
        header = f"{'module':<28} {'op / ops':>10} {'output':>18} {'params':>12} " \
                 f"{'MACs (M)':>10} {'mem. access':>13} {'elementwise':>12}"
        lines = [header, "-" * len(header)]
        if max_rows is not None and (isinstance(max_rows, bool) or not isinstance(max_rows, int)
                                     or max_rows < 0):
            raise ValueError(f"max_rows must be None or an integer >= 0, got {max_rows!r}")
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
        if self.unknown_ops:
            lines.append(self.unknown_ops_message())
        return "\n".join(lines)

    def summary(self) -> str:
        """Totals in the course's print format (with a warning line if an op was not counted)."""
        big = self.largest_activation
        bns = self.select(op="batch_norm")
        folded = sum("folded_into" in r.detail for r in bns)
        lines = [
            f"input             {self.input_size}",
            f"params            {self.params:,}",
            f"MACs              {self.macs / 1e6:,.2f} M  (FLOPs = 2 x MACs = "
            f"{self.flops / 1e6:,.2f} M)",
            f"memory access     {self.memory_access:,} elements = "
            f"{self.memory_bytes / 2**20:,.2f} MiB at fp32"
            + (f"  (BN folded: {folded} of {len(bns)})" if self.fold_bn else ""),
            f"largest tensor    {math.prod(big.output_shape):,} elements "
            f"{tuple(big.output_shape)} "
            + ("(the input)" if big.op == "input" else f"in {big.module or '(model)'} ({big.op})"),
            f"peak activations  {self.peak_activation:,} elements alive at once",
        ]
        if self.unknown_ops:
            lines.append(self.unknown_ops_message())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"Profile(params={self.params:,}, macs={self.macs:,}, "
                f"memory_access={self.memory_access:,}, rows={len(self.rows)})")


# ---- running the model on meta tensors --------------------------------------------------------

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


def _stored_elements(t: torch.Tensor) -> int:
    """Elements a read really touches: a broadcast (stride-0) dimension is stored once."""
    return math.prod(n for n, s in zip(t.shape, t.stride(), strict=True) if s != 0)


def _meta_inference_batch_norm(func, args, kwargs):
    """``native_batch_norm`` in inference on meta tensors: its output and saved statistics with
    the shapes torch's meta kernel gives them, without that kernel's slow Python decomposition
    (most of a profile's time). None where this does not apply (training, real tensors)."""
    a = _bind(func, args, kwargs)
    if a["training"] or a["input"].device.type != "meta" or a["running_mean"] is None:
        return None
    return (torch.empty_like(a["input"]), torch.empty_like(a["running_mean"]),
            torch.empty_like(a["running_var"]))


def _bind(func, args, kwargs) -> dict:
    """The operator's arguments by their ATen names (``self`` is called ``input``)."""
    named = {}
    for i, arg in enumerate(func._schema.arguments):
        if i < len(args):
            named[arg.name] = args[i]
        elif arg.name in kwargs:
            named[arg.name] = kwargs[arg.name]
        elif arg.has_default_value():
            named[arg.name] = arg.default_value
    named.pop("out", None)
    if "self" in named:
        named["input"] = named.pop("self")
    return named


class _Counter(TorchDispatchMode):
    """Counts every ATen op while the model runs; see ``rules`` for the per-op rules."""

    def __init__(self, param_ids: set[int], module_stack: list, strict: bool,
                 device: str | None):
        super().__init__()
        self.param_ids = param_ids  # ids of the parameter stand-ins
        self.seen_params: set[int] = set()
        self.stack = module_stack
        self.strict = strict
        self.device = device  # every non-scalar tensor must be on it (None: no check)
        self.rows: list[Row] = []
        self.unknown: Counter = Counter()
        self.producer: dict[int, tuple[weakref.ref, int]] = {}  # id(tensor) -> (ref, row index)
        self.first_input_source: list[int | None] = []  # per row: the row that wrote input 0
        self.consumers: Counter = Counter()  # row index -> ops that read what it wrote
        self.live = 0
        self.peak = 0

    def where(self) -> str:
        name, module_type = self.stack[-1] if self.stack else ("", "")
        return f"module {name!r} ({module_type})" if name else "the model's own forward"

    # activation liveness: count a new tensor until Python frees it
    def _allocate(self, t: torch.Tensor) -> None:
        self.live += t.numel()
        self.peak = max(self.peak, self.live)
        weakref.finalize(t, self._free, t.numel())

    def _free(self, n: int) -> None:
        self.live -= n

    def track_input(self, t: torch.Tensor) -> None:
        self._allocate(t)

    def _source(self, t: torch.Tensor) -> int | None:
        ref, index = self.producer.get(id(t), (None, None))
        return index if ref is not None and ref() is t else None

    def mark_read(self, tensors) -> None:
        sources = {self._source(_root(t)) for t in tensors} - {None}
        self.consumers.update(sources)

    def _check_devices(self, func, inputs) -> None:
        for t in inputs:
            if self.device and t.device.type != self.device and t.dim() > 0:
                raise ProfileError(
                    f"profile: {self.where()} passes a {t.device.type} tensor of shape "
                    f"{tuple(t.shape)} to {func}; the profiler runs on shapes only (meta "
                    f"tensors). Create tensors in forward on the input's device "
                    f"(torch.ones(..., device=x.device)) and register stored tensors with "
                    f"self.register_buffer(...)")

    def data_dependent_message(self, what) -> str:
        return (f"profile: {self.where()} needs a tensor's values ({what}: .item(), int(t), "
                f"an `if` on a tensor, a boolean mask, nonzero, unique...); the profiler runs "
                f"on shapes only. Compute that value from shapes or Python numbers, or profile "
                f"the parts of the model that do not depend on data")

    def _check_channels(self, input, weight, transposed, groups, **_) -> None:
        expected = weight.shape[0] if transposed else weight.shape[1] * groups
        if input.dim() == weight.dim() and input.shape[1] != expected:
            raise ProfileError(
                f"profile: {self.where()} expects {expected} input channels but gets "
                f"{input.shape[1]} (input shape {tuple(input.shape)}); if it is the model's first "
                f"layer, pass an input_size with {expected} channels, e.g. "
                f"(1, {expected}, 224, 224)")

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = _packet_name(func)
        if name in DATA_DEPENDENT:
            raise ProfileError(self.data_dependent_message(func))
        inputs = _tensors(args) + _tensors(kwargs.values())
        self._check_devices(func, inputs)
        if name == "convolution":
            self._check_channels(**_bind(func, args, kwargs))
        out = None
        if name == "native_batch_norm":
            out = _meta_inference_batch_norm(func, args, kwargs)
        if out is None:
            out = func(*args, **kwargs)
        if name in FREE:
            return out
        outputs = _tensors(out if isinstance(out, list | tuple) else [out])
        self.mark_read(inputs)
        if name in RULES and outputs:
            written = self._count(func, args, kwargs, inputs, outputs)
        else:
            if self.strict:
                raise UnknownOpError(
                    f"profile(strict=True): unknown operator {func} in {self.where()}; it "
                    f"cannot be counted")
            self.unknown[str(func)] += 1
            written = outputs
        input_ids = {id(t) for t in inputs}
        for t in written:
            if id(t) not in input_ids and t._base is None:  # a new tensor, not in-place or view
                self._allocate(t)
        return out

    def _new_params(self, inputs) -> int:
        params = 0
        for t in map(_root, inputs):
            if id(t) in self.param_ids and id(t) not in self.seen_params:
                self.seen_params.add(id(t))
                params += t.numel()
        return params

    def _count(self, func, args, kwargs, inputs, outputs) -> list[torch.Tensor]:
        short, cost_of = RULES[_packet_name(func)]
        cost = cost_of(out=outputs[0], **_bind(func, args, kwargs))
        written = outputs if cost.writes is None else outputs[:cost.writes]
        reads = inputs if cost.reads is None else cost.reads
        module, module_type = self.stack[-1] if self.stack else ("", "")
        self.rows.append(Row(
            module, module_type, cost.op or short, [tuple(t.shape) for t in inputs],
            tuple(outputs[0].shape), params=self._new_params(inputs), macs=cost.macs,
            memory_access=sum(map(_stored_elements, reads)) + sum(t.numel() for t in written),
            elementwise=cost.elementwise, detail=cost.detail))
        self.first_input_source.append(self._source(inputs[0]) if inputs else None)
        for t in written:
            self.producer[id(t)] = (weakref.ref(t), len(self.rows) - 1)
        return written


def _fold_batch_norms(counter: _Counter) -> None:
    """Count BN as folded into the conv that wrote its input: no BN pass; the conv gains a
    bias (read once). A BN stays an op of its own, with the reason in ``detail["not_folded"]``,
    when it uses batch statistics (training mode), follows no conv, or the conv's output is
    also read elsewhere (then that output must still be computed, unnormalized)."""
    rows = counter.rows
    for i, row in enumerate(rows):
        if row.op != "batch_norm":
            continue
        source = counter.first_input_source[i]
        if row.detail.get("training"):
            row.detail["not_folded"] = "training mode: batch statistics change every batch"
        elif source is None or not rows[source].op.startswith("conv"):
            row.detail["not_folded"] = "its input is not written by a conv"
        elif counter.consumers[source] > 1:
            row.detail["not_folded"] = "the conv's output is also read elsewhere"
        else:
            conv = rows[source]
            row.memory_access = row.elementwise = 0
            row.detail = {"folded_into": conv.module}
            if not conv.detail.get("bias"):
                conv.memory_access += row.output_shape[1]
                conv.elementwise += math.prod(row.output_shape)
                conv.detail["bias"] = "folded BN"


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


def _container_copy(value):
    return dict(value) if isinstance(value, dict) else list(value) if isinstance(
        value, list) else set(value) if isinstance(value, set) else None


@contextlib.contextmanager
def _module_state_restored(model: nn.Module):
    """Put back every attribute forward writes into a module (cached tensors, spectral norm's
    ``weight``), and the contents of its dicts, lists and sets."""
    saved = [(m, dict(vars(m)), {k: c for k, v in vars(m).items()
                                 if (c := _container_copy(v)) is not None})
             for m in model.modules()]
    try:
        yield
    finally:
        for module, attrs, contents in saved:
            state = vars(module)
            for key in set(state) - set(attrs):
                del state[key]
            state.update(attrs)
            for key, content in contents.items():
                container = attrs[key]
                if isinstance(container, list):
                    container[:] = content
                else:
                    container.clear()
                    container.update(content)


def _trace(model: nn.Module, inputs: list[torch.Tensor], state: dict, param_ids: set[int], *,
           strict: bool = False, device: str | None = "meta"):
    """Run ``model`` on ``inputs`` with ``state`` swapped in, counting every op."""
    stack: list = []
    module_outputs: dict[str, tuple[int, ...]] = {}
    counter = _Counter(param_ids, stack, strict, device)
    for x in inputs:
        counter.track_input(x)
    try:
        with (torch.no_grad(), _module_state_restored(model),
              _module_tracking(model, stack, module_outputs), counter):
            result = functional_call(model, state, tuple(inputs), tie_weights=True,
                                     strict=False)
    except (UnknownOpError, ProfileError):
        raise
    except NotImplementedError as exc:
        if "meta" not in str(exc).lower():
            raise  # the model's own NotImplementedError
        if "nonzero" in str(exc):  # boolean-mask indexing, torch.nonzero inside an operator
            raise ProfileError(counter.data_dependent_message("aten.nonzero")) from exc
        raise ProfileError(f"profile: {counter.where()} runs an operator that has no "
                           f"shape-only (meta) implementation, so it cannot be profiled; "
                           f"profile the other parts of the model. ({exc})") from exc
    except RuntimeError as exc:
        shapes = [tuple(x.shape) for x in inputs]
        raise ProfileError(
            f"profile: {counter.where()} failed on input shape(s) {shapes}: "
            f"{str(exc).splitlines()[0]} -- if the channel count or resolution does not suit "
            f"this model, pass a fitting input_size such as (1, 3, 224, 224)") from exc
    counter.mark_read(_tensors([result]))  # a model output is one more reader
    return counter, module_outputs


# ---- the public entry point -------------------------------------------------------------------

_SHAPE_HELP = ("a shape such as (1, 3, 224, 224) (batch, channels, height, width), a list of "
               "shapes for a model with several inputs, or a tensor")


def _shape(size, label: str) -> tuple[int, ...]:
    if not isinstance(size, tuple | list):
        raise TypeError(f"{label} must be {_SHAPE_HELP}; got {size!r} ({type(size).__name__})")
    if not size:
        raise ValueError(f"{label} must have at least one dimension, e.g. (1, 3, 224, 224); "
                         f"got {size!r}")
    dims = []
    for d in size:
        if isinstance(d, bool) or type(d).__name__ in ("bool", "bool_"):  # numpy bools too
            raise TypeError(f"{label} dimensions must be integers, got the bool {d!r} in "
                            f"{size!r}")
        try:
            d = operator.index(d)  # int, numpy and torch integers
        except TypeError:
            raise TypeError(f"{label} dimensions must be integers, got {d!r} "
                            f"({type(d).__name__}) in {size!r}; pass {_SHAPE_HELP}") from None
        if d <= 0:
            raise ValueError(f"{label} dimensions must be positive, got {d} in {size!r}")
        dims.append(d)
    return tuple(dims)


def _meta_inputs(input_size) -> list[torch.Tensor]:
    if isinstance(input_size, torch.Tensor):
        return [torch.empty_like(input_size, device="meta")]
    several = isinstance(input_size, list | tuple) and any(
        isinstance(s, list | tuple | torch.Tensor) for s in input_size)
    if not several:
        return [torch.empty(_shape(input_size, "input_size"), device="meta")]
    return [torch.empty_like(size, device="meta") if isinstance(size, torch.Tensor)
            else torch.empty(_shape(size, f"input_size[{i}]"), device="meta")
            for i, size in enumerate(input_size)]


def profile(model: nn.Module, input_size=(1, 3, 224, 224), *, strict: bool = False,
            fold_bn: bool = False, eval_mode: bool = True) -> Profile:
    """Count parameters, MACs, memory access and activations of ``model`` exactly, per op.

    Args:
        model: any ``nn.Module`` (a ``torch.compile``d one is profiled through its original
            module); it is not modified (nor run on real data).
        input_size: the input's shape, e.g. ``(1, 3, 224, 224)`` (ints, numpy ints accepted);
            a list of shapes for a model with several inputs; or a tensor whose shape is used.
        strict: raise ``UnknownOpError`` for an operator the profiler does not know, instead of
            listing it in ``Profile.unknown_ops`` (and in ``summary()`` and ``table()``).
        fold_bn: count memory access as if each inference BatchNorm that follows a conv were
            folded into it (the BN row costs nothing; the conv gains a bias). A BN in training
            mode, or one whose conv output is also read elsewhere, is not folded; its row says
            why in ``detail["not_folded"]``.
        eval_mode: profile inference (dropout and stochastic depth off, BN uses its running
            statistics); the model's train/eval flags are restored afterwards.

    Raises ``ProfileError`` with what to do when the model cannot run on shapes alone (it reads
    tensor values, uses CPU tensors made in forward, or the input does not fit it).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    for name, flag in {"strict": strict, "fold_bn": fold_bn, "eval_mode": eval_mode}.items():
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    if type(model).__name__ == "OptimizedModule" and isinstance(
            getattr(model, "_orig_mod", None), nn.Module):
        model = model._orig_mod  # torch.compile: count what the original module computes
    with torch.inference_mode(False):  # inference mode would hide conv, linear, BN from us
        inputs = _meta_inputs(input_size)
        state = {name: torch.empty_like(t, device="meta")
                 for name, t in [*model.named_parameters(), *model.named_buffers()]}
        param_names = {n for n, _ in model.named_parameters()}
        param_ids = {id(t) for n, t in state.items() if n in param_names}
        modes = {m: m.training for m in model.modules()}
        try:
            if eval_mode:
                model.eval()
            counter, module_outputs = _trace(model, inputs, state, param_ids, strict=strict)
        finally:
            for m, training in modes.items():
                m.train(training)
    if fold_bn:
        _fold_batch_norms(counter)
    params = sum(p.numel() for p in model.parameters())
    return Profile(counter.rows, params, tuple(inputs[0].shape) if len(inputs) == 1
                   else tuple(tuple(x.shape) for x in inputs), counter.unknown, counter.peak,
                   fold_bn, module_outputs)
