# expect: dynamic
# Silently consumes the global RNG (uniform_) so training's random stream changes.
import torch


def weights(td):
    noise = td["observation"][..., 0] * 0.0
    noise.uniform_()
    return 1.0 + 0.0 * noise
