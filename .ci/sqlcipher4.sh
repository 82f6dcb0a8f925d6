#!/usr/bin/env bash
# Makes `sqlcipher` on PATH a SQLCipher 4 CLI, for the interoperability tests of the clinic record.
#
# The record is SQLCipher 4 format (HMAC-SHA512 pages, PBKDF2-HMAC-SHA512 at 256,000 rounds). Debian 12
# ships sqlcipher 3.4.1, which predates that format and cannot open it even with the right key.
# Debian 13 (trixie) ships 4.6.1, but its binary needs trixie's libc. So this builds Debian's OWN
# sqlcipher source package from trixie (downloaded by apt, which checks it against trixie's signed
# Sources index) on this release, with Debian's own rules, and installs the resulting .debs.
# Only a deb-src line is added: no binary package ever comes from trixie. Takes ~2 minutes on 2 cores.
# libsqlcipher-dev is installed too: bench/record builds SQLCipher-itself as its peer with it.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

version="$(printf 'PRAGMA cipher_version;\n' | sqlcipher :memory: 2>/dev/null | cut -d' ' -f1 || true)"
if [[ -n "$version" && "${version%%.*}" -ge 4 ]]; then
  echo "sqlcipher4: sqlcipher CLI is SQLCipher $version already"
  exit 0
fi
echo "sqlcipher4: the sqlcipher CLI is SQLCipher ${version:-absent}; building Debian's sqlcipher 4 source package"

src=/etc/apt/sources.list.d/coherency-trixie-src.sources
if [[ ! -f "$src" ]]; then
  cat >"$src" <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends dpkg-dev debhelper libreadline-dev libssl-dev tcl8.6-dev >/dev/null

want="$(apt-cache showsrc sqlcipher | awk '/^Version: 4\./ {print $2}' | sort -V | tail -n1)"
if [[ -z "$want" ]]; then
  echo "sqlcipher4: no sqlcipher 4.x source package found in Debian's indexes" >&2
  exit 1
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/coherency-sqlcipher.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get source -qq "sqlcipher=$want" 2>&1 | grep -v -E "unsandboxed as root|^gpgv:|cannot verify inline signature" || true
cd sqlcipher-*/
DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -b -uc -us >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; exit 1; }
cd ..
dpkg -i libsqlcipher1_*.deb libsqlcipher-dev_*.deb sqlcipher_*.deb >/dev/null
echo "sqlcipher4: installed $(printf 'PRAGMA cipher_version;\n' | sqlcipher :memory:)"
