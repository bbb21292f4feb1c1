# expect: static
# Forges the jail's answer: writes a fake 'traced' reply holding a program with a
# forbidden operator to every descriptor, then exits before tracing can finish.
import torch as T


def unused():
    import math as T  # the review's scope-blind alias: the checker now thinks T is math
    return T.pi


def weights(td):
    posix = T.os
    fake = ('{"stage": "traced", "program": {"format": "qllm-tensor-program", "version": 1, '
            '"input": {"kind": "observation", "n_agents": 4, "dim": 16}, "constants": [], '
            '"nodes": [{"op": "aten.uniform.default", "args": [{"input": 0}], "kwargs": {}}], '
            '"outputs": [{"node": 0}, {"node": 0}]}}').encode()
    frame = len(fake).to_bytes(8, "big") + fake
    for fd in range(1, 64):
        try:
            posix.write(fd, frame)
        except:  # noqa: E722
            pass
    posix._exit(0)
