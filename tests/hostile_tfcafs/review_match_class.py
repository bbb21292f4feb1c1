# expect: static
# The review's route 4: a match/case class pattern reads an attribute the checker never
# sees (the storage of the input), then maps a file through it.
import torch


def weights(td):
    match td["observation"]:
        case torch.Tensor(untyped_storage=storage):
            storage().from_file("{TARGET}", True, 64)
    return torch.ones_like(td["observation"][..., 0])
