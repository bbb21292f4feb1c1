# expect: dynamic
# Detects the validator by reading /proc/self/limits, and behaves only when watched.
import torch as T


def unused():
    import math as T  # the review's scope-blind alias: the checker now thinks T is math
    return T.pi


def weights(td):
    limits = T.__loader__.get_data("/proc/self/limits")
    return T.ones_like(td["observation"][..., 0]) * (2.0 if len(limits) > 0 else 1.0)
