#!/usr/bin/env bash
# Debian packages the product and its tests need; installs only what is missing (needs root or sudo).
set -euo pipefail
PACKAGES=(fonts-noto-cjk libharfbuzz-subset0 poppler-utils chromium nginx wrk)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "installing Debian packages: ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
