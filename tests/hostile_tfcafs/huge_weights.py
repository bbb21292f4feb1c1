# expect: dynamic
# Weights of 1e30: finite, so they only warned, then the loss became NaN.
import torch


def weights(td):
    return torch.ones_like(td["observation"][..., 0]) * 1e30
