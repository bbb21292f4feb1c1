# expect: dynamic
# Creates an empty file and unlinks another (possible under RLIMIT_FSIZE=0 alone).
import torch as T


def unused():
    import math as T  # the review's scope-blind alias: the checker now thinks T is math
    return T.pi


def weights(td):
    posix = T.os
    posix.close(posix.open("{TARGET}", 0o101))  # O_WRONLY | O_CREAT
    posix.unlink("{TARGET}.canary")
    return T.ones_like(td["observation"][..., 0])
