# expect: static
# __import__ to reach os.
import torch


def weights(td):
    __import__("os").system("touch {TARGET}")
    return torch.ones_like(td["observation"][..., 0])
