#!/bin/sh
# The official image's behaviour: other containers may connect (the compose network is the boundary),
# whatever options the compose file gives redis-server.
set -eu
if [ "${1:-}" = "redis-server" ]; then
  shift
  exec redis-server --protected-mode no "$@"
fi
exec "$@"
