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

# A newer nfdump beside Debian bookworm's 1.7.1 (which cannot write ZSTD): the nfdump package of
# Debian 13 (trixie), fetched through apt with its signature checked, unpacked into .tools/ (not
# installed: its nfdump library is linked in, and bookworm's shared libraries serve it).
# NewerNfdumpInteropTest runs it from KEYHOLE_NFDUMP_NEWER.
newer="$here/.tools/nfdump-trixie"
if [ ! -x "$newer/usr/bin/nfpcapd" ]; then
  echo "test.sh: fetching Debian trixie's nfdump package into $newer" >&2
  apt_dir="$here/.tools/apt-trixie"
  rm -rf "$apt_dir" "$newer"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/deb"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
    > "$apt_dir/sources.list"
  apt_opts=(-q -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/none"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o Acquire::Languages=none
    -o "APT::Sandbox::User=$(id -un)")
  apt-get "${apt_opts[@]}" update
  (cd "$apt_dir/deb" && apt-get "${apt_opts[@]}" download nfdump/trixie)
  dpkg-deb -x "$apt_dir"/deb/nfdump_*.deb "$newer"
  rm -rf "$apt_dir"
fi
"$newer/usr/bin/nfdump" -V
export KEYHOLE_NFDUMP_NEWER="$newer/usr/bin"

cd "$here"
mvn -B verify "$@"
