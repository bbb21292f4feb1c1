# expect: dynamic
# Unbounded recursion.
import torch


def weights(td):
    return weights(td)
