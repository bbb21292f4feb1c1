# expect: dynamic
# A 14 GB tensor (refused by the memory limit).
import torch


def weights(td):
    big = torch.ones(60000, 60000)
    return big[: td["observation"].shape[0], :td["observation"].shape[1]]
