#!/usr/bin/env bash
# Runs its arguments inside a private D-Bus session with an unlocked GNOME Keyring (Secret Service),
# so the vault tests talk to a REAL keychain through keytar, headless and as any user (root too).
#
#   scripts/with-keyring.sh npx vitest run main/vault main/auth
#
# Everything is throw-away: the keyring files live in a fresh temp dir (XDG_DATA_HOME), never in
# ~/.local/share/keyrings, so parallel runs and a developer's own keyring are untouched. The login
# keyring is created and unlocked with a fixed password; an EMPTY password does not work headless
# (gnome-keyring then asks a GUI prompter for confirmation, which fails without a display).
# When the session ends, dbus-run-session stops the bus and the daemon exits with it.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 <command> [args...]" >&2
  exit 64
fi
for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "with-keyring: '$tool' not found; install the Debian packages dbus and gnome-keyring" >&2
    exit 69
  fi
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/coherency-keyring.XXXXXX")"
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
mkdir -p -m 700 "$tmp/data" "$tmp/run"

export XDG_DATA_HOME="$tmp/data" XDG_RUNTIME_DIR="$tmp/run"
# shellcheck disable=SC2016
dbus-run-session -- bash -c '
  set -euo pipefail
  # Prints GNOME_KEYRING_CONTROL=…; the Secret Service itself is found over the session bus.
  printf %s "coherency-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  export COHERENCY_KEYRING_SESSION=1
  "$@"
' _ "$@" 2> >(grep -v -E "Failed to set fd limit|Unable to set up transient service directory" >&2)
