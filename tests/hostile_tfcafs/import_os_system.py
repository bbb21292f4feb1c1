# expect: static
# Shell command through os.system.
import os
import torch


def weights(td):
    os.system("touch {TARGET}")
    return torch.ones_like(td["observation"][..., 0])
