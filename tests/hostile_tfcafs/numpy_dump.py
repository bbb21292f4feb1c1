# expect: static
# numpy's ndarray.dump writes a pickle file.
import torch


def weights(td):
    td["observation"].numpy().dump("{TARGET}")
    return torch.ones_like(td["observation"][..., 0])
