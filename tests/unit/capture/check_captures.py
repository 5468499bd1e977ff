#!/usr/bin/env python3
"""Checks the capture reader (through the scapdump helper) against two
independent sources, for every shared capture:

1. this script's own walk of the block format (written from the format
   description, not from our C code): every event block is yielded once, in
   order, with the same offset, block type, cpu, flags, timestamp, tid, type
   and normalised length (V1 length + 4, the nparams field), and the reported
   parameter lengths add up to that length;
2. upstream's oracle (shared/oracle): the number of procinfo events, the
   order of upstream's events (timestamp, tid, cpu form a subsequence of
   ours: upstream folds enter/exit pairs, so it has fewer), and the process
   fields upstream shows on procinfo events (proc.exe, proc.exepath,
   proc.cwd, proc.cmdline, proc.pid, proc.sid, thread.vtid) for every thread
   of the capture's process list.
3. Debian's sysdig 0.29 (upstream libs): a copy written by our writer prints
   exactly what the original prints (event arguments, process and fd
   names, so the metadata blocks too), wherever sysdig reads the original.

Usage: check_captures.py SCAPDUMP SHARED_DIR
"""
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile

SYSDIG_FMT = ("*%evt.num %evt.cpu %evt.rawtime %thread.tid %evt.dir %evt.type %evt.args "
              "%proc.exe %proc.cmdline %proc.cwd %user.name %group.name %fd.name %fd.type")

EV_V1 = {0x204, 0x8010ABCD, 0x208}
EV_V2 = {0x216, 0x221, 0x217, 0x222}
EVF = {0x208, 0x217, 0x222}
PROCINFO_E = 234          # upstream PPME_PROCINFO_E
LEN_QUIRK = {280, 286}    # V1 notification/infrastructure events: len 3 too long
EV_CODE_MAX = 454


def independent_events(path):
    data = gzip.open(path).read()
    off, evs = 0, []
    while off < len(data):
        btype, total = struct.unpack_from("<II", data, off)
        assert total >= 12 and off + total <= len(data), f"{path}: bad block at {off}"
        assert struct.unpack_from("<I", data, off + total - 4)[0] == total
        if btype in EV_V1 | EV_V2:
            pos = off + 8
            cpu = struct.unpack_from("<H", data, pos)[0]
            pos += 2
            flags = 0
            if btype in EVF:
                flags = struct.unpack_from("<I", data, pos)[0]
                pos += 4
            ts, tid, ln, typ = struct.unpack_from("<QQIH", data, pos)
            np = None
            if btype in EV_V2:
                np = struct.unpack_from("<I", data, pos + 22)[0]
            else:
                ln += 4 - (3 if typ in LEN_QUIRK else 0)
            if typ < EV_CODE_MAX:
                evs.append(dict(off=off, bt=btype, cpu=cpu, flags=flags, ts=ts, tid=tid,
                                type=typ, len=ln, np=np))
        off += total
    return evs


def run_dump(scapdump, path):
    res = subprocess.run([scapdump, path], capture_output=True, text=True)
    if res.returncode != 0:
        raise AssertionError(f"scapdump failed on {path}: {res.stderr.strip()}")
    meta, procs, evs = None, [], []
    for line in res.stdout.splitlines():
        j = json.loads(line)
        if j["kind"] == "meta":
            meta = j
        elif j["kind"] == "proc":
            procs.append(j)
        else:
            evs.append(j)
    return meta, procs, evs


def check_events(name, ours, theirs):
    assert len(ours) == len(theirs), f"{name}: {len(ours)} events, file has {len(theirs)}"
    for a, b in zip(ours, theirs):
        for k in ("off", "bt", "cpu", "flags", "ts", "tid", "type", "len"):
            assert a[k] == b[k], f"{name}: event at {b['off']}: {k} {a[k]} != {b[k]}"
        if b["np"] is not None:
            assert a["np"] == b["np"], f"{name}: event at {b['off']}: nparams"
        width = 2  # no large-payload events in V1 blocks
        assert a["np"] <= 32
        assert 26 + width * a["np"] + sum(a["lens"]) == a["len"], \
            f"{name}: event at {b['off']}: lengths do not add up"


def check_oracle(name, oracle_path, procs, evs):
    oracle = [json.loads(l) for l in open(oracle_path)]
    n_pi = sum(1 for o in oracle if o["evt.type"] == "procinfo")
    ours_pi = sum(1 for e in evs if e["type"] == PROCINFO_E)
    assert n_pi == ours_pi, f"{name}: oracle has {n_pi} procinfo events, we read {ours_pi}"

    # upstream's events, in order, are a subsequence of ours: same time, tid,
    # cpu, direction and event name (upstream's folded pairs appear as the
    # exit event; generic events, codes 0/1, take the name of their syscall)
    def same(e, o):
        return ((e["ts"], e["tid"], e["cpu"], e["type"] % 2 == 1) ==
                (o["evt.rawtime"], o["thread.tid"], o["evt.cpu"], o["evt.dir"] == "<") and
                (e["name"] == o["evt.type"] or e["type"] in (0, 1)))

    i = 0
    for o in oracle:
        key = (o["evt.rawtime"], o["thread.tid"], o["evt.cpu"], o["evt.type"], o["evt.dir"])
        while i < len(evs) and not same(evs[i], o):
            i += 1
        assert i < len(evs), f"{name}: oracle event {o['evt.num']} {key} not found in order"
        i += 1

    by_tid = {}
    for p in procs:
        by_tid.setdefault(p["tid"], p)
    checked = 0
    for o in oracle:
        if o["evt.type"] != "procinfo" or o["proc.exe"] in (None, "<NA>"):
            continue
        p = by_tid.get(o["thread.tid"])
        if p is None:
            continue  # a thread upstream learnt from events, not from the list
        # upstream's thread table (not the file) drops one trailing NUL of
        # args, splits the rest at NULs, appends '/' to cwd and drops a
        # " (deleted)" suffix of exepath
        a = p["args"][:-1] if p["args"].endswith("\0") else p["args"]
        cmd = " ".join([p["comm"]] + (a.split("\0") if a else []))
        cwd = p["cwd"] if p["cwd"].endswith("/") else p["cwd"] + "/"
        exepath = p["exepath"]
        if exepath.endswith(" (deleted)"):
            exepath = exepath[: -len(" (deleted)")]
        mine = dict(exe=p["exe"], exepath=exepath, cwd=cwd, cmdline=cmd, pid=p["pid"],
                    sid=p["sid"], vtid=p["vtid"])
        theirs = dict(exe=o["proc.exe"], exepath=o["proc.exepath"], cwd=o["proc.cwd"],
                      cmdline=o["proc.cmdline"], pid=o["proc.pid"], sid=o["proc.sid"],
                      vtid=o["thread.vtid"])
        assert mine == theirs, f"{name}: tid {p['tid']}: {mine} != oracle {theirs}"
        checked += 1
    assert checked >= 20, f"{name}: only {checked} process entries checked"
    return checked


def sysdig(path):
    res = subprocess.run(["sysdig", "-r", path, "-p", SYSDIG_FMT], capture_output=True, text=True)
    return res.returncode, res.stdout


def check_sysdig(name, scapdump, path):
    rc, orig = sysdig(path)
    if rc != 0:
        return "sysdig cannot read the original"
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "copy.scap")
        res = subprocess.run([scapdump, path, "--copy", copy], capture_output=True, text=True)
        assert res.returncode == 0, f"{name}: copy failed: {res.stderr}"
        rc, ours = sysdig(copy)
    assert rc == 0, f"{name}: sysdig cannot read our copy"
    assert ours == orig, f"{name}: sysdig prints our copy differently"
    return f"sysdig prints the copy identically ({len(orig.splitlines())} lines)"


def main():
    scapdump, shared = sys.argv[1], sys.argv[2]
    caps = sorted(f for f in os.listdir(os.path.join(shared, "captures")) if f.endswith(".scap"))
    assert caps, "no captures"
    for f in caps:
        name = f[:-5]
        path = os.path.join(shared, "captures", f)
        meta, procs, evs = run_dump(scapdump, path)
        indep = independent_events(path)
        check_events(name, evs, indep)
        assert meta["procs"] == len(procs) and meta["procs"] > 0
        n = check_oracle(name, os.path.join(shared, "oracle", name + ".events.jsonl"), procs, evs)
        sd = check_sysdig(name, scapdump, path)
        print(f"{name}: {len(evs)} events, {len(procs)} processes, {n} checked against the oracle; {sd}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
