"""benchmarl-qllm: QLLM (LLM-written training-free credit assignment) for BenchMARL."""

__version__ = "0.1.0"

import os as _os

from benchmarl_qllm.registration import register

# The jail worker (benchmarl_qllm.credit.jail) needs torch and credit/ only: no BenchMARL,
# Hydra or task registration, which would only slow its start.
if _os.environ.get("QLLM_JAIL_WORKER") != "1":
    register()

from benchmarl_qllm.algorithms import Qllm, QllmConfig  # noqa: E402

__all__ = ["Qllm", "QllmConfig", "register", "__version__"]
