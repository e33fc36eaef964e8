"""Bad input, by category, for every public entry point outside the profiler and the timing
code: each must fail up front with one ValueError that names the parameter and says what is
allowed -- never a raw torch error, never silently accepted. The CLI turns the same mistakes
into a one-line error and exit status 2.

Categories: wrong type, zero, negative, non-finite, too small, not divisible, unknown name,
inconsistent (two arguments that cannot go together). ``test_every_category_is_covered`` and
the coverage tests below keep the table honest as the package grows.
"""

import inspect
import math
from collections import namedtuple

import pytest
import torch
from torch import nn

import lwcourse
from lwcourse import blocks, cli, connectivity, reference, widgets
from lwcourse.models import ImageClassifier, create, list_models
from lwcourse.models._registry import _MODELS

CATEGORIES = ("wrong type", "zero", "negative", "non-finite", "too small", "not divisible",
              "unknown name", "inconsistent")
Case = namedtuple("Case", "entry category call match")
INF, NAN = math.inf, math.nan


def conv():
    return nn.Conv2d(6, 6, 1, groups=3)


def mask(c_out=6, c_in=6):
    return torch.ones(c_out, c_in, dtype=torch.long)


CASES = [
    # --- blocks -----------------------------------------------------------------------------
    Case("ConvBNAct", "not divisible", lambda: blocks.ConvBNAct(8, 8, groups=3),
         "groups=3 must divide in_channels=8"),
    Case("ConvBNAct", "zero", lambda: blocks.ConvBNAct(8, 8, groups=0),
         "groups must be a positive integer"),
    Case("ConvBNAct", "wrong type", lambda: blocks.ConvBNAct(6, 6, groups=3.0),
         "groups must be a positive integer; got 3.0"),
    Case("ConvBNAct", "unknown name", lambda: blocks.ConvBNAct(8, 8, activation="gelu"),
         "activation must be one of 'relu', 'relu6'"),
    Case("ConvBNAct", "wrong type", lambda: blocks.ConvBNAct(8, 8, activation=3),
         "activation must be None, a module factory or one of"),
    Case("ConvBNAct", "zero", lambda: blocks.ConvBNAct(8, 8, bn_eps=0),
         "bn_eps must be a positive finite number"),
    Case("ConvBNAct", "non-finite", lambda: blocks.ConvBNAct(8, 8, bn_momentum=NAN),
         r"bn_momentum must be a number in \(0, 1\]"),
    Case("ConvBNAct", "zero", lambda: blocks.ConvBNAct(8, 8, dilation=0),
         "dilation must be a positive integer"),
    Case("DepthwiseSeparableConv", "unknown name",
         lambda: blocks.DepthwiseSeparableConv(8, 8, activation="tanh"),
         "activation must be one of"),
    Case("DepthwiseSeparableSE", "zero", lambda: blocks.DepthwiseSeparableSE(8, 8, se_channels=0),
         "se_channels must be a positive integer"),
    Case("DepthwiseSeparableSE", "unknown name",
         lambda: blocks.DepthwiseSeparableSE(8, 8, activation="swish"),
         "activation must be one of"),
    Case("HarDBlock", "too small",
         lambda: blocks.HarDBlock(8, 8, growth=4, growth_factor=0.5, layers=2),
         r"growth_factor must be a number in \[1, inf\)"),
    Case("HarDBlock", "zero", lambda: blocks.HarDBlock(8, 8, growth=4, growth_factor=1.6,
                                                       layers=0),
         "layers must be a positive integer"),
    Case("harmonic_links", "zero", lambda: blocks.harmonic_links(0),
         "layer must be a positive integer"),
    Case("harmonic_widths", "wrong type", lambda: blocks.harmonic_widths(8, 4.5, 1.6, 2),
         "growth must be a positive integer"),
    Case("MixConv", "wrong type", lambda: blocks.MixConv(8, 8, kernel_sizes=3),
         "kernel_sizes must be a non-empty tuple of odd positive integers; got 3"),
    Case("MixConv", "too small", lambda: blocks.MixConv(8, 8, kernel_sizes=()),
         "kernel_sizes must be a non-empty tuple"),
    Case("MixConv", "not divisible", lambda: blocks.MixConv(8, 8, kernel_sizes=(3, 4)),
         "kernel_sizes entries must be an odd positive integer"),
    Case("MixConv", "inconsistent", lambda: blocks.MixConv(8, 16, depthwise=True),
         "a depthwise MixConv needs in_channels == out_channels; got 8 and 16"),
    Case("MixConv", "too small", lambda: blocks.MixConv(2, 2, kernel_sizes=(3, 5, 7)),
         "groups=3 must be at most channels=2"),
    Case("MixConvBNAct", "unknown name", lambda: blocks.MixConvBNAct(8, 8, activation="tanh"),
         "activation must be one of"),
    Case("MixConvBNAct", "zero", lambda: blocks.MixConvBNAct(8, 8, bn_eps=0),
         "bn_eps must be a positive finite number"),
    Case("MixInvertedResidual", "too small",
         lambda: blocks.MixInvertedResidual(8, 8, expansion=0.5),
         r"expansion must be a number in \[1, inf\)"),
    Case("MixInvertedResidual", "zero", lambda: blocks.MixInvertedResidual(8, 8, expand_groups=0),
         "expand_groups must be a positive integer"),
    Case("MixInvertedResidual", "negative",
         lambda: blocks.MixInvertedResidual(8, 8, se_channels=-2),
         "se_channels must be a positive integer"),
    Case("split_channels", "zero", lambda: blocks.split_channels(8, 0),
         "groups must be a positive integer"),
    Case("split_channels", "wrong type", lambda: blocks.split_channels(8.0, 2),
         "channels must be a positive integer"),
    Case("InvertedResidual", "too small", lambda: blocks.InvertedResidual(8, 8, expansion=0.5),
         r"expansion must be a number in \[1, inf\)"),
    Case("InvertedResidual", "non-finite", lambda: blocks.InvertedResidual(8, 8, expansion=INF),
         "expansion must be a number"),
    Case("InvertedResidual", "too small",
         lambda: blocks.InvertedResidual(16, 16, expanded_channels=8),
         "expanded_channels must be >= in_channels=16"),
    Case("InvertedResidual", "zero", lambda: blocks.InvertedResidual(8, 8, se_channels=0),
         "se_channels must be a positive integer"),
    Case("InvertedResidual", "too small", lambda: blocks.InvertedResidual(8, 8, drop_path=1.0),
         r"drop_path must be a number in \[0, 1\)"),
    Case("InvertedResidual", "non-finite", lambda: blocks.InvertedResidual(8, 8, drop_path=NAN),
         "drop_path must be a number"),
    Case("InvertedResidual", "unknown name",
         lambda: blocks.InvertedResidual(8, 8, se_channels=2, se_gate="tanh"),
         "gate must be one of"),
    Case("CoordinateAttention", "zero", lambda: blocks.CoordinateAttention(16, reduction=0),
         "reduction must be a positive integer"),
    Case("EfficientChannelAttention", "zero", lambda: blocks.EfficientChannelAttention(0),
         "channels must be a positive integer"),
    Case("eca_kernel_size", "negative", lambda: blocks.eca_kernel_size(-4),
         "channels must be a positive integer"),
    Case("insert_attention", "unknown name",
         lambda: blocks.insert_attention(blocks.InvertedResidual(8, 8), nn.Identity(), after="x"),
         "after must be one of"),
    Case("insert_attention", "wrong type",
         lambda: blocks.insert_attention(nn.Conv2d(8, 8, 1), nn.Identity()),
         "block must be an InvertedResidual"),
    Case("SandglassBlock", "zero", lambda: blocks.SandglassBlock(12, 12, reduction=0),
         "reduction must be a positive integer"),
    Case("SandglassBlock", "not divisible",
         lambda: blocks.SandglassBlock(12, 12, stride=2, last_depthwise=False),
         "stride=2 needs last_depthwise=True"),
    Case("SqueezeExcitation", "zero", lambda: blocks.SqueezeExcitation(0, 4),
         "channels must be a positive integer"),
    Case("SqueezeExcitation", "zero", lambda: blocks.SqueezeExcitation(16, 0),
         "squeeze_channels must be a positive integer"),
    Case("SqueezeExcitation", "wrong type", lambda: blocks.SqueezeExcitation(16, 4, gate=None),
         "gate must be an activation name or factory"),
    Case("GhostModule", "too small", lambda: blocks.GhostModule(8, 8, ratio=1),
         r"ratio must be an integer >= 2"),
    Case("GhostModule", "wrong type", lambda: blocks.GhostModule(8, 8, ratio=2.0),
         r"ratio must be an integer >= 2"),
    Case("GhostModule", "not divisible", lambda: blocks.GhostModule(8, 8, cheap_kernel_size=2),
         "cheap_kernel_size must be an odd positive integer"),
    Case("GhostModule", "unknown name", lambda: blocks.GhostModule(8, 8, activation="elu"),
         "activation must be one of"),
    Case("GhostBottleneck", "zero", lambda: blocks.GhostBottleneck(8, 8, mid_channels=0),
         "mid_channels must be a positive integer"),
    Case("GhostBottleneck", "zero",
         lambda: blocks.GhostBottleneck(8, 8, mid_channels=16, se_channels=0),
         "se_channels must be a positive integer"),
    Case("ResNeXtBottleneck", "not divisible",
         lambda: blocks.ResNeXtBottleneck(64, 256, width=100, cardinality=32),
         "cardinality=32 must divide width=100"),
    Case("ResNeXtBottleneck", "zero",
         lambda: blocks.ResNeXtBottleneck(64, 256, width=128, cardinality=0),
         "cardinality must be a positive integer"),
    Case("ShuffleV1Unit", "not divisible", lambda: blocks.ShuffleV1Unit(240, 240, groups=7),
         "groups=7 must divide"),
    Case("ShuffleV1Unit", "wrong type", lambda: blocks.ShuffleV1Unit(240, 240, groups=3.0),
         "groups must be a positive integer; got 3.0"),
    Case("ShuffleV1Unit", "inconsistent", lambda: blocks.ShuffleV1Unit(240, 480, stride=1),
         r"in_channels \(240\) must equal out_channels \(480\)"),
    Case("ShuffleV1Unit", "inconsistent", lambda: blocks.ShuffleV1Unit(240, 240, stride=2),
         r"out_channels \(240\) must exceed in_channels \(240\)"),
    Case("ShuffleV1Unit", "wrong type",
         lambda: blocks.ShuffleV1Unit(24, 24, group_first_conv="no"),
         "group_first_conv must be one of True, False"),
    Case("ShuffleV2Unit", "not divisible", lambda: blocks.ShuffleV2Unit(24, 115, stride=2),
         "out_channels must be even"),
    Case("ShuffleV2Unit", "inconsistent", lambda: blocks.ShuffleV2Unit(24, 116),
         r"in_channels \(24\) must equal out_channels \(116\)"),
    Case("ChannelShuffle", "zero", lambda: blocks.ChannelShuffle(0),
         "groups must be a positive integer"),
    Case("ChannelShuffle", "wrong type", lambda: blocks.ChannelShuffle(2.0),
         "groups must be a positive integer"),
    Case("channel_shuffle", "not divisible",
         lambda: blocks.channel_shuffle(torch.zeros(1, 6, 2, 2), 4),
         "groups=4 must divide channels of x=6"),
    Case("channel_shuffle", "zero", lambda: blocks.channel_shuffle(torch.zeros(1, 6, 2, 2), 0),
         "groups must be a positive integer"),
    Case("channel_shuffle", "negative",
         lambda: blocks.channel_shuffle(torch.zeros(1, 6, 2, 2), -2),
         "groups must be a positive integer"),
    Case("channel_shuffle", "wrong type",
         lambda: blocks.channel_shuffle(torch.zeros(6, 2, 2), 2),
         r"x must be a batch of feature maps \(N, C, H, W\); got \(6, 2, 2\)"),
    Case("channel_shuffle", "wrong type", lambda: blocks.channel_shuffle([1, 2], 2),
         r"x must be a batch of feature maps \(N, C, H, W\); got list"),
    Case("DropPath", "too small", lambda: blocks.DropPath(1.0), r"p must be a number in \[0, 1\)"),
    Case("DropPath", "negative", lambda: blocks.DropPath(-0.1), "p must be a number"),
    Case("DropPath", "non-finite", lambda: blocks.DropPath(NAN), "p must be a number"),
    Case("make_divisible", "zero", lambda: blocks.make_divisible(0),
         "value must be a positive finite number"),
    Case("make_divisible", "non-finite", lambda: blocks.make_divisible(INF),
         "value must be a positive finite number; got inf"),
    Case("make_divisible", "wrong type", lambda: blocks.make_divisible(32, 2.5),
         "divisor must be a positive integer"),
    Case("make_divisible", "wrong type", lambda: blocks.make_divisible("32"),
         "value must be a positive finite number"),
    Case("resolve_activation", "unknown name", lambda: blocks.resolve_activation("gelu"),
         "activation must be one of"),
    Case("resolve_activation", "wrong type", lambda: blocks.resolve_activation(3),
         "activation must be None, a module factory"),
    # --- models -----------------------------------------------------------------------------
    Case("create", "wrong type", lambda: create(None),
         "model name must be a string, one of efficientnet_b0"),
    Case("create", "unknown name", lambda: create("mobilenet_v5"),
         "unknown model name 'mobilenet_v5'. Did you mean: .*mobilenet_v"),
    Case("create", "inconsistent", lambda: create("efficientnet_b0", width_mult=2.0),
         "'efficientnet_b0' does not take width_mult; it takes: num_classes, dropout"),
    Case("shufflenet_v1", "wrong type", lambda: create("shufflenet_v1", groups=3.0),
         "groups must be one of 1, 2, 3, 4, 8; got 3.0"),
    Case("shufflenet_v1", "unknown name", lambda: create("shufflenet_v1", groups=5),
         "groups must be one of 1, 2, 3, 4, 8; got 5"),
    Case("shufflenet_v1", "unknown name", lambda: create("shufflenet_v1", width_mult=0.75),
         "width_mult must be one of 0.5, 1.0, 1.5, 2.0; got 0.75"),
    Case("efficientnet_b0", "too small", lambda: create("efficientnet_b0", stochastic_depth=1.0),
         r"stochastic_depth must be a number in \[0, 1\)"),
    Case("efficientnet_b0", "non-finite",
         lambda: create("efficientnet_b0", stochastic_depth=NAN), "stochastic_depth must be"),
    Case("ImageClassifier", "wrong type",
         lambda: ImageClassifier(nn.Identity(), nn.Sequential(), None, nn.Identity(), name=""),
         "name must be the model's registry name"),
    Case("ImageClassifier", "zero",
         lambda: ImageClassifier(nn.Identity(), nn.Sequential(), None, nn.Identity(), name="m",
                                 default_resolution=0),
         "default_resolution must be a positive integer"),
    # --- reference --------------------------------------------------------------------------
    Case("reference_model", "unknown name", lambda: reference.reference_model("shufflenet_v1"),
         "unknown reference model 'shufflenet_v1'"),
    Case("reference_model", "wrong type", lambda: reference.reference_model(None),
         "reference model must be a string"),
    Case("transplant", "wrong type", lambda: reference.transplant(None, conv()),
         "src must be a torch.nn.Module; got NoneType"),
    Case("randomize_", "negative", lambda: reference.randomize_(conv(), seed=-1),
         "seed must be a non-negative integer"),
    Case("randomize_", "wrong type", lambda: reference.randomize_(conv(), input_size=224),
         r"input_size must be a 4-tuple \(N, C, H, W\)"),
    Case("randomize_", "zero", lambda: reference.randomize_(conv(), input_size=(1, 6, 0, 4)),
         "input_size entries must be a positive integer"),
    Case("assert_same_outputs", "wrong type",
         lambda: reference.assert_same_outputs(conv(), conv(), [1.0]), "x must be a tensor"),
    Case("assert_same_outputs", "zero",
         lambda: reference.assert_same_outputs(conv(), conv(), torch.ones(1, 6, 2, 2), atol=0),
         "atol must be a positive finite number"),
    Case("assert_same_outputs", "non-finite",
         lambda: reference.assert_same_outputs(conv(), conv(), torch.ones(1, 6, 2, 2),
                                               atol=NAN),
         "atol must be a positive finite number"),
    Case("assert_same_model", "wrong type",
         lambda: reference.assert_same_model(conv(), conv(), (1, 6, 4)),
         r"input_size must be a 4-tuple"),
    Case("n_params", "wrong type", lambda: reference.n_params("mobilenet_v2"),
         "model must be a torch.nn.Module; got str"),
    Case("activation_calls", "wrong type", lambda: reference.activation_calls(conv(), "x"),
         "x must be a tensor; got str"),
    Case("bn_settings", "wrong type", lambda: reference.bn_settings(None),
         "model must be a torch.nn.Module"),
    # --- setup ------------------------------------------------------------------------------
    Case("setup", "negative", lambda: lwcourse.setup(seed=-1), r"seed must be an integer in \[0"),
    Case("setup", "wrong type", lambda: lwcourse.setup(seed=1.5), "seed must be an integer"),
    Case("setup", "too small", lambda: lwcourse.setup(seed=2**32), "seed must be an integer"),
    Case("setup", "zero", lambda: lwcourse.setup(threads=0), "threads must be a positive integer"),
    Case("setup", "wrong type", lambda: lwcourse.setup(threads=2.0),
         "threads must be a positive integer"),
    # --- connectivity -----------------------------------------------------------------------
    Case("shuffle_permutation", "not divisible", lambda: connectivity.shuffle_permutation(6, 4),
         "groups=4 must divide channels=6"),
    Case("inverse_permutation", "not divisible", lambda: connectivity.inverse_permutation([0, 0]),
         "perm must be a permutation"),
    Case("group_counts", "not divisible", lambda: connectivity.group_counts([0, 1, 2], 2),
         "groups=2 must divide channels=3"),
    Case("connectivity_matrix", "zero", lambda: connectivity.connectivity_matrix(conv(), 0),
         "in_channels must be a positive integer"),
    Case("connectivity_matrix", "zero",
         lambda: connectivity.connectivity_matrix(conv(), 6, size=0),
         "size must be a positive integer"),
    Case("connectivity_matrix", "wrong type", lambda: connectivity.connectivity_matrix(3, 6),
         "fn must be a module or a function of a tensor"),
    Case("group_mask", "not divisible", lambda: connectivity.group_mask(6, 6, 4),
         "groups=4 must divide c_out=6"),
    Case("group_mask", "zero", lambda: connectivity.group_mask(6, 6, 0),
         "groups must be a positive integer"),
    Case("permutation_mask", "inconsistent", lambda: connectivity.permutation_mask([0, 0, 1]),
         "perm must be a permutation of 0..2"),
    Case("permutation_mask", "wrong type", lambda: connectivity.permutation_mask([0.5, 1]),
         "perm must be a list of integers"),
    Case("permutation_mask", "wrong type", lambda: connectivity.permutation_mask("012"),
         "perm must be a list of integers"),
    Case("permutation_mask", "too small", lambda: connectivity.permutation_mask([]),
         "perm must be a permutation"),
    Case("chain", "too small", lambda: connectivity.chain(), "chain needs at least one mask"),
    Case("chain", "wrong type", lambda: connectivity.chain(torch.ones(6)),
         r"masks\[0\] must be a 2-D \(C_out, C_in\) 0/1 tensor; got \(6,\)"),
    Case("chain", "inconsistent", lambda: connectivity.chain(mask(6, 6), mask(4, 5)),
         "a layer with 5 input channels cannot follow one with 6 output channels"),
    Case("reached_groups", "too small", lambda: connectivity.reached_groups([], 2),
         "masks must be a non-empty list"),
    Case("reached_groups", "not divisible", lambda: connectivity.reached_groups([mask()], 4),
         "groups=4 must divide input channels=6"),
    Case("draw_channel_graph", "inconsistent",
         lambda: connectivity.draw_channel_graph([mask()], 2, names=["a", "b"]),
         "names must be a list of at most 1 layer names"),
    # --- widgets ----------------------------------------------------------------------------
    Case("explorer", "wrong type", lambda: widgets.explorer(3, a=[1]),
         "compute must be a function of the slider values"),
    Case("explorer", "unknown name", lambda: widgets.explorer(lambda a: {}, b=[1]),
         "compute must accept the slider names b"),
    Case("explorer", "wrong type", lambda: widgets.explorer(lambda a: {}, a="abc"),
         "slider 'a' needs a list of allowed values"),
    Case("explorer", "too small", lambda: widgets.explorer(lambda a: {}, a=[]),
         "slider 'a' needs at least one value"),
    Case("explorer", "too small", lambda: widgets.explorer(lambda: {}),
         "explorer needs at least one slider"),
    Case("html_table", "wrong type", lambda: widgets.html_table({"a": 1}),
         "rows must be a list of dicts"),
    Case("html_table", "inconsistent", lambda: widgets.html_table([{"a": 1}, {"b": 2}]),
         r"rows must be dicts with the same keys as rows\[0\]"),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.entry}-{c.category}" for c in CASES])
def test_bad_input_is_a_clear_error(case):
    assert case.category in CATEGORIES
    with pytest.raises(ValueError, match=case.match):
        case.call()


def test_every_category_is_covered():
    assert {c.category for c in CASES} == set(CATEGORIES)


def _entry_points(module, names=None) -> set[str]:
    """Functions and classes a module defines (or lists in ``names``), by their own name."""
    if names is None:
        names = [n for n, obj in vars(module).items() if not n.startswith("_")
                 and (inspect.isfunction(obj) or inspect.isclass(obj))
                 and obj.__module__ == module.__name__]
    return {getattr(module, n).__name__ for n in names}


NO_BAD_INPUT = {"format_value"}  # formats any value


@pytest.mark.parametrize("module, names", [
    (reference, None), (connectivity, None), (widgets, None), (blocks, blocks.__all__),
], ids=["reference", "connectivity", "widgets", "blocks"])
def test_every_public_entry_point_has_cases(module, names):
    missing = _entry_points(module, names) - {c.entry for c in CASES} - NO_BAD_INPUT
    assert not missing, f"add bad-input cases for {sorted(missing)}"


# --- generic checks over every block in lwcourse.blocks --------------------------------------

VALID_KWARGS = {"mid_channels": 16, "width": 32, "growth": 4, "growth_factor": 1.6,
                "layers": 2}  # required keyword-only arguments
VALID_CHANNELS = {blocks.ShuffleV1Unit: 24}  # the default (16) does not split into 3 groups
CHANNEL_BLOCKS = [getattr(blocks, n) for n in blocks.__all__
                  if inspect.isclass(getattr(blocks, n))
                  and list(inspect.signature(getattr(blocks, n)).parameters)[:2]
                  == ["in_channels", "out_channels"]]


def _build(block, **override):
    c = VALID_CHANNELS.get(block, 16)
    params = inspect.signature(block).parameters
    kwargs = {k: v for k, v in VALID_KWARGS.items() if k in params}
    args = {"in_channels": c, "out_channels": c, **kwargs, **override}
    return block(args.pop("in_channels"), args.pop("out_channels"), **args)


@pytest.mark.parametrize("block", CHANNEL_BLOCKS, ids=lambda b: b.__name__)
@pytest.mark.parametrize("param", ["in_channels", "out_channels"])
@pytest.mark.parametrize("value, category", [
    (0, "zero"), (-16, "negative"), (16.0, "wrong type"), ("16", "wrong type"),
    (None, "wrong type"), (True, "wrong type")])
def test_every_block_checks_its_channels(block, param, value, category):
    _build(block)  # the valid call works
    with pytest.raises(ValueError, match=f"{param} must be a positive integer"):
        _build(block, **{param: value})


@pytest.mark.parametrize("block", [b for b in CHANNEL_BLOCKS
                                   if "kernel_size" in inspect.signature(b).parameters],
                         ids=lambda b: b.__name__)
@pytest.mark.parametrize("value", [2, 0, -3, 3.0, "3"])
def test_every_block_refuses_even_or_non_integer_kernels(block, value):
    with pytest.raises(ValueError, match="kernel_size must be an odd positive integer"):
        _build(block, kernel_size=value)


@pytest.mark.parametrize("block", [b for b in CHANNEL_BLOCKS
                                   if "stride" in inspect.signature(b).parameters],
                         ids=lambda b: b.__name__)
@pytest.mark.parametrize("value", [3, 0, -1, 2.0, None])
def test_every_block_checks_its_stride(block, value):
    with pytest.raises(ValueError, match="stride must be one of 1, 2"):
        _build(block, stride=value)


def test_same_padding_holds_for_every_accepted_kernel():
    for k in (1, 3, 5, 7):
        for stride in (1, 2):
            out = blocks.ConvBNAct(4, 4, kernel_size=k, stride=stride)(torch.randn(1, 4, 8, 8))
            assert out.shape[-2:] == (8 // stride, 8 // stride)


# --- generic checks over every model ----------------------------------------------------------

WIDTH_MODELS = [n for n in list_models()
                if "width_mult" in inspect.signature(_MODELS[n]).parameters]


@pytest.mark.parametrize("name", WIDTH_MODELS)
@pytest.mark.parametrize("value, category", [
    (0, "zero"), (-1.0, "negative"), (INF, "non-finite"), (NAN, "non-finite"),
    ("1.0", "wrong type"), (None, "wrong type"), (True, "wrong type")])
def test_every_width_multiplier_is_checked(name, value, category):
    with pytest.raises(ValueError, match=f"width_mult must be .*; got {value!r}"):
        create(name, width_mult=value)


# --- the command line -------------------------------------------------------------------------

CLI_CASES = [
    (["summary", "mobilenet_v5"], "unknown model name 'mobilenet_v5'"),
    (["summary", "mobilenet_v2", "--resolution", "16"],
     "--resolution must be at least 32 for mobilenet_v2"),
    (["summary", "mobilenet_v2", "--resolution", "0"], "argument --resolution: expected a "
                                                       "positive integer, got '0'"),
    (["summary", "mobilenet_v2", "--resolution", "-3"], "argument --resolution"),
    (["summary", "mobilenet_v2", "--resolution", "inf"], "argument --resolution"),
    (["summary", "mobilenet_v2", "--depth", "0"], "argument --depth"),
    (["compare", "mobilenet_v2", "mobilenet_v2"], "each model may be named once"),
    (["compare", "mobilenet_v2", "--plot", "/no/such/dir/x.png"],
     "--plot: folder '/no/such/dir' does not exist"),
    (["compare", "mobilenet_v2", "--plot", "figure.pnx"], "--plot must end in one of"),
    (["compare", "mobilenet_v2", "--threads", "0"], "argument --threads"),
    (["compare", "mobilenet_v2", "--threads", "100000"], "argument --threads: expected 1 to"),
    (["compare", "mobilenet_v2", "--batch", "0"], "argument --batch"),
    (["compare", "mobilenet_v2", "--rounds", "0"], "argument --rounds"),
    (["compare", "mobilenet_v2", "--resolution", "16"], "--resolution must be at least 32"),
    (["compare", "nope"], "unknown model name 'nope'"),
    (["survey", "--models", "nope"], "--models must be one of"),
    (["survey", "--models", "lcnet_050", "lcnet_050"], "--models: each value once"),
    (["survey", "--batches", "0"], "argument --batches: expected a positive integer"),
    (["survey", "--batches", "1", "1"], "--batches: each value once; repeated: 1"),
    (["survey", "--threads", "100000"], "argument --threads: expected 1 to"),
    (["survey", "--budget", "-1"], "--budget must be a positive number of seconds"),
    (["survey", "--budget", "soon"], "argument --budget: expected a number of seconds"),
    (["survey", "--max-gmacs", "0"], "--max-gmacs must be a positive number (or inf)"),
    (["survey", "--max-gmacs", "nan"], "argument --max-gmacs: expected a number, got 'nan'"),
    (["survey", "--out", "/no/such/dir/out"], "--out: the parent folder '/no/such/dir'"),
    (["survey", "--out", "pyproject.toml"], "--out: 'pyproject.toml' exists and is not a folder"),
    (["list", "extra"], "unrecognized arguments: extra"),
    ([], "the following arguments are required: command"),
]


@pytest.mark.parametrize("argv, message", CLI_CASES, ids=[" ".join(a) for a, _ in CLI_CASES])
def test_cli_user_error_is_one_line_and_exit_2(argv, message, capsys, monkeypatch):
    def no_timing(*args, **kwargs):
        raise AssertionError("timing started before the arguments were checked")

    monkeypatch.setattr("lwcourse.bench.compare", no_timing)
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert "Traceback" not in err and message in err
