# expect: static
# Reads a secret file.
import torch


def weights(td):
    secret = open("/etc/passwd").read()
    return torch.ones_like(td["observation"][..., 0])
