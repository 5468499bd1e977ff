#!/usr/bin/env python3
"""The json plugin (libjson.so) loaded through core/plugin, checked against
Python's json module on the k8s audit events of $SHARED_DIR/k8saudit and
the CloudTrail records of $SHARED_DIR/cloudtrail (each record once compact,
once indented with spaces, as a producer might write it).

Each line of each file is one event payload, as the k8saudit plugin emits
one JSON document per event. For every path in the document (every object
member and array element, up to a bound), json.value[<RFC 6901 pointer>]
must give: a string value unescaped (exactly Python's str), any other
value as compact JSON that parses back to the same value; and, when the
producer wrote the document in the canonical compact form Python also
writes (checked per document), the exact same text. json.obj must be the
document indented by two spaces (Python's json.dumps(indent=2) text when the
document is canonical); json.rawtime the event ts in decimal; the jevt.*
aliases the same values; a pointer that does not resolve gives no value.

usage: test_json_plugin.py JSON_EXTRACT_TOOL LIBJSON
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

TOOL, LIB = sys.argv[1], sys.argv[2]
SHARED = os.environ.get("SHARED_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
TS = "1234567890123456789"
MAX_PATHS = 400


def escape(tok):
    return str(tok).replace("~", "~0").replace("/", "~1")


def paths(value, prefix=""):
    """(pointer, value) for the value and everything under it."""
    yield prefix, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, prefix + "/" + escape(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, prefix + "/" + str(i))


def outside_strings(text):
    """The characters of JSON text that are not inside string literals."""
    out, in_str, esc = [], False, False
    for c in text:
        if in_str:
            if esc:
                esc = False
            elif c == "\\":
                esc = True
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        else:
            out.append(c)
    return "".join(out)


def compact(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def run(payload_path, fields):
    args = [TOOL, LIB, payload_path] + fields
    res = subprocess.run(args, capture_output=True, text=True)
    if res.returncode != 0:
        raise AssertionError("json_extract failed: %s" % res.stderr.strip())
    return json.loads(res.stdout)


failures = 0
checked = 0


def check(cond, msg):
    global failures, checked
    checked += 1
    if not cond:
        failures += 1
        print("FAIL:", msg)


def test_document(name, line, tmp):
    doc = json.loads(line)
    canonical = outside_strings(line).strip() == outside_strings(compact(doc)) and line.strip() == compact(doc)
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(line)
    items = list(paths(doc))[:MAX_PATHS]
    fields = ["json.value=" + p for p, _ in items if p]
    fields += ["json.value=/no/such/member", "json.value=/kind/0", "jevt.value=/kind", "json.value=kind",
               "json.obj", "jevt.obj", "json.rawtime", "jevt.rawtime"]
    got = run(tmp, fields)
    vals = got[: len(fields) - 8]
    for (ptr, want), have in zip([i for i in items if i[0]], vals):
        where = "%s %s" % (name, ptr)
        if isinstance(want, str):
            check(have == want, "%s: %r != %r" % (where, have, want))
        elif have is None:
            check(False, "%s: no value" % where)
        else:
            check(json.loads(have) == want, "%s: %r does not parse to %r" % (where, have, want))
            check(not any(c in " \t\r\n" for c in outside_strings(have)), "%s: whitespace in %r" % (where, have))
            if canonical:
                check(have == compact(want), "%s: %r != %r" % (where, have, compact(want)))
    tail = got[len(fields) - 8:]
    check(tail[0] is None, "%s: missing member gave %r" % (name, tail[0]))
    check(tail[1] is None, "%s: index into a string gave %r" % (name, tail[1]))
    kind = doc.get("kind")
    kind = kind if kind is None or isinstance(kind, str) else compact(kind)
    check(tail[2] == kind, "%s: jevt.value[/kind] %r" % (name, tail[2]))
    check(tail[3] == kind, "%s: pointer without leading / gave %r" % (name, tail[3]))
    check(tail[4] is not None and json.loads(tail[4]) == doc, "%s: json.obj does not parse back" % name)
    if canonical:
        check(tail[4] == json.dumps(doc, indent=2, ensure_ascii=False), "%s: json.obj layout" % name)
    check(tail[5] == tail[4], "%s: jevt.obj differs from json.obj" % name)
    check(tail[6] == TS and tail[7] == TS, "%s: rawtime %r %r" % (name, tail[6], tail[7]))
    return canonical


def main():
    files = sorted(glob.glob(os.path.join(SHARED, "k8saudit", "*.json")))
    if not files:
        print("no k8saudit files under", SHARED)
        return 1
    docs = canon = 0
    with tempfile.TemporaryDirectory() as d:
        tmp = os.path.join(d, "payload.json")
        for path in files:
            with open(path, encoding="utf-8") as f:
                for n, line in enumerate(f.read().split("\n")):
                    if not line.strip():
                        continue
                    docs += 1
                    canon += test_document("%s:%d" % (os.path.basename(path), n + 1), line, tmp)
        for path in sorted(glob.glob(os.path.join(SHARED, "cloudtrail", "*.json"))):
            with open(path, encoding="utf-8") as f:
                records = json.load(f)["Records"]
            for n, rec in enumerate(records):
                for style, text in (("compact", compact(rec)), ("spaced", json.dumps(rec, indent=1))):
                    docs += 1
                    canon += test_document("%s:%d:%s" % (os.path.basename(path), n, style), text, tmp)
        # Not JSON: the extraction fails with the plugin's error.
        with open(tmp, "w") as f:
            f.write("not json")
        res = subprocess.run([TOOL, LIB, tmp, "json.obj"], capture_output=True, text=True)
        check(res.returncode == 1 and "plugin 'json'" in res.stderr and "invalid json format" in res.stderr,
              "non-JSON payload: %r" % res.stderr)
        with open(tmp, "w") as f:
            f.write('{"a": [1, 2,}')
        res = subprocess.run([TOOL, LIB, tmp, "json.obj"], capture_output=True, text=True)
        check(res.returncode == 1 and "invalid json" in res.stderr, "truncated JSON: %r" % res.stderr)
    print("%d documents (%d canonical), %d checks, %d failures" % (docs, canon, checked, failures))
    return 1 if failures or docs == 0 else 0


sys.exit(main())
