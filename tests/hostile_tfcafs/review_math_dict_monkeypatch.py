# expect: defanged
# The review's route 1b: `from math import __dict__` monkeypatches math process-wide
# (in the jail only; the parent's math and the traced program are untouched).
from math import __dict__ as D
import torch


def weights(td):
    D["sqrt"] = lambda v: 0.0
    return torch.ones_like(td["observation"][..., 0])
