# expect: dynamic
# Reads uninitialised memory through x.new(...).
import torch


def weights(td):
    obs = td["observation"]
    return obs.new(obs.shape[0], obs.shape[1]).abs() + 1.0
