#!/usr/bin/env bash
# Installs the Debian packages nianbao uses, only those missing:
#   chromium               the real browser behind Playwright (no browser download works offline)
#   fonts-wqy-zenhei       a CJK font, so screenshots and rendered PDFs show Chinese text
#   libreoffice-writer-nogui, libreoffice-calc-nogui   DOC/XLS conversion (parser and simulated portals)
#   antiword               fast text from legacy .doc files
#   poppler-utils          pdftotext/pdftoppm, to look at PDFs
#   wget                   the baseline crawler of the benchmarks
set -euo pipefail
packages=(chromium fonts-wqy-zenhei libreoffice-writer-nogui libreoffice-calc-nogui antiword poppler-utils wget)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "nianbao: installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=sudo; else
    echo "nianbao: these Debian packages are missing and this user is not root:" >&2
    echo "    sudo apt-get install -y ${missing[*]}" >&2
    echo "nianbao: run that once, then run make again." >&2
    exit 1
  fi
else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "nianbao: Debian packages installed"
