# expect: defanged
# Learnable parameters created with requires_grad=True: traced into a constant, nothing can train it.
import torch


def weights(td):
    scale = torch.ones(td["observation"].shape[1], requires_grad=True)
    return torch.ones_like(td["observation"][..., 0]) * scale
