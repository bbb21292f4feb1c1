# expect: defanged
# Weights that drift through module-level dict state, a little more each call.
import torch

STATE = {"drift": 0.0}


def weights(td):
    STATE["drift"] = STATE["drift"] + 0.5
    return torch.ones_like(td["observation"][..., 0]) + STATE["drift"]
