"""lwcourse.train: the loop learns, is deterministic, resumes to the same weights, checks its
arguments; the command line; and two processes under torchrun (gloo, CPU, 127.0.0.1)."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

import lwcourse as lw
from lwcourse import data, train
from lwcourse.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _tiny_net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(4), nn.Flatten(), nn.Dropout(0.2),
                         nn.Linear(128, 10))


@pytest.fixture(scope="module")
def digits16():
    return data.digits("train", size=16), data.digits("test", size=16)


CONFIG = train.TrainConfig(epochs=3, batch_size=64, lr=0.1)


def test_loop_learns_and_is_deterministic(digits16):
    first = train.fit(_tiny_net(), *digits16, CONFIG)
    again = train.fit(_tiny_net(), *digits16, CONFIG)
    assert [r["epoch"] for r in first.epochs] == [1, 2, 3]
    assert first.final["test_accuracy"] > 0.5  # chance is 0.1
    assert first.epochs[-1]["train_loss"] < first.epochs[0]["train_loss"]
    assert first.final["lr"] == pytest.approx(0.0, abs=1e-12)  # the cosine ends at 0
    assert first.epochs == again.epochs
    assert first.world_size == 1 and first.samples_per_rank == [3 * 21 * 64]


def test_resume_gives_the_same_weights(digits16, tmp_path):
    whole = _tiny_net()
    train.fit(whole, *digits16, CONFIG)
    part = _tiny_net()
    ckpt = tmp_path / "run.pt"
    train.fit(part, *digits16, CONFIG, checkpoint=ckpt, stop_after=1)
    assert train.load_checkpoint(ckpt)["epoch"] == 1
    resumed = _tiny_net()  # fresh weights: everything must come from the checkpoint
    history = train.fit(resumed, *digits16, CONFIG, resume=ckpt, checkpoint=ckpt)
    assert [r["epoch"] for r in history.epochs] == [1, 2, 3]
    for (name, a), b in zip(whole.state_dict().items(), resumed.state_dict().values(),
                            strict=True):
        assert torch.equal(a, b), name


def test_adamw_and_channels_last_train(digits16):
    config = train.TrainConfig(epochs=1, batch_size=128, optimizer="adamw", lr=3e-3,
                               channels_last=True, warmup_epochs=0.5)
    history = train.fit(_tiny_net(), *digits16, config)
    assert history.final["test_accuracy"] > 0.2


@pytest.mark.parametrize("kwargs, match", [
    ({"epochs": 0}, "epochs"), ({"batch_size": -1}, "batch_size"),
    ({"optimizer": "adam"}, "optimizer must be one of 'sgd', 'adamw'"), ({"lr": 0}, "lr"),
    ({"label_smoothing": 1.0}, "label_smoothing"), ({"seed": -1}, "seed"),
])
def test_config_rejects_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train.TrainConfig(**kwargs)


def test_amp_needs_cuda(digits16):
    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    with pytest.raises(ValueError, match="amp=True needs a CUDA device"):
        train.fit(_tiny_net(), *digits16, train.TrainConfig(amp=True, device="cpu"))


def test_missing_checkpoint_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.pt"):
        train.load_checkpoint(tmp_path / "nope.pt")


@pytest.mark.parametrize("argv, match", [
    (["train", "mobilenet_v2"], "--data"),
    (["train", "mobilenet_v2", "--data", "mnist"], "invalid choice: 'mnist'"),
    (["train", "mobilenet_v2", "--data", "digits", "--epochs", "0"], "positive integer"),
    (["train", "mobilenet_v2", "--data", "digits", "--batch-size", "0"], "positive integer"),
    (["train", "mobilenet_v9", "--data", "digits"], "unknown model name 'mobilenet_v9'"),
    (["train", "mobilenet_v2", "--data", "cifar10", "--root", "/no/such"], "--download"),
    (["train", "mobilenet_v2", "--data", "digits", "--root", "/tmp"], "root= is for cifar10"),
    (["train", "efficientnet_b0", "--data", "digits", "--width-mult", "0.5"], "width_mult"),
])
def test_cli_bad_arguments_exit_2_without_traceback(argv, match, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and match in err and "Traceback" not in err


def test_cli_trains_and_writes_results(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["train", "mobilenet_v2", "--data", "digits", "--width-mult", "0.1",
                 "--limit", "64", "--batch-size", "32", "--epochs", "1",
                 "--results", str(out)]) == 0
    assert "epoch   1/1" in capsys.readouterr().out
    record = json.loads(out.read_text())
    assert record["model"] == "mobilenet_v2" and record["samples_per_rank"] == [64]
    assert record["macs"] == lw.cost.profile(
        lw.models.create("mobilenet_v2", width_mult=0.1, num_classes=10), (1, 3, 32, 32)).macs


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_torchrun_two_processes_gloo(tmp_path):
    ckpt, results = tmp_path / "ddp.pt", tmp_path / "ddp.json"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1",
           "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
           "--master_port", str(_free_port()), "-m", "lwcourse.cli", "train", "mobilenet_v2",
           "--data", "digits", "--width-mult", "0.1", "--limit", "64", "--batch-size", "16",
           "--epochs", "1", "--device", "cpu", "--checkpoint", str(ckpt),
           "--results", str(results)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1",
           "GLOO_SOCKET_IFNAME": "lo", "MASTER_ADDR": "127.0.0.1"}
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.count("epoch   1/1") == 1  # rank 0 alone prints
    record = json.loads(results.read_text())
    assert record["world_size"] == 2
    assert record["samples_per_rank"] == [32, 32]  # both ranks trained on their half
    model = lw.models.create("mobilenet_v2", width_mult=0.1, num_classes=10)
    state = train.load_checkpoint(ckpt, model)
    assert state["epoch"] == 1 and state["history"]["world_size"] == 2
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 10)


def test_ablation_summary_calls_noise_by_the_spreads():
    from lwcourse.train_experiments import summarize_ablations

    def run(variant, seed, acc):
        return {"study": "bottleneck", "variant": variant, "seed": seed, "params": 1, "macs": 2,
                "test_accuracy": acc}

    records = [run("linear", 0, 0.50), run("linear", 1, 0.54),  # 0.52 ± 0.02
               run("ReLU6", 0, 0.47), run("ReLU6", 1, 0.49)]  # 0.48 ± 0.01: gap 0.04 > 0.03
    rows = summarize_ablations(records)["bottleneck"]
    assert [r["verdict"] for r in rows] == ["baseline", "lower"]
    assert rows[0]["mean"] == pytest.approx(0.52) and rows[0]["spread"] == pytest.approx(0.02)
    records[3]["test_accuracy"] = 0.52  # 0.495 ± 0.025: gap 0.025 <= 0.045
    assert summarize_ablations(records)["bottleneck"][1]["verdict"] == "within seed noise"


def test_scaling_variants_spend_about_equal_macs():
    from lwcourse.train_experiments import ABLATIONS, ablation_net

    macs = {}
    for variant in ABLATIONS["scaling"]:
        model, resolution = ablation_net("scaling", variant)
        macs[variant] = lw.cost.profile(model, (1, 3, resolution, resolution)).macs
    base = macs.pop("baseline")
    assert all(2.0 < m / base < 2.2 for m in macs.values()), macs


def test_recalibrate_bn_sets_the_data_statistics():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4, momentum=0.01)).eval()
    images = torch.randn(64, 3, 8, 8) * 3 + 1
    train.recalibrate_bn(model, torch.utils.data.TensorDataset(images, torch.zeros(64)),
                         batch_size=16)
    with torch.no_grad():
        out = model[0](images)
    assert not model.training and model[1].momentum == 0.01  # restored
    assert torch.allclose(model[1].running_mean, out.mean(dim=(0, 2, 3)), atol=1e-5)
