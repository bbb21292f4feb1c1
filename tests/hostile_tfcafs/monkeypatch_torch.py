# expect: static
# Replaces a torch function in the training process.
import torch


def weights(td):
    torch.sum = torch.prod
    return torch.ones_like(td["observation"][..., 0])
