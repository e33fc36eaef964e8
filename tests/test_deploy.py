"""lwcourse.deploy: folding, optimizing, int8, ONNX and pretrained weights keep the outputs."""

import pytest
import torch
from torch import nn

import lwcourse as lw
from lwcourse import deploy


def tiny(seed: int = 0) -> nn.Module:
    """Conv-BN-ReLU, a depthwise conv-BN, a residual add, pooling and a linear head."""
    torch.manual_seed(seed)

    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = lw.blocks.ConvBNAct(3, 8, kernel_size=3, stride=2)
            self.dw = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False),
                                    nn.BatchNorm2d(8))
            self.head = nn.Linear(8, 4)

        def forward(self, x):
            x = self.stem(x)
            x = x + self.dw(x)
            return self.head(x.mean((2, 3)))

    return lw.reference.randomize_(Tiny(), input_size=(4, 3, 16, 16)).eval()


X = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(1))


def n_bn(model):
    return sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())


def test_fold_bn_keeps_outputs_removes_every_bn_and_leaves_the_input_alone():
    model = tiny()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    folded = deploy.fold_bn(model, X)
    assert n_bn(folded) == 0 and n_bn(model) == 2
    assert deploy.max_abs_diff(folded(X), model(X)) <= deploy.FOLD_TOLERANCE
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_fold_bn_memory_access_drop_is_the_profilers_folded_count():
    model = lw.reference.randomize_(lw.models.create("mobilenet_v2", num_classes=10)).eval()
    folded = deploy.fold_bn(model, (1, 3, 64, 64))
    size = (1, 3, 64, 64)
    assert deploy.max_abs_diff(folded(torch.randn(size)), model(torch.randn(size))) < 10
    x = torch.randn(size)
    assert deploy.max_abs_diff(folded(x), model(x)) <= deploy.FOLD_TOLERANCE
    unfolded = lw.cost.profile(model, size).memory_access
    assert lw.cost.profile(folded, size).memory_access == lw.cost.profile(
        model, size, fold_bn=True).memory_access < unfolded


def test_fold_conv_bn_matches_by_hand_formula():
    conv, bn = nn.Conv2d(3, 5, 3, bias=True), nn.BatchNorm2d(5).eval()
    lw.reference.randomize_(nn.Sequential(conv, bn), input_size=(4, 3, 8, 8))
    fused = deploy.fold_conv_bn(conv, bn)
    x = torch.randn(1, 3, 8, 8)
    assert torch.allclose(fused(x), bn(conv(x)), atol=1e-5)


class SharedConvOutput(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.bn = nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4)

    def forward(self, x):
        y = self.conv(x)
        return self.bn(y) + y


def test_fold_bn_refuses_train_mode_and_shared_conv_outputs():
    with pytest.raises(ValueError, match="eval mode"):
        deploy.fold_bn(tiny().train(), X)
    with pytest.raises(ValueError, match="also used elsewhere"):
        deploy.fold_bn(SharedConvOutput().eval(), X)


@pytest.mark.parametrize("steps", [
    dict(), dict(freeze=False), dict(channels_last=False, fold_bn=False),
    dict(fold_bn=False, freeze=False)])
def test_optimize_keeps_outputs(steps):
    model = tiny()
    fast = deploy.optimize(model, X, **steps)
    assert deploy.max_abs_diff(fast(X), model(X)) <= deploy.FOLD_TOLERANCE


@pytest.mark.parametrize("kwargs, match", [
    (dict(example=torch.randn(3, 16, 16)), "example must be a float tensor"),
    (dict(example=(2, 3, 16)), "4-D input size"),
    (dict(example=X, freeze="yes"), "freeze must be True or False"),
    (dict(example=X, compile=True), "choose one of freeze"),
])
def test_optimize_rejects_bad_inputs(kwargs, match):
    with pytest.raises(ValueError, match=match):
        deploy.optimize(tiny(), **kwargs)


def test_bad_model_is_rejected_everywhere(tmp_path):
    for call in (lambda: deploy.fold_bn("net"), lambda: deploy.optimize(3, X),
                 lambda: deploy.quantize_int8(None, [X]),
                 lambda: deploy.export_onnx([], tmp_path / "m.onnx", X)):
        with pytest.raises(ValueError, match="model must be a torch.nn.Module"):
            call()


def test_quantize_int8_agrees_with_fp32_within_bound():
    model = tiny()
    calibration = [torch.randn(8, 3, 16, 16, generator=torch.Generator().manual_seed(i))
                   for i in range(4)]
    q = deploy.quantize_int8(model, calibration)
    with torch.no_grad():
        ref, out = model(X), q(X)
    # int8 with per-tensor activations: a few percent of the output range
    assert deploy.max_abs_diff(out, ref) <= 0.05 * float(ref.abs().max())
    assert deploy.max_abs_diff(out, ref) > 0  # it did quantize


def test_quantize_int8_rejects_bad_calibration():
    with pytest.raises(ValueError, match="calibration_loader is empty"):
        deploy.quantize_int8(tiny(), [])
    with pytest.raises(ValueError, match="calibration_loader must be an iterable"):
        deploy.quantize_int8(tiny(), X)
    with pytest.raises(ValueError, match="each batch of calibration_loader"):
        deploy.quantize_int8(tiny(), [(torch.zeros(3), 1)])


def test_onnx_round_trip(tmp_path):
    model = tiny()
    path = deploy.export_onnx(model, tmp_path / "tiny.onnx", X)
    assert deploy.max_abs_diff(deploy.onnx_session(path)(X), model(X)) <= deploy.FOLD_TOLERANCE


def test_onnx_rejects_bad_paths(tmp_path):
    with pytest.raises(ValueError, match="ending in .onnx"):
        deploy.export_onnx(tiny(), tmp_path / "tiny.pt", X)
    with pytest.raises(ValueError, match="does not exist"):
        deploy.export_onnx(tiny(), tmp_path / "no" / "tiny.onnx", X)
    with pytest.raises(ValueError, match="not an existing ONNX file"):
        deploy.onnx_session(tmp_path / "missing.onnx")


def cached_weights(name: str, torch_home, monkeypatch) -> nn.Module:
    """Random weights for torchvision's ``name``, saved where torchvision's download machinery
    looks first (``TORCH_HOME/hub/checkpoints``), so loading them needs no network."""
    import torchvision
    weights = torchvision.models.get_model_weights(name).DEFAULT
    source = lw.reference.randomize_(lw.reference.reference_model(name))
    checkpoints = torch_home / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.save(source.state_dict(), checkpoints / weights.url.rsplit("/", 1)[1])
    monkeypatch.setenv("TORCH_HOME", str(torch_home))
    return source.eval()


@pytest.mark.parametrize("load", [deploy.load_pretrained,
                                  lambda name: lw.models.create(name, pretrained=True)],
                         ids=["load_pretrained", "create"])
def test_pretrained_weights_come_from_the_hub_cache_without_network(load, tmp_path,
                                                                    monkeypatch):
    source = cached_weights("shufflenet_v2_x0_5", tmp_path, monkeypatch)
    model = load("shufflenet_v2_x0_5")
    assert not model.training
    x = torch.randn(1, 3, 64, 64)
    assert deploy.max_abs_diff(model(x), source(x)) <= 1e-5


def test_load_pretrained_rejects_unknown_names_and_explains_missing_network(tmp_path,
                                                                            monkeypatch):
    with pytest.raises(ValueError, match="name must be a model with a reference"):
        deploy.load_pretrained("mobilenet_v9")
    with pytest.raises(ValueError, match="publish weights for by name"):
        deploy.load_pretrained("lcnet_200")  # timm builds it, but has no weights for it
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def offline(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    with pytest.raises(RuntimeError, match="could not get the pretrained weights"):
        deploy.load_pretrained("mobilenet_v2")


@pytest.mark.parametrize("kwargs, match", [
    (dict(batch=0), "batch must be a positive integer"),
    (dict(calls=2), "calls must be at least 3"),
    (dict(env={"MALLOC_MMAP_THRESHOLD_": 4}), "env must be a dict of strings"),
])
def test_latency_in_subprocess_rejects_bad_inputs(kwargs, match):
    args = {"batch": 1, "resolution": 32, "calls": 3, **kwargs}
    with pytest.raises(ValueError, match=match):
        deploy.latency_in_subprocess("mobilenet_v2", args.pop("batch"), args.pop("resolution"),
                                     **args)


def test_ladder_rejects_unknown_steps_and_missing_prerequisites():
    with pytest.raises(ValueError, match="steps must be a non-empty list"):
        deploy.ladder(tiny(), X, steps=["tensorrt"])
    with pytest.raises(ValueError, match="need calibration batches"):
        deploy.ladder(tiny(), X, steps=["int8"])
    with pytest.raises(ValueError, match="need calibration batches"):
        deploy.ladder(tiny(), X, steps=["onnxruntime_int8"])
    with pytest.raises(ValueError, match="needs an existing workdir"):
        deploy.ladder(tiny(), X, steps=["onnxruntime"])


def test_ladder_steps_agree_with_the_model():
    steps = deploy.ladder(tiny(), X, steps=["eager", "bn_folded", "channels_last", "frozen"])
    with torch.no_grad():
        for run in steps.values():
            assert deploy.max_abs_diff(run(X), tiny()(X)) <= deploy.FOLD_TOLERANCE


CALIBRATION = [torch.randn(8, 3, 16, 16, generator=torch.Generator().manual_seed(i))
               for i in range(4)]


def test_quantize_onnx_agrees_with_fp32_and_keeps_the_fp32_file(tmp_path):
    model = tiny()
    fp32 = deploy.export_onnx(deploy.fold_bn(model, X), tmp_path / "tiny.onnx", X)
    before = fp32.read_bytes()
    out = deploy.quantize_onnx(fp32, tmp_path / "tiny_int8.onnx", CALIBRATION)
    assert out == tmp_path / "tiny_int8.onnx" and fp32.read_bytes() == before
    assert not any("prepared" in p.name for p in tmp_path.iterdir())  # no leftovers
    got, ref = deploy.onnx_session(out)(X), model(X)
    # int8 activations per tensor, 7-bit weights per channel: a few percent of the output range
    assert 0 < deploy.relative_max_diff(got, ref) <= 0.05
    import onnx
    ops = {n.op_type for n in onnx.load(str(out)).graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops  # it did quantize


@pytest.fixture(scope="module")
def tiny_onnx(tmp_path_factory):
    """A fp32 ONNX file of ``tiny()`` for batch 2, exported once for the bad-input tests."""
    return deploy.export_onnx(tiny(), tmp_path_factory.mktemp("onnx") / "tiny.onnx", X,
                              check=False)


@pytest.mark.parametrize("args, match", [
    (("missing.onnx", "q.onnx", CALIBRATION), "path must be an existing ONNX file"),
    (("tiny.onnx", "q.pt", CALIBRATION), "out_path must be a file name ending in .onnx"),
    (("tiny.onnx", "no/q.onnx", CALIBRATION), "folder .* does not exist"),
    (("tiny.onnx", "tiny.onnx", CALIBRATION), "out_path must differ from path"),
    (("tiny.onnx", "q.onnx", []), "calibration_loader is empty"),
    (("tiny.onnx", "q.onnx", X), "calibration_loader must be an iterable"),
    (("tiny.onnx", "q.onnx", [torch.randn(1, 3, 8, 8)]),
     r"shaped like the model's input \[2, 3, 16, 16\]"),
    (("tiny.onnx", "q.onnx", [torch.randn(1, 3, 16, 16)]), "fewer than the model's fixed batch"),
])
def test_quantize_onnx_rejects_bad_inputs(tiny_onnx, args, match):
    path, out, calibration = args
    folder = tiny_onnx.parent
    with pytest.raises(ValueError, match=match):
        deploy.quantize_onnx(folder / path, folder / out, calibration)
    assert not (folder / "q.onnx").exists()


def test_quantize_onnx_rejects_non_bool_flags(tiny_onnx):
    for flag in ("per_channel", "reduce_range"):
        with pytest.raises(ValueError, match=f"{flag} must be True or False"):
            deploy.quantize_onnx(tiny_onnx, tiny_onnx.parent / "q.onnx", CALIBRATION,
                                 **{flag: 1})


def test_ladder_onnxruntime_steps_share_one_export(tmp_path):
    steps = deploy.ladder(tiny(), X, steps=["onnxruntime", "onnxruntime_int8"],
                          calibration=CALIBRATION, workdir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".onnx") == [
        "model.onnx", "model_int8.onnx"]
    ref = tiny()(X)
    assert deploy.relative_max_diff(steps["onnxruntime"](X), ref) <= deploy.FOLD_TOLERANCE
    assert 0 < deploy.relative_max_diff(steps["onnxruntime_int8"](X), ref) <= 0.05


def test_relative_max_diff_and_top1_agreement():
    ref = torch.tensor([[10.0, -20.0, 5.0], [1.0, 2.0, 3.0]])
    out = torch.tensor([[10.0, -18.0, 11.0], [1.0, 2.0, 3.0]])
    assert deploy.relative_max_diff(out, ref) == pytest.approx(6 / 20)
    assert deploy.top1_agreement(out, ref) == 0.5
    assert deploy.relative_max_diff(torch.zeros(2, 3), torch.zeros(2, 3)) == 0
    with pytest.raises(ValueError, match="outputs must be"):
        deploy.top1_agreement(out[0], ref[0])


def test_noise_amplification_per_stage_and_output():
    model = lw.reference.randomize_(lw.models.create("mobilenet_v2", num_classes=10,
                                                     width_mult=0.25), input_size=(4, 3, 32, 32))
    gains = deploy.noise_amplification(model.eval(), torch.randn(4, 3, 32, 32))
    assert len(gains) == len(model.stages) + 1 and all(g > 0 for g in gains)
    with pytest.raises(ValueError, match="ImageClassifier"):
        deploy.noise_amplification(tiny(), X)


def test_int8_drift_on_a_tiny_training_run():
    config = {"width_mult": 0.25, "epochs": 1, "calibration_batches": 1, "batch_size": 32}
    result = deploy.int8_drift(config, train_limit=64, test_limit=24)
    assert result["config"]["width_mult"] == 0.25 and result["test_samples"] == 24
    assert result["cpu_has_vnni"] in (True, False, None)
    for label in ("trained", "random_weights"):
        scores = result[label]
        assert scores["fp32"]["top1_agreement_with_fp32"] == 1
        assert scores["fp32"]["relative_max_diff"] == 0
        for step in ("torchao_int8", "onnxruntime_int8", "onnxruntime_int8_full_range"):
            assert 0 < scores[step]["relative_max_diff"] and 0 < scores[step]["relative_rms_diff"]
            assert 0 <= scores[step]["test_accuracy"] <= 1
        assert len(scores["noise_amplification_per_stage"]) == 8  # 7 stages and the output
    with pytest.raises(ValueError, match="config must be a dict with keys among"):
        deploy.int8_drift({"epoch": 1})
    with pytest.raises(ValueError, match="test_limit must be a positive integer"):
        deploy.int8_drift(test_limit=0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(pretrained="yes"), "pretrained must be True or False"),
    (dict(pretrained=1), "pretrained must be True or False"),
    (dict(pretrained=True, num_classes=10), "cannot be changed"),
    (dict(pretrained=True, width_mult=0.5), "cannot be changed"),
])
def test_create_rejects_bad_pretrained_requests(kwargs, match):
    with pytest.raises(ValueError, match=match):
        lw.models.create("mobilenet_v2", **kwargs)
