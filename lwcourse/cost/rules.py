"""The counting rules that notebook 00 teaches: one small cost function per ATen operator.

``profile`` intercepts every ATen operator a model runs. ``RULES`` maps the operator's name
(in-place ``relu_`` is ``relu``) to the short name shown in rows and a cost function. A cost
function receives the operator's arguments by their ATen names (``input`` for ATen's ``self``)
and ``out``, its first output, and returns the work that is not memory traffic:

* **MACs** (multiply-accumulates) of convolutions, linear layers and matrix products;
* **element-wise ops**: one per output element of BN, activations and arithmetic (a bias add
  included), one per element read for pooling windows and reductions.

Memory access is the same rule for every operator and lives in the profiler: the elements an
operator reads (each stored element once, so a broadcast view costs its real storage) plus the
elements it writes. A cost function overrides it only where the operator does not read all of
its tensor arguments (``copy_`` and ``fill_`` do not read their destination; indexing reads only
what it gathers) or where CPU writes fewer outputs than the operator returns (inference BN).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch


@dataclass
class Cost:
    """What one operator call costs besides its memory traffic."""

    macs: int = 0
    elementwise: int = 0
    op: str | None = None  # a more precise short name than the table's (conv2d, conv1d, ...)
    detail: dict = field(default_factory=dict)
    reads: list[torch.Tensor] | None = None  # None: every tensor argument is read
    writes: int | None = None  # outputs really written; None: all (see batch_norm)


# ---- MAC operators ---------------------------------------------------------------------------

def convolution(input, weight, bias, stride, transposed, groups, out, **_) -> Cost:
    """Each output element is a dot product of length ``C_in / g x K_h x K_w``; a transposed
    conv instead sends each input element to ``C_out / g`` filters. A bias is one add per output
    element."""
    kernel = math.prod(weight.shape[2:])
    dims = weight.dim() - 2
    if transposed:
        macs, op = input.numel() * weight.shape[1] * kernel, f"conv_transpose{dims}d"
    else:
        macs, op = out.numel() * (input.shape[1] // groups) * kernel, f"conv{dims}d"
    return Cost(macs, elementwise=out.numel() if bias is not None else 0, op=op,
                detail={"kernel": tuple(weight.shape[2:]), "stride": tuple(stride),
                        "groups": groups, "bias": bias is not None})


def addmm(input, mat1, out, **_) -> Cost:
    """A linear layer ``bias + x W^T``: ``in_features`` MACs per output element, plus the bias
    add."""
    return Cost(out.numel() * mat1.shape[-1], elementwise=out.numel())


def matmul(input, out, **_) -> Cost:
    """``mm`` and ``bmm``: each output element is a dot product over the last dim of ``input``."""
    return Cost(out.numel() * input.shape[-1])


def baddbmm(input, batch1, out, **_) -> Cost:
    """``input + batch1 @ batch2``: a batched matmul plus one add per output element."""
    return Cost(out.numel() * batch1.shape[-1], elementwise=out.numel())


def addbmm(input, batch1, out, **_) -> Cost:
    """``input + sum_b batch1[b] @ batch2[b]``: ``b`` matmuls summed into one output."""
    return Cost(batch1.shape[0] * out.numel() * batch1.shape[-1], elementwise=out.numel())


# ---- element-wise work -----------------------------------------------------------------------

def per_output_element(out, **_) -> Cost:
    """Activations, arithmetic, softmax: one op per element written."""
    return Cost(elementwise=out.numel())


def batch_norm(out, training=False, **_) -> Cost:
    """One op per element (in inference a per-channel scale and shift). In inference the CPU
    kernel returns empty saved mean/invstd, so only the output is written."""
    return Cost(elementwise=out.numel(), detail={"training": bool(training)},
                writes=None if training else 1)


def per_input_element(input, **_) -> Cost:
    """Reductions (mean, sum, max, global pooling): one op per element read."""
    return Cost(elementwise=input.numel())


def pooling_window(kernel_size, out, **_) -> Cost:
    """Max/average pooling: one op per window element per output element."""
    kernel = list(kernel_size) * 2 if len(kernel_size) == 1 else kernel_size
    return Cost(elementwise=out.numel() * math.prod(kernel))


# ---- data movement ---------------------------------------------------------------------------

def moves_data(**_) -> Cost:
    """Copies, concatenation, padding: no arithmetic, only memory access."""
    return Cost()


def copy(src, **_) -> Cost:
    """``dst.copy_(src)`` reads ``src`` and writes ``dst``; the destination is not read."""
    return Cost(reads=[src])


def gather(out, indices=None, index=None, **_) -> Cost:
    """Indexing ``x[idx]``, ``index_select``, ``gather``, ``embedding``: reads the indices and
    the elements it gathers (as many as it writes), not the whole source."""
    index_tensors = [*(indices if isinstance(indices, list | tuple) else [indices]), index]
    return Cost(reads=[t for t in index_tensors if isinstance(t, torch.Tensor)] + [out])


def fill(**_) -> Cost:
    """``fill_``/``zero_`` only write."""
    return Cost(reads=[])


ELEMENTWISE = [
    "relu", "hardtanh", "hardswish", "hardsigmoid", "sigmoid", "silu", "gelu", "tanh", "elu",
    "leaky_relu", "mish", "softplus", "clamp", "clamp_min", "clamp_max", "neg", "exp", "log",
    "sqrt", "rsqrt", "abs", "reciprocal", "add", "sub", "rsub", "mul", "div", "where",
    "maximum", "minimum", "pow", "native_dropout", "bernoulli", "threshold", "erf", "sign",
    "floor", "ceil", "round", "sin", "cos", "masked_fill", "eq", "ne", "gt", "ge", "lt", "le",
    "logical_and", "logical_or", "logical_not",
]
REDUCTIONS = {"mean": "mean", "sum": "sum", "amax": "amax", "amin": "amin", "max": "max",
              "min": "min", "var_mean": "var", "var": "var", "std": "std",
              "_adaptive_avg_pool2d": "adaptive_avg_pool2d",
              "adaptive_max_pool2d": "adaptive_max_pool2d"}
DATA_MOVEMENT = {"clone": "copy", "_to_copy": "copy", "cat": "cat", "stack": "cat",
                 "channel_shuffle": "shuffle", "native_channel_shuffle": "shuffle",
                 "roll": "copy", "constant_pad_nd": "pad", "upsample_nearest2d": "upsample",
                 "upsample_bilinear2d": "upsample"}

# ATen name -> (short name shown in rows, cost function)
RULES: dict[str, tuple[str, Callable[..., Cost]]] = {
    "convolution": ("conv", convolution),
    "addmm": ("linear", addmm),
    "mm": ("matmul", matmul),
    "bmm": ("matmul", matmul),
    "baddbmm": ("matmul", baddbmm),
    "addbmm": ("matmul", addbmm),
    "native_batch_norm": ("batch_norm", batch_norm),
    "_native_batch_norm_legit": ("batch_norm", batch_norm),
    "_native_batch_norm_legit_no_training": ("batch_norm", batch_norm),
    "native_layer_norm": ("layer_norm", per_output_element),
    "native_group_norm": ("group_norm", per_output_element),
    "_softmax": ("softmax", per_output_element),
    "_safe_softmax": ("softmax", per_output_element),  # scaled_dot_product_attention's
    "_log_softmax": ("log_softmax", per_output_element),
    "max_pool2d_with_indices": ("max_pool2d", pooling_window),
    "avg_pool2d": ("avg_pool2d", pooling_window),
    "copy": ("copy", copy),
    "index": ("gather", gather),
    "index_select": ("gather", gather),
    "gather": ("gather", gather),
    "embedding": ("gather", gather),
    "fill": ("fill", fill),
    "zero": ("fill", fill),
    **{name: (name, per_output_element) for name in ELEMENTWISE},
    **{name: (short, per_input_element) for name, short in REDUCTIONS.items()},
    **{name: (short, moves_data) for name, short in DATA_MOVEMENT.items()},
}

# Operators that cost nothing and make no row: views share their input's memory; factories
# (empty, zeros, arange) and size queries create no activation traffic of their own.
VIEWS = {"view", "_unsafe_view", "reshape", "_reshape_alias", "transpose", "permute", "t",
         "expand", "unsqueeze", "squeeze", "slice", "select", "split", "split_with_sizes",
         "chunk", "unbind", "as_strided", "alias", "detach", "flatten", "unflatten", "narrow",
         "view_as", "lift_fresh", "diagonal", "contiguous", "expand_as"}
FACTORIES = {"empty", "empty_like", "empty_strided", "zeros", "zeros_like", "ones", "ones_like",
             "full", "full_like", "new_empty", "new_empty_strided", "new_zeros", "new_ones",
             "new_full", "scalar_tensor", "arange", "linspace", "sym_size", "sym_stride",
             "sym_numel", "sym_storage_offset", "is_same_size",
             "_has_compatible_shallow_copy_type"}
FREE = VIEWS | FACTORIES

# Operators whose result depends on tensor values, which shape-only execution does not have.
DATA_DEPENDENT = {"_local_scalar_dense", "nonzero", "masked_select", "_unique2", "unique_dim",
                  "unique_consecutive", "bincount", "is_nonzero"}

SHORT_NAMES = frozenset(short for short, _ in RULES.values()) | {
    f"{kind}{d}d" for kind in ("conv", "conv_transpose") for d in (1, 2, 3)}
