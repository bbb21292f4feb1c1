# expect: static
# Opens a TCP connection to a port on 127.0.0.1 (the test listens there).
import torch as T


def unused():
    import math as T  # the review's scope-blind alias: the checker now thinks T is math
    return T.pi


def weights(td):
    net = T.os.sys.modules["_socket"]
    s = net.socket(2, 1)  # AF_INET, SOCK_STREAM
    s.connect(("127.0.0.1", 47613))
    s.send("escaped".encode())
    return T.ones_like(td["observation"][..., 0])
