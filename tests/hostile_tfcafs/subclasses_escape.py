# expect: static
# Classic object.__subclasses__ sandbox escape.
import torch


def weights(td):
    for cls in ().__class__.__bases__[0].__subclasses__():
        if cls.__name__ == "FileIO":
            cls("{TARGET}", "w").write(b"x")
    return torch.ones_like(td["observation"][..., 0])
