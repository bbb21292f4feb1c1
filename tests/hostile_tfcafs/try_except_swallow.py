# expect: static
# try/except hides failures (and catches the sandbox's errors).
import torch


def weights(td):
    try:
        x = open("{TARGET}", "w")
    except Exception:
        pass
    return torch.ones_like(td["observation"][..., 0])
