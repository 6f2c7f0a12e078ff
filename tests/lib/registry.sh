# A local registry for pull tests: Debian's docker-registry (distribution 2.8) on 127.0.0.1, config and
# data in a scratch directory. Call these in the test's own shell, never inside $(...): the registry
# must stay a child of the test so stop_registries (from the EXIT trap) can stop and reap it.
#
#   start_registry DIR                       starts one; sets REGISTRY to its "127.0.0.1:PORT"
#   start_registry DIR htpasswd USER PASS    the same with basic auth
#   start_registry DIR token USER PASS       the same with bearer tokens: a small token server (Debian's
#                                            /usr/bin/python3 with python3-jwt) grants USER:PASS pull and
#                                            push, anonymous users pull on repositories under public/
#   start_flaky_proxy HOSTPORT               a proxy in front of a registry that cuts the first download of
#                                            each blob off halfway and answers Range requests; sets FLAKY
#   start_counting_proxy DIR HOSTPORT [PORT] a streaming proxy that logs each request to DIR/requests
#                                            ("GET PATH RANGE STATUS BYTES-SENT") and sends at most the
#                                            bytes per second in DIR/rate (0 or missing: unlimited; "stall":
#                                            send headers and 16 KiB, then nothing); sets COUNTING, COUNTING_PID
#   write_counting_proxy DIR                 only writes DIR/proxy.py (run it as: python3 DIR/proxy.py PORT
#                                            UPSTREAM DIR), e.g. to start it inside an nspawn container
#   REGISTRY_PORT=N start_registry ...       a fixed port (to restart one where it was); REGISTRY_PID is set
#   stop_registries                          stops and reaps every registry, token server and proxy started
#   make_oci_layout DIR BUSYBOX_TAR          an OCI layout with tags "latest" (an index: linux/arm64 and
#                                            linux/amd64; two layers: tar+gzip, and plain tar with a
#                                            whiteout) and "single" (the amd64 manifest alone); prints
#                                            the index digest
#   make_random_layout DIR LAYERS KIB [BASE_TAR]   an OCI layout, tag "latest" (linux/amd64), of LAYERS
#                                            gzip layers each holding a file of KIB KiB random data
#                                            (/dataN.bin), on top of BASE_TAR (a gzip layer) when given
#   seed_registry HOSTPORT LAYOUT NAME TAG [FORMAT]   skopeo copy into the registry (FORMAT v2s2 converts
#                                            to docker schema 2 media types); $REGISTRY_CREDS for auth

REGISTRY_PIDS=()
REGISTRY_DIRS=()
REGISTRY=

free_port() {
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_http() { # url log
        local deadline=$((SECONDS + 20))
        until curl -s -o /dev/null "$1"; do
                if [ "$SECONDS" -ge "$deadline" ]; then
                        echo "no answer from $1: $(cat "$2")" >&2
                        return 1
                fi
                sleep 0.05
        done
}

start_token_server() { # dir user pass -> sets TOKEN_PORT
        local dir=$1
        TOKEN_PORT=$(free_port)
        openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/token.key" -out "$dir/token.crt" -days 2 \
                -subj /CN=berth-test-issuer >/dev/null 2>&1 || return 1
        cat >"$dir/tokenserver.py" <<'EOPY'
import base64, http.server, json, ssl, sys, time, urllib.parse, uuid
import jwt
port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
key, cert = open(sys.argv[4]).read(), open(sys.argv[5]).read()
x5c = [base64.b64encode(ssl.PEM_cert_to_DER_cert(cert)).decode()]
class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        auth, authed = self.headers.get("Authorization", ""), False
        if auth.startswith("Basic "):
            authed = base64.b64decode(auth[6:]).decode() == f"{user}:{password}"
            if not authed:
                self.send_response(401)
                self.end_headers()
                return
        access = []
        for scope in q.get("scope", []):
            kind, rest = scope.split(":", 1)
            name, actions = rest.rsplit(":", 1)
            wanted = actions.split(",")
            granted = wanted if authed else (["pull"] if name.startswith("public/") else [])
            access.append({"type": kind, "name": name, "actions": [a for a in wanted if a in granted]})
        now = int(time.time())
        claims = {"iss": "berth-test-issuer", "sub": user if authed else "", "aud": q.get("service", [""])[0],
                  "exp": now + 300, "nbf": now - 10, "iat": now, "jti": str(uuid.uuid4()), "access": access}
        token = jwt.encode(claims, key, algorithm="RS256", headers={"x5c": x5c})
        body = json.dumps({"token": token, "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
EOPY
        /usr/bin/python3 "$dir/tokenserver.py" "$TOKEN_PORT" "$2" "$3" "$dir/token.key" "$dir/token.crt" \
                >"$dir/tokenserver.log" 2>&1 &
        REGISTRY_PIDS+=($!)
        wait_for_http "http://127.0.0.1:$TOKEN_PORT/token" "$dir/tokenserver.log"
}

start_registry() {
        local dir=$1 mode=${2:-} port auth=""
        mkdir -p "$dir/data"
        port=${REGISTRY_PORT:-$(free_port)}
        if [ "$mode" = htpasswd ]; then
                htpasswd -Bbn "$3" "$4" >"$dir/htpasswd"
                auth="auth: {htpasswd: {realm: berth-test, path: $dir/htpasswd}}"
        elif [ "$mode" = token ]; then
                start_token_server "$dir" "$3" "$4" || return 1
                auth="auth: {token: {realm: 'http://127.0.0.1:$TOKEN_PORT/token', service: berth-test-registry,"
                auth+=" issuer: berth-test-issuer, rootcertbundle: $dir/token.crt}}"
        fi
        cat >"$dir/config.yml" <<EOC
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage:
  cache: {blobdescriptor: inmemory}
  filesystem: {rootdirectory: $dir/data}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:$port
health:
  storagedriver: {enabled: false}
$auth
EOC
        docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
        REGISTRY_PID=$!
        REGISTRY_PIDS+=($!)
        wait_for_http "http://127.0.0.1:$port/v2/" "$dir/log" || return 1
        REGISTRY=127.0.0.1:$port
}

start_flaky_proxy() {
        local dir upstream=$1 port
        dir=$(mktemp -d /tmp/berth-flaky.XXXXXX)
        port=$(free_port)
        cat >"$dir/proxy.py" <<'EOPY'
import http.server, re, sys, urllib.error, urllib.request
port, upstream = int(sys.argv[1]), sys.argv[2]
cut = set()
class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def do_GET(self):
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "authorization")}
        try:
            r = urllib.request.urlopen(urllib.request.Request(f"http://{upstream}{self.path}", headers=headers))
            status, body, rh = r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            status, body, rh = e.code, e.read(), e.headers
        send, start = body, 0
        rng = re.match(r"bytes=(\d+)-$", self.headers.get("Range", ""))
        blob = "/blobs/" in self.path and status == 200 and len(body) > 1000
        if blob and rng:
            start = int(rng.group(1))
            status, send = 206, body[start:]
        self.send_response(status)
        for k in ("Content-Type", "Docker-Content-Digest", "WWW-Authenticate"):
            if rh.get(k):
                self.send_header(k, rh.get(k))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.send_header("Content-Length", str(len(send)))
        self.end_headers()
        if blob and not rng and self.path not in cut:
            cut.add(self.path)
            self.wfile.write(send[: len(send) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(send)
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
EOPY
        python3 "$dir/proxy.py" "$port" "$upstream" >"$dir/log" 2>&1 &
        REGISTRY_PIDS+=($!)
        REGISTRY_DIRS+=("$dir")
        wait_for_http "http://127.0.0.1:$port/v2/" "$dir/log" || return 1
        FLAKY=127.0.0.1:$port
}

write_counting_proxy() {
        mkdir -p "$1"
        cat >"$1/proxy.py" <<'EOPY'
import http.client, http.server, os, sys, time
port, upstream, dir = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def rate():
    try:
        return open(dir + "/rate").read().strip()
    except OSError:
        return "0"
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def do_GET(self):
        sent, status = 0, 0
        try:
            conn = http.client.HTTPConnection(upstream, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "authorization", "range")}
            conn.request("GET", self.path, headers=headers)
            r = conn.getresponse()
            status = r.status
            self.send_response(status)
            for k, v in r.getheaders():
                if k.lower() not in ("connection", "transfer-encoding", "keep-alive", "date", "server"):
                    self.send_header(k, v)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            while True:
                chunk = r.read(16384)
                if not chunk:
                    break
                self.wfile.write(chunk)
                self.wfile.flush()
                sent += len(chunk)
                limit = rate()
                while limit == "stall" and "/blobs/" in self.path:
                    time.sleep(0.2)
                    limit = rate()
                if limit not in ("", "0", "stall"):
                    time.sleep(len(chunk) / float(limit))
        except Exception:
            self.close_connection = True
        finally:
            with open(dir + "/requests", "a") as f:
                f.write(f"GET {self.path} {self.headers.get('Range', '-')} {status} {sent}\n")
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
EOPY
}

start_counting_proxy() { # dir upstream [port]
        local dir=$1 port=${3:-$(free_port)}
        write_counting_proxy "$dir"
        python3 "$dir/proxy.py" "$port" "$2" "$dir" >>"$dir/log" 2>&1 &
        COUNTING_PID=$!
        REGISTRY_PIDS+=($!)
        wait_for_http "http://127.0.0.1:$port/v2/" "$dir/log" || return 1
        COUNTING=127.0.0.1:$port
}

stop_registries() {
        local pid
        for pid in "${REGISTRY_PIDS[@]}"; do
                kill "$pid" 2>/dev/null || true
                wait "$pid" 2>/dev/null || true
        done
        REGISTRY_PIDS=()
        [ ${#REGISTRY_DIRS[@]} -eq 0 ] || rm -rf "${REGISTRY_DIRS[@]}"
        REGISTRY_DIRS=()
        return 0 # also for callers under set -e (bench/pull.sh's EXIT trap)
}

make_oci_layout() {
        python3 - "$1" "$2" <<'EOPY'
import gzip, hashlib, io, json, os, sys, tarfile
out, base_tar = sys.argv[1], sys.argv[2]
os.makedirs(out + "/blobs/sha256", exist_ok=True)
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    with open(f"{out}/blobs/sha256/{d}", "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + d, "size": len(data)}
base = open(base_tar, "rb").read()
top = io.BytesIO()
with tarfile.open(fileobj=top, mode="w") as tf:
    for name, data in [("etc/hostname", b"pulled\n"), ("etc/.wh.group", b"")]:
        ti = tarfile.TarInfo(name)
        ti.size, ti.mode = len(data), 0o644
        tf.addfile(ti, io.BytesIO(data))
top = top.getvalue()
l1 = dict(blob(gzip.compress(base, mtime=0)), mediaType="application/vnd.oci.image.layer.v1.tar+gzip")
l2 = dict(blob(top), mediaType="application/vnd.oci.image.layer.v1.tar")
diff_ids = ["sha256:" + hashlib.sha256(x).hexdigest() for x in (base, top)]
def image(arch):
    config = {"architecture": arch, "os": "linux", "created": "2026-11-01T10:00:00Z",
              "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin", "ARCH=" + arch], "WorkingDir": "/root",
                         "Labels": {"org.example.test": "yes"}, "ExposedPorts": {"80/tcp": {}}},
              "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    c = dict(blob(json.dumps(config).encode()), mediaType="application/vnd.oci.image.config.v1+json")
    m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": c, "layers": [l1, l2]}
    return dict(blob(json.dumps(m).encode()), mediaType=m["mediaType"], platform={"architecture": arch, "os": "linux"})
arm, amd = image("arm64"), image("amd64")
index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [arm, amd]}
idx = dict(blob(json.dumps(index).encode()), mediaType=index["mediaType"])
single = {k: v for k, v in amd.items() if k != "platform"}
tag = lambda d, t: dict(d, annotations={"org.opencontainers.image.ref.name": t})
json.dump({"schemaVersion": 2, "manifests": [tag(idx, "latest"), tag(single, "single")]}, open(out + "/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(out + "/oci-layout", "w"))
print(idx["digest"])
EOPY
}

make_random_layout() {
        python3 - "$@" <<'EOPY'
import gzip, hashlib, io, json, os, sys, tarfile
out, n, kib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out + "/blobs/sha256", exist_ok=True)
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    with open(f"{out}/blobs/sha256/{d}", "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + d, "size": len(data)}
raws = [open(sys.argv[4], "rb").read()] if len(sys.argv) > 4 else []
for i in range(n):
    t = io.BytesIO()
    with tarfile.open(fileobj=t, mode="w") as tf:
        data = os.urandom(kib * 1024)
        ti = tarfile.TarInfo(f"data{i}.bin")
        ti.size, ti.mode = len(data), 0o644
        tf.addfile(ti, io.BytesIO(data))
    raws.append(t.getvalue())
layers = [dict(blob(gzip.compress(r, compresslevel=1, mtime=0)), mediaType="application/vnd.oci.image.layer.v1.tar+gzip")
          for r in raws]
diff_ids = ["sha256:" + hashlib.sha256(r).hexdigest() for r in raws]
config = {"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin"]},
          "rootfs": {"type": "layers", "diff_ids": diff_ids}}
c = dict(blob(json.dumps(config).encode()), mediaType="application/vnd.oci.image.config.v1+json")
m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": c, "layers": layers}
md = dict(blob(json.dumps(m).encode()), mediaType=m["mediaType"], annotations={"org.opencontainers.image.ref.name": "latest"})
json.dump({"schemaVersion": 2, "manifests": [md]}, open(out + "/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(out + "/oci-layout", "w"))
EOPY
}

seed_registry() {
        local hostport=$1 layout=$2 name=$3 tag=$4 format=${5:-} all=--all preserve=--preserve-digests
        [ "$tag" = single ] && all=
        [ -n "$format" ] && preserve= # converting changes the manifests' digests
        skopeo copy -q $all $preserve ${format:+--format $format} --dest-tls-verify=false \
                "oci:$layout:$tag" "docker://$hostport/$name:$tag" ${REGISTRY_CREDS:+--dest-creds "$REGISTRY_CREDS"}
}
