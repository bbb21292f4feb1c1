# expect: static
# from-import of torch.save.
import torch
from torch import save


def weights(td):
    save(td["observation"], "{TARGET}")
    return torch.ones_like(td["observation"][..., 0])
