#!/usr/bin/env bash
# Install Google Research Football (gfootball 2.10.2, simple115v2 observations) into the
# active Python environment, for `task=gfootball/...`.
#
#   . .venv/bin/activate && bash scripts/install_gfootball.sh
#
# The engine is C++ and builds from source (about 16 minutes on 2 cores). It needs Debian/Ubuntu
# packages (installed here when apt-get is available and we are root or have sudo), psutil and
# wheel in the environment *before* the build, no pip build isolation (it hides psutil), and the
# old gym API (gym 0.25.2: gfootball breaks on gym 0.26's reset()). VMAS, BenchMARL and
# TorchRL keep working with gym 0.25.2.
set -euo pipefail

DEB_PACKAGES=(build-essential cmake libgl1-mesa-dev libegl1-mesa-dev libsdl2-dev
  libsdl2-image-dev libsdl2-ttf-dev libsdl2-gfx-dev libboost-python-dev libboost-thread-dev
  libboost-system-dev libboost-filesystem-dev python3-dev)

if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  missing=()
  for p in "${DEB_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
  fi
else
  echo "apt-get not found: install the equivalents of ${DEB_PACKAGES[*]} yourself." >&2
fi

python -m pip install psutil wheel "gym==0.25.2"
python -m pip install --no-build-isolation "gfootball==2.10.2"

python - <<'PY'
import gfootball.env as football_env
env = football_env.create_environment(
    env_name="academy_3_vs_1_with_keeper", representation="simple115v2",
    number_of_left_players_agent_controls=3, rewards="scoring,checkpoints")
obs = env.reset()
obs, reward, done, info = env.step([0, 0, 0])
print("gfootball OK: observation", getattr(obs, "shape", None), "reward", reward)
env.close()
PY
