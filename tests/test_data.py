"""lwcourse.data: the three sources (CIFAR-10 on a fake copy written in the real format),
the seeded loader, and a clear error for each kind of bad input."""

import pickle

import numpy as np
import pytest
import torch
from PIL import Image

from lwcourse import data


def test_digits_split_is_seeded_stratified_and_normalised():
    train, test = data.digits("train", size=16), data.digits("test", size=16)
    assert len(train) + len(test) == 1797 and len(test) == 450
    assert train.images.shape[1:] == (3, 16, 16)
    per_class = torch.bincount(torch.cat([train.labels, test.labels]))
    assert (torch.bincount(test.labels) - per_class * 0.25).abs().max() <= 1  # stratified
    assert abs(train.images.mean().item()) < 1e-4 and abs(train.images.std().item() - 1) < 1e-2
    assert torch.equal(data.digits("test", size=16).images, test.images)
    assert not torch.equal(data.digits("test", size=16, seed=1).labels, test.labels)


def test_shapes_are_balanced_seeded_and_split_apart():
    test = data.shapes("test", per_class=8)
    assert test.images.shape == (80, 3, 32, 32) and len(test.classes) == 10
    assert torch.bincount(test.labels).tolist() == [8] * 10
    assert torch.equal(data.shapes("test", per_class=8).images, test.images)
    assert not torch.equal(data.shapes("test", per_class=8, seed=1).images, test.images)
    train = data.shapes("train", per_class=8)
    assert not torch.equal(train.images, test.images)


def _write_fake_cifar10(root, per_batch=4):
    """A CIFAR-10 folder in the official format: pickled dicts of uint8 rows (3072 = 3x32x32,
    channel-major) and labels, five training batches, a test batch and batches.meta."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for i, name in enumerate(names):
        batch = {"batch_label": name, "labels": [(i + j) % 10 for j in range(per_batch)],
                 "data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
                 "filenames": [f"{name}_{j}.png" for j in range(per_batch)]}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f)
    meta = {"label_names": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                            "horse", "ship", "truck"], "num_vis": 3072, "num_cases_per_batch": 4}
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump(meta, f)
    return folder


def test_cifar10_reads_the_real_format(tmp_path):
    folder = _write_fake_cifar10(tmp_path)
    train = data.dataset("cifar10", "train", root=tmp_path)
    test = data.dataset("cifar10", "test", root=tmp_path)
    assert len(train) == 20 and len(test) == 4 and train.classes[0] == "airplane"
    x, y = test[1]
    assert x.shape == (3, 32, 32) and x.dtype == torch.float32 and y == 6
    with open(folder / "test_batch", "rb") as f:
        raw = pickle.load(f, encoding="latin1")["data"][1].reshape(3, 32, 32)
    mean, std = torch.tensor(data.CIFAR10_MEAN), torch.tensor(data.CIFAR10_STD)
    expected = (torch.from_numpy(raw).float() / 255 - mean[:, None, None]) / std[:, None, None]
    assert torch.allclose(x, expected, atol=1e-6)  # the pixels, channel-major, normalised
    assert data.cifar10(tmp_path, "test", size=40)[0][0].shape == (3, 40, 40)


def test_cifar10_missing_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist.*download=True"):
        data.cifar10(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="cifar-10-batches-py.*--download"):
        data.cifar10(tmp_path)  # the folder exists but holds no CIFAR-10
    _write_fake_cifar10(tmp_path)
    with pytest.raises(FileNotFoundError):  # the fake's MD5 sums are not the real ones
        data.cifar10(tmp_path, verify_md5=True)
    with pytest.raises(ValueError, match="root"):
        data.dataset("cifar10")


def test_imagefolder_layout(tmp_path):
    for split in ("train", "val"):
        for cls in ("cat", "dog"):
            (tmp_path / split / cls).mkdir(parents=True)
            Image.new("RGB", (40, 30), (200, 10, 10)).save(tmp_path / split / cls / "a.png")
    train = data.dataset("imagefolder", "train", root=tmp_path, size=24)
    test = data.dataset("imagefolder", "test", root=tmp_path, size=24)
    assert train.classes == ["cat", "dog"] and len(test) == 2
    assert train[0][0].shape == test[0][0].shape == (3, 24, 24)
    with pytest.raises(FileNotFoundError, match="val/"):
        data.imagefolder(tmp_path / "train", "test")


@pytest.mark.parametrize("call, match", [
    (lambda: data.dataset("mnist"), "data must be one of 'digits'"),
    (lambda: data.dataset("digits", "validation"), "split must be one of 'train', 'test'"),
    (lambda: data.digits(size=0), "size"),
    (lambda: data.shapes(per_class=-1), "per_class"),
    (lambda: data.dataset("digits", root="/tmp"), "root= is for cifar10"),
    (lambda: data.dataset("shapes", download=True), "download= is for cifar10"),
    (lambda: data.loader(data.shapes("test", per_class=1), 0), "batch_size"),
    (lambda: data.loader(data.shapes("test", per_class=1), -3), "batch_size"),
    (lambda: data.loader(data.shapes("test", per_class=1), 4, num_workers=-1), "num_workers"),
])
def test_bad_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_loader_order_depends_on_seed_and_epoch_only():
    test = data.shapes("test", per_class=3)

    def order(seed, epoch):
        batches = data.loader(test, 7, shuffle=True, seed=seed)
        batches.sampler.set_epoch(epoch)
        return torch.cat([y for _, y in batches]).tolist()

    assert order(0, 0) == order(0, 0) != order(0, 1)
    assert order(0, 0) != order(1, 0)
    assert sorted(order(0, 0)) == sorted(test.labels.tolist())  # every image once
    plain = data.loader(test, 7)
    assert torch.cat([y for _, y in plain]).tolist() == test.labels.tolist()
