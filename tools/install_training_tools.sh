#!/usr/bin/env bash
# Install the training tools the slow tests check sim's exports with (torch, torchvision,
# Ultralytics; several GB) into a venv, pinned by constraints.txt:
#   tools/install_training_tools.sh [.venv]
# Ultralytics goes in with --no-deps: its own requirement, opencv-python, would install a
# second cv2 over opencv-python-headless (sim's); its other requirements are listed here.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${1:-.venv}"
"$VENV/bin/pip" install -c constraints.txt torch==2.14.1 torchvision==0.29.1 polars psutil \
  ultralytics-thop
"$VENV/bin/pip" install --no-deps -c constraints.txt ultralytics ultralytics-platform
