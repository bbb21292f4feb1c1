# expect: static
# Frame walking from a generator.
import torch


def weights(td):
    gen = (x for x in [1])
    frame = gen.gi_frame.f_back
    frame.f_globals["open"]("{TARGET}", "w")
    return torch.ones_like(td["observation"][..., 0])
