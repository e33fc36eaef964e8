"""Bad input to ``profile`` and to ``Profile``'s methods fails up front with one clear message
naming the parameter and what is allowed; a model that cannot run on shapes alone gets a
message that says what to do. Organised by category."""

import numpy as np
import pytest
import torch
from torch import nn

from lwcourse.cost import ProfileError, profile

CONV = nn.Conv2d(3, 4, 3, padding=1)


# ---- profile(model, input_size, ...) ------------------------------------------------------

@pytest.mark.parametrize("input_size, error, match", [
    # wrong type
    (224, TypeError, r"input_size must be a shape such as \(1, 3, 224, 224\).*got 224 \(int\)"),
    (None, TypeError, r"input_size must be a shape.*got None"),
    (True, TypeError, r"input_size must be a shape.*got True \(bool\)"),
    ("1,3,8,8", TypeError, r"input_size must be a shape.*\(str\)"),
    (np.array([1, 3, 8, 8]), TypeError, r"input_size must be a shape.*\(ndarray\)"),
    ((1, 3, 8.0, 8), TypeError, r"input_size dimensions must be integers, got 8.0 \(float\)"),
    ((1, 3, True, 8), TypeError, r"input_size dimensions must be integers, got the bool"),
    ((1, 3, np.True_, 8), TypeError, r"input_size dimensions must be integers, got the bool"),
    ([(1, 3, 8, 8), 5], TypeError, r"input_size\[1\] must be a shape.*got 5 \(int\)"),
    # empty, zero, negative
    ((), ValueError, r"input_size must have at least one dimension"),
    ((1, 0, 8, 8), ValueError, r"input_size dimensions must be positive, got 0"),
    ((1, -3, 8, 8), ValueError, r"input_size dimensions must be positive, got -3"),
    ([(1, 3, 8, 8), (1, -1)], ValueError, r"input_size\[1\] dimensions must be positive"),
])
def test_bad_input_size_names_the_parameter_and_the_allowed_values(input_size, error, match):
    with pytest.raises(error, match=match):
        profile(CONV, input_size)


@pytest.mark.parametrize("input_size", [
    (1, 3, 8, 8), [1, 3, 8, 8], torch.Size([1, 3, 8, 8]), torch.empty(1, 3, 8, 8),
    (np.int64(1), np.int32(3), 8, 8),  # numpy integers are integers
    [(1, 3, 8, 8)], [torch.empty(1, 3, 8, 8)],
])
def test_every_documented_input_size_form_is_accepted(input_size):
    p = profile(CONV, input_size)
    assert p.input_size == (1, 3, 8, 8) and p.macs == 4 * 3 * 9 * 64


@pytest.mark.parametrize("model", ["resnet", None, nn.Conv2d, [nn.ReLU()]])
def test_a_model_that_is_not_a_module_is_a_type_error(model):
    with pytest.raises(TypeError, match=r"model must be a torch.nn.Module"):
        profile(model, (1, 3, 8, 8))


@pytest.mark.parametrize("flag", ["strict", "fold_bn", "eval_mode"])
@pytest.mark.parametrize("value", [1, "yes", None])
def test_flags_must_be_booleans(flag, value):
    with pytest.raises(TypeError, match=rf"{flag} must be True or False"):
        profile(CONV, (1, 3, 8, 8), **{flag: value})


# ---- Profile's methods -----------------------------------------------------------------------

@pytest.mark.parametrize("call, match", [
    (lambda p: p.select(op="Conv2d"), r"op must be one of .*conv2d"),
    (lambda p: p.by_module(depth=0), r"depth must be a positive integer"),
    (lambda p: p.by_module(depth=1.5), r"depth must be a positive integer"),
    (lambda p: p.table(depth=-1), r"depth must be a positive integer"),
    (lambda p: p.table(max_rows=-1), r"max_rows must be None or an integer >= 0"),
])
def test_profile_methods_check_their_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call(profile(CONV, (1, 3, 8, 8)))


# ---- models that cannot run on shapes alone: say what to do -------------------------------

class _Forward(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)
        self.fn = fn

    def forward(self, x):
        return self.fn(self.conv(x))


def _branch(x):
    return x if x.sum() > 0 else -x


@pytest.mark.parametrize("fn, match", [
    (lambda x: x * x.mean().item(), r"needs a tensor's values .*\.item\(\)"),
    (_branch, r"needs a tensor's values .*an `if` on a tensor"),
    (lambda x: x[x > 0], r"needs a tensor's values .*boolean mask"),
    (lambda x: torch.nonzero(x), r"needs a tensor's values"),
    (lambda x: x + torch.ones(x.shape[-1]), r"cpu tensor of shape \(8,\).*device=x.device"),
])
def test_data_dependent_code_and_cpu_constants_get_an_actionable_message(fn, match):
    with pytest.raises(ProfileError, match=match):
        profile(_Forward(fn), (1, 3, 8, 8))


def test_a_wrong_channel_count_names_the_module_and_the_channels():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())
    with pytest.raises(ProfileError, match=r"module '0' \(Conv2d\) expects 3 input channels "
                                           r"but gets 4.*\(1, 3, 224, 224\)"):
        profile(model, (1, 4, 16, 16))


def test_a_too_small_input_names_the_module_and_the_shape():
    with pytest.raises(ProfileError, match=r"module '0' \(Conv2d\) failed on input shape\(s\) "
                                           r"\[\(1, 3, 2, 2\)\].*input_size"):
        profile(nn.Sequential(nn.Conv2d(3, 8, 3)), (1, 3, 2, 2))


class _Abstract(nn.Module):
    def forward(self, x):
        raise NotImplementedError("subclasses implement forward")


def test_the_models_own_not_implemented_error_is_not_blamed_on_the_meta_device():
    with pytest.raises(NotImplementedError, match="^subclasses implement forward$"):
        profile(_Abstract(), (1, 3))


def test_a_failed_profile_leaves_the_model_and_hooks_as_they_were():
    model = _Forward(lambda x: x * x.mean().item()).train()
    with pytest.raises(ProfileError):
        profile(model, (1, 3, 8, 8))
    assert model.training and model.conv.weight.device.type == "cpu"
    assert not nn.modules.module._global_forward_hooks
    assert model(torch.randn(1, 3, 8, 8)).shape == (1, 3, 8, 8)
