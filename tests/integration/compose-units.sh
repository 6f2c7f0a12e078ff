#!/bin/bash
# berth compose: what a project becomes as units (berth compose units prints them without writing),
# checked with systemd-analyze verify, and up/down against a unit directory that is not systemd's
# refusing a broken project before anything is written.
source "$(dirname "$0")/../lib/tap.sh"

berth=$BERTH_BUILD/berth
[ -x "$berth" ] || skip_all "no $berth (build first)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/app/data"
cat >"$work/app/compose.yaml" <<'YAML'
name: shop
services:
  db:
    image: localhost/postgres
    healthcheck:
      test: ["CMD", "pg_isready", "-U", "postgres"]
      interval: 1s
      retries: 30
    volumes: [pgdata:/var/lib/postgresql/data]
    networks: [back]
  migrate:
    image: localhost/busybox
    command: ["sh", "-c", "echo migrating"]
    networks: [back]
    depends_on:
      db: {condition: service_healthy}
  app:
    image: localhost/busybox
    command: ["sh", "-c", "echo $$HOME 100% ${GREETING}"]
    environment:
      PASSWORD: "pa$$word%d"
    ports: ["127.0.0.1:8080:80"]
    restart: on-failure:3
    stop_grace_period: 1m
    deploy:
      resources:
        limits: {memory: 64m, pids: 50}
    networks: [back, front]
    depends_on:
      db: {condition: service_healthy}
      migrate: {condition: service_completed_successfully}
networks:
  back:
  front:
volumes:
  pgdata:
YAML
units=$(cd "$work/app" && GREETING=hi "$berth" compose units 2>&1)
unit() { # name: the text of one unit
        awk -v n="---$1---" '$0 == n {p = 1; next} /^---.*---$/ {p = 0} p' <<<"$units"
}
check_output "a unit per service, network and volume, and the target" "---shop.target---" echo "$units"
for u in shop-db-1.service shop-migrate-1.service shop-app-1.service shop_back-network.service \
        shop_pgdata-volume.service; do
        check "$u is there" grep -qx -- "---$u---" <<<"$units"
done
check_output "the target wants every service" "Wants=shop-app-1.service" unit shop.target
check_output "depends_on: Requires=" "Requires=shop-db-1.service" unit shop-app-1.service
check_output "depends_on: After=" "After=shop-migrate-1.service" unit shop-app-1.service
check_output "service_healthy: the dependency is ready when healthy" "--notify=healthy" unit shop-db-1.service
check_output "the health check" "--health-cmd=pg_isready -U postgres" unit shop-db-1.service
check_output "service_completed_successfully: the dependency is a oneshot" "Type=oneshot" unit shop-migrate-1.service
check_output "restart: on-failure:3" "Restart=on-failure" unit shop-app-1.service
check_output "restart: on-failure:3 limits the restarts" "StartLimitBurst=3" unit shop-app-1.service
check_output "deploy.resources.limits.memory" "MemoryMax=64M" unit shop-app-1.service
check_output "stop_grace_period" "--stop-timeout=60" unit shop-app-1.service
check_output "Docker's names: the container" "--name=shop-app-1" unit shop-app-1.service
check_output "a service on two networks joins the first, with its name as an alias" "--network=shop_back:alias=app " \
        unit shop-app-1.service
check_output "... and the second" "--network=shop_front " unit shop-app-1.service
check_output "the network by its project name, the service name as alias" "--network=shop_back:alias=app" \
        unit shop-app-1.service
check_output "the named volume" "--volume=shop_pgdata:/var/lib/postgresql/data" unit shop-db-1.service
check_output "com.docker.compose labels" "--label=com.docker.compose.service=app" unit shop-app-1.service
check_output "\$ and % reach the container as written (doubled for systemd)" 'echo $$HOME 100%% hi' \
        unit shop-app-1.service
check_output "published port" "--publish=127.0.0.1:8080:80/tcp" unit shop-app-1.service

if command -v systemd-analyze >/dev/null; then
        mkdir -p "$work/verify"
        (cd "$work/app" && GREETING=hi BERTH_RUNTIME=/bin/true BERTH_CLI=/bin/true BERTH_COMPOSE_UNIT_DIR="$work/verify" \
                "$berth" compose units) | awk -v d="$work/verify" '/^---.*---$/ {f = d "/" substr($0, 4, length($0) - 6); next} {print > f}'
        verify_out=$(cd "$work/verify" && SYSTEMD_UNIT_PATH="$work/verify:" systemd-analyze verify --man=no ./*.service ./*.target 2>&1 |
                grep -v -e "network-online.target" -e "Unknown key name 'X-" || true)
        check "systemd-analyze verify accepts the units" test -z "$verify_out"
        [ -n "$verify_out" ] && printf '%s\n' "$verify_out" | sed 's/^/#   /'
fi

# A broken project: nothing written.
mkdir -p "$work/broken" "$work/units"
printf 'services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n' \
        >"$work/broken/compose.yaml"
check_output "a depends_on cycle is an error" "depends_on forms a cycle" \
        bash -c "cd '$work/broken' && BERTH_COMPOSE_UNIT_DIR='$work/units' '$berth' compose up -d"
check "... and nothing was written" test -z "$(ls -A "$work/units")"
printf 'services:\n  a:\n    image: x\n    environment:\n      P: ${PASS:?needed}\n' >"$work/broken/compose.yaml"
check_output "an undefined required variable is an error" "required variable PASS is missing a value: needed" \
        bash -c "cd '$work/broken' && BERTH_COMPOSE_UNIT_DIR='$work/units' '$berth' compose up -d"
printf 'services:\n  a:\n    image: x\n   ports: [80\n' >"$work/broken/compose.yaml"
check_output "broken YAML is an error with file and line" "compose.yaml:4:" \
        bash -c "cd '$work/broken' && BERTH_COMPOSE_UNIT_DIR='$work/units' '$berth' compose up -d"
check "... and nothing was written" test -z "$(ls -A "$work/units")"
printf 'services:\n  a:\n    image: x\n  b:\n    image: x\n    depends_on:\n      a: {condition: service_healthy}\n' \
        >"$work/broken/compose.yaml"
check_output "service_healthy on a service without a health check is an error" "has no healthcheck" \
        bash -c "cd '$work/broken' && '$berth' compose units"
# At boot: the same project as compose/PROJECT/compose.yaml becomes the same units through the generator
# (one code path), and berth check reads .compose files and such directories as the generator does.
mkdir -p "$work/etc/compose/boot"
printf 'services:\n  web:\n    image: localhost/busybox\n    command: [httpd, -f]\n    volumes: [data:/d]\nvolumes:\n  data:\n' \
        >"$work/etc/compose/boot/compose.yaml"
(cd "$work/etc/compose/boot" && env -i PATH="$PATH" BERTH_COMPOSE_UNIT_DIR=/run/systemd/generator "$berth" compose units) \
        >"$work/from-cli" 2>&1
BERTH_UNIT_DIRS="$work/etc" "$BERTH_BUILD/berth-generator" --no-kmsg-log --dryrun >"$work/from-generator" 2>&1
check "the generator writes the units compose up writes" \
        diff <(grep -v -e '^WantedBy=' -e '^\[Install\]' "$work/from-cli") \
        <(grep -v -e '^WantedBy=' -e '^\[Install\]' "$work/from-generator")
check_output "a compose/PROJECT directory comes up at boot" "---boot.target---" cat "$work/from-generator"
printf '[Compose]\nFile=compose/boot/compose.yaml\nProjectName=other\n' >"$work/etc/ok.compose"
check_output "berth check: a .compose file" "ok.compose: OK (other.target)" "$berth" check "$work/etc/ok.compose"
check_output "berth check: a compose directory" "boot: OK (boot.target)" "$berth" check "$work/etc/compose/boot"
printf '[Compose]\nFile=compose/boot/compose.yaml\nProfiles=x\n' >"$work/etc/typo.compose"
check_output "berth check: an unknown key names file, line and key" "typo.compose:3: Profiles=: unknown key" \
        "$berth" check "$work/etc/typo.compose"
check_fails "... and fails" "$berth" check "$work/etc/typo.compose"
check_output "compose run: an unknown service is an error" "No service 'nosuch' in project boot" \
        bash -c "cd '$work/etc/compose/boot' && '$berth' compose run --rm nosuch true"
done_testing
