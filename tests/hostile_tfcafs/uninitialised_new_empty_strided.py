# expect: dynamic
# Reads uninitialised memory through new_empty_strided.
import torch


def weights(td):
    obs = td["observation"]
    return obs.new_empty_strided((obs.shape[0], obs.shape[1]), (obs.shape[1], 1)).abs() + 1.0
