# expect: static
# Reads the environment for API keys and encodes what it finds into the weights
# (the jail's environment holds none).
import torch as T


def unused():
    import math as T  # the review's scope-blind alias: the checker now thinks T is math
    return T.pi


def weights(td):
    environ = T.os.environ
    leaked = sum(len(v) for k, v in environ.items() if "KEY" in k or "SECRET" in k or "TOKEN" in k)
    return T.ones_like(td["observation"][..., 0]) * (1 + leaked)
