#!/usr/bin/env bash
# One-time set-up on a Debian machine: system libraries (OpenBLAS + LAPACKE for the
# native numeric engine; Python's numpy/scipy/scikit-learn/nibabel, which only the
# reference fixtures and benchmarks use), then the npm packages (which builds the
# native addon). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential python3 libopenblas-dev liblapacke-dev python3-numpy python3-scipy python3-sklearn python3-nibabel redis-server)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "[setup] installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# node-gyp must build against the installed Node headers, never download them.
if [ -d /usr/include/node ]; then export npm_config_nodedir=/usr; fi
# onnxruntime-node's install step is told to skip its GPU download by .npmrc.
npm ci
