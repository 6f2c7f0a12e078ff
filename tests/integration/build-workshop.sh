#!/bin/bash
# The Docker workshop's build on a Debian image: FROM a debootstrap bookworm root, RUN mkdir, COPY . of
# the project, WORKDIR, RUN dpkg -i of a local .deb (made here with dpkg-deb: python3 and the stdlib
# modules the app uses, from the host's Debian packages), RUN python3 (glibc: threads, ctypes), ADD of
# a URL served by python3's http.server on 127.0.0.1 in a network namespace the test made (no packet
# leaves the machine), CMD ["python3", "app.py"]; then the image runs under berth-runtime supervise as a
# unit would run it, and a rebuild hits the cache.
set -u
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/fixtures.sh"
source "$(dirname "$0")/../lib/runtime.sh"
source "$(dirname "$0")/../lib/real-image.sh"
runtime_test_setup build-workshop
export BERTH_RUNTIME=$RT
command -v dpkg-deb >/dev/null || skip_all "dpkg-deb is missing"

tar=$(real_image_debian_tar) || skip_all "no Debian image (debootstrap failed)"
"$BERTH" image import - localhost/debian <"$tar" >/dev/null 2>&1
check "the Debian image is imported as localhost/debian" "$BERTH" image inspect localhost/debian

# --- the .deb: python3 with the modules app.py and the probes import ------------------------------
P=$T/pkg
mkdir -p "$P/DEBIAN" "$P/usr/bin" "$P/usr/lib/x86_64-linux-gnu"
cp /usr/bin/python3.11 "$P/usr/bin/" && ln -s python3.11 "$P/usr/bin/python3"
cp -L /usr/lib/x86_64-linux-gnu/libexpat.so.1 "$P/usr/lib/x86_64-linux-gnu/"
for f in $(env -i /usr/bin/python3.11 -c 'import sys, json, ctypes, threading, os, platform
for m in list(sys.modules.values()):
    f = getattr(m, "__file__", None)
    if f: print(f)') /usr/lib/python3.11/os.py; do
        mkdir -p "$P$(dirname "$f")" && cp -L "$f" "$P$f"
done
cat >"$P/DEBIAN/control" <<'EOF'
Package: workshop-python
Version: 1.0
Architecture: amd64
Maintainer: berth tests <tests@example.org>
Description: python3 for the workshop test
EOF
C=$T/project
mkdir -p "$C" "$T/www"
dpkg-deb -Zgzip -z1 --root-owner-group -b "$P" "$C/workshop-python.deb" >/dev/null
check "dpkg-deb made the package" test -s "$C/workshop-python.deb"

cat >"$C/app.py" <<'EOF'
import json, os, platform, threading
out = []
t = threading.Thread(target=lambda: out.append("thread"))
t.start(); t.join()
print("hello from", os.getcwd(), "with", platform.libc_ver()[0], out[0])
print(open("/home/project/fetched.txt").read().strip())
print(json.load(open("/built.json"))["python"])
EOF
echo "fetched over http" >"$T/www/data.txt"
cat >"$C/Dockerfile" <<'EOF'
FROM localhost/debian
RUN mkdir -p /home/project
COPY . /home/project
WORKDIR /home/project
RUN dpkg -i workshop-python.deb && rm workshop-python.deb
RUN python3 -c 'import json, sys; json.dump({"python": sys.version.split()[0]}, open("/built.json", "w"))'
RUN python3 -c 'import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); p = ctypes.create_string_buffer(120); r = libc.syscall(425, 1, p); print(r, os.strerror(ctypes.get_errno()))' > /io_uring
ADD http://127.0.0.1:8765/data.txt /home/project/fetched.txt
CMD ["python3", "app.py"]
EOF

# The build in a network namespace of its own with a web server on its loopback; RUN's containers
# get their cgroups below one of ours, as in a unit's.
build_in_netns() { # berth build ARGS...
        mkdir -p "$CG/build"
        (echo "$BASHPID" >"$CG/build/cgroup.procs" && exec unshare -n bash -c '
                ip link set lo up || exit 1
                python3 -m http.server --bind 127.0.0.1 --directory "'"$T"'/www" 8765 >/dev/null 2>&1 &
                srv=$!
                for i in $(seq 50); do python3 -c "import socket; socket.create_connection((\"127.0.0.1\", 8765))" 2>/dev/null && break; sleep 0.1; done
                "$0" build "$@"; rc=$?
                kill $srv; wait $srv 2>/dev/null
                exit $rc' "$BERTH" "$@")
}
start=$(date +%s)
out=$(build_in_netns -t localhost/my-python-image "$C" 2>&1); rc=$?
diag "$out"
check "the workshop's Dockerfile builds on Debian ($(($(date +%s) - start)) s)" test "$rc" = 0
check_output "dpkg -i of a local .deb ran (glibc dpkg)" "Setting up workshop-python (1.0)" echo "$out"

run_out=$(rt localhost/my-python-image 2>&1); rc=$?
diag "$run_out"
check "the image runs with its CMD" test "$rc" = 0
check_output "in its WORKDIR, with glibc threads" "hello from /home/project with glibc thread" echo "$run_out"
check_output "ADD of a URL from the local server" "fetched over http" echo "$run_out"
check_output "a RUN's python3 wrote a file" "$(/usr/bin/python3.11 -c 'import sys; print(sys.version.split()[0])')" echo "$run_out"
check_output "RUN on glibc has the default seccomp filter (io_uring_setup: ENOSYS)" "Function not implemented" rt localhost/my-python-image cat /io_uring
check_output "the package is known to dpkg in the image" "ii  workshop-python" rt localhost/my-python-image dpkg -l workshop-python

start=$(date +%s)
out=$(build_in_netns -t localhost/my-python-image "$C" 2>&1)
check_output "a rebuild hits the cache for every step ($(($(date +%s) - start)) s)" "8" grep -c 'Using cache' <<<"$out"
rmdir "$CG/build" 2>/dev/null
check "no mount is left" bash -c "! grep -q '$T' /proc/self/mountinfo"

done_testing
