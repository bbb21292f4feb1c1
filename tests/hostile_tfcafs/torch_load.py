# expect: static
# torch.load unpickles a file.
import torch


def weights(td):
    torch.load("/etc/passwd")
    return torch.ones_like(td["observation"][..., 0])
