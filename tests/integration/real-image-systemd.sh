#!/bin/bash
# Real (glibc) images under the default seccomp filter with a real systemd (the nspawn harness):
#   berth run      the host's glibc programs (tests/lib/real-image.sh): threads, posix_spawn, popen,
#                  system(), getaddrinfo in a thread, python3 threads; io_uring_setup gives ENOSYS
#   db.container   postgres from a debootstrap bookworm image, [Install]ed so it starts at boot, on a
#                  user network (pg.network) with its data in a named volume (pgdata.volume),
#                  initialised by initdb in the container on first start (which failed while clone3
#                  got EPERM), answering psql from a second container (berth run) on the network;
#                  after a restart its data is still there and initdb does not run again.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/nspawn.sh"
. "$(dirname "$0")/../lib/real-image.sh"

nspawn_prepare
host_tar=$(real_image_host_tar) && rc=0 || rc=$?
tap_result $rc "a root of the host's glibc programs (cached in $REAL_IMAGE_CACHE)"
deb_tar=$(real_image_debian_tar) && rc2=0 || rc2=$?
tap_result $rc2 "a debootstrap bookworm root with postgresql (cached in $REAL_IMAGE_CACHE)"
[ $rc -eq 0 ] && [ $rc2 -eq 0 ] || { done_testing; exit 1; }

NSPAWN_STORAGE=$NSPAWN_DIR/storage
mkdir -p "$NSPAWN_STORAGE"
import() { BERTH_STORAGE_DIR=$NSPAWN_STORAGE "$BERTH_BUILD/berth" image import "$1" "$2"; }
check "import the glibc image" import "$host_tar" localhost/glibc
check "import the Debian image" import "$deb_tar" localhost/debian-pg

ETC=$NSPAWN_DIR/etc-berth SCRIPTS=$NSPAWN_DIR/scripts
mkdir -p "$ETC" "$SCRIPTS"
cat >"$SCRIPTS/pg-start" <<'EOF2'
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
EOF2
chmod 755 "$SCRIPTS/pg-start"
cat >"$ETC/pg.network" <<'EOF2'
[Network]
Subnet=10.91.0.0/24
EOF2
cat >"$ETC/pgdata.volume" <<'EOF2'
[Volume]
EOF2
# SIGINT is postgres's fast shutdown (SIGTERM waits for clients).
cat >"$ETC/db.container" <<'EOF2'
[Container]
Image=localhost/debian-pg
Network=pg.network:alias=db
Volume=pgdata.volume:/var/lib/postgresql/data
Volume=/srv/real-image/pg-start:/usr/local/bin/pg-start:ro
StopSignal=SIGINT
StopTimeout=20
Exec=/usr/local/bin/pg-start

[Install]
WantedBy=multi-user.target
EOF2
NSPAWN_ETC_BERTH=$ETC

nspawn_boot --bind-ro="$SCRIPTS:/srv/real-image" && rc=0 || rc=$?
tap_result $rc "boot a systemd container with berth installed"
[ $rc -eq 0 ] || { done_testing; exit 1; }
in_sd() { nspawn_run_timeout 120 "$@"; }

# --- berth run: the host's glibc programs ------------------------------------------------------
out=$(in_sd berth run --rm localhost/glibc /usr/local/bin/probe threads posix_spawn popen system \
        getaddrinfo-thread io_uring_setup clone3 2>&1)
for c in "threads: ok" "posix_spawn: ok" "popen: ok" "system: ok" "getaddrinfo-thread: ok" \
        "io_uring_setup: ENOSYS" "clone3: ENOSYS"; do
        check_output "berth run: $c" "$c" echo "$out"
done
py='import threading, subprocess
out = []
ts = [threading.Thread(target=out.append, args=(i,)) for i in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
print("python3:", len(out), "threads,", subprocess.run(["/bin/sh", "-c", "echo child"], capture_output=True, text=True).stdout.strip())'
check_output "berth run: python3 threads and subprocess" "python3: 8 threads, child" \
        in_sd berth run --rm localhost/glibc /usr/bin/python3 -c "$py"

# --- postgres from a .container file, started at boot ------------------------------------------
db_log() { nspawn_journal -u db.service -o cat; }
serving() { db_log | grep -q "database system is ready to accept connections"; }
db_active() { [ "$(in_sd systemctl is-active db.service)" = active ]; }
check "db.service was started at boot" wait_until 30 db_active
check "postgres initialised its data on first start and is ready" wait_until 60 serving
check_output "initdb ran in the container" "pg-start: initdb of /var/lib/postgresql/data" db_log
sql="create table visits (n int); insert into visits values (1), (2); copy visits from program 'seq 3 5'; select 'sum=' || sum(n) from visits"
check_output "psql from a second container on the network (berth run), COPY FROM PROGRAM included" "sum=15" \
        in_sd berth run --rm --network=pg localhost/debian-pg psql -h db -U postgres -Atc "$sql"
check_output "the data lives in the named volume" "PG_VERSION" \
        in_sd sh -c 'ls /var/lib/berth/volumes/pgdata/_data/'
check "restart db.service" in_sd systemctl restart db.service
ready_twice() { [ "$(db_log | grep -c 'database system is ready to accept connections')" -ge 2 ]; }
check "postgres is ready again" wait_until 60 ready_twice
check_output "the data survived the restart" "rows=5" \
        in_sd berth run --rm --network=pg localhost/debian-pg psql -h db -U postgres -Atc "select 'rows=' || count(*) from visits"
initdb_runs() { db_log | grep -c "pg-start: initdb"; }
check_output "initdb did not run again" "1" initdb_runs
check "stop db.service (SIGINT: a fast shutdown)" in_sd systemctl stop db.service
check_output "postgres shut down cleanly" "database system is shut down" db_log

done_testing
