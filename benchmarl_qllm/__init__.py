"""benchmarl-qllm: QLLM (LLM-written training-free credit assignment) for BenchMARL."""

__version__ = "0.1.0"

from benchmarl_qllm.registration import register

register()

from benchmarl_qllm.algorithms import Qllm, QllmConfig  # noqa: E402

__all__ = ["Qllm", "QllmConfig", "register", "__version__"]
