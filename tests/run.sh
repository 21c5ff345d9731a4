#!/usr/bin/env bash
# The project's one test command (README and CI call it). From any folder:
#
#     bash tests/run.sh [pytest args...]      e.g. bash tests/run.sh -k names -x
#
# 1. Uses the active virtualenv, or creates/reuses .venv (python3 -m venv) in the project root.
# 2. pip install -e '.[dev]'  (set KPIXL_SKIP_INSTALL=1 to skip when nothing changed).
# 3. Installs LibreOffice Calc + fonts (and Gnumeric, the second engine) with apt-get when
#    `soffice` (`ssconvert`) is missing and we are root (or `sudo -n` works); otherwise prints how
#    to install them. Without them the recalculation tests FAIL, unless
#    KPIXL_ALLOW_NO_LIBREOFFICE=1 makes the LibreOffice ones skip.
# 4. Runs `python -m pytest "$@"` and exits with pytest's exit code.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export LC_ALL=C.UTF-8 PYTHONDONTWRITEBYTECODE=1

LO_PACKAGES=(libreoffice-calc-nogui fonts-noto-cjk fonts-crosextra-carlito poppler-utils gnumeric)
APT_UPDATED=0

note() { printf '\n[tests/run.sh] %s\n' "$*" >&2; }

# Prints the command prefix that runs apt-get with root rights, or fails.
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        echo ""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        echo "sudo -n"
    else
        return 1
    fi
}

# apt_install PKG...: apt-get update (once per run), then install without recommends.
apt_install() {
    local root
    root=$(as_root) || return 1
    command -v apt-get >/dev/null 2>&1 || return 1
    if [[ $APT_UPDATED -eq 0 ]]; then
        $root env DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1
        APT_UPDATED=1
    fi
    $root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
        || return 1
}

# --- Python environment -----------------------------------------------------------------
if [[ -n "${VIRTUAL_ENV:-}" ]]; then
    PY="$VIRTUAL_ENV/bin/python"
    note "using the active virtualenv $VIRTUAL_ENV"
else
    if [[ ! -x .venv/bin/python ]]; then
        note "creating .venv"
        if ! python3 -m venv .venv; then
            # Debian's python3 lacks ensurepip until python3-venv is installed.
            rm -rf .venv
            apt_install python3-venv || {
                note "python3 -m venv failed: install python3-venv (apt-get install python3-venv)"
                exit 1
            }
            python3 -m venv .venv
        fi
    fi
    PY="$PWD/.venv/bin/python"
fi

if [[ "${KPIXL_SKIP_INSTALL:-0}" != 1 ]]; then
    note "pip install -e '.[dev]'"
    "$PY" -m pip install --quiet --disable-pip-version-check -e '.[dev]'
fi

# --- LibreOffice (the reference calculator) ---------------------------------------------
if ! command -v soffice >/dev/null 2>&1 || ! command -v ssconvert >/dev/null 2>&1; then
    note "soffice not found: trying to install ${LO_PACKAGES[*]} (about 90 MB)"
    if ! apt_install "${LO_PACKAGES[@]}"; then
        note "could not install LibreOffice (needs root or passwordless sudo, and apt-get)." \
            "Install it with: sudo apt-get install -y --no-install-recommends ${LO_PACKAGES[*]}." \
            "Recalculation tests will fail; set KPIXL_ALLOW_NO_LIBREOFFICE=1 to skip them."
    fi
fi

# --- Gnumeric (the second, independent spreadsheet engine) --------------------------------
if ! command -v ssconvert >/dev/null 2>&1; then
    note "ssconvert not found: trying to install gnumeric"
    if ! apt_install gnumeric; then
        note "could not install Gnumeric (needs root or passwordless sudo, and apt-get)." \
            "Install it with: sudo apt-get install -y --no-install-recommends gnumeric." \
            "The Gnumeric recalculation tests will fail."
    fi
fi

# --- Chromium (the HTML report is checked as a real browser parses it) ----------------------
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    note "chromium not found: trying to install it"
    if ! apt_install chromium; then
        note "could not install Chromium (needs root or passwordless sudo, and apt-get)." \
            "Install it with: sudo apt-get install -y --no-install-recommends chromium." \
            "The headless-browser test of the HTML report is skipped without it."
    fi
fi

# --- Tests -------------------------------------------------------------------------------
note "$("$PY" --version) -m pytest $*"
exec "$PY" -m pytest "$@"
