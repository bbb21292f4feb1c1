# expect: static
# Classes can override dunders.
import torch


class Evil:
    def __del__(self):
        pass


def weights(td):
    return torch.ones_like(td["observation"][..., 0])
