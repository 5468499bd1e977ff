#!/usr/bin/env python3
"""Plugin events (322) and async events (402) inside captures, through real
`falco -e` processes: routing to plugin sources, async event names as event
types, dump_state round trips, errors on malformed events.

The captures are written here byte by byte (plugcap.py), so every event,
its evt.num (its position: upstream numbers every event of a capture) and
its block offset are known without asking falco. Expected values follow
from the test plugins' documented behaviour:
  counter (tests/plugins/counter.c): source "counter", id 999; counter.value
    is the payload as a number; event_to_string "counter=<payload>".
  probe (tests/plugins/probe.c): async names tick, tock; parses and extracts
    plugin events (322) of source "counter" only; probe.even: the payload's
    last digit is even; probe.parsed: its parse_event calls so far.
  keeper (tests/plugins/keeper.c): async name "keep"; parses async events of
    source syscall named keep (data joins its name list); dump_state emits
    one keep event per name; a "keep live" event once its async handler is
    set.
What upstream does (falco process_events.cpp, libsinsp parsers.cpp
set_event_source, sinsp.cpp consume_initialstate_events and
open_common): one inspector for every source; an event's
source is the loaded plugin whose id its plugin id names (0: syscall); a
shown event of an unknown plugin id stops falco ("Unknown event source for
inspector's event (plugin ID: N)"); leading async events are parsed, not
shown; plugins get no async handler while a capture is read.

Usage: test_plugin_replay.py FALCO PLUGINS_BUILD_DIR CONTAINER_PLUGIN
       test_plugin_replay.py FALCO PLUGINS_BUILD_DIR live
(`live`: only part 10, a live run recorded then replayed; skipped, 77,
without root and BTF)
"""
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plugcap as pc  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from live_falco import appending  # noqa: E402  (O_APPEND for files falco writes to)

FALCO, PLUGDIR = (os.path.abspath(a) for a in sys.argv[1:3])
LIVE = sys.argv[3] == "live"
CONTAINER = None if LIVE else os.path.abspath(sys.argv[3])
COUNTER, PROBE, KEEPER = (os.path.join(PLUGDIR, f"lib{n}.so") for n in ("counter", "probe", "keeper"))
tmp = tempfile.mkdtemp(prefix="falco_plugin_replay_")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def path(name):
    return os.path.join(tmp, name)


def write(name, text):
    with open(path(name), "w") as f:
        f.write(text)
    return path(name)


JSON_OUT = ["-o", "stdout_output.enabled=true", "-o", "json_output=true"]


def alerts_of(stdout):
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def falco(args, timeout=60):
    p = subprocess.run([FALCO, *JSON_OUT, *args],
                       capture_output=True, text=True, errors="replace", timeout=timeout)
    return p.returncode, alerts_of(p.stdout), p.stderr


def body(a):
    """The alert's output after the time and priority."""
    return a["output"].split(" ", 2)[2]


def by_rule(alerts, rule):
    return [body(a) for a in alerts if a["rule"] == rule]


def plugins(*libs):
    out = []
    for lib in libs:
        out += ["--plugin", lib]
    return out


# ---- 10. live: keeper's live event and dump_state recorded, then replayed --
def live_part():
    rules = write("live.yaml", """
- rule: Open
  desc: opens of our marker file
  condition: evt.type in (open, openat, openat2) and fd.name endswith replay7-marker
  output: names=%keeper.names parsed=%keeper.parsed
  priority: WARNING
""")
    rec = path("live.scap")
    marker = path("replay7-marker")
    out = appending(tempfile.TemporaryFile(mode="w+", errors="replace"))
    err = appending(tempfile.TemporaryFile(mode="w+", errors="replace"))
    p = subprocess.Popen([FALCO, *JSON_OUT, "-r", rules, "--plugin", KEEPER + ":alpha,beta", "--record", rec],
                         stdout=out, stderr=err)

    def wait_for(f, text, secs):
        deadline = time.time() + secs
        while time.time() < deadline and p.poll() is None:
            f.seek(0)
            if text in f.read():
                return True
            time.sleep(0.1)
        return False

    # the driver captures once "Running N event source(s)" is printed (the
    # machine may be slow to get there); the marker is opened for 2 s, then
    # SIGINT ends the run cleanly (the recording is closed)
    started = wait_for(err, "Running ", 60)
    for _ in range(20 if started else 0):
        with open(marker, "w") as f:
            f.write("x")
        time.sleep(0.1)
    p.send_signal(signal.SIGINT)
    try:
        p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    out.seek(0)
    err.seek(0)
    out, err = out.read(), err.read()
    if not started or p.returncode != 0:
        failures.append(f"live run: started {started}, rc {p.returncode}: {err[-300:]}")
        return
    # live: keeper's "keep live" reaches its parser through the syscall source
    opens = by_rule(alerts_of(out), "Open")
    check(opens and opens[-1] == "names=alpha,beta,live parsed=1", f"live opens: {opens[-3:]}")
    rc, alerts, err = falco(["-r", rules, "-e", rec, "--plugin", KEEPER])
    check(rc == 0, f"live replay: rc {rc}: {err[-300:]}")
    # recorded: dump_state's keep alpha and keep beta, and the live keep event
    opens = by_rule(alerts, "Open")
    check(opens and opens[-1] == "names=alpha,beta,live parsed=3", f"live replay opens: {opens[-3:]}")


def finish():
    shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("ok")
    sys.exit(0)


if LIVE:
    if os.geteuid() != 0 or not os.path.exists("/sys/kernel/btf/vmlinux"):
        print("skipped: needs root and BTF")
        sys.exit(77)
    live_part()
    finish()

# ---- 1. routing: counter and syscall events in one capture ---------------
# evt.num: 1 getuid(uid 0)  2 plugin "1"  3 async tick (id 0: syscall)
#          4 plugin "2"  5 getuid(uid 5)  6 plugin "3"  7 async tock (id 999:
#          counter)  8 plugin "4"
CAP1 = path("mixed.scap")
OFFS1 = pc.write(CAP1, [pc.getuid(1000, 100, 0), pc.plugin_event(2000, 999, b"1"), pc.async_event(2500, 0, "tick", b"x"),
                pc.plugin_event(3000, 999, b"2"), pc.getuid(3500, 100, 5), pc.plugin_event(4000, 999, b"3"),
                pc.async_event(4500, 999, "tock", b"y"), pc.plugin_event(5000, 999, b"4")])
RULES1 = write("mixed.yaml", """
- rule: Count
  desc: counter events above 1
  condition: counter.value > 1
  output: value=%counter.value even=%probe.even parsed=%probe.parsed num=%evt.num pn=%evt.pluginname pi=%evt.plugininfo src=%evt.source
  priority: WARNING
  source: counter
- rule: Rel
  desc: evt.reltime counts from the capture's first event (the getuid at ts 1000), whatever its source
  condition: counter.value = 1
  output: rel=%evt.reltime
  priority: WARNING
  source: counter
- rule: Counter async
  desc: async events joining the counter source
  condition: evt.is_async = true
  output: at=%evt.asynctype pn=%evt.pluginname num=%evt.num src=%evt.source rel=%evt.reltime
  priority: WARNING
  source: counter
- rule: Uid
  desc: getuid
  condition: evt.type = getuid
  output: uid num=%evt.num src=%evt.source
  priority: WARNING
- rule: Tick
  desc: async tick on syscall
  condition: evt.type = tick
  output: type=%evt.type at=%evt.asynctype async=%evt.is_async pn=%evt.pluginname num=%evt.num src=%evt.source
  priority: WARNING
- rule: Tock on syscall
  desc: never, the tock event carries counter's id
  condition: evt.type in (tock)
  output: tock
  priority: WARNING
- rule: Asyncevent
  desc: never, evt.type of an async event is its name
  condition: evt.type = asyncevent
  output: asyncevent
  priority: WARNING
""")
rc, alerts, err = falco(["-r", RULES1, "-e", CAP1, *plugins(COUNTER, PROBE)])
check(rc == 0, f"mixed: rc {rc}: {err[-600:]}")
check(by_rule(alerts, "Count") == [
    "value=2 even=true parsed=2 num=4 pn=counter pi=counter=2 src=counter",
    "value=3 even=false parsed=3 num=6 pn=counter pi=counter=3 src=counter",
    "value=4 even=true parsed=4 num=8 pn=counter pi=counter=4 src=counter"], f"Count: {by_rule(alerts, 'Count')}")
check([int(b.split("=")[1]) for b in by_rule(alerts, "Rel")] == [1000], f"Rel: {by_rule(alerts, 'Rel')}")
check([re.sub(r"rel=0*", "rel=", b) for b in by_rule(alerts, "Counter async")] ==
      ["at=tock pn=<NA> num=7 src=counter rel=3500"],
      f"Counter async: {by_rule(alerts, 'Counter async')}")
check(by_rule(alerts, "Uid") == ["uid num=1 src=syscall", "uid num=5 src=syscall"], f"Uid: {by_rule(alerts, 'Uid')}")
check(by_rule(alerts, "Tick") == ["type=tick at=tick async=true pn=<NA> num=3 src=syscall"],
      f"Tick: {by_rule(alerts, 'Tick')}")
check(not by_rule(alerts, "Tock on syscall") and not by_rule(alerts, "Asyncevent"), f"never rules: {alerts}")
check([a["source"] for a in alerts if a["rule"] == "Count"] == ["counter"] * 3, "Count alerts' source")
check("Plugin source events: counter=5" in err, f"summary: {err[-400:]}")

# 2. async names are event types only while a plugin declares them
RULES_TICK = write("tick.yaml", """
- rule: Tick
  desc: async tick
  condition: evt.type = tick
  output: tick
  priority: WARNING
""")
rc, _, err = falco(["-r", RULES_TICK, "-e", CAP1, *plugins(COUNTER)])
check(rc == 1 and "unknown event type tick" in err, f"tick without probe: rc {rc}: {err[-400:]}")
rc, alerts, err = falco(["-r", RULES_TICK, "-e", CAP1, *plugins(COUNTER, PROBE)])
check(rc == 0 and len(alerts) == 1, f"tick with probe: rc {rc}, {alerts}")

# 3. plugin sources' rules run in a replay whatever --disable-source says
#    (upstream ignores source selection in capture mode)
rc, alerts, err = falco(["-r", RULES1, "-e", CAP1, "--disable-source", "counter", *plugins(COUNTER, PROBE)])
check(rc == 0 and len(by_rule(alerts, "Count")) == 3, f"--disable-source in replay: rc {rc}, {len(alerts)} alerts")

# ---- 4. unknown plugin ids: upstream's fatal error, leading ones skipped --
CAP_UNK = path("unknown.scap")
offs = pc.write(CAP_UNK, [pc.async_event(500, 7, "x", b""), pc.getuid(1000, 100, 0),
                          pc.plugin_event(2000, 7, b"1"), pc.getuid(3000, 100, 0)])
rc, alerts, err = falco(["-r", RULES1, "-e", CAP_UNK, *plugins(COUNTER, PROBE)])
check(rc == 1, f"unknown id: rc {rc}")
check(f"offset {offs[2]}: event 3: Unknown event source for inspector's event (plugin ID: 7)" in err,
      f"unknown id message: {err[-600:]}")
check(by_rule(alerts, "Uid") == ["uid num=2 src=syscall"], f"events before the unknown one: {alerts}")
check("Skipped 1 leading events of plugin sources not loaded" in err, f"skipped count: {err[-400:]}")
# counter's events without counter loaded: the same error, with its id
rc, alerts, err = falco(["-r", RULES_TICK, "-e", CAP1, "--plugin", PROBE])
check(rc == 1 and "(plugin ID: 999)" in err and f"offset {OFFS1[1]}: event 2:" in err,
      f"counter not loaded: rc {rc}: {err[-400:]}")

# ---- 5. malformed plugin and async events: errors naming the offset -----
BAD = {
    "one param": (pc.event(2000, -1, 322, [struct.pack("<I", 999)]),
                  "plugin event (code 322) with 1 parameters instead of 2"),
    "short id": (pc.event(2000, -1, 322, [struct.pack("<H", 999), b"12"]),
                 "plugin event (code 322): plugin id parameter of 2 bytes instead of 4"),
    "async two params": (pc.event(2000, -1, 402, [struct.pack("<I", 0), b"tick\0"]),
                         "async event (code 402) with 2 parameters instead of 3"),
    "async empty id": (pc.event(2000, -1, 402, [b"", b"tick\0", b""]),
                       "async event (code 402): plugin id parameter of 0 bytes instead of 4"),
    "lengths beyond the event": (pc.event(2000, -1, 322, [struct.pack("<I", 999), b"12"], lens=[4, 9]),
                                 "event header or parameter lengths inconsistent"),
    "nparams beyond the event": (pc.event(2000, -1, 402, [struct.pack("<I", 0)], nparams=9, lens=[4]),
                                 "event header or parameter lengths inconsistent"),
}
for what, (blk, msg) in BAD.items():
    cap = path("bad.scap")
    offs = pc.write(cap, [pc.getuid(1000, 100, 0), blk, pc.getuid(3000, 100, 0)])
    rc, alerts, err = falco(["-r", RULES1, "-e", cap, *plugins(COUNTER, PROBE)])
    check(rc == 1, f"{what}: rc {rc} (negative: killed by a signal)")
    check(f"offset {offs[1]}" in err and msg in err, f"{what}: message: {err[-500:]}")
    check(by_rule(alerts, "Uid") == ["uid num=1 src=syscall"], f"{what}: events before it: {alerts}")

# ---- 6. dump_state round trip through --record (replay) -----------------
# Run 1 replays 5 getuid events with keeper knowing alpha,beta and records;
# keeper gets no async handler in a replay, so it sends no "keep live". The recording
# starts with keeper's dump_state: keep alpha, keep beta (evt.num 1, 2,
# leading: parsed, not shown), then the 5 getuid events (evt.num 3..7).
# Run 2 replays it with keeper knowing nothing: its list comes back from
# the recorded events.
BASE = path("base.scap")
pc.write(BASE, [pc.getuid(1000 + i, 100, i) for i in range(5)])
RULES_K = write("keeper.yaml", """
- rule: Uid
  desc: getuid
  condition: evt.type = getuid
  output: num=%evt.num names=%keeper.names count=%keeper.count parsed=%keeper.parsed
  priority: WARNING
- rule: Keep
  desc: keep async events shown to syscall rules
  condition: evt.type = keep
  output: type=%evt.type at=%evt.asynctype pn=%evt.pluginname num=%evt.num names=%keeper.names
  priority: WARNING
""")
REC = path("rec.scap")
rc, alerts, err = falco(["-r", RULES_K, "-e", BASE, "--plugin", KEEPER + ":alpha,beta", "--record", REC])
check(rc == 0 and "Recorded 7 events" in err, f"record: rc {rc}: {err[-400:]}")
check(by_rule(alerts, "Uid") == [f"num={n} names=alpha,beta count=2 parsed=0" for n in range(1, 6)],
      f"record run: {by_rule(alerts, 'Uid')}")
rc, alerts, err = falco(["-r", RULES_K, "-e", REC, "--plugin", KEEPER])
check(rc == 0, f"replay of the recording: rc {rc}: {err[-400:]}")
check(by_rule(alerts, "Uid") == [f"num={n} names=alpha,beta count=2 parsed=2" for n in range(3, 8)],
      f"state rebuilt: {by_rule(alerts, 'Uid')}")
check(not by_rule(alerts, "Keep"), f"leading async events are not shown: {by_rule(alerts, 'Keep')}")
# without keeper, the recorded async events (plugin id 0: syscall) are skipped
rules_uid = write("uid.yaml", """
- rule: Uid
  desc: getuid
  condition: evt.type = getuid
  output: num=%evt.num
  priority: WARNING
""")
rc, alerts, err = falco(["-r", rules_uid, "-e", REC])
check(rc == 0 and by_rule(alerts, "Uid") == [f"num={n}" for n in range(3, 8)],
      f"recording without keeper: rc {rc}: {by_rule(alerts, 'Uid')} {err[-300:]}")

# 7. async events after the start are shown to syscall rules, after parsers
CAP_K = path("keep-mid.scap")
pc.write(CAP_K, [pc.getuid(1000, 100, 0), pc.async_event(1500, 0, "keep", b"gamma"), pc.getuid(2000, 100, 0)])
rc, alerts, err = falco(["-r", RULES_K, "-e", CAP_K, "--plugin", KEEPER + ":alpha"])
check(rc == 0, f"keep mid: rc {rc}: {err[-300:]}")
check(by_rule(alerts, "Uid") == ["num=1 names=alpha count=1 parsed=0", "num=3 names=alpha,gamma count=2 parsed=1"],
      f"keep mid Uid: {by_rule(alerts, 'Uid')}")
check(by_rule(alerts, "Keep") == ["type=keep at=keep pn=<NA> num=2 names=alpha,gamma"],
      f"keep mid Keep: {by_rule(alerts, 'Keep')}")

# ---- 8. counter events recorded from a replay replay the same -----------
# The recording starts with probe's dump_state event (async "tock", plugin
# id 0: syscall, leading: not shown), so every evt.num is one more.
REC2 = path("rec-counter.scap")
rc, first, err = falco(["-r", RULES1, "-e", CAP1, "--record", REC2, *plugins(COUNTER, PROBE)])
check(rc == 0 and len(first) == 8, f"record counter: rc {rc}, {len(first)} alerts: {err[-300:]}")
rc, again, err = falco(["-r", RULES1, "-e", REC2, *plugins(COUNTER, PROBE)])
shifted = [re.sub(r"num=(\d+)", lambda m: f"num={int(m.group(1)) + 1}", body(a)) for a in first]
check(rc == 0 and [body(a) for a in again] == shifted and "Plugin source events: counter=5" in err,
      f"recorded counter events: {[body(a) for a in again]} vs {shifted}")


# 8b. capture.enabled in a replay: a counter rule with `capture: true` starts
#    a file (upstream's capture mode dumps for every source's rules) named
#    by the triggering event's ts (4000, "3"); it begins with the state and
#    probe's dump_state event (hidden when replayed), then events 6..8.
prefix = path("trig")
rules_trig = write("trig.yaml", """
- rule: Three
  desc: counter 3 starts a capture
  condition: counter.value = 3
  output: three num=%evt.num
  priority: WARNING
  source: counter
  capture: true
- rule: Count
  desc: counter events
  condition: counter.value > 0
  output: value=%counter.value num=%evt.num
  priority: WARNING
  source: counter
""")
rc, alerts, err = falco(["-r", rules_trig, "-e", CAP1, "-o", "capture.enabled=true", "-o",
                         f"capture.path_prefix={prefix}", *plugins(COUNTER, PROBE)])
check(rc == 0 and os.path.exists(prefix + "_4000.scap"), f"triggered capture: rc {rc}: {err[-300:]}")
rc, alerts, err = falco(["-r", rules_trig, "-e", prefix + "_4000.scap", *plugins(COUNTER, PROBE)])
check(rc == 0 and [body(a) for a in alerts] == ["three num=2", "value=4 num=4"]
      and "Plugin source events: counter=3" in err, f"triggered capture replayed: {[body(a) for a in alerts]}")

# ---- 9. the container plugin's `container` async events in a capture --
# Its async event data is {"container": {...}} (upstream's container
# plugin format); on the async event itself its fields read the
# container the event describes.
ctr = {"container": {"id": "abcdef123456", "full_id": "abcdef1234567890abcdef", "name": "web",
                     "image": "nginx:1.25", "type": 0, "labels": {}, "Mounts": []}}
cap = path("container.scap")
pc.write(cap, [pc.getuid(1000, 100, 0), pc.async_event(1500, 0, "container", json.dumps(ctr).encode()),
               pc.getuid(2000, 100, 0)])
rules = write("container.yaml", """
- rule: Container event
  desc: container async events
  condition: evt.type = container
  output: type=%evt.type at=%evt.asynctype num=%evt.num id=%container.id name=%container.name image=%container.image
  priority: WARNING
""")
rc, alerts, err = falco(["-r", rules, "-e", cap, "--plugin", CONTAINER])
check(rc == 0 and by_rule(alerts, "Container event") ==
      ["type=container at=container num=2 id=abcdef123456 name=web image=nginx:1.25"],
      f"container async event: rc {rc}: {[body(a) for a in alerts]} {err[-300:]}")

# ---- 11. metrics of a replay: one collector, as upstream's capture mode --
# Upstream (falco process_events.cpp, stats_writer.cpp) reads a capture
# with one inspector and one stats collector: a snapshot is tagged with the
# source of the event being processed (evt.source), its plugin metrics are
# every loaded plugin's (plugins.<plugin>.<metric>, libs' metrics
# collector over the inspector's plugins), falco.num_evts counts every
# event of the capture, and the syscall state counters are left out when
# the source is not syscall. With metrics.interval=1h the only snapshot is
# the one taken at the end (after the last event).
def replay_metrics(cap, rules, name):
    mfile = path(name + ".jsonl")
    rc, _, err = falco(["-r", rules, "-e", cap, *plugins(COUNTER, PROBE), "-o", "metrics.enabled=true",
                        "-o", "metrics.interval=1h", "-o", "metrics.output_rule=false",
                        "-o", "metrics.output_file=" + mfile, "-o", "metrics.include_empty_values=true"])
    check(rc == 0, f"{name}: rc {rc}: {err[-400:]}")
    if not os.path.exists(mfile):
        check(False, f"{name}: no metrics file")
        return {}
    with open(mfile) as f:
        snaps = [json.loads(line) for line in f if line.strip()]
    check(len(snaps) == 1, f"{name}: {len(snaps)} snapshots")
    return snaps[-1]["output_fields"] if snaps else {}


# CAP1 ends with counter's plugin event 8; its counter events are 2, 4, 6, 8
# (probe parses plugin events of counter, not the async tock at 7).
f = replay_metrics(CAP1, RULES1, "metrics_counter")
check(f.get("evt.source") == "counter", f"metrics: evt.source {f.get('evt.source')}")
check(f.get("plugins.probe.parse_calls") == 4, f"metrics: probe parse_calls {f.get('plugins.probe.parse_calls')}")
for k in ("async_ok", "async_refused"):  # no async handler in a replay: nothing sent
    check(f.get("plugins.probe." + k) == 0, f"metrics: plugins.probe.{k} = {f.get('plugins.probe.' + k)}")
check(f.get("falco.num_evts") == 8, f"metrics: num_evts {f.get('falco.num_evts')}")
# rules of section 1: Count 3, Rel 1, Counter async 1, Uid 2, Tick 1
check(f.get("falco.rules.Count") == 3 and f.get("falco.rules.Counter_async") == 1
      and f.get("falco.rules.matches_total") == 8,
      f"metrics: rule counters {[(k, v) for k, v in f.items() if k.startswith('falco.rules.')]}")
check(not [k for k in f if k in ("falco.n_threads", "falco.n_fds", "falco.n_added_threads")],
      f"metrics: state counters in a counter snapshot: {sorted(k for k in f if k.startswith('falco.n_'))}")
# the same plugin events, then a syscall event last: a syscall snapshot,
# with the state counters (shown even when 0 with include_empty_values)
cap = path("metrics_syscall_last.scap")
pc.write(cap, [pc.plugin_event(1000, 999, b"1"), pc.plugin_event(2000, 999, b"2"),
               pc.plugin_event(3000, 999, b"3"), pc.getuid(4000, 100, 0)])
f = replay_metrics(cap, RULES1, "metrics_syscall")
check(f.get("evt.source") == "syscall", f"metrics (syscall last): evt.source {f.get('evt.source')}")
check(f.get("plugins.probe.parse_calls") == 3,
      f"metrics (syscall last): parse_calls {f.get('plugins.probe.parse_calls')}")
check(f.get("falco.num_evts") == 4, f"metrics (syscall last): num_evts {f.get('falco.num_evts')}")
check(all(k in f for k in ("falco.n_threads", "falco.n_added_threads", "falco.n_removed_threads")),
      f"metrics (syscall last): state counters {sorted(k for k in f if k.startswith('falco.n_'))}")

finish()
