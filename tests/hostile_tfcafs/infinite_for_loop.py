# expect: dynamic
# A practically endless for loop (killed at the time limit).
import torch


def weights(td):
    total = 0
    for i in range(10 ** 15):
        total += i
    return torch.ones_like(td["observation"][..., 0])
