# expect: defanged
# Behaves on the first call, then writes into its input on every later call.
import torch

CALLS = [0]


def weights(td):
    CALLS[0] = CALLS[0] + 1
    obs = td["observation"]
    if CALLS[0] > 1:
        obs.mul_(0.0)
    return torch.ones_like(obs[..., 0])
