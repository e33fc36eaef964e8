"""Deployment: from an eager PyTorch model to fast CPU inference, one switchable step at a time.

- :func:`fold_bn` folds every inference BatchNorm into the convolution before it.
- :func:`optimize` applies BN folding, channels_last, tracing + freezing (or ``torch.compile``).
- :func:`quantize_int8` is post-training static int8 quantization for x86 (torchao's PT2E flow).
- :func:`export_onnx` writes an ONNX file; :func:`onnx_session` runs it with ONNX Runtime.
- :func:`load_pretrained` puts torchvision/timm ImageNet weights into an lwcourse model.

None of them modifies the model it is given: each works on a copy and returns it.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import logging
import shutil
import warnings
from collections.abc import Iterable
from pathlib import Path

import torch
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_leaves

__all__ = ["fold_bn", "fold_conv_bn", "optimize", "quantize_int8", "export_onnx", "onnx_session",
           "load_pretrained", "max_abs_diff", "FOLD_TOLERANCE", "CHECK_RTOL", "ladder", "LADDER",
           "latency_in_subprocess", "KEEP_MEMORY_ENV", "has_cxx_compiler"]

CHECK_RTOL = 1e-3
"""``optimize`` and ``export_onnx`` accept a largest output difference up to this fraction of
the largest output magnitude (at least 1): deep fp32 graphs reorder sums."""

FOLD_TOLERANCE = 1e-4
"""Largest absolute output difference accepted after folding (fp32 rounding of the merged
weights; outputs of order 1, as after ``lw.reference.randomize_``)."""

_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)
_CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)


# --- input checks ------------------------------------------------------------------------------

def _check_model(model, *, eval_only: bool = True) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    if eval_only:
        training = [name or "the model" for name, m in model.named_modules() if m.training]
        if training:
            raise ValueError(f"model must be in eval mode (call model.eval()): deployment uses "
                             f"BatchNorm's running statistics; in training mode: {training[0]}")
    return model


def _check_example(example, name: str = "example") -> torch.Tensor:
    if isinstance(example, (tuple, list, torch.Size)) and all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in example):
        if len(example) != 4:
            raise ValueError(f"{name} must be a 4-D input size (N, C, H, W) or a tensor; "
                             f"got {tuple(example)}")
        return torch.randn(tuple(example), generator=torch.Generator().manual_seed(0))
    if not isinstance(example, torch.Tensor) or example.dim() != 4 \
            or not example.is_floating_point():
        got = (f"a {example.dim()}-D {example.dtype} tensor" if isinstance(example, torch.Tensor)
               else repr(example))
        raise ValueError(f"{name} must be a float tensor (N, C, H, W) or such a size; got {got}")
    return example


def _check_flag(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False; got {value!r}")
    return value


def max_abs_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    """Largest absolute element difference of two outputs of the same shape."""
    a, b = torch.as_tensor(a).detach(), torch.as_tensor(b).detach()
    if a.shape != b.shape:
        raise ValueError(f"outputs differ in shape: {tuple(a.shape)} vs {tuple(b.shape)}")
    return float((a.float() - b.float()).abs().max())


# --- BatchNorm folding -------------------------------------------------------------------------

@torch.no_grad()
def fold_conv_bn(conv: nn.Module, bn: nn.Module) -> nn.Module:
    """A new convolution computing ``bn(conv(x))`` (``bn`` with its running statistics).

    With ``a = gamma / sqrt(var + eps)``: ``W' = W * a`` (per output channel) and
    ``b' = (b - mean) * a + beta``.
    """
    if not isinstance(conv, _CONVS) or not isinstance(bn, _NORMS):
        raise ValueError(f"fold_conv_bn needs a Conv1d/2d/3d and a BatchNorm1d/2d/3d; got "
                         f"{type(conv).__name__} and {type(bn).__name__}")
    if bn.num_features != conv.out_channels:
        raise ValueError(f"bn has {bn.num_features} channels but conv has {conv.out_channels} "
                         f"output channels")
    if bn.running_mean is None:
        raise ValueError("bn has no running statistics (track_running_stats=False): nothing "
                         "fixed to fold")
    scale = torch.rsqrt(bn.running_var + bn.eps)
    if bn.affine:
        scale = scale * bn.weight
    shift = -bn.running_mean * scale + (bn.bias if bn.affine else 0)
    fused = copy.deepcopy(conv)
    fused.weight.copy_(conv.weight * scale.reshape(-1, *[1] * (conv.weight.dim() - 1)))
    bias = conv.bias * scale + shift if conv.bias is not None else shift
    fused.bias = nn.Parameter(bias.detach().clone())
    return fused


class _UseCounter(TorchFunctionMode):
    """Counts, per conv output in ``watched`` (id -> (conv, tensor)), the torch calls that read
    it and return a tensor (shape queries such as ``x.dim()`` are not uses)."""

    def __init__(self, watched: dict):
        super().__init__()
        self.watched = watched
        self.uses: dict[int, int] = {}

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if any(isinstance(t, torch.Tensor) for t in tree_leaves(out)):
            for t in tree_leaves((args, kwargs or {})):
                if isinstance(t, torch.Tensor) and self.watched.get(id(t), (0, None))[1] is t:
                    self.uses[id(t)] = self.uses.get(id(t), 0) + 1
        return out


def _conv_bn_pairs(model: nn.Module, example: torch.Tensor) -> list[tuple[str, str]]:
    """``(conv name, bn name)`` for every BN applied directly to a conv's output, found by
    running ``model`` once; raises where that conv output is also read elsewhere."""
    names = {m: n for n, m in model.named_modules()}
    produced: dict[int, tuple[nn.Module, torch.Tensor]] = {}
    fed: list[tuple[nn.Module, torch.Tensor]] = []
    calls: dict[nn.Module, int] = {}

    def after_conv(module, _inputs, output):
        calls[module] = calls.get(module, 0) + 1
        produced[id(output)] = (module, output)  # keep the tensor alive: ids stay unique

    def before_bn(module, inputs):
        calls[module] = calls.get(module, 0) + 1
        fed.append((module, inputs[0]))

    hooks = [m.register_forward_hook(after_conv) for m in model.modules()
             if isinstance(m, _CONVS)]
    hooks += [m.register_forward_pre_hook(before_bn) for m in model.modules()
              if isinstance(m, _NORMS)]
    counter = _UseCounter(produced)
    try:
        with torch.no_grad(), counter:
            model(example)
    finally:
        for h in hooks:
            h.remove()
    pairs = []
    for bn, x in fed:
        if id(x) not in produced:
            continue  # a BN after something else (an add, a concatenation): left as it is
        conv = produced[id(x)][0]
        for module in (conv, bn):
            if calls[module] > 1:
                raise ValueError(f"cannot fold: {names[module]!r} is called "
                                 f"{calls[module]} times per forward (shared weights)")
        if counter.uses.get(id(x), 0) > 1:
            raise ValueError(f"cannot fold {names[bn]!r} into {names[conv]!r}: the conv output "
                             f"is also used elsewhere, which would then see the BN applied")
        pairs.append((names[conv], names[bn]))
    return pairs


def _replace(model: nn.Module, name: str, new: nn.Module) -> None:
    parent_name, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent_name) if parent_name else model, child, new)


def fold_bn(model: nn.Module, example=(1, 3, 224, 224)) -> nn.Module:
    """A copy of ``model`` with every BatchNorm that directly follows a convolution folded into
    it (the BN becomes ``nn.Identity``). Outputs equal the original's within
    :data:`FOLD_TOLERANCE`; memory access drops by the BN layers' reads and writes.

    ``model`` must be in eval mode; ``example`` (an input tensor or size) is run once to find
    which conv feeds which BN. Raises ValueError when a conv output that feeds a BN is also
    read elsewhere, or a conv/BN is called twice per forward. ``model`` is not modified.
    """
    _check_model(model)
    example = _check_example(example)
    folded = copy.deepcopy(model)
    for conv_name, bn_name in _conv_bn_pairs(folded, example):
        _replace(folded, conv_name, fold_conv_bn(folded.get_submodule(conv_name),
                                                 folded.get_submodule(bn_name)))
        _replace(folded, bn_name, nn.Identity())
    return folded.eval()


# --- channels_last, tracing and freezing, torch.compile ----------------------------------------

class _ChannelsLast(nn.Module):
    """Runs ``model`` on a channels_last copy of the input (NHWC in memory), which is what
    oneDNN's convolutions prefer on CPU."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model.to(memory_format=torch.channels_last)

    def forward(self, x):
        return self.model(x.contiguous(memory_format=torch.channels_last))


@contextlib.contextmanager
def _quiet_deprecations():
    # torch 2.14 marks torch.jit.trace/freeze deprecated (FutureWarning) in favour of
    # torch.compile/torch.export; they remain the compiler-free way to freeze a graph on CPU.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"torch\.jit")
        # input-size checks in forward become constants of the trace: fine for a fixed shape
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        yield


def has_cxx_compiler() -> bool:
    """Whether a C++ compiler is on PATH (``torch.compile``'s CPU backend needs one)."""
    return any(shutil.which(c) for c in ("g++", "c++", "clang++"))


def optimize(model: nn.Module, example, *, fold_bn: bool = True, channels_last: bool = True,
             freeze: bool = True, compile: bool = False) -> nn.Module:  # noqa: A002
    """An inference-optimized copy of ``model`` (eval mode), each step switchable:

    - ``fold_bn``: BatchNorm folded into the preceding conv (:func:`fold_bn`);
    - ``channels_last``: weights and input in NHWC memory layout;
    - ``freeze``: ``torch.jit.trace`` + ``torch.jit.freeze`` (constants folded, conv + activation
      fused by oneDNN) — a ``ScriptModule``, traced for ``example``'s shape;
    - ``compile``: ``torch.compile`` instead of ``freeze`` (needs a C++ compiler; the first call
      compiles and takes tens of seconds).

    ``model`` is not modified. The result is checked against ``model`` on ``example``.
    """
    _check_model(model)
    example = _check_example(example)
    for name, flag in {"fold_bn": fold_bn, "channels_last": channels_last, "freeze": freeze,
                       "compile": compile}.items():
        _check_flag(name, flag)
    if freeze and compile:
        raise ValueError("choose one of freeze=True and compile=True (both compile the graph)")
    if compile and not has_cxx_compiler():
        raise RuntimeError("compile=True needs a C++ compiler (g++ or clang++) on PATH for "
                           "torch.compile's CPU backend; install one or use freeze=True")
    with torch.no_grad():
        expected = model(example)
    out = globals()["fold_bn"](model, example) if fold_bn else copy.deepcopy(model)
    if channels_last:
        out = _ChannelsLast(out).eval()
    with torch.no_grad():
        if freeze:
            with _quiet_deprecations():
                out = torch.jit.freeze(torch.jit.trace(out, example))
        elif compile:
            out = torch.compile(out)
        diff = max_abs_diff(out(example), expected)
    scale = max(1.0, float(expected.abs().max()))
    if diff > CHECK_RTOL * scale:
        raise RuntimeError(f"optimize changed the outputs by {diff:.3g} (> {CHECK_RTOL:g} "
                           f"× {scale:.3g}); please report this model")
    return out


# --- int8 ----------------------------------------------------------------------------------------

@contextlib.contextmanager
def _quiet_torchao():
    # torchao logs a deprecation at import (an Enum registered with pytree), torch.export a
    # note on batch-size-1 specialization and torch.compile one on CUDA_HOME: all on stderr.
    loggers = [logging.getLogger(n) for n in ("torch.utils._pytree", "torch._export",
                                              "torch.utils.cpp_extension", "torch.onnx")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _batches(loader, name: str) -> list[torch.Tensor]:
    if isinstance(loader, torch.Tensor) or not isinstance(loader, Iterable):
        raise ValueError(f"{name} must be an iterable of input batches (a DataLoader or a list "
                         f"of tensors / (input, label) pairs); got {type(loader).__name__}")
    batches = []
    for item in loader:
        x = item[0] if isinstance(item, (tuple, list)) else item
        batches.append(_check_example(x, f"each batch of {name}"))
    if not batches:
        raise ValueError(f"{name} is empty: calibration needs at least one batch")
    return batches


def quantize_int8(model: nn.Module, calibration_loader) -> nn.Module:
    """Post-training static int8 quantization for x86: weights per channel, activations per
    tensor, scales observed on ``calibration_loader`` (batches of real inputs, or
    ``(input, label)`` pairs).

    Uses torchao's PT2E flow (``torch.export`` + ``X86InductorQuantizer``), the replacement
    torch recommends for the deprecated ``torch.ao.quantization``. The result computes the int8
    arithmetic as quantize/dequantize pairs; ``torch.compile`` on it lowers those pairs to
    oneDNN int8 kernels (that is where the speed comes from). ``model`` is not modified.
    """
    _check_model(model)
    batches = _batches(calibration_loader, "calibration_loader")
    try:
        with _quiet_torchao():
            pt2e = importlib.import_module("torchao.quantization.pt2e.quantize_pt2e")
            x86 = importlib.import_module(
                "torchao.quantization.pt2e.quantizer.x86_inductor_quantizer")
    except ImportError as exc:  # pragma: no cover - torchao is in the deploy and test extras
        raise ImportError("quantize_int8 needs torchao: pip install torchao") from exc
    quantizer = x86.X86InductorQuantizer()
    quantizer.set_global(x86.get_default_x86_inductor_quantization_config())
    with _quiet_torchao(), torch.no_grad():
        graph = torch.export.export(copy.deepcopy(model), (batches[0],),
                                    dynamic_shapes=({0: torch.export.Dim.AUTO},)).module()
        prepared = pt2e.prepare_pt2e(graph, quantizer)
        for x in batches:
            prepared(x)
        quantized = pt2e.convert_pt2e(prepared)
    # let callers switch it to eval mode like any model (lw.bench does)
    importlib.import_module("torchao.quantization.pt2e").allow_exported_model_train_eval(quantized)
    return quantized


# --- ONNX ----------------------------------------------------------------------------------------

def export_onnx(model: nn.Module, path, example, *, check: bool = True) -> Path:
    """Write ``model`` (eval mode) to the ONNX file ``path`` for ``example``'s input shape
    (batch size left dynamic is not attempted: deployment here is batch-fixed), and, with
    ``check``, run it in ONNX Runtime and compare with PyTorch (within :data:`CHECK_RTOL`)."""
    _check_model(model)
    example = _check_example(example)
    _check_flag("check", check)
    if not isinstance(path, (str, Path)) or not str(path).endswith(".onnx"):
        raise ValueError(f"path must be a file name ending in .onnx; got {path!r}")
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(f"path's folder {str(path.parent)!r} does not exist")
    with _quiet_torchao(), torch.no_grad(), contextlib.redirect_stdout(None):
        torch.onnx.export(copy.deepcopy(model), (example,), str(path), input_names=["input"],
                          output_names=["output"], dynamo=True, verbose=False)
    if check:
        with torch.no_grad():
            expected = model(example)
        got = onnx_session(path)(example)
        diff = max_abs_diff(got, expected)
        scale = max(1.0, float(expected.abs().max()))
        if diff > CHECK_RTOL * scale:
            raise RuntimeError(f"ONNX Runtime output differs from PyTorch by {diff:.3g} "
                               f"(> {CHECK_RTOL:g} × {scale:.3g})")
    return path


def onnx_session(path, *, threads: int = 1):
    """A callable running the ONNX file ``path`` in ONNX Runtime on CPU with ``threads``
    intra-op threads: ``tensor -> tensor`` (so it can be timed like a model)."""
    if not Path(path).is_file():
        raise ValueError(f"path {str(path)!r} is not an existing ONNX file")
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive integer; got {threads!r}")
    try:
        ort = importlib.import_module("onnxruntime")
    except ImportError as exc:  # pragma: no cover - in the deploy and test extras
        raise ImportError("onnx_session needs ONNX Runtime: pip install onnxruntime") from exc
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # ORT's worker threads spin-wait between runs by default and would steal the cores from
    # whatever runs next (an interleaved benchmark's other models): let them sleep.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name

    def run(x: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(session.run(None, {name: x.detach().numpy()})[0])

    return run


# --- pretrained weights -------------------------------------------------------------------------

def load_pretrained(name: str) -> nn.Module:
    """lwcourse model ``name`` with its reference's ImageNet weights (torchvision's or timm's),
    fetched by that library's own download machinery (cached under ``TORCH_HOME`` /
    the Hugging Face cache) and transplanted. Raises RuntimeError with what to do when the
    weights are neither cached nor downloadable."""
    from . import models, reference

    named = sorted(n for n, (_, constructor, _) in reference.REFERENCES.items()
                   if isinstance(constructor, str))  # the others have no weights to fetch
    if not isinstance(name, str) or name not in named:
        raise ValueError(f"name must be a model with a reference that torchvision or timm "
                         f"publish weights for by name, one of {', '.join(named)}; "
                         f"got {name!r}")
    library, constructor, fixed = reference.REFERENCES[name]
    try:
        if library == "timm":
            timm = importlib.import_module("timm")
            ref = timm.create_model(constructor, pretrained=True, **fixed)
        else:
            import torchvision

            ref = torchvision.models.get_model(constructor, weights="DEFAULT", **fixed)
    except (OSError, RuntimeError, ValueError) as exc:
        raise RuntimeError(f"could not get the pretrained weights of {library}'s "
                           f"{constructor!r} ({type(exc).__name__}: {exc}). They are downloaded "
                           f"once, then cached; with no network, copy the file into the cache "
                           f"(TORCH_HOME for torchvision, HF_HOME for timm)") from exc
    return reference.transplant(ref, models.create(name)).eval()


# --- the deployment ladder (used by benchmarks/deploy.py and notebook 10) -----------------------

LADDER = ("eager", "bn_folded", "channels_last", "frozen", "int8", "onnxruntime")
"""The deployment steps in order; each includes the ones before it (int8 starts from the BN-folded
model and is compiled; ONNX Runtime runs the BN-folded fp32 model)."""


def ladder(model: nn.Module, example, *, steps=LADDER, threads: int = 1, calibration=None,
           workdir=None) -> dict[str, object]:
    """``{step: callable}`` for each of ``steps`` (names from :data:`LADDER`), all computing
    ``model`` (eval mode) on inputs shaped like ``example``. ``int8`` needs ``calibration``
    batches and compiles (tens of seconds); ``onnxruntime`` needs a ``workdir`` for its file
    and runs with ``threads`` threads."""
    _check_model(model)
    example = _check_example(example)
    if isinstance(steps, str) or not all(s in LADDER for s in steps) or not steps:
        raise ValueError(f"steps must be a non-empty list of {', '.join(LADDER)}; got {steps!r}")
    if "int8" in steps and calibration is None:
        raise ValueError("the int8 step needs calibration batches (calibration=[...])")
    if "onnxruntime" in steps and (workdir is None or not Path(workdir).is_dir()):
        raise ValueError(f"the onnxruntime step needs an existing workdir; got {workdir!r}")
    built: dict[str, object] = {}
    folded = fold_bn(model, example)
    builders = {
        "eager": lambda: model,
        "bn_folded": lambda: folded,
        "channels_last": lambda: optimize(model, example, freeze=False),
        "frozen": lambda: optimize(model, example),
        "int8": lambda: _compiled(quantize_int8(folded, calibration)),
        "onnxruntime": lambda: onnx_session(
            export_onnx(folded, Path(workdir) / "model.onnx", example), threads=threads),
    }
    for step in steps:
        built[step] = builders[step]()
    return built


def _compiled(model: nn.Module):
    if not has_cxx_compiler():
        raise RuntimeError("the int8 step needs torch.compile, which needs a C++ compiler "
                           "(g++ or clang++) on PATH")
    with _quiet_torchao():
        return torch.compile(model)


# --- the glibc allocator lesson -------------------------------------------------------------------

KEEP_MEMORY_ENV = {"MALLOC_MMAP_THRESHOLD_": str(4 * 2**30), "MALLOC_TRIM_THRESHOLD_": str(2**36)}
"""glibc settings that keep freed activation buffers in the process: blocks up to 4 GiB come from
the heap instead of fresh ``mmap`` pages, and the heap is trimmed back to the OS only above
64 GiB free. Set them in the environment before the process starts (``docker run -e``, a systemd
``Environment=`` line, or the shell) — glibc reads them once, at start-up."""

_CHILD = """
import resource, statistics, sys, time, torch
from lwcourse.models import create
name, batch, resolution, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(1)
model, x = create(name).eval(), torch.randn(batch, 3, resolution, resolution)
times = []
with torch.inference_mode():
    model(x)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        start = time.perf_counter(); model(x); times.append(time.perf_counter() - start)
faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / calls
q1, median, q3 = statistics.quantiles(times, n=4)
print(median * 1e3, (q3 - q1) * 1e3, faults)
"""


def latency_in_subprocess(name: str, batch: int, resolution: int, *, calls: int = 7,
                          env: dict | None = None) -> tuple[float, float, float]:
    """``(median ms, IQR ms, minor page faults per call)`` of registry model ``name`` timed in a
    fresh Python process (1 thread) whose environment adds ``env`` — the only way to try glibc
    allocator settings, which are read at process start."""
    import os
    import subprocess
    import sys

    from ._checks import check_positive_int

    for arg, value in {"batch": batch, "resolution": resolution, "calls": calls}.items():
        check_positive_int(arg, value)
    if calls < 3:
        raise ValueError(f"calls must be at least 3 (a median and an IQR); got {calls}")
    if env is not None and (not isinstance(env, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in env.items())):
        raise ValueError(f"env must be a dict of strings to strings; got {env!r}")
    child_env = {**os.environ, **(env or {})}
    child_env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).resolve().parent.parent), child_env.get("PYTHONPATH", "")])
    run = subprocess.run([sys.executable, "-c", _CHILD, name, str(batch), str(resolution),
                          str(calls)], capture_output=True, text=True, env=child_env,
                         timeout=600)
    if run.returncode != 0:
        raise RuntimeError(f"the timing subprocess failed: {run.stderr.strip().splitlines()[-1]}")
    median, iqr, faults = (float(v) for v in run.stdout.split())
    return median, iqr, faults
