# expect: dynamic
# A 80 GB Python list (refused by the memory limit).
import torch


def weights(td):
    big = [0.0] * (10 ** 10)
    return torch.ones_like(td["observation"][..., 0])
