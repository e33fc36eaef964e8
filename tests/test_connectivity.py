"""Channel connectivity: measured from the Jacobian, predicted from group and permutation masks."""

import pytest
import torch
from torch import nn

from lwcourse.blocks import ChannelShuffle, channel_shuffle
from lwcourse.connectivity import (
    chain,
    connectivity_matrix,
    draw_channel_graph,
    group_mask,
    permutation_mask,
    reached_groups,
)


def test_group_mask_is_block_diagonal():
    m = group_mask(4, 6, 2)
    assert m.tolist() == [[1, 1, 1, 0, 0, 0], [1, 1, 1, 0, 0, 0],
                          [0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 1]]
    assert group_mask(3, 5, 1).sum() == 15


@pytest.mark.parametrize("c_in,c_out,groups,k", [(12, 12, 3, 1), (8, 16, 4, 3), (6, 6, 6, 3),
                                                 (5, 7, 1, 1)])
def test_single_conv_measured_equals_mask(c_in, c_out, groups, k):
    torch.manual_seed(0)
    conv = nn.Conv2d(c_in, c_out, k, padding=k // 2, groups=groups)
    assert torch.equal(connectivity_matrix(conv, c_in), group_mask(c_out, c_in, groups))


@pytest.mark.parametrize("channels,groups", [(12, 3), (16, 4), (8, 2)])
def test_stacked_group_convs_with_and_without_shuffle(channels, groups):
    torch.manual_seed(0)
    c1 = nn.Conv2d(channels, channels, 1, groups=groups, bias=False)
    c2 = nn.Conv2d(channels, channels, 3, padding=1, groups=groups, bias=False)
    mask = group_mask(channels, channels, groups)
    plain = connectivity_matrix(nn.Sequential(c1, c2), channels)
    assert torch.equal(plain, mask)  # still block-diagonal
    shuffled = connectivity_matrix(nn.Sequential(c1, ChannelShuffle(groups), c2), channels)
    assert shuffled.all()  # every output sees every input
    per = channels // groups
    perm = [g * per + i for i in range(per) for g in range(groups)]
    assert torch.equal(shuffled, chain(mask, permutation_mask(perm), mask))
    # a plain function (float32) gives the same answer as the module (float64)
    assert torch.equal(connectivity_matrix(lambda x: c2(channel_shuffle(c1(x), groups)),
                                           channels), shuffled)


def test_module_is_not_modified():
    conv = nn.Conv2d(4, 4, 1).train()
    weight = conv.weight.detach().clone()
    connectivity_matrix(conv, 4)
    assert conv.training and conv.weight.dtype == torch.float32
    assert torch.equal(conv.weight, weight)


def test_permutation_mask_and_chain():
    p = permutation_mask([2, 0, 1])
    x = torch.tensor([10.0, 20.0, 30.0])
    assert (p.float() @ x).tolist() == [30.0, 10.0, 20.0]  # x[[2, 0, 1]]
    assert torch.equal(chain(p, p, p), torch.eye(3, dtype=torch.long))
    assert torch.equal(chain(group_mask(4, 4, 2)), group_mask(4, 4, 2))


def test_bad_arguments():
    with pytest.raises(ValueError, match="permutation"):
        permutation_mask([0, 0, 1])
    with pytest.raises(ValueError, match="groups=3 must divide"):
        group_mask(4, 6, 3)
    with pytest.raises(ValueError, match="cannot follow"):
        chain(group_mask(4, 4, 2), group_mask(6, 6, 2))
    with pytest.raises(ValueError, match="at least one"):
        chain()
    with pytest.raises(ValueError, match="in_channels"):
        connectivity_matrix(nn.Identity(), 0)


def test_reached_groups_and_drawing():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = group_mask(6, 6, 3)
    shuffle = permutation_mask([0, 2, 4, 1, 3, 5])
    plain = reached_groups([m, m], 3)
    assert plain[0] == plain[-1] == [{0}, {0}, {1}, {1}, {2}, {2}]
    mixed = reached_groups([m, shuffle, m], 3)
    assert mixed[2] == [{0}, {1}, {2}, {0}, {1}, {2}]  # after the shuffle
    assert mixed[-1] == [{0, 1}, {0, 1}, {2, 0}, {2, 0}, {1, 2}, {1, 2}]
    ax = draw_channel_graph([m, shuffle, m], 3, ["GConv", "shuffle", "GConv"], title="t")
    assert len(ax.lines) == 3 * 4 + 6 + 3 * 4  # one line per dependence
    assert [t.get_text() for t in ax.get_xticklabels()] == ["input", "GConv", "shuffle", "GConv"]
    plt.close(ax.figure)


def test_shuffle_permutation_is_channel_shuffle_and_inverts():
    from lwcourse.blocks import channel_shuffle
    from lwcourse.connectivity import inverse_permutation, shuffle_permutation

    x = torch.randn(2, 12, 3, 3)
    perm = shuffle_permutation(12, 3)
    assert torch.equal(channel_shuffle(x, 3), x[:, perm])
    assert torch.equal(x[:, perm][:, inverse_permutation(perm)], x)
    assert inverse_permutation(perm) == shuffle_permutation(12, 4)
    with pytest.raises(ValueError, match="groups"):
        shuffle_permutation(10, 3)
    with pytest.raises(ValueError, match="permutation"):
        inverse_permutation([0, 0, 1])


def test_group_counts():
    from lwcourse.connectivity import group_counts, shuffle_permutation

    assert torch.equal(group_counts(list(range(6)), 3), torch.diag(torch.tensor([2, 2, 2])))
    assert torch.equal(group_counts(shuffle_permutation(12, 3), 3),
                       torch.tensor([[2, 1, 1], [1, 2, 1], [1, 1, 2]]))  # C/g = 4 channels
    assert int(group_counts(shuffle_permutation(18, 3), 3).min()) == 2  # C/g = 6: 2 each
    with pytest.raises(ValueError, match="groups"):
        group_counts([0, 1, 2], 2)
