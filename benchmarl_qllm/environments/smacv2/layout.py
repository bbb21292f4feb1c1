"""SMACv2's global-state layout and action count, from smacv2's own formulas (no game needed).

BenchMARL runs SMACv2 through torchrl's ``SMACv2Env`` (one group ``"agents"``, global
``"state"``, categorical actions with masks). smacv2's global state
(``StarCraft2Env.get_state``, ``obs_instead_of_state=False``), in order:

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

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Tuple

import torch

ENV_NAME = "smacv2"
GROUP = "agents"

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
UNIT_SORT_ORDER = ("baneling", "colossus", "hydralisk", "marauder", "marine", "medivac",
                   "stalker", "zealot", "zergling")


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


def capabilities(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """The task config's ``capability_config`` (``{}`` when absent)."""
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
    caps = capabilities(config)
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


def type_probabilities(layout: Smacv2Layout, team_gen: Mapping[str, Any]) -> torch.Tensor:
    """Team-generation weights (``team_gen``) re-ordered to smacv2's one-hot order, summing to 1."""
    names = list(team_gen.get("unit_types", layout.map.unit_types))
    weights = list(team_gen.get("weights", [1.0] * len(names)))
    probs = torch.zeros(layout.map.unit_type_bits, dtype=torch.float64)
    for name, weight in zip(names, weights):
        if name in layout.map.unit_types:
            probs[layout.map.unit_types.index(name)] += float(weight)
    if probs.sum() <= 0:
        probs[:] = 1.0
    return probs / probs.sum()
