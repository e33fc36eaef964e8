"""Which input channels can an output channel see? Channel connectivity, measured and predicted.

A layer's *connectivity matrix* ``M`` is the ``C_out x C_in`` 0/1 matrix with ``M[o, i] = 1``
when output channel ``o`` depends on input channel ``i``. For a stack of layers it is the boolean
product of the layers' matrices (a path must exist through every layer). Notebook 02 uses it to
show why ShuffleNet needs the channel shuffle: two stacked group convs are block-diagonal, and a
shuffle between them makes them dense.

>>> conv = torch.nn.Conv2d(6, 6, 1, groups=3)
>>> bool((connectivity_matrix(conv, 6) == group_mask(6, 6, 3)).all())
True
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Callable, Sequence

import torch
from torch import nn

from ._checks import check_divides, check_positive_int


def _check_mask(name: str, mask) -> torch.Tensor:
    if not isinstance(mask, torch.Tensor) or mask.dim() != 2:
        shape = tuple(mask.shape) if isinstance(mask, torch.Tensor) else type(mask).__name__
        raise ValueError(f"{name} must be a 2-D (C_out, C_in) 0/1 tensor; got {shape}")
    return mask


def connectivity_matrix(fn: nn.Module | Callable[[torch.Tensor], torch.Tensor],
                        in_channels: int, size: int = 5, seed: int = 0) -> torch.Tensor:
    """Measure the ``C_out x C_in`` 0/1 connectivity of ``fn`` from its Jacobian.

    Row ``o`` is the gradient of output channel ``o``'s sum with respect to the input, summed in
    absolute value over the batch and spatial positions: ``M[o, i] = 1`` where it is non-zero.
    Runs on a random ``(1, in_channels, size, size)`` input: in float64 for a module (it is
    deep-copied, put in eval mode and converted, so the caller's module is untouched), in
    float32 for a plain function of a tensor. With random weights
    an existing dependence is non-zero almost surely; use layers without ReLU (a dead ReLU can
    hide a path) when you want the structural pattern.
    """
    if not callable(fn):
        raise ValueError(f"fn must be a module or a function of a tensor; got {fn!r}")
    check_positive_int("in_channels", in_channels)
    check_positive_int("size", size)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    dtype = torch.float32
    if isinstance(fn, nn.Module):
        fn, dtype = copy.deepcopy(fn).double().eval(), torch.float64
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(1, in_channels, size, size, generator=gen, dtype=dtype)
    jac = torch.autograd.functional.jacobian(lambda t: fn(t).sum(dim=(0, 2, 3)), x)
    return (jac.abs().sum(dim=(1, 3, 4)) > 0).long()  # (C_out, 1, C_in, H, W) -> (C_out, C_in)


def group_mask(c_out: int, c_in: int, groups: int) -> torch.Tensor:
    """Connectivity of a conv with ``groups`` groups: block-diagonal, ``g`` blocks of
    ``C_out/g x C_in/g`` ones (output group ``k`` reads only input group ``k``)."""
    for name, v in {"c_out": c_out, "c_in": c_in, "groups": groups}.items():
        check_positive_int(name, v)
    check_divides("groups", groups, "c_out", c_out)
    check_divides("groups", groups, "c_in", c_in)
    blocks = [torch.ones(c_out // groups, c_in // groups, dtype=torch.long)] * groups
    return torch.block_diag(*blocks)


def permutation_mask(perm: Sequence[int]) -> torch.Tensor:
    """Connectivity of ``x[:, perm]``: output channel ``o`` is input channel ``perm[o]``."""
    if isinstance(perm, torch.Tensor):
        perm = perm.tolist()
    if isinstance(perm, str) or not isinstance(perm, Sequence) or any(
            isinstance(p, bool) or not isinstance(p, numbers.Integral) for p in perm):
        raise ValueError(f"perm must be a list of integers, a permutation of 0..C-1; got {perm!r}")
    perm = [int(p) for p in perm]
    if not perm or sorted(perm) != list(range(len(perm))):
        raise ValueError(f"perm must be a permutation of 0..{len(perm) - 1}; got {perm}")
    mask = torch.zeros(len(perm), len(perm), dtype=torch.long)
    mask[torch.arange(len(perm)), torch.tensor(perm)] = 1
    return mask


def shuffle_permutation(channels: int, groups: int) -> list[int]:
    """The channel shuffle as an index: ``channel_shuffle(x, groups) == x[:, perm]``, with
    ``perm[i * groups + k] = k * channels / groups + i`` (group ``k``, position ``i``)."""
    check_positive_int("channels", channels)
    check_positive_int("groups", groups)
    check_divides("groups", groups, "channels", channels)
    per_group = channels // groups
    return [k * per_group + i for i in range(per_group) for k in range(groups)]


def inverse_permutation(perm: Sequence[int]) -> list[int]:
    """``inv`` with ``x[:, perm][:, inv] == x``: where each channel went."""
    permutation_mask(perm)  # validates
    inv = [0] * len(perm)
    for position, channel in enumerate(perm):
        inv[int(channel)] = position
    return inv


def group_counts(perm: Sequence[int], groups: int) -> torch.Tensor:
    """``N[a, b]``: how many channels go from group ``a`` of the layer before ``x[:, perm]`` to
    group ``b`` of a ``groups``-grouped layer after it (both with ``len(perm) / groups``
    channels per group). Two channel orders with equal counts differ only by a relabelling of
    channels inside groups."""
    permutation_mask(perm)  # validates
    check_positive_int("groups", groups)
    check_divides("groups", groups, "channels", len(perm))
    size = len(perm) // groups
    counts = torch.zeros(groups, groups, dtype=torch.long)
    for position, channel in enumerate(perm):
        counts[int(channel) // size, position // size] += 1
    return counts


def chain(*masks: torch.Tensor) -> torch.Tensor:
    """Connectivity of layers applied in the given order (first layer first): the boolean
    product ``M_n ... M_2 M_1``."""
    if not masks:
        raise ValueError("chain needs at least one mask")
    for i, m in enumerate(masks):
        _check_mask(f"masks[{i}]", m)
    out = masks[0].long()
    for m in masks[1:]:
        if m.shape[1] != out.shape[0]:
            raise ValueError(f"a layer with {m.shape[1]} input channels cannot follow one "
                             f"with {out.shape[0]} output channels")
        out = (m.long() @ out > 0).long()
    return out


def reached_groups(masks: Sequence[torch.Tensor], groups: int) -> list[list[set[int]]]:
    """For the input and after every layer: the set of input groups each channel depends on
    (input channel ``i`` belongs to group ``i // (C_in / groups)``)."""
    if isinstance(masks, torch.Tensor) or not isinstance(masks, Sequence) or not masks:
        raise ValueError("masks must be a non-empty list of connectivity matrices, first layer "
                         f"first; got {type(masks).__name__}")
    c_in = _check_mask("masks[0]", masks[0]).shape[1]
    check_positive_int("groups", groups)
    check_divides("groups", groups, "input channels", c_in)
    member = group_mask(c_in, groups, groups)  # (C_in, g): channel i is in group i // (C/g)
    out = [[{int(k) for k in row.nonzero().flatten()} for row in member]]
    for i in range(1, len(masks) + 1):
        reach = chain(member, *masks[:i])  # (C, g) after i layers
        out.append([{int(k) for k in row.nonzero().flatten()} for row in reach])
    return out


def draw_channel_graph(masks: Sequence[torch.Tensor], groups: int, names: Sequence[str] = (),
                       ax=None, title: str = ""):
    """Draw channels as dots in columns (input, then after each layer) and every dependence of
    ``masks`` (connectivity matrices, first layer first) as a line. A channel that depends on
    one input group has that group's colour; one that mixes several groups is black.
    Returns the axes."""
    import matplotlib.pyplot as plt  # plotting is optional for the rest of this module

    reach = reached_groups(masks, groups)
    if isinstance(names, str) or len(names) > len(masks):
        raise ValueError(f"names must be a list of at most {len(masks)} layer names (one per "
                         f"mask); got {names!r}")
    ax = ax or plt.subplots()[1]
    colors = [[f"C{min(r)}" if len(r) == 1 else "black" for r in column] for column in reach]
    for layer, mask in enumerate(masks):
        for o, i in mask.nonzero().tolist():
            ax.plot([layer, layer + 1], [-i, -o], color=colors[layer][i], lw=0.8, alpha=0.6)
    for x, column in enumerate(colors):
        ax.scatter([x] * len(column), [-y for y in range(len(column))], c=column, s=40,
                   zorder=3, edgecolors="white")
    labels = ["input", *names, *[""] * len(colors)][:len(colors)]
    ax.set_xticks(range(len(colors)), labels)
    ax.set_yticks([])
    ax.grid(False)
    ax.set_title(title)
    return ax
