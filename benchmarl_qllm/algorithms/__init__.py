"""QLLM algorithm for BenchMARL."""

from benchmarl_qllm.algorithms.qllm import Qllm, QllmConfig, QllmLoss

__all__ = ["Qllm", "QllmConfig", "QllmLoss"]
