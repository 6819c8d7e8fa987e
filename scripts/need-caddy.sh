#!/bin/sh
# Makes sure Caddy, the reverse proxy of `make cluster` and of the test that
# chats through it, is installed: Debian's caddy package is installed with
# apt-get when it is missing and we are root; otherwise this says what to
# install and fails.
set -eu
if command -v caddy >/dev/null 2>&1 || [ -n "${CADDY:-}" ]; then
	exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "installing caddy with apt-get (the cluster test and make cluster need it)…"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq caddy >/dev/null
	exit 0
fi
echo "The cluster test and make cluster need Caddy. Install it (Debian: sudo apt-get install caddy)" >&2
echo "or set CADDY to its path, then run make again." >&2
exit 1
