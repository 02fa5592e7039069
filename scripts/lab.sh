#!/usr/bin/env bash
# `make lab`: JupyterLab on notebooks/, from the project venv (make has installed it and built the
# widgets' front end). No key is needed: with no RUNWAYML_API_SECRET, each kernel's client starts its
# own local sandbox. Arguments go to `jupyter lab`, e.g. `make lab LAB_ARGS=--port=9999`.
set -euo pipefail
cd "$(dirname "$0")/.."
args=(--ServerApp.root_dir=notebooks)
if [ "$(id -u)" = 0 ]; then args+=(--allow-root); fi
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "$(uname -s)" = Linux ]; then args+=(--no-browser); fi
if [ -n "${RUNWAYML_API_SECRET:-}" ]; then
  echo "runway_nb: RUNWAYML_API_SECRET is set: notebooks call Runway's API (real credits)."
else
  echo "runway_nb: no RUNWAYML_API_SECRET: notebooks use the local sandbox (synthetic media, no cost)."
fi
echo "runway_nb: open the http://127.0.0.1:...lab?token=... URL that JupyterLab prints below (Ctrl-C to stop)."
export PATH="$PWD/.venv/bin:$PATH"  # kernels and terminals see the venv's python
exec .venv/bin/jupyter lab "${args[@]}" "$@"
