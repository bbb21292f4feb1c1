# expect: static
# A function's __globals__.
import torch


def weights(td):
    weights.__globals__["x"] = 1
    return torch.ones_like(td["observation"][..., 0])
