#!/usr/bin/env bash
# Runs Keyhole's test suite. The parser tests compare against real tools (softflowd, nfdump/nfcapd,
# pmacct's pmacctd as an sFlow agent), so this installs their Debian packages first when they are missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
need=()
command -v softflowd >/dev/null 2>&1 || [ -x /usr/sbin/softflowd ] || need+=(softflowd)
command -v nfdump >/dev/null 2>&1 || need+=(nfdump)
command -v pmacctd >/dev/null 2>&1 || [ -x /usr/sbin/pmacctd ] || need+=(pmacct)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing Debian packages: ${need[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q "${need[@]}"
fi
export PATH="$PATH:/usr/sbin:/sbin"
cd "$here"
mvn -B verify "$@"
