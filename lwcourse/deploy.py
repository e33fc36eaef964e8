"""Deployment: from an eager PyTorch model to fast CPU inference, one switchable step at a time.

- :func:`fold_bn` folds every inference BatchNorm into the convolution before it.
- :func:`optimize` applies BN folding, channels_last, tracing + freezing (or ``torch.compile``).
- :func:`quantize_int8` is post-training static int8 quantization for x86 (torchao's PT2E flow).
- :func:`export_onnx` writes an ONNX file; :func:`onnx_session` runs it with ONNX Runtime.
- :func:`quantize_onnx` is ONNX Runtime's post-training static int8 quantization of such a file.
- :func:`load_pretrained` puts torchvision/timm ImageNet weights into an lwcourse model.
- :func:`int8_drift` trains a small model and measures what int8 costs in test accuracy.

None of them modifies the model it is given: each works on a copy and returns it.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import importlib
import itertools
import logging
import shutil
import warnings
from collections.abc import Iterable
from pathlib import Path

import torch
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_leaves

from ._checks import check_positive_int

__all__ = ["fold_bn", "fold_conv_bn", "optimize", "quantize_int8", "export_onnx", "onnx_session",
           "quantize_onnx", "load_pretrained", "int8_drift", "DRIFT_CONFIG",
           "noise_amplification", "cpu_has_vnni", "max_abs_diff",
           "relative_max_diff", "top1_agreement", "FOLD_TOLERANCE", "CHECK_RTOL", "ladder",
           "LADDER", "latency_in_subprocess", "KEEP_MEMORY_ENV", "has_cxx_compiler"]

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


def relative_max_diff(output: torch.Tensor, reference: torch.Tensor) -> float:
    """Largest absolute difference divided by the reference's largest magnitude: comparable
    across models whose outputs differ in scale (random weights give logits up to ~1e4)."""
    scale = float(torch.as_tensor(reference).detach().float().abs().max())
    return max_abs_diff(output, reference) / scale if scale > 0 else max_abs_diff(output,
                                                                                 reference)


def top1_agreement(output: torch.Tensor, reference: torch.Tensor) -> float:
    """Fraction of rows (inputs) whose largest output is at the same index in both."""
    output, reference = torch.as_tensor(output), torch.as_tensor(reference)
    if output.shape != reference.shape or output.dim() != 2:
        raise ValueError(f"outputs must be (N, classes) of the same shape; got "
                         f"{tuple(output.shape)} and {tuple(reference.shape)}")
    return float((output.argmax(1) == reference.argmax(1)).float().mean())


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


def _onnx_input(path: Path) -> tuple[str, list]:
    """Name and dimensions (ints, or None where symbolic) of the ONNX file's single input."""
    onnx = importlib.import_module("onnx")
    inputs = onnx.load(str(path), load_external_data=False).graph.input
    if len(inputs) != 1:
        raise ValueError(f"{path.name} must have exactly one input; it has {len(inputs)}")
    dims = [d.dim_value if d.HasField("dim_value") else None
            for d in inputs[0].type.tensor_type.shape.dim]
    return inputs[0].name, dims


def _calibration_feeds(batches: list[torch.Tensor], name: str, dims: list) -> list[dict]:
    """One ``{input name: array}`` per model call, regrouped to the model's fixed batch size."""
    for x in batches:
        wrong = [i for i, d in enumerate(dims[1:], 1) if d is not None and x.shape[i] != d]
        if len(dims) != x.dim() or wrong:
            raise ValueError(f"each batch of calibration_loader must be shaped like the "
                             f"model's input {['N' if d is None else d for d in dims]}; "
                             f"got {tuple(x.shape)}")
    if dims[0] is None:
        return [{name: x.numpy()} for x in batches]
    samples = torch.cat(batches)
    if len(samples) < dims[0]:
        raise ValueError(f"calibration_loader holds {len(samples)} input(s), fewer than the "
                         f"model's fixed batch size {dims[0]}")
    chunks = samples[:len(samples) // dims[0] * dims[0]].split(dims[0])
    return [{name: c.numpy()} for c in chunks]


def quantize_onnx(path, out_path, calibration_loader, *, per_channel: bool = True,
                  reduce_range: bool = True) -> Path:
    """ONNX Runtime's post-training static int8 quantization of the ONNX file ``path``
    (e.g. from :func:`export_onnx` of a BN-folded model), written to ``out_path``.

    Scales are observed on ``calibration_loader`` (batches of real inputs, or ``(input,
    label)`` pairs; regrouped to the file's batch size if it is fixed). QDQ format, activations
    ``uint8`` (asymmetric: post-ReLU maps use the whole range), weights ``int8``, per output
    channel with ``per_channel``. ``reduce_range`` stores weights in 7 bits: x86 CPUs without
    VNNI multiply u8 x s8 pairs with an int16 sum that saturates at full range (ONNX Runtime's
    ``quantize_static`` guidance); CPUs with VNNI do not need it (pass False there).
    The file is first prepared with ONNX Runtime's ``quant_pre_process`` (shape inference and
    graph optimization). Returns ``out_path``; ``path`` is not modified.
    """
    if not isinstance(path, (str, Path)) or not Path(path).is_file():
        raise ValueError(f"path must be an existing ONNX file; got {path!r}")
    if not isinstance(out_path, (str, Path)) or not str(out_path).endswith(".onnx"):
        raise ValueError(f"out_path must be a file name ending in .onnx; got {out_path!r}")
    path, out_path = Path(path), Path(out_path)
    if not out_path.parent.is_dir():
        raise ValueError(f"out_path's folder {str(out_path.parent)!r} does not exist")
    if out_path.resolve() == path.resolve():
        raise ValueError("out_path must differ from path (the fp32 file is kept)")
    _check_flag("per_channel", per_channel)
    _check_flag("reduce_range", reduce_range)
    batches = _batches(calibration_loader, "calibration_loader")
    try:
        quantization = importlib.import_module("onnxruntime.quantization")
        prepare = importlib.import_module("onnxruntime.quantization.shape_inference")
    except ImportError as exc:  # pragma: no cover - in the deploy and test extras
        raise ImportError("quantize_onnx needs ONNX Runtime: pip install onnxruntime") from exc
    name, dims = _onnx_input(path)
    feeds = iter(_calibration_feeds(batches, name, dims))

    class Reader(quantization.CalibrationDataReader):
        def get_next(self):
            return next(feeds, None)

    prepared = out_path.with_name(out_path.stem + ".prepared.onnx")
    try:
        with _quiet_onnxruntime():
            prepare.quant_pre_process(str(path), str(prepared))
            quantization.quantize_static(
                str(prepared), str(out_path), Reader(), quant_format=quantization.QuantFormat.QDQ,
                per_channel=per_channel, reduce_range=reduce_range,
                activation_type=quantization.QuantType.QUInt8,
                weight_type=quantization.QuantType.QInt8)
    finally:
        prepared.unlink(missing_ok=True)
    return out_path


@contextlib.contextmanager
def _quiet_onnxruntime():
    # the quantization tools log through the root logger and print their progress
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(None):
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)


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


# --- int8 accuracy drift on a trained model ------------------------------------------------------

DRIFT_CONFIG = {"model": "mobilenet_v2", "width_mult": 0.5, "data": "digits", "resolution": 32,
                "epochs": 6, "batch_size": 64, "optimizer": "adamw", "lr": 3e-3,
                "weight_decay": 0.01, "warmup_epochs": 1.0, "calibration_batches": 8, "seed": 0}
"""What ``python benchmarks/deploy.py --drift`` trains: MobileNetV2 0.5 on the digits set."""


@torch.no_grad()
def noise_amplification(model: nn.Module, x: torch.Tensor, *, eps: float = 1e-3) -> list[float]:
    """How much a small input perturbation grows through ``model`` (an ``ImageClassifier``,
    eval mode): add noise of ``eps`` times the input's standard deviation and return, after each
    stage and at the output, ``(relative change of the activation) / eps``. Int8 rounding is
    such a perturbation at every layer: values above 1 mean the network amplifies it."""
    _check_model(model)
    x = _check_example(x, "x")
    if not hasattr(model, "stages"):
        raise ValueError(f"model must be an lwcourse ImageClassifier (with .stages); got "
                         f"{type(model).__name__}")
    captured: list[torch.Tensor] = []
    hooks = [stage.register_forward_hook(lambda _m, _i, out: captured.append(out))
             for stage in model.stages]
    noise = torch.randn(x.shape, generator=torch.Generator().manual_seed(0))
    try:
        outputs = [model(x), model(x + eps * float(x.std()) * noise)]
    finally:
        for h in hooks:
            h.remove()
    n = len(model.stages)
    pairs = list(zip(captured[:n], captured[n:], strict=True)) + [tuple(outputs)]
    return [float((b - a).norm() / a.norm().clamp_min(1e-30)) / eps for a, b in pairs]


def _drift_scores(logits: dict[str, torch.Tensor], labels: torch.Tensor) -> dict[str, dict]:
    fp32 = logits["fp32"]
    return {k: {"test_accuracy": float((v.argmax(1) == labels).float().mean()),
                "top1_agreement_with_fp32": top1_agreement(v, fp32),
                "relative_max_diff": relative_max_diff(v, fp32),
                "relative_rms_diff": float((v - fp32).norm() / fp32.norm())}
            for k, v in logits.items()}


def _int8_logits(model: nn.Module, calibration: list, test_x: torch.Tensor,
                 workdir: Path) -> dict[str, torch.Tensor]:
    """Test logits of ``model`` in fp32, torchao int8 (eager: quantize/dequantize arithmetic)
    and ONNX Runtime int8 (batch 1, as deployed) with 7-bit weights (``reduce_range``) and
    with full 8-bit weights, all from the BN-folded model."""
    folded = fold_bn(model, test_x[:1])
    torchao_int8 = quantize_int8(folded, calibration)
    fp32_file = export_onnx(folded, workdir / "drift.onnx", test_x[:1])
    ort = {name: onnx_session(quantize_onnx(fp32_file, workdir / f"{name}.onnx", calibration,
                                            reduce_range=reduce))
           for name, reduce in (("onnxruntime_int8", True),
                                ("onnxruntime_int8_full_range", False))}
    with torch.no_grad():
        return {"fp32": model(test_x), "torchao_int8": torchao_int8(test_x),
                **{name: torch.cat([run(x[None]) for x in test_x]) for name, run in ort.items()}}


def cpu_has_vnni() -> bool | None:
    """Whether the CPU has a VNNI dot-product instruction (AVX512-VNNI or AVX-VNNI), from
    ``/proc/cpuinfo``; None where that file does not exist (not Linux)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    return any(f in flags.split() for f in ("avx512_vnni", "avx_vnni"))


def int8_drift(config: dict | None = None, *, train_limit: int | None = None,
               test_limit: int | None = None, verbose: bool = False) -> dict:
    """Train ``config`` (:data:`DRIFT_CONFIG` updated with the keys given) with
    ``lwcourse.train.fit``, quantize it to int8 with torchao and with ONNX Runtime, calibrated
    on ``calibration_batches`` training batches (ONNX Runtime's with 7-bit weights, and with
    full 8-bit weights to show the saturation of CPUs without VNNI, see
    :func:`quantize_onnx`), and score them and fp32 on the test set: accuracy,
    top-1 agreement with fp32, the largest logit difference relative to fp32's largest and the
    root-mean-square difference relative to fp32's (the typical error, not the worst).

    The same is done for the untrained network with ``lw.reference.randomize_`` weights (the
    benchmark's test subject), so the two drifts can be compared; for both, the
    :func:`noise_amplification` after each stage tells why they differ. ``train_limit`` /
    ``test_limit`` keep the first samples only (for quick tests); ``verbose`` prints a line per
    training epoch. Deterministic under ``config["seed"]`` on CPU.
    """
    import tempfile

    from . import data, models, reference, train

    if config is not None and (not isinstance(config, dict) or set(config) - set(DRIFT_CONFIG)):
        raise ValueError(f"config must be a dict with keys among {', '.join(DRIFT_CONFIG)}; "
                         f"got {config!r}")
    cfg = {**DRIFT_CONFIG, **(config or {})}
    for name, limit in {"train_limit": train_limit, "test_limit": test_limit}.items():
        if limit is not None:
            check_positive_int(name, limit)
    train_set = data.dataset(cfg["data"], "train", size=cfg["resolution"], seed=cfg["seed"])
    test_set = data.dataset(cfg["data"], "test", size=cfg["resolution"], seed=cfg["seed"])
    if train_limit:
        train_set = torch.utils.data.Subset(train_set, range(min(train_limit, len(train_set))))
    test_x, test_y = (torch.stack(t) for t in zip(*(test_set[i] for i in range(
        min(test_limit or len(test_set), len(test_set)))), strict=True))
    config_ = train.TrainConfig(**{k: cfg[k] for k in ("epochs", "batch_size", "optimizer", "lr",
                                                       "weight_decay", "warmup_epochs", "seed")})
    torch.manual_seed(cfg["seed"])
    model = models.create(cfg["model"], num_classes=10, width_mult=cfg["width_mult"])
    untrained = reference.randomize_(copy.deepcopy(model), seed=cfg["seed"],
                                     input_size=(8, 3, cfg["resolution"], cfg["resolution"]))
    history = train.fit(model, train_set, None, config_, progress=False,
                        verbose=_check_flag("verbose", verbose))
    calibration_loader = data.loader(train_set, cfg["batch_size"], shuffle=True, seed=cfg["seed"])
    calibration = [x for x, _ in itertools.islice(calibration_loader,
                                                  cfg["calibration_batches"])]
    results = {"config": cfg, "cpu_has_vnni": cpu_has_vnni(),
               "train_accuracy": history.final["train_accuracy"], "test_samples": len(test_y)}
    with tempfile.TemporaryDirectory() as workdir:
        for label, net in (("trained", model.eval()), ("random_weights", untrained.eval())):
            results[label] = _drift_scores(_int8_logits(net, calibration, test_x, Path(workdir)),
                                           test_y)
            results[label]["noise_amplification_per_stage"] = noise_amplification(
                net, test_x[:64])
    return results


# --- the deployment ladder (used by benchmarks/deploy.py and notebook 10) -----------------------

LADDER = ("eager", "bn_folded", "channels_last", "frozen", "int8", "onnxruntime",
          "onnxruntime_int8")
"""The deployment steps in order; each includes the ones before it (int8 starts from the BN-folded
model and is compiled; ONNX Runtime runs the BN-folded model exported to ONNX, in fp32 and
quantized to int8 by ONNX Runtime)."""


def ladder(model: nn.Module, example, *, steps=LADDER, threads: int = 1, calibration=None,
           workdir=None) -> dict[str, object]:
    """``{step: callable}`` for each of ``steps`` (names from :data:`LADDER`), all computing
    ``model`` (eval mode) on inputs shaped like ``example``. The int8 steps need
    ``calibration`` batches; ``int8`` compiles (tens of seconds); the ONNX Runtime steps need a
    ``workdir`` for their files and run with ``threads`` threads."""
    _check_model(model)
    example = _check_example(example)
    if isinstance(steps, str) or not all(s in LADDER for s in steps) or not steps:
        raise ValueError(f"steps must be a non-empty list of {', '.join(LADDER)}; got {steps!r}")
    if {"int8", "onnxruntime_int8"} & set(steps) and calibration is None:
        raise ValueError("the int8 steps need calibration batches (calibration=[...])")
    onnx_steps = {"onnxruntime", "onnxruntime_int8"} & set(steps)
    if onnx_steps and (workdir is None or not Path(workdir).is_dir()):
        raise ValueError(f"the {', '.join(sorted(onnx_steps))} step needs an existing workdir; "
                         f"got {workdir!r}")
    folded = fold_bn(model, example)

    @functools.cache
    def fp32_file() -> Path:
        return export_onnx(folded, Path(workdir) / "model.onnx", example)

    builders = {
        "eager": lambda: model,
        "bn_folded": lambda: folded,
        "channels_last": lambda: optimize(model, example, freeze=False),
        "frozen": lambda: optimize(model, example),
        "int8": lambda: _compiled(quantize_int8(folded, calibration)),
        "onnxruntime": lambda: onnx_session(fp32_file(), threads=threads),
        "onnxruntime_int8": lambda: onnx_session(quantize_onnx(
            fp32_file(), Path(workdir) / "model_int8.onnx", calibration), threads=threads),
    }
    return {step: builders[step]() for step in steps}


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
