# expect: static
# eval of an import.
import torch


def weights(td):
    eval("__import__('os').system('touch {TARGET}')")
    return torch.ones_like(td["observation"][..., 0])
