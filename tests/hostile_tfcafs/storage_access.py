# expect: static
# Raw storage of the input.
import torch


def weights(td):
    s = td["observation"].untyped_storage()
    return torch.ones_like(td["observation"][..., 0])
