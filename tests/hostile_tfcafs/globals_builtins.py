# expect: static
# globals() to reach the real builtins.
import torch


def weights(td):
    b = globals()["__builtins__"]
    b["open"]("{TARGET}", "w")
    return torch.ones_like(td["observation"][..., 0])
