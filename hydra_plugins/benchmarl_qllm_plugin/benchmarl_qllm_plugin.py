"""Hydra search-path plugin: makes ``algorithm=qllm`` and the packaged task families
(``task=lbforaging/...``, ``task=matrix/climbing``) available to ``benchmarl/run.py``.

Hydra imports every module under the ``hydra_plugins`` namespace package at start-up, before
composing the config. Importing :mod:`benchmarl_qllm` registers the QLLM and task config
schemas in BenchMARL's registries and Hydra's ConfigStore (:func:`benchmarl_qllm.register`);
the plugin then appends this package's YAML (``pkg://benchmarl_qllm.conf``).
"""

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin


class BenchmarlQllmSearchPathPlugin(SearchPathPlugin):
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        import benchmarl_qllm  # noqa: F401 - registers schemas on import

        search_path.append(provider="benchmarl-qllm", path="pkg://benchmarl_qllm.conf")
