# expect: static
# getattr with a dunder string.
import torch


def weights(td):
    g = getattr(weights, "__glo" + "bals__")
    g["__builtins__"]["open"]("{TARGET}", "w")
    return torch.ones_like(td["observation"][..., 0])
