"""Register QLLM (and this package's tasks) with BenchMARL and Hydra, without editing BenchMARL."""

from __future__ import annotations

_registered = False


def register() -> None:
    """Make ``qllm`` and the packaged task families known to BenchMARL and Hydra (idempotent).

    * ``qllm``: BenchMARL's algorithm registry and Hydra's ConfigStore (``algorithm/qllm_config``).
    * tasks ``lbforaging/*`` and ``matrix/*``: see :mod:`benchmarl_qllm.environments.registry`
      (BenchMARL's ``task_config_registry`` / ``_task_class_registry`` and ConfigStore
      ``task/<env>_<task>_config``). ``lbforaging`` itself is only imported when an LBF
      environment is built.
    * task descriptions of every family (for LLM prompts): :mod:`benchmarl_qllm.environments`.
    * BenchMARL's default experiment (wandb logger, evaluation videos) made to run without
      W&B credentials or a video-capable torchvision: :mod:`benchmarl_qllm.logging_defaults`.
    """
    global _registered
    if _registered:
        return
    from benchmarl.algorithms import algorithm_config_registry
    from hydra.core.config_store import ConfigStore

    from benchmarl_qllm.algorithms import QllmConfig
    from benchmarl_qllm.environments import register_tasks
    from benchmarl_qllm.logging_defaults import (
        install_video_fallback,
        use_wandb_offline_without_credentials,
    )
    from benchmarl_qllm.environments import register_descriptions

    algorithm_config_registry["qllm"] = QllmConfig
    ConfigStore.instance().store(name="qllm_config", group="algorithm", node=QllmConfig)
    register_tasks()
    register_descriptions()
    use_wandb_offline_without_credentials()
    install_video_fallback()
    _registered = True
