#!/usr/bin/env bash
# Installs Debian's Chromium (used by the browser tests and for the PDF of the deck).
# Nothing is downloaded at run time: the deck itself needs no network.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Chromium no está instalado y no soy root: instálelo con 'sudo apt-get install chromium'." >&2
  echo "Las pruebas de navegador se omitirán (en CI fallan)." >&2
  exit 0
fi
echo "Instalando Chromium (apt-get)…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
