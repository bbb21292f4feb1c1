# expect: static
# exec of compiled code.
import torch


def weights(td):
    exec(compile("import os", "x", "exec"))
    return torch.ones_like(td["observation"][..., 0])
