# Sourced by the setup steps: apt_install PACKAGE... installs Debian packages non-interactively,
# fetching the package lists first only on a machine that never fetched them (or lost them).
apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-cache show "$@" >/dev/null 2>&1; then
        apt-get update -qq
    fi
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
