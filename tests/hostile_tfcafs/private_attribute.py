# expect: static
# Reads the input view's private storage.
import torch


def weights(td):
    entries = td._entries
    return torch.ones_like(td["observation"][..., 0])
