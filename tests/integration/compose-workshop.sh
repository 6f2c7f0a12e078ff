#!/bin/bash
# The Docker workshop's compose example under a real systemd (tests/lib/nspawn.sh): postgres from a
# debootstrap bookworm image (tests/lib/real-image.sh) with a pg_isready health check, a named
# volume and a named network, and an app built from a local Dockerfile FROM that image (berth build)
# that depends_on db with condition: service_healthy, publishes a port, takes its environment and
# restarts on failure.
#   berth compose up -d    the app reaches the db by its service name (a real query) and answers on
#                          its published port; it started only after db's health check passed
#   a second up            with nothing changed: nothing restarted; a changed service is recreated,
#                          the other left alone
#   down / up / down -v    the data kept across down and up; everything but the volume gone after
#                          down, the volume too after down -v
#   at boot                the same project in /etc/berth/compose/boot/ comes up by itself
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/nspawn.sh"
. "$(dirname "$0")/../lib/real-image.sh"

nspawn_prepare
deb_tar=$(real_image_debian_tar) && rc=0 || rc=$?
tap_result $rc "a debootstrap bookworm root with postgresql (cached in $REAL_IMAGE_CACHE)"
[ $rc -eq 0 ] || { done_testing; exit 1; }
NSPAWN_STORAGE=$NSPAWN_DIR/storage
mkdir -p "$NSPAWN_STORAGE"
check "import the Debian image" env BERTH_STORAGE_DIR="$NSPAWN_STORAGE" "$BERTH_BUILD/berth" image import "$deb_tar" \
        localhost/debian-pg

# The project, written into a directory: $1
write_project() {
        mkdir -p "$1/app"
        cat >"$1/compose.yaml" <<'YAML'
# The workshop's example: an app built from a local Dockerfile and its postgres database.
services:
  db:
    image: localhost/debian-pg
    command: ["/usr/local/bin/pg-start"]
    stop_signal: SIGINT
    stop_grace_period: 20s
    volumes:
      - pgdata:/var/lib/postgresql/data
      - ./pg-start:/usr/local/bin/pg-start:ro
    networks: [back]
    healthcheck:
      test: ["CMD", "/usr/lib/postgresql/15/bin/pg_isready", "-h", "127.0.0.1", "-U", "postgres"]
      interval: 1s
      timeout: 5s
      retries: 120
  app:
    build: ./app
    depends_on:
      db:
        condition: service_healthy
    environment:
      PGHOST: db
      PGUSER: postgres
      GREETING: ${GREETING:-hello}
    ports: ["127.0.0.1:${APP_PORT:-8000}:8000"]
    restart: on-failure
    networks: [back]
volumes:
  pgdata:
networks:
  back:
YAML
        cat >"$1/pg-start" <<'SH'
#!/bin/sh
# Runs as root in the container: the volume is made postgres's, initialised once, then served.
set -e
export PATH=/usr/lib/postgresql/15/bin:$PATH
D=/var/lib/postgresql/data
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
chown postgres:postgres "$D"
chmod 700 "$D"
if [ ! -s "$D/PG_VERSION" ]; then
        echo "pg-start: initdb of $D"
        as_postgres initdb -D "$D" -U postgres --auth=trust >/tmp/initdb.log 2>&1 || { cat /tmp/initdb.log; exit 1; }
        echo "host all all 0.0.0.0/0 trust" >>"$D/pg_hba.conf"
fi
echo "pg-start: serving"
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$D" -c listen_addresses='*' \
        -c unix_socket_directories=/tmp
SH
        chmod 755 "$1/pg-start"
        cat >"$1/app/Dockerfile" <<'DOCKERFILE'
FROM localhost/debian-pg
COPY app.sh /usr/local/bin/app.sh
CMD ["/bin/sh", "/usr/local/bin/app.sh"]
DOCKERFILE
        cat >"$1/app/app.sh" <<'SH'
#!/bin/sh
# The app: counts its starts in the database (reached by the service name in PGHOST), then answers
# HTTP requests on port 8000 with the count.
set -e
echo "app: $GREETING, starting"
psql -v ON_ERROR_STOP=1 -Atc "create table if not exists visits (n serial); insert into visits default values; select 'app: visits=' || count(*) from visits"
exec perl -MIO::Socket::INET -e '
        my $s = IO::Socket::INET->new(LocalPort => 8000, Listen => 5, ReuseAddr => 1) or die "listen: $!";
        print "app: listening\n";
        $| = 1;
        while (my $c = $s->accept) {
                my $n = `psql -Atc "select count(*) from visits"`;
                chomp $n;
                my $body = "$ENV{GREETING}: visits=$n\n";
                print $c "HTTP/1.0 200 OK\r\nConnection: close\r\nContent-Length: " . length($body) . "\r\n\r\n$body";
                $c->shutdown(2);
                close $c;
        }'
SH
}

SHOP=$NSPAWN_DIR/shop ETC=$NSPAWN_DIR/etc-berth
write_project "$SHOP"
write_project "$ETC/compose/boot"
printf 'APP_PORT=8001\nGREETING=from-boot\n' >"$ETC/compose/boot/.env"
NSPAWN_ETC_BERTH=$ETC
nspawn_boot --bind="$SHOP:/srv/shop" && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }
in_sd() { nspawn_run_timeout 300 "$@"; }
compose() { in_sd sh -c 'cd /srv/shop && exec berth compose "$@"' compose "$@"; }
prop() { in_sd systemctl show -P "$2" "$1"; } # unit property
active() { [ "$(in_sd systemctl is-active "$1")" = active ]; }
lacks() { ! "${@:2}" 2>&1 | grep -q -- "$1"; } # text command...: the output lacks text
http() { nspawn_run_timeout 10 wget -T 5 -qO- "http://127.0.0.1:$1/"; }

# --- at boot: /etc/berth/compose/boot/ ------------------------------------------------------------
check "at boot: boot.target was started" wait_until 60 active boot.target
check "at boot: the db became healthy" wait_until 120 active boot-db-1.service
check "at boot: the app was built and started" wait_until 120 active boot-app-1.service
boot_http_ok() { http 8001 | grep -q "from-boot: visits=1"; }
check "at boot: the app answers on its port with its .env's settings and the db's data" wait_until 60 boot_http_ok
check "at boot: stop the project (boot.target)" in_sd systemctl stop boot.target
none_active() { ! in_sd systemctl is-active -q "$@"; }
check "... its services stopped with it" wait_until 30 none_active boot-db-1.service boot-app-1.service

# --- berth compose up -d --------------------------------------------------------------------------
start_ms=$(date +%s%N)
check "berth compose up -d (builds the app's image)" compose up -d
diag "up -d took $((($(date +%s%N) - start_ms) / 1000000)) ms (the db's health check included)"
check "the app's image was built by berth build" in_sd berth image inspect shop-app
check "the db is active (healthy)" active shop-db-1.service
check "the app is active" wait_until 60 active shop-app-1.service
app_log() { nspawn_journal -u shop-app-1.service -o cat; }
db_log() { nspawn_journal -u shop-db-1.service -o cat; }
first_visit() { app_log | grep -q "app: visits=1"; }
check "the app queried the db by its service name" wait_until 30 first_visit
http_ok() { http 8000 | grep -q "hello: visits=1"; }
check "the app answers on its published port with the environment's GREETING" wait_until 30 http_ok
db_ready=$(prop shop-db-1.service ActiveEnterTimestampMonotonic)
app_start=$(prop shop-app-1.service InactiveExitTimestampMonotonic)
check "the app started only after the db's health check passed ($db_ready <= $app_start)" \
        test "$db_ready" -gt 0 -a "$db_ready" -le "$app_start"
check_output "the db was ready to accept connections before" "ready to accept connections" db_log
check_output "restart: on-failure" "on-failure" prop shop-app-1.service Restart
check_output "the db is on the named network, reached by its alias" "--network=shop_back:alias=db" \
        prop shop-db-1.service ExecStart
check_output "the data is in the named volume" "PG_VERSION" in_sd sh -c 'ls /var/lib/berth/volumes/shop_pgdata/_data/'

# --- a second up: nothing changed, then one service changed ---------------------------------------
db_id=$(prop shop-db-1.service InvocationID) app_id=$(prop shop-app-1.service InvocationID)
start_ms=$(date +%s%N)
check "a second up with nothing changed" compose up -d
diag "the no-op up took $((($(date +%s%N) - start_ms) / 1000000)) ms"
check_output "... left the db alone" "$db_id" prop shop-db-1.service InvocationID
check_output "... left the app alone" "$app_id" prop shop-app-1.service InvocationID
sed -i 's/GREETING: ${GREETING:-hello}/GREETING: changed/' "$SHOP/compose.yaml"
check "up after the app's environment changed" compose up -d
app_id2=$(prop shop-app-1.service InvocationID)
check "the app was recreated" test -n "$app_id2" -a "$app_id2" != "$app_id"
check_output "the db was left alone" "$db_id" prop shop-db-1.service InvocationID
changed_ok() { http 8000 | grep -q "changed: visits=2"; }
check "the recreated app runs with its new environment (and counted again)" wait_until 60 changed_ok

# --- compose run: a one-off container of a service --------------------------------------------
check_output "compose run --rm app CMD: the command overridden, the db reached by its service name" "count=2" \
        compose run --rm app psql -Atc "select 'count=' || count(*) from visits"
check "... and the one-off container is gone" lacks shop-app-run in_sd berth ps -a

# --- down, up, down -v --------------------------------------------------------------------------
check "berth compose down" compose down
no_units() { ! in_sd sh -c 'ls /run/systemd/system | grep -q "^shop"'; }
check "down removed the project's units" no_units
check "... its containers are gone" lacks shop- in_sd berth ps -a
check "... its network is gone" lacks shop_back in_sd berth network ls
check_output "... the volume stays" "shop_pgdata" in_sd berth volume ls
check "up again" compose up -d
second_visits() { http 8000 | grep -q "changed: visits=3"; }
check "the data was kept across down and up" wait_until 120 second_visits
check "berth compose down -v" compose down -v
check "down -v removed the volume too" lacks shop_pgdata in_sd berth volume ls
check "... and the units" no_units
done_testing
