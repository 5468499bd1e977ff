#!/usr/bin/env python3
"""falco.yaml `webserver:` through the real falco binary (core/web), real
HTTP on loopback, on ports the test picks free.

Falco runs engine.kind=nodriver with plugin sources that never end (the
test plugins counter and counter2 with open_params "N+hold": N events, then
timeouts until falco stops), so the server stays up while the test asks it.
Expected values come from upstream Falco (endpoint paths, the health
answer, the /versions keys of falco's versions_info.cpp, the Prometheus
content type of falco_metrics.cpp, not serving in capture mode) and from
hand computation (a rule `counter.value >= K` fires N - K times on values
0 .. N-1); version values from the headers that define them
(plugin_api/plugin_api.h, core/plugin/plugin.h, core/rules/rules.h) and the
test plugin's source.

1. /healthz: 200 application/json {"status": "ok"}; HEAD too; /nope 404.
2. /versions: upstream's keys, our versions, plugin_versions of the loaded
   plugins.
3. /metrics: Prometheus text 0.0.4 (every sample preceded by its # TYPE, all
   names falcosecurity_*), both sources' engine_name info, the rule counters
   of both sources = the hand-computed matches, fresh on each request
   (duration grows; metrics.interval is 1h so no periodic snapshot ran), and
   nothing written to metrics.output_file by requests.
4. /metrics is 404 when prometheus_metrics_enabled or metrics.enabled is off.
5. HTTPS (ssl_enabled) with a self-signed cert made here by openssl, one PEM
   holding cert and key as upstream documents; a custom
   k8s_healthz_endpoint; plain HTTP on it fails.
6. Errors: unreadable or unusable certificate, port already in use (falco
   exits 1 naming address:port), no server in replays (-e).
7. SIGTERM: falco exits 0 and the port is free again.

Usage: test_webserver.py FALCO_BINARY PLUGIN_DIR
"""
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

FALCO, PLUGDIR = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("SHARED_DIR", os.path.join(ROOT, "..", "shared"))
tmp = tempfile.mkdtemp(prefix="webserver_test_")
failures = []
N1, K1 = 30, 20   # counter: 30 events, rule on value >= 20 -> 10 matches
N2, K2 = 12, 5    # counter2: 12 events, rule on value >= 5 -> 7 matches


def check(ok, what):
    if not ok:
        failures.append(what)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def header_define(path, name):
    with open(os.path.join(ROOT, path)) as f:
        m = re.search(r"#define\s+" + name + r"\s+(\S+)", f.read())
    return m.group(1).strip('"') if m else None


def write(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


RULES = write("rules.yaml", f"""- rule: Counter high
  desc: counter values {K1} and above
  condition: counter.value >= {K1}
  output: value=%counter.value
  priority: WARNING
  source: counter
  tags: [webtest, high]
- rule: Counter2 high
  desc: counter2 values {K2} and above
  condition: counter.value >= {K2}
  output: value=%counter.value
  priority: NOTICE
  source: counter2
""")


def config(port, extra=""):
    return write(f"falco_{port}.yaml", f"""plugins:
  - name: counter
    library_path: {os.path.join(PLUGDIR, "libcounter.so")}
    open_params: "{N1}+hold"
  - name: counter2
    library_path: {os.path.join(PLUGDIR, "libcounter2.so")}
    open_params: "{N2}+hold"
load_plugins: [counter, counter2]
stdout_output:
  enabled: true
log_stderr: true
log_syslog: false
webserver:
  enabled: true
  threadiness: 2
  listen_address: 127.0.0.1
  listen_port: {port}
  prometheus_metrics_enabled: true
metrics:
  enabled: true
  interval: 1h
  output_rule: false
  output_file: {os.path.join(tmp, f"metrics_{port}.jsonl")}
  rules_counters_enabled: true
  resource_utilization_enabled: true
{extra}""")


class Falco:
    def __init__(self, port, extra="", args=()):
        self.port = port
        self.out = open(os.path.join(tmp, f"out_{port}"), "w+")
        self.err = open(os.path.join(tmp, f"err_{port}"), "w+")
        self.p = subprocess.Popen([FALCO, "-c", config(port, extra), "-r", RULES, "-o", "engine.kind=nodriver",
                                   *args], stdout=self.out, stderr=self.err)

    def stderr(self):
        self.err.flush()
        with open(self.err.name) as f:
            return f.read()

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            return self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None


def request(port, path, method="GET", tls=None, timeout=10):
    if tls:
        c = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=tls)
    else:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path)
        r = c.getresponse()
        return r.status, r.getheader("Content-Type"), r.read().decode()
    finally:
        c.close()


def wait_up(f, path="/healthz", tls=None):
    """Waits until the server answers and the sources ran their N events."""
    deadline = time.time() + 20
    while time.time() < deadline:
        if f.p.poll() is not None:
            return False
        try:
            if request(f.port, path, tls=tls)[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.1)
    else:
        return False
    # both sources held after their events: the alerts are all out
    while time.time() < deadline:
        f.out.flush()
        with open(f.out.name) as fh:
            if fh.read().count("value=") >= (N1 - K1) + (N2 - K2):
                return True
        time.sleep(0.1)
    return False


# ---- Prometheus text parsing ----

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_prom(text):
    """[(name, labels, value)] and the problems found."""
    samples, problems, typed = [], [], set()
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("# TYPE "):
            parts = line.split()
            if len(parts) != 4 or parts[3] not in ("counter", "gauge", "untyped", "summary", "histogram"):
                problems.append("bad TYPE line: " + line)
            else:
                typed.add(parts[2])
            continue
        if line.startswith("# HELP "):
            continue
        m = SAMPLE.match(line)
        if not m:
            problems.append("bad sample line: " + line)
            continue
        name, labels = m.group(1), dict(LABEL.findall(m.group(3) or ""))
        if name not in typed:
            problems.append("sample without TYPE: " + name)
        if not name.startswith("falcosecurity_"):
            problems.append("name outside falcosecurity_: " + name)
        try:
            samples.append((name, labels, float(m.group(4))))
        except ValueError:
            problems.append("bad value: " + line)
    return samples, problems


def find(samples, name, **labels):
    return [v for n, l, v in samples if n == name and all(l.get(k) == x for k, x in labels.items())]


# ---- 1..3: one run serving everything ----
port = free_port()
f = Falco(port)
up = wait_up(f)
check(up, f"server not up: {f.stderr()[-600:]}")
if up:
    st, ctype, body = request(port, "/healthz")
    check((st, ctype, body) == (200, "application/json", '{"status": "ok"}'), f"/healthz: {st} {ctype} {body!r}")
    st, ctype, body = request(port, "/healthz", method="HEAD")
    check(st == 200 and body == "", f"HEAD /healthz: {st} {body!r}")
    st, _, _ = request(port, "/nope")
    check(st == 404, f"/nope: {st}")
    st, _, _ = request(port, "/healthz/x")
    check(st == 404, f"/healthz/x: {st}")

    # /versions: upstream's versions_info keys; our values
    st, ctype, body = request(port, "/versions")
    check(st == 200 and ctype == "application/json", f"/versions: {st} {ctype}")
    try:
        v = json.loads(body)
    except ValueError:
        v = {}
        check(False, f"/versions not JSON: {body!r}")
    keys = {"falco_version", "libs_version", "plugin_api_version", "driver_api_version", "driver_schema_version",
            "default_driver_version", "engine_version", "engine_version_semver", "plugin_versions"}
    check(set(v) == keys, f"/versions keys: {sorted(v)}")
    api = ".".join(header_define("plugin_api/plugin_api.h", "PLUGIN_API_VERSION_" + p)
                   for p in ("MAJOR", "MINOR", "PATCH"))
    check(v.get("plugin_api_version") == api, f"plugin_api_version {v.get('plugin_api_version')} != {api}")
    schema = header_define("core/plugin/plugin.h", "PH_EVENT_SCHEMA_VERSION")
    check(v.get("driver_schema_version") == schema, f"driver_schema_version {v.get('driver_schema_version')}")
    with open(os.path.join(ROOT, "core/rules/rules.h")) as fh:
        ev = re.search(r"#define RULES_ENGINE_VERSION \{ *(\d+), *(\d+), *(\d+) *\}", fh.read()).groups()
    check(v.get("engine_version_semver") == ".".join(ev) and v.get("engine_version") == ev[1],
          f"engine versions {v.get('engine_version_semver')} {v.get('engine_version')}")
    ver = subprocess.run([FALCO, "--version"], capture_output=True, text=True).stdout.split("\n")[0].split()[-1]
    check(v.get("falco_version") == ver, f"falco_version {v.get('falco_version')} != {ver}")
    with open(os.path.join(ROOT, "tests/plugins/counter.c")) as fh:
        pver = re.search(r'plugin_get_version\(void\) \{ return "([^"]+)"', fh.read()).group(1)
    check(v.get("plugin_versions") == {"counter": pver, "counter2": pver}, f"plugin_versions {v.get('plugin_versions')}")

    # /metrics
    st, ctype, text = request(port, "/metrics")
    check(st == 200 and ctype == "text/plain; version=0.0.4", f"/metrics: {st} {ctype}")
    s1, problems = parse_prom(text)
    check(not problems, f"/metrics text: {problems[:5]}")
    eng = {l.get("evt_source"): l.get("engine_name") for n, l, _ in s1 if n == "falcosecurity_scap_engine_name_info"}
    check(eng == {"counter": "source_plugin", "counter2": "source_plugin"}, f"engine_name_info {eng}")
    m1 = find(s1, "falcosecurity_falco_rules_matches_total", rule_name="Counter high", source="counter",
              priority="4", tag_webtest="true", tag_high="true")
    m2 = find(s1, "falcosecurity_falco_rules_matches_total", rule_name="Counter2 high", source="counter2",
              priority="5")
    check(m1[:1] == [N1 - K1], f"Counter high matches {m1} != [{N1 - K1}]")
    check(m2[:1] == [N2 - K2], f"Counter2 high matches {m2} != [{N2 - K2}]")
    check(find(s1, "falcosecurity_falco_version_info", version=ver) == [1.0], "falco_version_info")
    check(find(s1, "falcosecurity_falco_outputs_queue_num_drops_total") and
          find(s1, "falcosecurity_falco_outputs_queue_num_drops_total")[0] == 0, "outputs_queue_num_drops")
    # upstream's falco_metrics.cpp exports only plugin metrics of a non-syscall
    # source: no resource utilization in a nodriver run, although enabled
    check(not find(s1, "falcosecurity_falco_memory_rss_bytes"), "memory_rss_bytes from a plugin source")
    # fresh on each request: the process duration moves, although the
    # metrics interval (1h) never ticked
    d1 = find(s1, "falcosecurity_falco_duration_seconds_total")
    time.sleep(2.2)
    st, _, text2 = request(port, "/metrics")
    d2 = find(parse_prom(text2)[0], "falcosecurity_falco_duration_seconds_total")
    check(d1 and d2 and d2[0] - d1[0] >= 2, f"duration not fresh: {d1} then {d2}")
    mfile = os.path.join(tmp, f"metrics_{port}.jsonl")
    check(not os.path.exists(mfile) or os.path.getsize(mfile) == 0, "requests wrote metrics.output_file lines")
    # concurrent requests (threadiness 2) all answer
    import threading
    res = []
    ts = [threading.Thread(target=lambda: res.append(request(port, "/metrics")[0])) for _ in range(6)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    check(res == [200] * 6, f"concurrent /metrics: {res}")
rc = f.stop()
check(rc == 0, f"SIGTERM: rc {rc}: {f.stderr()[-400:]}")
check("Starting health webserver with threadiness 2, listening on 127.0.0.1:%d" % port in f.stderr(),
      "no 'Starting health webserver' line")
try:  # the port is free again
    s = socket.socket()
    s.bind(("127.0.0.1", port))
    s.close()
except OSError as e:
    check(False, f"port still bound after exit: {e}")

# ---- 4. /metrics off ----
for extra_opts, what in ((["-o", "webserver.prometheus_metrics_enabled=false"], "prometheus off"),
                         (["-o", "metrics.enabled=false"], "metrics off")):
    port = free_port()
    f = Falco(port, args=extra_opts)
    if wait_up(f):
        check(request(port, "/metrics")[0] == 404, f"{what}: /metrics not 404")
        check(request(port, "/healthz")[0] == 200, f"{what}: /healthz")
    else:
        check(False, f"{what}: not up: {f.stderr()[-400:]}")
    f.stop()

# ---- 5. HTTPS with a self-signed certificate, custom health endpoint ----
key, crt, pem = (os.path.join(tmp, n) for n in ("key.pem", "cert.pem", "falco.pem"))
o = subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-x509", "-days", "2",
                    "-subj", "/CN=localhost", "-out", crt], capture_output=True, text=True)
check(o.returncode == 0, "openssl: " + o.stderr[-300:])
with open(pem, "w") as out:
    for part in (crt, key):
        with open(part) as fh:
            out.write(fh.read())
ctx = ssl.create_default_context(cafile=crt)
ctx.check_hostname = False  # CN=localhost, reached as 127.0.0.1; the chain is still verified
port = free_port()
f = Falco(port, extra="", args=["-o", "webserver.ssl_enabled=true", "-o", "webserver.ssl_certificate=" + pem,
                                "-o", "webserver.k8s_healthz_endpoint=/ready"])
if wait_up(f, path="/ready", tls=ctx):
    check(request(port, "/ready", tls=ctx)[:3:2] == (200, '{"status": "ok"}'), "https /ready")
    check(request(port, "/healthz", tls=ctx)[0] == 404, "https /healthz should be 404 with a custom endpoint")
    st, ctype, text = request(port, "/metrics", tls=ctx)
    check(st == 200 and find(parse_prom(text)[0], "falcosecurity_falco_rules_matches_total",
                             rule_name="Counter high")[:1] == [N1 - K1], f"https /metrics {st}")
    try:
        request(port, "/ready", timeout=3)
        check(False, "plain HTTP answered on the HTTPS port")
    except (OSError, http.client.HTTPException):
        pass
    check("(SSL)" in f.stderr(), "no (SSL) in the start line")
else:
    check(False, f"https: not up: {f.stderr()[-400:]}")
check(f.stop() == 0, "https: SIGTERM rc")

# ---- 6. errors ----
def fails(args, *needles, what):
    port = free_port()
    f = Falco(port, args=args)
    try:
        rc = f.p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        rc = f.stop()
    err = f.stderr()
    check(rc == 1 and all(n.replace("PORT", str(port)) in err for n in needles), f"{what}: rc {rc}: {err[-400:]}")


fails(["-o", "webserver.ssl_enabled=true", "-o", "webserver.ssl_certificate=" + os.path.join(tmp, "none.pem")],
      "webserver.ssl_certificate", "none.pem", "No such file", what="missing certificate")
bad = write("bad.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
fails(["-o", "webserver.ssl_enabled=true", "-o", "webserver.ssl_certificate=" + bad], "bad.pem",
      what="unusable certificate")
# port in use: the test holds it
busy = socket.socket()
busy.bind(("127.0.0.1", 0))
busy.listen(1)
bport = busy.getsockname()[1]
f = Falco(bport)
try:
    rc = f.p.wait(timeout=30)
except subprocess.TimeoutExpired:
    rc = f.stop()
err = f.stderr()
check(rc == 1 and f"127.0.0.1:{bport}" in err and "Address already in use" in err, f"port in use: rc {rc}: {err[-400:]}")
check("Running" not in err, "port in use: the sources ran anyway")
busy.close()
# replays (capture mode): upstream starts no server
cap = os.path.join(SHARED, "captures", sorted(c for c in os.listdir(os.path.join(SHARED, "captures"))
                                               if c.endswith(".scap"))[0])
port = free_port()
p = subprocess.run([FALCO, "-c", config(port), "-r", os.path.join(ROOT, "tests/integration/rules/minimal_rules.yaml"),
                    "-e", cap, "-o", "load_plugins=[]"],
                   capture_output=True, text=True, timeout=120)
check(p.returncode == 0 and "Starting health webserver" not in p.stderr, f"replay: rc {p.returncode}: {p.stderr[-300:]}")
# dry runs neither
p = subprocess.run([FALCO, "-c", config(port), "-r", RULES, "-o", "engine.kind=nodriver", "--dry-run"],
                   capture_output=True, text=True, timeout=60)
check(p.returncode == 0 and "Starting health webserver" not in p.stderr, f"dry run: rc {p.returncode}: {p.stderr[-300:]}")

for x in failures:
    print("FAIL:", x)
print(f"{'ok' if not failures else 'FAILED'}: webserver ({len(failures)} failures)")
sys.exit(1 if failures else 0)
