#!/usr/bin/env python3
"""Generate core/event/codes.h and core/event/event_table.c from the schema
text files next to this script (events.txt, names.txt, syscalls.txt).

    gen.py            rewrite the two generated files
    gen.py --check    exit 1 when a generated file is out of date

The generated files are committed so that a build needs no Python step and
other modules can include codes.h directly; a unit test runs --check.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.dirname(HERE)

CATEGORIES = {"UNKNOWN", "OTHER", "FILE", "NET", "IPC", "MEMORY", "PROCESS", "SLEEP", "SYSTEM",
              "SIGNAL", "USER", "TIME", "PROCESSING", "IO_READ", "IO_WRITE", "IO_OTHER", "WAIT",
              "SCHEDULER", "INTERNAL", "SYSCALL", "TRACEPOINT", "PLUGIN", "METAEVENT", "ITER"}
FLAGS = {"NONE", "CREATES_FD", "DESTROYS_FD", "USES_FD", "READS_FROM_FD", "WRITES_TO_FD",
         "MODIFIES_STATE", "UNUSED", "WAITS", "SKIPPARSERESET", "OLD_VERSION", "LARGE_PAYLOAD",
         "CONVERTER_MANAGED"}
FORMATS = {"NA", "DEC", "HEX", "10_PADDED_DEC", "ID", "DIR", "OCT"}
NAMED_TYPES = {"FLAGS8", "FLAGS16", "FLAGS32", "ENUMFLAGS8", "ENUMFLAGS16", "ENUMFLAGS32", "MODE"}


class SchemaError(Exception):
    pass


def lines(fname):
    """Yields (line number, indented?, fields) for each non-comment line."""
    with open(os.path.join(HERE, fname)) as f:
        for no, raw in enumerate(f, 1):
            text = raw.split("#", 1)[0].rstrip()
            if text:
                yield no, raw[0] in " \t", text.split()


def param_types():
    with open(os.path.join(OUT_DIR, "event.h")) as f:
        return set(re.findall(r"EV_PT_(\w+) = \d+", f.read()))


def check(cond, fname, no, msg):
    if not cond:
        raise SchemaError(f"{fname}:{no}: {msg}")


def read_names(types):
    names, dyns, cur = {}, {}, None
    for no, indented, f in lines("names.txt"):
        if not indented:
            check(len(f) == 2 and f[0] in ("names", "dyn"), "names.txt", no, "expected `names|dyn <table>`")
            check(f[1] not in names and f[1] not in dyns, "names.txt", no, f"duplicate table {f[1]}")
            cur = []
            (names if f[0] == "names" else dyns)[f[1]] = cur
        elif cur is not None and f[0].isdigit():
            check(len(f) == 3 and f[1] in types and f[2] in FORMATS, "names.txt", no, "bad dyn entry")
            check(int(f[0]) == len(cur), "names.txt", no, "dyn entries must be numbered from 0")
            cur.append((f[1], f[2]))
        else:
            check(cur is not None and len(f) == 2, "names.txt", no, "expected `<NAME> <value>`")
            cur.append((f[0], int(f[1], 0)))
    return names, dyns


def read_events(types, names, dyns):
    events, cur = [], None
    for no, indented, f in lines("events.txt"):
        if not indented:
            check(len(f) == 5, "events.txt", no, "expected `<code> <ENUM> <name> <category> <flags>`")
            code, enum, name, cat, flags = f
            check(int(code) == len(events), "events.txt", no, f"codes must be dense, expected {len(events)}")
            for c in cat.split("|"):
                check(c in CATEGORIES, "events.txt", no, f"unknown category {c}")
            for fl in flags.split("|"):
                check(fl in FLAGS, "events.txt", no, f"unknown flag {fl}")
            cur = {"enum": enum, "name": name, "cat": cat.split("|"), "flags": flags.split("|"), "params": []}
            events.append(cur)
            continue
        check(cur is not None and len(f) in (3, 4), "events.txt", no, "expected `<name> <type> <fmt> [extra]`")
        pname, ptype, fmt = f[:3]
        extra = f[3] if len(f) == 4 else None
        check(ptype in types and fmt in FORMATS, "events.txt", no, "unknown type or format")
        if ptype in NAMED_TYPES and extra is not None:
            check(extra in names, "events.txt", no, f"unknown name table {extra}")
        elif ptype == "FSRELPATH":
            check(extra is not None and extra.startswith("dirfd="), "events.txt", no, "FSRELPATH needs dirfd=<i>")
        elif ptype == "DYN":
            check(extra is not None and extra.startswith("dyn:") and extra[4:] in dyns, "events.txt", no,
                  "DYN needs dyn:<table>")
        else:
            check(extra is None, "events.txt", no, f"no extra allowed for {ptype}")
        check(len(cur["params"]) < 32, "events.txt", no, "more than 32 parameters")
        cur["params"].append((pname, ptype, fmt, extra))
    return events


def read_syscalls():
    out = []
    for no, _, f in lines("syscalls.txt"):
        check(len(f) == 2 and int(f[0]) >= len(out), "syscalls.txt", no, "expected increasing `<code> <name>`")
        out += [None] * (int(f[0]) - len(out))  # codes upstream left unassigned
        out.append(f[1])
    return out


def read_event_syscalls(events, syscalls):
    by_enum = {e["enum"]: i for i, e in enumerate(events)}
    by_name = {n: i for i, n in enumerate(syscalls) if n}
    out, cur = {}, None
    for no, indented, f in lines("event_syscalls.txt"):
        if not indented:
            check(f[0] in by_enum and by_enum[f[0]] not in out, "event_syscalls.txt", no,
                  f"unknown or repeated event {f[0]}")
            cur = out[by_enum[f[0]]] = []
            f = f[1:]
        check(cur is not None, "event_syscalls.txt", no, "continuation without an event")
        for n in f:
            check(n in by_name, "event_syscalls.txt", no, f"unknown syscall {n}")
            cur.append(by_name[n])
    return out


UFLAGS = {"USED": 1, "NEVER_DROP": 2, "ALWAYS_DROP": 4, "ATOMIC": 16}


def read_x86_64(events, syscalls):
    by_enum = {e["enum"]: i for i, e in enumerate(events)}
    by_name = {n: i for i, n in enumerate(syscalls) if n}
    out = {}
    for no, _, f in lines("x86_64.txt"):
        check(len(f) == 5 and f[0].isdigit() and int(f[0]) < 512 and int(f[0]) not in out, "x86_64.txt", no,
              "expected `<nr> <syscall> <ENTER|-> <EXIT|-> <flags|->` with a new nr < 512")
        check(f[1] in by_name, "x86_64.txt", no, f"unknown syscall {f[1]}")
        for ev in f[2:4]:
            check(ev == "-" or ev in by_enum, "x86_64.txt", no, f"unknown event {ev}")
        flags = 0
        for fl in ([] if f[4] == "-" else f[4].split("|")):
            check(fl in UFLAGS, "x86_64.txt", no, f"unknown flag {fl}")
            flags |= UFLAGS[fl]
        enter = 0 if f[2] == "-" else by_enum[f[2]]
        exit_ = 1 if f[3] == "-" else by_enum[f[3]]
        out[int(f[0])] = (by_name[f[1]], enter, exit_, flags)
    return out


def gen_names_h(names):
    o = ["/* Generated by core/event/schema/gen.py from names.txt: edit that. */",
         "/* Internal to core/event: the name tables by their schema names. */",
         "#ifndef FALCO_CORE_EVENT_NAMES_H", "#define FALCO_CORE_EVENT_NAMES_H", "",
         '#include "event/event.h"', ""]
    o += [f"extern const struct ev_name_value ev_nv_{t}[];" for t in names]
    o += ["", "#endif", ""]
    return "\n".join(o)


def c_param(p, dyns):
    name, ptype, fmt, extra = p
    ninfo, info = 0, "NULL"
    if ptype == "FSRELPATH":
        info = f"(const void *)(uintptr_t){int(extra[6:])}"
    elif ptype == "DYN":
        info = f"dyn_{extra[4:]}"
        ninfo = len(dyns[extra[4:]])
    elif extra is not None:
        info = f"ev_nv_{extra}"
    return f'{{"{name}", EV_PT_{ptype}, EV_PF_{fmt}, {ninfo}, {info}}}'


def gen_codes(events, syscalls):
    o = ["/* Generated by core/event/schema/gen.py from events.txt and syscalls.txt: edit those. */",
         "/* Event codes, numbered as upstream's event schema 4.x (ppm_event_code), and",
         " * syscall codes (ppm_sc_code) as carried by SYSCALLID parameters. */",
         "#ifndef FALCO_CORE_EVENT_CODES_H", "#define FALCO_CORE_EVENT_CODES_H", "", "enum ev_code {"]
    o += [f"\tEV_{e['enum']} = {i}," for i, e in enumerate(events)]
    o += [f"\tEV_CODE_MAX = {len(events)}", "};", "", "enum ev_sc {"]
    o += [f"\tEV_SC_{s.upper()} = {i}," for i, s in enumerate(syscalls) if s]
    o += [f"\tEV_SC_MAX = {len(syscalls)}", "};", "", "#endif", ""]
    return "\n".join(o)


def gen_table(events, names, dyns, syscalls, ev_sc, x64):
    o = ["/* Generated by core/event/schema/gen.py from events.txt, names.txt and",
         " * syscalls.txt: edit those. The event schema, its name tables and the",
         " * syscall names. */",
         "#include <stddef.h>", "#include <stdint.h>", "#include <string.h>", "", '#include "event/event.h"',
         '#include "event/names.h"', ""]
    for t, vals in names.items():
        o.append(f"const struct ev_name_value ev_nv_{t}[] = {{")
        o += [f'\t{{"{n}", {v:#x}u}},' for n, v in vals]
        o += ["\t{NULL, 0},", "};", ""]
    for t, ents in dyns.items():
        o.append(f"static const struct ev_param_info dyn_{t}[] = {{")
        o += [f'\t{{"", EV_PT_{ty}, EV_PF_{fmt}, 0, NULL}},' for ty, fmt in ents]
        o += ["};", ""]
    o.append("/* Every name table by its schema name, for ev_name_table(). */")
    o.append("static const struct {\n\tconst char *name;\n\tconst struct ev_name_value *values;\n} name_tables[] = {")
    o += [f'\t{{"{t}", ev_nv_{t}}},' for t in names]
    o += ["};", ""]
    o.append("static const struct ev_info table[EV_CODE_MAX] = {")
    for e in events:
        cat = " | ".join("EV_C_" + c for c in e["cat"])
        flags = " | ".join("EV_F_" + f for f in e["flags"])
        head = f'\t[EV_{e["enum"]}] = {{"{e["name"]}", {cat}, {flags}, {len(e["params"])}'
        if not e["params"]:
            o.append(head + ", {{0}}},")
            continue
        o.append(head + ", {")
        o += [f"\t\t{c_param(p, dyns)}," for p in e["params"]]
        o.append("\t}},")
    o += ["};", ""]
    for code in sorted(ev_sc):
        o.append(f"static const uint16_t sc_{events[code]['enum']}[] = {{")
        sc = [str(x) for x in ev_sc[code]]
        o += ["\t" + ", ".join(sc[i:i + 12]) + "," for i in range(0, len(sc), 12)]
        o += ["};"]
    o += ["", "static const struct {\n\tconst uint16_t *sc;\n\tuint16_t n;\n} event_syscalls[EV_CODE_MAX] = {"]
    o += [f"\t[EV_{events[c]['enum']}] = {{sc_{events[c]['enum']}, {len(ev_sc[c])}}}," for c in sorted(ev_sc)]
    o += ["};", "", "static const struct ev_native_syscall native_x86_64[EV_X86_64_SYSCALLS] = {"]
    o += [f"\t[{nr}] = {{{sc}, {en}, {ex}, {fl}}}," for nr, (sc, en, ex, fl) in sorted(x64.items())]
    o += ["};", "", "static const char *const syscall_names[EV_SC_MAX] = {"]
    o += [f'\t[{i}] = "{s}",' for i, s in enumerate(syscalls) if s]
    o += ["};", "",
          "const struct ev_info *ev_info(uint16_t code)", "{",
          "\treturn code < EV_CODE_MAX ? &table[code] : NULL;", "}", "",
          "const struct ev_name_value *ev_name_table(const char *name)", "{",
          "\tfor (size_t i = 0; i < sizeof(name_tables) / sizeof(name_tables[0]); i++)",
          "\t\tif (strcmp(name_tables[i].name, name) == 0)",
          "\t\t\treturn name_tables[i].values;",
          "\treturn NULL;", "}", "",
          "size_t ev_event_syscalls(uint16_t code, const uint16_t **sc)", "{",
          "\tif (code >= EV_CODE_MAX) {", "\t\t*sc = NULL;", "\t\treturn 0;", "\t}",
          "\t*sc = event_syscalls[code].sc;", "\treturn event_syscalls[code].n;", "}", "",
          "const struct ev_native_syscall *ev_native_syscall_x86_64(uint32_t nr)", "{",
          "\treturn nr < EV_X86_64_SYSCALLS && native_x86_64[nr].flags | native_x86_64[nr].sc ? &native_x86_64[nr] : NULL;", "}", "",
          "const char *ev_syscall_name(uint16_t id)", "{",
          "\treturn id < EV_SC_MAX ? syscall_names[id] : NULL; /* NULL for unassigned codes */", "}", ""]
    return "\n".join(o)


def main():
    types = param_types()
    try:
        names, dyns = read_names(types)
        events = read_events(types, names, dyns)
        syscalls = read_syscalls()
        ev_sc = read_event_syscalls(events, syscalls)
        x64 = read_x86_64(events, syscalls)
    except (SchemaError, ValueError) as err:
        print(f"gen.py: {err}", file=sys.stderr)
        return 2
    outputs = {"codes.h": gen_codes(events, syscalls),
               "names.h": gen_names_h(names),
               "event_table.c": gen_table(events, names, dyns, syscalls, ev_sc, x64)}
    stale = 0
    for fname, text in outputs.items():
        path = os.path.join(OUT_DIR, fname)
        old = open(path).read() if os.path.exists(path) else None
        if old == text:
            continue
        if "--check" in sys.argv:
            print(f"gen.py: {path} is out of date; run core/event/schema/gen.py", file=sys.stderr)
            stale = 1
        else:
            with open(path, "w") as f:
                f.write(text)
    return stale


if __name__ == "__main__":
    sys.exit(main())
