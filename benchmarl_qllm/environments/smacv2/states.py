"""SYNTHETIC SMACv2 states of the exact state layout, for machines without StarCraft II."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple

import torch

from benchmarl_qllm.environments.sampling import task_config
from benchmarl_qllm.environments.smacv2.layout import (
    capabilities,
    Smacv2Layout,
    smacv2_layout,
    type_probabilities,
    UNIT_SORT_ORDER,
)


def _draw_teams(layout: Smacv2Layout, team_gen: Mapping[str, Any], n: int,
                g: torch.Generator) -> Tuple[torch.Tensor, torch.Tensor]:
    """``[n, n_agents]`` and ``[n, n_enemies]`` type indices (weighted_teams, mirrored)."""
    probs = type_probabilities(layout, team_gen)
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
    rank = torch.tensor([UNIT_SORT_ORDER.index(u) for u in layout.map.unit_types])
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
    config = task_config(task, overrides or {})
    layout = smacv2_layout(config)
    team_gen = capabilities(config).get("team_gen", {})
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
