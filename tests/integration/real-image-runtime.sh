#!/bin/bash
# glibc programs under berth-runtime supervise's DEFAULT seccomp filter (tests/lib/runtime.sh), in
# real images from Debian's packages (tests/lib/real-image.sh, cached): threads, posix_spawn, popen,
# system(), getaddrinfo in a thread and python3 threads in the host's own programs, and initdb (which
# popen()s postgres) in a debootstrap root. With clone3 refused by EPERM, glibc 2.36 does not fall
# back to clone and all of these fail.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/fixtures.sh"
. "$(dirname "$0")/../lib/runtime.sh"
. "$(dirname "$0")/../lib/real-image.sh"
runtime_test_setup real-image

host_tar=$(real_image_host_tar) && rc=0 || rc=$?
tap_result $rc "a root of the host's glibc programs (cached in $REAL_IMAGE_CACHE)"
[ $rc -eq 0 ] || { done_testing; exit 1; }
GLIBC=$T/glibc-root
real_image_extract "$host_tar" "$GLIBC"

# --- the host's glibc programs, default filter ---------------------------------------------------
probe() { rt --rootfs="$GLIBC" "$@"; }
check_output "the filter is the default one" "Seccomp:	2" probe /bin/cat /proc/self/status
check_output "pthread_create" "threads: ok" probe /usr/local/bin/probe threads
check_output "posix_spawn" "posix_spawn: ok" probe /usr/local/bin/probe posix_spawn
check_output "popen" "popen: ok" probe /usr/local/bin/probe popen
check_output "system()" "system: ok" probe /usr/local/bin/probe system
check_output "getaddrinfo in a thread (curl's threaded resolver)" "getaddrinfo-thread: ok" \
        probe /usr/local/bin/probe getaddrinfo-thread
check_output "clone3 gives ENOSYS (glibc falls back to clone)" "clone3: ENOSYS" probe /usr/local/bin/probe clone3
check_output "io_uring_setup gives ENOSYS" "io_uring_setup: ENOSYS" probe /usr/local/bin/probe io_uring_setup
check_output "... also with every capability" "io_uring_setup: ENOSYS" \
        probe --cap-add all /usr/local/bin/probe io_uring_setup
check_output "with CAP_SYS_ADMIN clone3 reaches the kernel" "clone3: EINVAL" \
        probe --cap-add SYS_ADMIN /usr/local/bin/probe clone3
check_output "threads as an unprivileged user" "threads: ok" probe --user nobody /usr/local/bin/probe threads
check_output "sh -c with a pipeline (dash as /bin/sh)" "piped" probe /bin/sh -c 'echo piped | /bin/cat'
py='
import threading, subprocess, concurrent.futures
out = []
ts = [threading.Thread(target=out.append, args=(i,)) for i in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
with concurrent.futures.ThreadPoolExecutor(4) as ex:
    squares = sorted(ex.map(lambda x: x * x, range(4)))
child = subprocess.run(["/bin/sh", "-c", "echo child"], capture_output=True, text=True).stdout.strip()
print("python3:", len(out), "threads", squares, child)'
check_output "python3: threads, a thread pool and subprocess" "python3: 8 threads [0, 1, 4, 9] child" \
        probe /usr/bin/python3 -c "$py"

# --- a debootstrap root: initdb, which failed with "popen failure: Cannot allocate memory" ---------
deb_tar=$(real_image_debian_tar) && rc=0 || rc=$?
tap_result $rc "a debootstrap bookworm root with postgresql (cached in $REAL_IMAGE_CACHE)"
if [ $rc -eq 0 ]; then
        DEB=$T/debian-root
        real_image_extract "$deb_tar" "$DEB"
        pg=$(
                cat <<'EOF2'
export PATH=/usr/lib/postgresql/15/bin:$PATH
initdb -D /tmp/pgdata --auth=trust -U postgres >/tmp/initdb.log 2>&1 || { cat /tmp/initdb.log; exit 1; }
pg_ctl -D /tmp/pgdata -o "-c listen_addresses= -c unix_socket_directories=/tmp" -w -l /tmp/pg.log start >/dev/null || { cat /tmp/pg.log; exit 1; }
psql -h /tmp -U postgres -Atc "create table t (n int); copy t from program 'seq 1 10'; select 'sum=' || sum(n) from t"
pg_ctl -D /tmp/pgdata -m fast -w stop >/dev/null
EOF2
        )
        check_output "initdb, postgres and COPY FROM PROGRAM (popen in the server) as user postgres" "sum=55" \
                rt --rootfs="$DEB" --user postgres --workdir=/tmp sh -c "$pg"
        check_output "apt's own programs run (dpkg-query)" "install ok installed" \
                rt --rootfs="$DEB" dpkg-query -W -f '${Status}\n' postgresql-15
fi

done_testing
