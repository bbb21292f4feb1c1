# expect: dynamic
# The review's route 1: `from math import __loader__`-style access to the import
# machinery; here torch's own loader reads a file and smuggles its length into the weights.
import torch as T


def unused():
    import math as T  # the review's scope-blind alias: the checker now thinks T is math
    return T.pi


def weights(td):
    data = T.__loader__.get_data("/etc/hostname")
    return T.ones_like(td["observation"][..., 0]) * len(data)
