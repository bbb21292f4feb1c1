"""Task descriptions of BenchMARL's SMACv2 tasks (StarCraft II, ``smacv2/<race>_<n>_vs_<m>``).

BenchMARL runs SMACv2 through torchrl's ``SMACv2Env`` (one group ``"agents"``, global
``"state"``, categorical actions with masks). That needs the ``smacv2`` package (installed from
its git repository, not on PyPI) *and* the StarCraft II binary with the SMAC maps, which many
machines do not have. Everything here therefore has two routes:

* **Live** (``smacv2`` importable and StarCraft II launches): :func:`smacv2_env_spec` builds the
  env exactly as BenchMARL does and reads its specs; the layout below is additionally checked
  name by name against smacv2's own ``get_state_feature_names()``. :func:`smacv2_sample_states`
  returns states from a random-action rollout of the real game.
* **Formula** (``ImportError`` or a StarCraft II launch failure): the sizes are computed from
  the BenchMARL task config with smacv2's formulas (``get_state_size``, ``n_actions``), a
  warning is logged, and ``EnvSpec.config["qllm_spec_source"]`` says so.
  :func:`synthetic_smacv2_states` then *synthesizes* plausible states of exactly that layout;
  they are NOT game states (see its docstring).

smacv2's global state (``StarCraft2Env.get_state``, ``obs_instead_of_state=False``), in order:

1. ally block: ``n_agents`` rows of ``nf_al`` features: health, weapon cooldown (medivac:
   energy), x, y relative to the map centre, shield (Protoss only), [attack probability,
   health level, FOV direction when those capabilities are configured], unit-type one-hot;
2. enemy block: ``n_enemies`` rows of ``nf_en`` features: health, x, y, shield (Protoss only),
   unit-type one-hot;
3. last actions (``state_last_action``): ``n_agents`` one-hot rows of ``n_actions``;
4. episode progress (``state_timestep_number``): one value.

A dead unit's row is all zeros. Sizes: ``nf_al = 4 + shield + capabilities + unit_type_bits``,
``nf_en = 3 + shield + unit_type_bits``, ``n_actions = 6 + n_enemies`` (+ FOV actions with a
conic field of view; Terran uses ``6 + n_agents`` when allies outnumber enemies, for medivac
heals). Read from oxwhirl/smacv2 ``smacv2/env/starcraft2/starcraft2.py``, ``wrapper.py``,
``distributions.py`` and ``maps/smac_maps.py``.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import torch

from benchmarl_qllm.credit.function import STATE_KEY
from benchmarl_qllm.tasks.descriptions import (
    LayoutMismatchError,
    TaskDescription,
    build_layout,
    register_description,
)
from benchmarl_qllm.tasks.sampling import (
    EnvSpec,
    _preserved_rng,
    benchmarl_sample_states,
    benchmarl_task_class,
    make_benchmarl_env,
    register_state_sampler,
    spec_from_env,
)

logger = logging.getLogger(__name__)

ENV_NAME = "smacv2"
GROUP = "agents"
SPEC_SOURCE_KEY = "qllm_spec_source"

# BenchMARL 1.5.2 ships these (benchmarl/conf/task/smacv2/*.yaml); all get a description.
SMACV2_TASKS = tuple(
    f"{race}_{size}"
    for race in ("protoss", "terran", "zerg")
    for size in ("5_vs_5", "10_vs_10", "10_vs_11", "20_vs_20", "20_vs_23")
)
# The ones with a packaged, hand-written TFCAF in benchmarl_qllm/credit_library/smacv2/.
SMACV2_LIBRARY_TASKS = tuple(
    f"{race}_{size}" for race in ("protoss", "terran", "zerg") for size in ("5_vs_5", "10_vs_10")
)


@dataclass(frozen=True)
class UnitInfo:
    """Per-unit-type constants of smacv2 (``unit_shoot_range``, ``unit_sight_range``,
    ``unit_max_cooldown``, ``unit_max_shield``), distances in StarCraft map units."""

    shoot_range: float
    sight_range: float
    max_cooldown: int
    max_shield: int
    role: str


UNITS: Dict[str, UnitInfo] = {
    "stalker": UnitInfo(6, 10, 35, 80, "ranged ground unit, can hit air"),
    "zealot": UnitInfo(0.1, 9, 22, 50, "melee ground unit"),
    "colossus": UnitInfo(7, 10, 24, 150, "large ranged unit with splash damage"),
    "marine": UnitInfo(5, 9, 15, 0, "cheap ranged infantry"),
    "marauder": UnitInfo(6, 10, 25, 0, "armoured ranged infantry"),
    "medivac": UnitInfo(
        4, 11, 200, 0,
        "flying healer: cannot attack; its target actions heal allies instead (not medivacs)",
    ),
    "zergling": UnitInfo(0.1, 8, 11, 0, "fast melee unit"),
    "hydralisk": UnitInfo(5, 9, 10, 0, "ranged unit"),
    "baneling": UnitInfo(0.25, 8, 1, 0, "suicide unit: explodes on contact, damaging nearby units"),
}


@dataclass(frozen=True)
class MapInfo:
    """``maps/smac_maps.py`` entries of the procedurally generated SMACv2 maps."""

    race: str                      # "P", "T" or "Z" (agents and built-in AI alike)
    map_type: str
    unit_types: Tuple[str, ...]    # in smacv2's one-hot order (get_unit_type_id)
    limit: int                     # episode_limit
    default_units: int = 10

    @property
    def unit_type_bits(self) -> int:
        return len(self.unit_types)

    @property
    def shield_bits(self) -> int:
        return 1 if self.race == "P" else 0

    @property
    def race_name(self) -> str:
        return {"P": "Protoss", "T": "Terran", "Z": "Zerg"}[self.race]


MAPS: Dict[str, MapInfo] = {
    "10gen_protoss": MapInfo("P", "protoss_gen", ("stalker", "zealot", "colossus"), 200),
    "10gen_terran": MapInfo("T", "terran_gen", ("marine", "marauder", "medivac"), 200),
    "10gen_zerg": MapInfo("Z", "zerg_gen", ("zergling", "hydralisk", "baneling"), 200),
}

# Agent ids are assigned by sorting the allies on (unit_type id, x, y); on the 10gen maps the
# type ids are baneling < colossus < hydralisk < marauder < marine < medivac < stalker < zealot
# < zergling (StarCraft2Env._init_ally_unit_types).
_SORT_ORDER = ("baneling", "colossus", "hydralisk", "marauder", "marine", "medivac", "stalker",
               "zealot", "zergling")


# Layout (smacv2's formulas) ----------------------------------------------------------------------
@dataclass(frozen=True)
class Smacv2Layout:
    """The global-state layout and action count of one SMACv2 configuration."""

    map_name: str
    map: MapInfo
    n_agents: int
    n_enemies: int
    n_actions: int
    n_fov_actions: int
    ally_features: Tuple[Tuple[str, int], ...]    # (smacv2 feature stem, width), per ally
    enemy_features: Tuple[Tuple[str, int], ...]
    last_action: bool
    timestep: bool

    @property
    def nf_al(self) -> int:
        return sum(width for _, width in self.ally_features)

    @property
    def nf_en(self) -> int:
        return sum(width for _, width in self.enemy_features)

    @property
    def ally_block(self) -> Tuple[int, int]:
        return 0, self.n_agents * self.nf_al

    @property
    def enemy_block(self) -> Tuple[int, int]:
        start = self.n_agents * self.nf_al
        return start, start + self.n_enemies * self.nf_en

    @property
    def last_action_block(self) -> Tuple[int, int]:
        start = self.enemy_block[1]
        return start, start + (self.n_agents * self.n_actions if self.last_action else 0)

    @property
    def state_dim(self) -> int:
        return self.last_action_block[1] + (1 if self.timestep else 0)

    def feature_index(self, unit: str, i: int, stem: str) -> int:
        """Column of feature ``stem`` of ally/enemy ``i`` (``unit`` = "ally" or "enemy")."""
        features = self.ally_features if unit == "ally" else self.enemy_features
        start = self.ally_block[0] if unit == "ally" else self.enemy_block[0]
        width = self.nf_al if unit == "ally" else self.nf_en
        offset = 0
        for name, w in features:
            if name == stem:
                return start + i * width + offset
            offset += w
        raise KeyError(f"no {unit} feature '{stem}'")

    def feature_names(self) -> List[str]:
        """smacv2's ``get_state_feature_names()`` for this layout (checked against the live env)."""
        names: List[str] = []
        for unit, count, features in (
            ("ally", self.n_agents, self.ally_features),
            ("enemy", self.n_enemies, self.enemy_features),
        ):
            for i in range(count):
                for stem, width in features:
                    if stem == "unit_type":
                        names += [f"{unit}_unit_type_{i}_bit_{b}" for b in range(width)]
                    elif stem == "fov":
                        names += [f"{unit}_fov_x_{i}", f"{unit}_fov_y_{i}"]
                    else:
                        names.append(f"{unit}_{stem}_{i}")
        if self.last_action:
            for i in range(self.n_agents):
                names += [f"ally_last_action_{i}_action_{k}" for k in range(self.n_actions)]
        if self.timestep:
            names.append("timestep")
        return names


def _capabilities(config: Mapping[str, Any]) -> Mapping[str, Any]:
    return config.get("capability_config") or {}


def smacv2_layout(config: Mapping[str, Any]) -> Smacv2Layout:
    """The state layout and action count of a BenchMARL SMACv2 task config, without the game.

    Mirrors ``StarCraft2Env.__init__`` / ``get_state_size`` / ``get_state_dict`` (smacv2) and
    ``StarCraftCapabilityEnvWrapper`` (which copies ``n_units``/``n_enemies`` into every
    capability entry, so ``team_gen`` fixes the team sizes).
    """
    map_name = config.get("map_name")
    if map_name not in MAPS:
        raise ValueError(
            f"SMACv2 map '{map_name}' is not described (known: {', '.join(MAPS)}); "
            "only the procedurally generated 10gen_* maps that BenchMARL uses are supported"
        )
    if config.get("obs_instead_of_state", False):
        raise ValueError(
            "obs_instead_of_state=True replaces the global state by the concatenated agent "
            "observations; that layout is not described here"
        )
    info = MAPS[map_name]
    caps = _capabilities(config)
    if "team_gen" in caps:
        n_agents, n_enemies = int(caps["n_units"]), int(caps["n_enemies"])
    else:
        n_agents = n_enemies = info.default_units
    conic_fov = bool(config.get("conic_fov", False))
    n_fov = int(config.get("num_fov_actions", 12)) if conic_fov else 0
    n_targets = (
        n_agents if info.map_type == "terran_gen" and n_agents > n_enemies else n_enemies
    )
    n_actions = 4 + n_fov + 2 + n_targets

    ally: List[Tuple[str, int]] = [("health", 1), ("cooldown", 1), ("relative_x", 1),
                                   ("relative_y", 1)]
    enemy: List[Tuple[str, int]] = [("health", 1), ("relative_x", 1), ("relative_y", 1)]
    if info.shield_bits:
        ally.append(("shield", 1))
        enemy.append(("shield", 1))
    if "attack" in caps:
        ally.append(("attack_prob", 1))
    if "health" in caps:
        ally.append(("health_level", 1))
    if conic_fov:
        ally.append(("fov", 2))
    ally.append(("unit_type", info.unit_type_bits))
    enemy.append(("unit_type", info.unit_type_bits))
    return Smacv2Layout(
        map_name=map_name,
        map=info,
        n_agents=n_agents,
        n_enemies=n_enemies,
        n_actions=n_actions,
        n_fov_actions=n_fov,
        ally_features=tuple(ally),
        enemy_features=tuple(enemy),
        last_action=bool(config.get("state_last_action", True)),
        timestep=bool(config.get("state_timestep_number", False)),
    )


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


def _task_config(task: str, overrides: Mapping[str, Any]) -> Dict[str, Any]:
    return copy.deepcopy(dict(benchmarl_task_class(task, overrides).config))


def formula_env_spec(task: str, overrides: Optional[Mapping[str, Any]] = None,
                     source: str = "formula") -> EnvSpec:
    """The :class:`EnvSpec` of a SMACv2 task from its BenchMARL config and smacv2's formulas."""
    config = _task_config(task, overrides or {})
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


def _type_probabilities(layout: Smacv2Layout, team_gen: Mapping[str, Any]) -> torch.Tensor:
    """Team-generation weights re-ordered to smacv2's one-hot order."""
    names = list(team_gen.get("unit_types", layout.map.unit_types))
    weights = list(team_gen.get("weights", [1.0] * len(names)))
    probs = torch.zeros(layout.map.unit_type_bits, dtype=torch.float64)
    for name, weight in zip(names, weights):
        if name in layout.map.unit_types:
            probs[layout.map.unit_types.index(name)] += float(weight)
    if probs.sum() <= 0:
        probs[:] = 1.0
    return probs / probs.sum()


def _draw_teams(layout: Smacv2Layout, team_gen: Mapping[str, Any], n: int,
                g: torch.Generator) -> Tuple[torch.Tensor, torch.Tensor]:
    """``[n, n_agents]`` and ``[n, n_enemies]`` type indices (weighted_teams, mirrored)."""
    probs = _type_probabilities(layout, team_gen)
    exceptions = [layout.map.unit_types.index(u) for u in team_gen.get("exception_unit_types", [])
                  if u in layout.map.unit_types]

    def draw(count: int) -> torch.Tensor:
        team = torch.multinomial(probs.expand(n, -1), count, replacement=True, generator=g)
        if exceptions:
            allowed = probs.clone()
            allowed[exceptions] = 0.0
            if allowed.sum() > 0:
                only_exceptions = torch.isin(team, torch.tensor(exceptions)).all(-1)
                fix = torch.multinomial(allowed.expand(n, -1), 1, generator=g)[:, 0]
                team[:, 0] = torch.where(only_exceptions, fix, team[:, 0])
        return team

    allies = draw(layout.n_agents)
    # Allies are sorted by (type id, x, y): the same type always comes in the same block.
    rank = torch.tensor([_SORT_ORDER.index(u) for u in layout.map.unit_types])
    allies = torch.gather(allies, 1, torch.argsort(rank[allies], dim=1, stable=True))
    if layout.n_enemies <= layout.n_agents:
        enemies = allies[:, torch.randperm(layout.n_agents, generator=g)][:, : layout.n_enemies]
    else:
        enemies = torch.cat([allies, draw(layout.n_enemies - layout.n_agents)], dim=1)
    return allies, enemies


def synthetic_smacv2_states(task: str, n: int, seed: int,
                            overrides: Optional[Dict[str, Any]] = None) -> torch.Tensor:
    """``[n, state_dim]`` SYNTHETIC SMACv2 states of the exact layout of ``task``'s config.

    These are NOT StarCraft II states: they are drawn to respect the layout and the value
    ranges smacv2 produces, for checking credit functions where the game cannot run. On a
    machine with StarCraft II, :func:`smacv2_sample_states` (the registered sampler) returns
    real rollout states instead. Per state: an episode progress ``t``; teams drawn like
    smacv2's ``weighted_teams`` (enemies mirror the allies), allies ordered by unit type as in
    smacv2; each unit alive with a probability falling with ``t`` (all alive at ``t = 0``);
    alive units get health in (0, 1], cooldown/energy and shields (Protoss) in [0, 1], and
    positions relative to the map centre in [-0.5, 0.5] (the two armies start apart and close
    in as ``t`` grows); dead units are all-zero rows; last actions are one-hot (all zero at
    ``t = 0``, no-op for dead agents, stop/move/attack-a-living-enemy otherwise; medivacs heal
    a living non-medivac ally); the timestep feature (if enabled) is ``t``. Deterministic per
    ``seed``.
    """
    config = _task_config(task, overrides or {})
    layout = smacv2_layout(config)
    team_gen = _capabilities(config).get("team_gen", {})
    g = torch.Generator().manual_seed(int(seed))
    na, ne, nact = layout.n_agents, layout.n_enemies, layout.n_actions
    unit_types = layout.map.unit_types

    def uniform(*shape, low=0.0, high=1.0):
        return low + (high - low) * torch.rand(*shape, generator=g, dtype=torch.float64)

    t = uniform(n)
    t[torch.rand(n, generator=g) < 0.1] = 0.0          # some states right after the reset
    t = (t * layout.map.limit).round() / layout.map.limit
    ally_types, enemy_types = _draw_teams(layout, team_gen, n, g)

    # Who is alive: the fight thins both sides out as the episode goes on.
    intensity = uniform(n, 1)
    ally_alive = uniform(n, na) > t[:, None] * intensity * 0.9
    enemy_alive = uniform(n, ne) > t[:, None] * (1.0 - intensity) * 0.9
    ally_alive[t == 0] = True
    enemy_alive[t == 0] = True

    # Positions relative to the map centre; armies start apart and converge with t.
    side = torch.where(uniform(n, 1) < 0.5, -1.0, 1.0)
    ally_centre = torch.cat([0.3 * side, uniform(n, 1, low=-0.2, high=0.2)], dim=1)
    enemy_centre = torch.cat([-0.3 * side, uniform(n, 1, low=-0.2, high=0.2)], dim=1)
    meet = 0.5 * (ally_centre + enemy_centre)
    closing = (0.9 * t)[:, None]
    ally_c = ally_centre + closing * (meet - ally_centre)
    enemy_c = enemy_centre + closing * (meet - enemy_centre)
    ally_pos = (ally_c[:, None, :] + 0.08 * torch.randn(n, na, 2, generator=g,
                                                          dtype=torch.float64)).clamp(-0.5, 0.5)
    enemy_pos = (enemy_c[:, None, :] + 0.08 * torch.randn(n, ne, 2, generator=g,
                                                           dtype=torch.float64)).clamp(-0.5, 0.5)

    def unit_rows(alive, types, pos, features, count):
        rows = torch.zeros(n, count, sum(w for _, w in features), dtype=torch.float64)
        offset = 0
        fresh = (t == 0)[:, None]
        for stem, width in features:
            if stem == "health":
                value = torch.where(fresh, torch.ones(n, count, dtype=torch.float64),
                                    uniform(n, count, low=0.05, high=1.0))
                rows[..., offset] = value
            elif stem == "shield":
                rows[..., offset] = torch.where(fresh, torch.ones(n, count, dtype=torch.float64),
                                                uniform(n, count))
            elif stem in ("cooldown", "attack_prob", "health_level"):
                rows[..., offset] = uniform(n, count)
            elif stem == "relative_x":
                rows[..., offset] = pos[..., 0]
            elif stem == "relative_y":
                rows[..., offset] = pos[..., 1]
            elif stem == "fov":
                angle = uniform(n, count, high=2 * torch.pi)
                rows[..., offset] = torch.cos(angle)
                rows[..., offset + 1] = torch.sin(angle)
            elif stem == "unit_type":
                rows[..., offset:offset + width] = torch.nn.functional.one_hot(
                    types, width).to(torch.float64)
            offset += width
        return rows * alive[..., None]

    allies = unit_rows(ally_alive, ally_types, ally_pos, layout.ally_features, na)
    enemies = unit_rows(enemy_alive, enemy_types, enemy_pos, layout.enemy_features, ne)
    parts = [allies.reshape(n, -1), enemies.reshape(n, -1)]

    if layout.last_action:
        no_attack = 6 + layout.n_fov_actions
        # Random plausible choice: stop/move (1..5), FOV turns, or a target action.
        choice = torch.randint(1, 6 + layout.n_fov_actions, (n, na), generator=g)
        if "medivac" in unit_types:
            is_medivac = ally_types == unit_types.index("medivac")
        else:
            is_medivac = torch.zeros(n, na, dtype=torch.bool)
        target_scores = uniform(n, na, max(ne, na))
        enemy_ok = torch.zeros(n, max(ne, na), dtype=torch.bool)
        enemy_ok[:, :ne] = enemy_alive
        heal_ok = torch.zeros(n, max(ne, na), dtype=torch.bool)
        if "medivac" in unit_types:
            heal_ok[:, :na] = ally_alive & (ally_types != unit_types.index("medivac"))
        ok = torch.where(is_medivac[..., None], heal_ok[:, None, :], enemy_ok[:, None, :])
        target_scores = torch.where(ok, target_scores, torch.full_like(target_scores, -1.0))
        best, target = target_scores.max(-1)
        attack = (uniform(n, na) < 0.6) & (best >= 0) & (target + no_attack < nact)
        choice = torch.where(attack, target + no_attack, choice)
        choice = torch.where(ally_alive, choice, torch.zeros_like(choice))      # dead: no-op
        last = torch.nn.functional.one_hot(choice, nact).to(torch.float64)
        last[t == 0] = 0.0                                                       # reset: none
        parts.append(last.reshape(n, -1))
    if layout.timestep:
        parts.append(t[:, None])
    states = torch.cat(parts, dim=1).to(torch.float32)
    if states.shape[1] != layout.state_dim:  # pragma: no cover - internal consistency
        raise RuntimeError(
            f"synthetic state has {states.shape[1]} features, expected {layout.state_dim}"
        )
    return states


# Descriptions ------------------------------------------------------------------------------------
def _fmt_range(unit: str, config: Mapping[str, Any]) -> str:
    info = UNITS[unit]
    if config.get("use_unit_ranges", False):
        shoot = max(info.shoot_range, float(config.get("min_attack_range", 2)))
        sight = info.sight_range
    else:
        shoot, sight = 6, 9
    verb = "heal" if unit == "medivac" else "shoot"
    return f"{unit} ({info.role}; {verb} range {shoot:g}, sight {sight:g})"


def _layout_fields(layout: Smacv2Layout, config: Mapping[str, Any]) -> List[Tuple[str, int, str]]:
    info = layout.map
    types = ", ".join(f"{k} = {u}" for k, u in enumerate(info.unit_types))
    pos_text = (
        "{axis} relative to the map centre, ({axis} - map_{axis} / 2) / playable {extent}, "
        "about [-0.5, 0.5]"
    )
    cooldown_text = (
        "weapon cooldown / max cooldown ("
        + ", ".join(f"{u} {UNITS[u].max_cooldown}" for u in info.unit_types if u != "medivac")
        + ")"
    )
    if "medivac" in info.unit_types:
        cooldown_text += "; medivac: energy / 200"
    shield_text = (
        "shield / max shield (" + ", ".join(f"{u} {UNITS[u].max_shield}" for u in info.unit_types)
        + "), in [0, 1]"
    )
    texts = {
        "health": "health / max health, in [0, 1]; 0 = dead (then the whole row is 0)",
        "cooldown": cooldown_text,
        "relative_x": pos_text.format(axis="x", extent="width"),
        "relative_y": pos_text.format(axis="y", extent="height"),
        "shield": shield_text,
        "attack_prob": "probability that its attacks land",
        "health_level": "health fraction below which it dies",
        "fov": "field-of-view direction (unit vector x, y)",
        "unit_type": f"unit-type one-hot ({types})",
    }
    fields: List[Tuple[str, int, str]] = []
    for unit, count, features in (
        ("ally", layout.n_agents, layout.ally_features),
        ("enemy", layout.n_enemies, layout.enemy_features),
    ):
        for i in range(count):
            who = f"agent {i}" if unit == "ally" else f"enemy {i}"
            for stem, width in features:
                fields.append((f"{unit}{i}_{stem}", width, f"{who}: {texts[stem]}"))
    if layout.last_action:
        for i in range(layout.n_agents):
            fields.append((
                f"ally{i}_last_action",
                layout.n_actions,
                f"agent {i}: one-hot of its previous action (indices as in the action list); "
                "all 0 right after the reset; action 0 once dead",
            ))
    if layout.timestep:
        fields.append(("timestep", 1, f"episode step / episode limit ({info.limit}), in [0, 1]"))
    return fields


def _actions(layout: Smacv2Layout, config: Mapping[str, Any]) -> List[str]:
    move = config.get("move_amount", 2)
    actions = [
        "no-op: the only (and required) action of a dead agent",
        "stop",
        f"move north (+y by {move:g} map units)",
        f"move south (-y by {move:g})",
        f"move east (+x by {move:g})",
        f"move west (-x by {move:g})",
    ]
    actions += [
        f"turn the field of view to angle 2*pi*{k}/{layout.n_fov_actions}"
        for k in range(layout.n_fov_actions)
    ]
    heal = "medivac" in layout.map.unit_types
    for k in range(layout.n_actions - len(actions)):
        text = f"attack enemy {k} (available only when it is alive and within shoot range)"
        if heal:
            text += f"; for a medivac: heal agent {k} instead (not a medivac)"
        actions.append(text)
    return actions


def _reward_text(layout: Smacv2Layout, config: Mapping[str, Any]) -> str:
    if config.get("reward_sparse", False):
        return "Sparse: +1 for a win, -1 for a loss, 0 otherwise."
    death = config.get("reward_death_value", 10)
    win = config.get("reward_win", 200)
    text = (
        "Shared team reward, each step: damage dealt to enemies (health + shield points lost) "
        f"+ {death:g} per enemy killed"
    )
    if config.get("reward_only_positive", True):
        text += ", floored at 0 (damage taken is not penalised)"
    else:
        neg = config.get("reward_negative_scale", 0.5)
        text += f", minus {neg:g} x (damage taken + {death:g} per ally killed)"
    text += f"; +{win:g} on the step the battle is won"
    defeat = config.get("reward_defeat", 0)
    if defeat:
        text += f", {defeat:g} when lost"
    text += "."
    if config.get("reward_scale", True):
        rate = config.get("reward_scale_rate", 20)
        text += (
            f" Scaled by {rate:g} / max_reward, where max_reward = {layout.n_enemies} x "
            f"{death:g} + {win:g} + the enemies' total max health + shield, so a perfect "
            f"episode returns about {rate:g}."
        )
    return text


def smacv2_description(spec: EnvSpec) -> TaskDescription:
    """Description builder for every ``smacv2/*`` task (layout from :func:`smacv2_layout`)."""
    config = spec.config
    layout = smacv2_layout(config)
    info = layout.map
    team_gen = _capabilities(config).get("team_gen", {})
    probs = _type_probabilities(layout, team_gen)
    mix = ", ".join(f"{u} {p:.0%}" for u, p in zip(info.unit_types, probs.tolist()))
    exceptions = [u for u in team_gen.get("exception_unit_types", []) if u in info.unit_types]
    units = "; ".join(_fmt_range(u, config) for u in info.unit_types)
    order = sorted(info.unit_types, key=_SORT_ORDER.index)
    enemies_text = (
        "the enemy team has the same unit types as the allies (a mirror match)"
        if layout.n_enemies == layout.n_agents
        else (
            f"the enemy team mirrors the allies plus {layout.n_enemies - layout.n_agents} extra "
            "random units" if layout.n_enemies > layout.n_agents else
            "the enemy team is a subset of the ally types"
        )
    )
    summary = (
        f"StarCraft II micromanagement (SMACv2, map {layout.map_name}, {info.race_name} vs "
        f"{info.race_name}): {layout.n_agents} agents, one per allied unit, fight "
        f"{layout.n_enemies} enemy units controlled by the built-in AI (difficulty "
        f"{config.get('difficulty', '7')}). Every episode draws new teams: each unit is a "
        f"{mix}" + (f" (never a team of only {', '.join(exceptions)})" if exceptions else "")
        + f"; {enemies_text}. Unit types: {units}. Start positions: either the allies spawn "
        "in the middle of the map with enemy groups coming from the diagonals, or the two "
        "armies spawn facing each other on the left and right halves. Agents only see units "
        "within their sight range (the credit function gets the full state). The episode "
        "ends when one side has no units left (a team of only medivacs counts as none), or "
        f"after {info.limit} steps. Agent ids are sorted by unit type ("
        + " < ".join(order) + ") and then by position, so agents of one type are adjacent."
    )
    notes = (
        f"Blocks: allies {layout.ally_block[0]}:{layout.ally_block[1]} = {layout.n_agents} "
        f"rows x {layout.nf_al} features (`state[:, {layout.ally_block[0]}:"
        f"{layout.ally_block[1]}].reshape(B, {layout.n_agents}, {layout.nf_al})`); enemies "
        f"{layout.enemy_block[0]}:{layout.enemy_block[1]} = {layout.n_enemies} x "
        f"{layout.nf_en} (`.reshape(B, {layout.n_enemies}, {layout.nf_en})`)"
        + (
            f"; last actions {layout.last_action_block[0]}:{layout.last_action_block[1]} = "
            f"{layout.n_agents} x {layout.n_actions}" if layout.last_action else ""
        )
        + ". A unit is alive iff its health feature is > 0; a dead unit's row is all zeros, "
        "so its position reads (0, 0), the map centre: mask dead units before using "
        "positions. Distances are in units of the playable extent (at most the 32-unit map), "
        "so a shoot range of 6 map units is about 0.2 or a little more."
        + (" Protoss shields absorb damage before health and regenerate."
           if info.shield_bits else "")
    )
    return TaskDescription(
        task=spec.task,
        summary=summary,
        reward=_reward_text(layout, config),
        actions=_actions(layout, config),
        n_agents=layout.n_agents,
        input_kind=STATE_KEY,
        input_dim=spec.input_dim,
        layout=build_layout(_layout_fields(layout, config)),
        notes=notes,
    )


def register_smacv2() -> None:
    """Descriptions, the spec reader and the state sampler of every BenchMARL SMACv2 task."""
    for name in SMACV2_TASKS:
        task = f"{ENV_NAME}/{name}"
        register_description(task, smacv2_description, env_spec=smacv2_env_spec, overwrite=True)
        register_state_sampler(task, smacv2_sample_states)
