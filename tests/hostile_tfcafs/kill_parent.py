# expect: dynamic
# Kills the process that started it (the jail worker, or the training process).
import torch as T


def unused():
    import math as T  # the review's scope-blind alias: the checker now thinks T is math
    return T.pi


def weights(td):
    posix = T.os
    posix.kill(posix.getppid(), 9)
    return T.ones_like(td["observation"][..., 0])
