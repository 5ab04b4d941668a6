#!/usr/bin/env bash
# Installs the Debian 12 packages FedPilot needs, only those missing. Runs as root or with sudo.
#   scripts/deps.sh          build + test dependencies
#   scripts/deps.sh --bench  also the Python reference implementations used by bench/
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev
  qt6-base-dev libqt6sql6-sqlite qt6-svg-dev
  libopencv-dev opencv-data
  libqcustomplot-dev libqcustomplot2.1-qt6
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  libzstd-dev libssl-dev
  libgtest-dev
  python3-grpcio python3-protobuf openssl
  xvfb xauth
)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(python3-torch python3-numpy python3-opencv python3-sklearn)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "deps: missing packages (${missing[*]}) and not root; install them or run as root" >&2; exit 1; }
  sudo="sudo"
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
