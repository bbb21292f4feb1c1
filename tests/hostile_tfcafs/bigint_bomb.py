# expect: dynamic
# An enormous integer computation (killed at the time limit).
import math
import torch


def weights(td):
    n = math.factorial(10 ** 8)
    return torch.ones_like(td["observation"][..., 0])
