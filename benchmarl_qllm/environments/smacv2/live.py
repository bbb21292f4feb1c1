"""Specs and states of ``smacv2/*`` from the live game where it runs, from formulas where not.

Running SMACv2 needs the ``smacv2`` package (installed from its git repository, not on PyPI)
*and* the StarCraft II binary with the SMAC maps, which many machines do not have. Both the
spec reader and the state sampler therefore have two routes:

* **Live** (``smacv2`` importable and StarCraft II launches): :func:`smacv2_env_spec` builds the
  env exactly as BenchMARL does and reads its specs; the layout of
  :mod:`~benchmarl_qllm.environments.smacv2.layout` is additionally checked name by name
  against smacv2's own ``get_state_feature_names()``. :func:`smacv2_sample_states` returns
  states from a random-action rollout of the real game.
* **Formula** (``ImportError`` or a StarCraft II launch failure): the sizes are computed from
  the BenchMARL task config with smacv2's formulas (``get_state_size``, ``n_actions``), a
  warning is logged, and ``EnvSpec.config["qllm_spec_source"]`` says so.
  :func:`~benchmarl_qllm.environments.smacv2.states.synthetic_smacv2_states` then
  *synthesizes* plausible states of exactly that layout; they are NOT game states.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
from typing import Any, Dict, Mapping, Optional, Sequence

import torch

from benchmarl_qllm.credit.function import STATE_KEY
from benchmarl_qllm.environments.description import LayoutMismatchError
from benchmarl_qllm.environments.sampling import (
    EnvSpec,
    _preserved_rng,
    benchmarl_sample_states,
    make_benchmarl_env,
    spec_from_env,
    task_config,
)
from benchmarl_qllm.environments.smacv2.layout import Smacv2Layout, smacv2_layout
from benchmarl_qllm.environments.smacv2.states import synthetic_smacv2_states

logger = logging.getLogger(__name__)

SPEC_SOURCE_KEY = "qllm_spec_source"


# Env spec: live env first, smacv2's formulas as the fallback ----------------------------------
_LAUNCH_ERROR_MODULES = ("pysc2", "s2clientprotocol", "smacv2", "absl", "websocket", "portpicker")


def smacv2_unavailable_reason() -> Optional[str]:
    """Why the live env cannot even be tried (``None`` when ``smacv2`` is importable)."""
    if importlib.util.find_spec("smacv2") is None:
        return (
            "the smacv2 package is not installed (ImportError; install it from "
            "https://github.com/oxwhirl/smacv2 and StarCraft II, see the README)"
        )
    return None


def is_launch_failure(exc: BaseException) -> bool:
    """``True`` for errors meaning "smacv2 / StarCraft II is missing or did not start".

    ImportError, OS errors (missing binary or map, refused connection) and anything raised by
    pysc2 / s2clientprotocol / smacv2 (``SC2LaunchError``, ``NoMapError``, protocol errors),
    also when chained. Other errors (a bad task config, a bug) are not launch failures.
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (ImportError, OSError, TimeoutError)):
            return True
        module = type(exc).__module__ or ""
        if module.split(".")[0] in _LAUNCH_ERROR_MODULES or "LaunchError" in type(exc).__name__:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def formula_env_spec(task: str, overrides: Optional[Mapping[str, Any]] = None,
                     source: str = "formula") -> EnvSpec:
    """The :class:`EnvSpec` of a SMACv2 task from its BenchMARL config and smacv2's formulas."""
    config = task_config(task, overrides or {})
    layout = smacv2_layout(config)
    config[SPEC_SOURCE_KEY] = source
    return EnvSpec(
        task=task.lower(),
        n_agents=layout.n_agents,
        input_kind=STATE_KEY,
        input_dim=layout.state_dim,
        input_key=(STATE_KEY,),
        n_actions=layout.n_actions,
        config=config,
    )


def check_feature_names(task: str, layout: Smacv2Layout, live_names: Sequence[str]) -> None:
    """Raise :class:`LayoutMismatchError` unless smacv2's live state feature names are exactly
    the ones this layout describes (same features, same order)."""
    expected = layout.feature_names()
    live = list(live_names)
    if live == expected:
        return
    problems = []
    if len(live) != len(expected):
        problems.append(f"the live state has {len(live)} features, the layout {len(expected)}")
    for index, (want, got) in enumerate(zip(expected, live)):
        if want != got:
            problems.append(f"feature {index}: layout says '{want}', smacv2 says '{got}'")
            if len(problems) >= 6:
                break
    raise LayoutMismatchError(
        f"{task}: the described SMACv2 state layout does not match the live env "
        f"(smacv2 changed?):\n  - " + "\n  - ".join(problems)
    )


def _fallback(task: str, overrides: Mapping[str, Any], reason: str) -> EnvSpec:
    spec = formula_env_spec(task, overrides, source=f"formula ({reason})")
    logger.warning(
        "%s: the live SMACv2 env is unavailable: %s. Using sizes computed from smacv2's "
        "formulas (%d agents, state_dim %d, %d actions); they are checked against the live env "
        "wherever StarCraft II runs.",
        task, reason, spec.n_agents, spec.input_dim, spec.n_actions,
    )
    return spec


def smacv2_env_spec(task: str, overrides: Dict[str, Any]) -> EnvSpec:
    """Spec reader for ``smacv2/*``: the live env (as BenchMARL builds it) when StarCraft II
    runs, checked against the formula layout; otherwise the formula spec (logged)."""
    reason = smacv2_unavailable_reason()
    if reason is not None:
        return _fallback(task, overrides, reason)
    with _preserved_rng():
        try:
            task_class, env = make_benchmarl_env(task, overrides, num_envs=1, seed=0)
        except Exception as exc:  # noqa: BLE001 - re-raised unless a launch failure
            if not is_launch_failure(exc):
                raise
            reason = f"StarCraft II did not start: {type(exc).__name__}: {exc}"
            return _fallback(task, overrides, reason)
        try:
            spec = spec_from_env(task, task_class, env)
            names_fn = getattr(env, "get_state_feature_names", None)
            live_names = list(names_fn()) if callable(names_fn) else None
        finally:
            env.close()
    layout = smacv2_layout(spec.config)
    if live_names is not None:
        check_feature_names(task, layout, live_names)
    config = dict(spec.config)
    config[SPEC_SOURCE_KEY] = "live"
    return dataclasses.replace(spec, config=config)


# States ------------------------------------------------------------------------------------------
_WARNED_SYNTHETIC = set()


def smacv2_sample_states(task: str, n: int, seed: int, overrides: Dict[str, Any]) -> torch.Tensor:
    """State sampler for ``smacv2/*``: real states from a random-action rollout of the game when
    StarCraft II runs; otherwise :func:`synthetic_smacv2_states` (logged once per task)."""
    reason = smacv2_unavailable_reason()
    if reason is None:
        try:
            return benchmarl_sample_states(task, n, seed, overrides)
        except Exception as exc:  # noqa: BLE001 - classified below
            if not is_launch_failure(exc):
                raise
            reason = f"StarCraft II did not start: {type(exc).__name__}: {exc}"
    if task not in _WARNED_SYNTHETIC:
        _WARNED_SYNTHETIC.add(task)
        logger.warning(
            "%s: %s. Returning SYNTHETIC states of the exact smacv2 state layout (not game "
            "states); install smacv2 + StarCraft II to validate on real states.", task, reason,
        )
    return synthetic_smacv2_states(task, n, seed, overrides)
