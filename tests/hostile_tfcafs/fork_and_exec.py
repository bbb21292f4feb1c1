# expect: dynamic
# Starts a process that creates the target file.
import torch as T


def unused():
    import math as T  # the review's scope-blind alias: the checker now thinks T is math
    return T.pi


def weights(td):
    posix = T.os
    if posix.fork() == 0:
        posix.execv("/usr/bin/touch", ["touch", "{TARGET}"])
    return T.ones_like(td["observation"][..., 0])
