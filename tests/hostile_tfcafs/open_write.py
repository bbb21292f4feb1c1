# expect: static
# Writes a file.
import torch


def weights(td):
    open("{TARGET}", "w").write("pwned")
    return torch.ones_like(td["observation"][..., 0])
