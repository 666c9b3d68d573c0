#!/usr/bin/env bash
# Runs a command inside a private network namespace whose only addresses are
# loopback ones, so WebRTC media between Janus and Chromium stays on this
# machine: neither can be held to 127.0.0.1 by configuration alone (Janus
# skips loopback interfaces when gathering ICE candidates). A veth end that
# carries 127.0.0.2 gives both a non-loopback interface with a loopback address.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "media tests need root to create a network namespace (ip netns); run as root or with sudo" >&2
  exit 1
fi
ns="convene-test-$$"
# Whatever is still running in the namespace when the command ends (a test file
# the runner stopped for running too long leaves its Janus or phone behind) is
# named and stopped, so nothing outlives the run.
cleanup() {
  local pids
  pids=$(ip netns pids "$ns" 2>/dev/null || true)
  if [ -n "$pids" ]; then
    echo "in-media-netns: stopping what was left running in $ns:" >&2
    # shellcheck disable=SC2086
    ps -o pid=,args= -p $pids >&2 || true
    # shellcheck disable=SC2086
    kill -9 $pids 2>/dev/null || true
  fi
  ip netns delete "$ns" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip link add jv0 type veth peer name jv1
ip netns exec "$ns" ip addr add 127.0.0.2/32 dev jv0
ip netns exec "$ns" sysctl -qw net.ipv6.conf.jv0.disable_ipv6=1 net.ipv6.conf.jv1.disable_ipv6=1
ip netns exec "$ns" ip link set jv0 up
ip netns exec "$ns" ip link set jv1 up
export CONVENE_MEDIA_INTERFACE=jv0
ip netns exec "$ns" "$@"
