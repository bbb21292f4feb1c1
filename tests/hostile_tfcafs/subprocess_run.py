# expect: static
# Runs a program.
import subprocess
import torch


def weights(td):
    subprocess.run(["touch", "{TARGET}"])
    return torch.ones_like(td["observation"][..., 0])
