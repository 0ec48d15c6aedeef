#!/bin/sh
# Make sure Debian's headless-capable `chromium` is on PATH for the browser test of `tapeviz serve`;
# install it with the system package manager when that is allowed (root, or passwordless sudo, and
# TAPEVIZ_NO_SYSTEM_INSTALL unset). Prints one line saying why when it cannot; never fails.
command -v chromium >/dev/null 2>&1 && exit 0

if [ -n "${TAPEVIZ_NO_SYSTEM_INSTALL:-}" ]; then
    echo "chromium is not installed and TAPEVIZ_NO_SYSTEM_INSTALL is set (not installing)"
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "chromium is not installed and we may not install system packages (not root, no sudo)"
        exit 0
    fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium is not installed and this system has no apt-get"
    exit 0
fi
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 \
  || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; }
command -v chromium >/dev/null 2>&1 || echo "apt-get could not install chromium"
exit 0
