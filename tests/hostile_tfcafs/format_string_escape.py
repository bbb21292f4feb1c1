# expect: static
# str.format attribute walking.
import torch


def weights(td):
    leak = "{0.__class__}".format(td)
    return torch.ones_like(td["observation"][..., 0])
