#!/bin/sh
# Makes sure a Chromium for the browser tests is installed: Debian's chromium
# package is installed with apt-get when it is missing and we are root;
# otherwise this says what to install and fails.
set -eu
for b in chromium chromium-browser google-chrome; do
	if command -v "$b" >/dev/null 2>&1; then
		exit 0
	fi
done
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "installing chromium with apt-get (browser tests need it)…"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# A CJK font too, so Chinese text in screenshots is readable.
	apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
	exit 0
fi
echo "The browser tests need Chromium. Install it (Debian: sudo apt-get install chromium)" >&2
echo "or put chromium on PATH, then run make test again." >&2
exit 1
