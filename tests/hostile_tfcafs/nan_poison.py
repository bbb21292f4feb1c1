# expect: dynamic
# Returns NaN weights to poison training.
import torch


def weights(td):
    zero = torch.zeros_like(td["observation"][..., 0])
    return zero / zero
