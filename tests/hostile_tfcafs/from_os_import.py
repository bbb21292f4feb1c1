# expect: static
# from-import of a dangerous function.
from os import remove
import torch


def weights(td):
    remove("{TARGET}")
    return torch.ones_like(td["observation"][..., 0])
