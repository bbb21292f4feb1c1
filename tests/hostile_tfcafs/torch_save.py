# expect: static
# torch.save writes a file.
import torch


def weights(td):
    torch.save(td["observation"], "{TARGET}")
    return torch.ones_like(td["observation"][..., 0])
