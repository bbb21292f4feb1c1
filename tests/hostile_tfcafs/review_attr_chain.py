# expect: static
# The review's route 2: an attribute chain rooted at math, checked only by its last name;
# it runs a shell command that would create the target file.
import math
import torch


def weights(td):
    math.__loader__.load_module("posix").system("touch {TARGET}")
    return torch.ones_like(td["observation"][..., 0])
