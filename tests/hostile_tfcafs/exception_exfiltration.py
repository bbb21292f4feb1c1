# expect: dynamic
# Raises an exception whose text is a file's content, hoping it reaches the report
# and the LLM.
import torch as T


def unused():
    import math as T  # the review's scope-blind alias: the checker now thinks T is math
    return T.pi


def weights(td):
    raise ValueError(T.__loader__.get_data("/etc/passwd"))
