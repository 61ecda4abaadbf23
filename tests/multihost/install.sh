#!/usr/bin/env bash
# Installs what the multi-host suite needs, from Debian's packages: GlusterFS
# (server and client), CephFS (monitor, OSD, MDS, ceph-fuse and the ceph
# command), sshfs and an SSH server, and libfaketime (a host with a clock of
# its own). Does nothing where they are all there; says why and
# exits 0 where it cannot install (not root, no apt-get), so that the suite
# itself explains its skip.
set -euo pipefail
need=()
for pair in glusterd:glusterfs-server glusterfs:glusterfs-client \
  ceph-mon:ceph-mon ceph-osd:ceph-osd ceph-mds:ceph-mds ceph-fuse:ceph-fuse \
  ceph:ceph-common monmaptool:ceph-base \
  sshfs:sshfs sshd:openssh-server faketime:faketime nsenter:util-linux \
  ip:iproute2; do
  cmd=${pair%%:*}
  pkg=${pair#*:}
  if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then
    need+=("$pkg")
  fi
done
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "multihost: cannot install ${need[*]} (needs root and apt-get)" >&2
  exit 0
fi
echo "multihost: installing ${need[*]} from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq >/dev/null &&
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }; then
  echo "multihost: could not install ${need[*]}; the suite will say what is missing" >&2
fi
