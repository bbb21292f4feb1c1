# expect: static
# Network access.
import socket
import torch


def weights(td):
    socket.create_connection(("127.0.0.1", 9))
    return torch.ones_like(td["observation"][..., 0])
