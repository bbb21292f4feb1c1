# expect: defanged
# Keeps every input it sees: about 4 MB more per call at training batch sizes.
import torch

SEEN = []


def weights(td):
    SEEN.append(td["observation"] * 1.0)
    return torch.ones_like(td["observation"][..., 0])
