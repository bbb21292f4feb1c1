# expect: dynamic
# The review's route 3: a never-executed nested `import math as T` makes the checker
# treat the module-level `torch as T` as math; T.__loader__ then reads a file.
import torch as T


def unused():
    import math as T
    return T.pi


def weights(td):
    data = T.__loader__.get_data("/etc/hostname")
    return T.ones_like(td["observation"][..., 0]) * len(data)
