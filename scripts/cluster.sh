#!/bin/sh
# make cluster: on this machine, a cluster of three NATS servers with
# JetStream, three chat nodes on it (streams and buckets with 3 replicas)
# and Caddy in front of them on http://localhost:8080, so that two browser
# windows chat across nodes. Ctrl-C stops all of it. Data is kept in
# .cache/cluster between runs; remove it to start over.
#
# Ports: NATS clients 4222-4224, NATS routes 6222-6224, NATS monitoring
# 8222-8224, chat nodes 8081-8083, Caddy 8080.
set -eu
GO=${GO:-go}
dir=.cache/cluster
mkdir -p "$dir"
echo "building nats-server from the module the chat depends on…"
"$GO" build -o "$dir/nats-server" github.com/nats-io/nats-server/v2

trap 'trap - INT TERM EXIT; echo; echo stopping…; kill 0 2>/dev/null; wait' INT TERM EXIT

routes=nats://127.0.0.1:6222,nats://127.0.0.1:6223,nats://127.0.0.1:6224
for i in 0 1 2; do
	"$dir/nats-server" -n "nats-$i" -a 127.0.0.1 -p "422$((2 + i))" -m "822$((2 + i))" \
		--cluster_name chat --cluster "nats://127.0.0.1:622$((2 + i))" --routes "$routes" \
		-js -sd "$dir/nats-$i" >"$dir/nats-$i.log" 2>&1 &
done

# JetStream is ready when every server says so (without curl: a pause).
command -v curl >/dev/null 2>&1 || { sleep 8; set -- nocurl; }
for i in 0 1 2; do
	[ "${1:-}" = nocurl ] && break
	n=0
	until curl -fsS "http://127.0.0.1:822$((2 + i))/healthz?js-enabled-only=true" >/dev/null 2>&1; do
		n=$((n + 1))
		if [ "$n" -gt 120 ]; then
			echo "NATS server $i did not become ready; see $dir/nats-$i.log" >&2
			exit 1
		fi
		sleep 0.5
	done
done

urls=nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224
for i in 0 1 2; do
	./bin/chat -addr "127.0.0.1:808$((1 + i))" -nats "$urls" -replicas 3 >"$dir/chat-$i.log" 2>&1 &
done

cat >"$dir/Caddyfile" <<CADDY
{
	admin off
	auto_https off
}

http://localhost:8080 {
	reverse_proxy 127.0.0.1:8081 127.0.0.1:8082 127.0.0.1:8083 {
		lb_policy round_robin
		flush_interval -1
		fail_duration 10s
		health_uri /readyz
		health_interval 2s
	}
}
CADDY
HOME="$PWD/$dir" XDG_DATA_HOME="$PWD/$dir" XDG_CONFIG_HOME="$PWD/$dir" \
	caddy run --adapter caddyfile --config "$dir/Caddyfile" >"$dir/caddy.log" 2>&1 &

echo "the chat on three nodes: http://localhost:8080 (logs in $dir; Ctrl-C stops)"
wait
