"""Register QLLM (and this package's tasks) with BenchMARL and Hydra, without editing BenchMARL."""

from __future__ import annotations

_registered = False


def register() -> None:
    """Add ``qllm`` to BenchMARL's algorithm registry and Hydra's ConfigStore (idempotent)."""
    global _registered
    if _registered:
        return
    from benchmarl.algorithms import algorithm_config_registry
    from hydra.core.config_store import ConfigStore

    from benchmarl_qllm.algorithms import QllmConfig

    algorithm_config_registry["qllm"] = QllmConfig
    ConfigStore.instance().store(name="qllm_config", group="algorithm", node=QllmConfig)
    _registered = True
