# expect: defanged
# A time bomb: a mutable default argument counts calls and returns NaN after 200.
import torch


def weights(td, calls=[0]):
    calls[0] = calls[0] + 1
    scale = float("nan") if calls[0] > 200 else 1.0
    return torch.ones_like(td["observation"][..., 0]) * scale
