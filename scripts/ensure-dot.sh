#!/bin/sh
# Make sure Graphviz's `dot` is on PATH; install it with the system package manager
# when that is allowed, otherwise say exactly what to do. tapeviz still works without
# dot (the terminal UI falls back to its own layout), so a refusal is not fatal.
command -v dot >/dev/null 2>&1 && exit 0

if [ -n "${TAPEVIZ_NO_SYSTEM_INSTALL:-}" ]; then
    echo "tapeviz: Graphviz 'dot' is not installed (TAPEVIZ_NO_SYSTEM_INSTALL is set, not installing)."
    echo "         Install it yourself: apt-get install graphviz | brew install graphviz | dnf install graphviz"
    exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "tapeviz: Graphviz 'dot' is not installed and we may not install system packages."
        echo "         Install it yourself: sudo apt-get install graphviz | brew install graphviz | sudo dnf install graphviz"
        exit 0
    fi
fi

echo "tapeviz: installing Graphviz (the 'dot' program) with the system package manager..."
if command -v apt-get >/dev/null 2>&1; then
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q graphviz >/dev/null 2>&1 \
      || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q graphviz >/dev/null; }
elif command -v dnf >/dev/null 2>&1; then
    $SUDO dnf install -y graphviz >/dev/null
elif command -v apk >/dev/null 2>&1; then
    $SUDO apk add --quiet graphviz
elif command -v brew >/dev/null 2>&1; then
    brew install graphviz >/dev/null
fi

if command -v dot >/dev/null 2>&1; then
    echo "tapeviz: Graphviz installed: $(dot -V 2>&1)"
else
    echo "tapeviz: could not install Graphviz automatically; install the 'graphviz' package yourself."
fi
exit 0
