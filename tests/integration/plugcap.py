"""Writes small .scap captures by hand, byte by byte, from the format's
definition (libscap's scap_savefile.h block layout and the driver's event
table), without using our capture writer: a section header block, an
optional machine-info block, then one event block per event. Used by the
plugin replay tests to hold plugin (322) and async (402) events, and
malformed ones.

Block: u32 type, u32 total_len, body, padding to 4, u32 total_len.
Event blocks V2 (0x216) and V2 large-payload (0x221): u16 cpu, then the
event: header (ts u64, tid u64, len u32, type u16, nparams u32), the
parameter lengths (u16 each; u32 for large-payload codes 322 and 402),
then the parameter bytes."""
import struct

SHB, MI, EV_V2, EV_V2_LARGE = 0x0A0D0D0A, 0x201, 0x216, 0x221
PLUGINEVENT, ASYNCEVENT, GETUID_X = 322, 402, 203
LARGE = {322, 324, 402}


def block(btype, body):
    pad = (-len(body)) % 4
    total = 12 + len(body) + pad
    return struct.pack("<II", btype, total) + body + b"\0" * pad + struct.pack("<I", total)


def shb():
    # byte-order magic, version 1.2, section length -1 (unknown)
    return block(SHB, struct.pack("<IHHq", 0x1A2B3C4D, 1, 2, -1))


def machine_info(hostname="plugcap-host"):
    # num_cpus, memory, max_pid, hostname[128], boot_ts, flags, reserved3, reserved4
    host = hostname.encode().ljust(128, b"\0")
    return block(MI, struct.pack("<IQQ", 1, 1 << 30, 32768) + host + struct.pack("<QQQQ", 0, 0, 0, 0))


def event(ts, tid, etype, params, nparams=None, lens=None, cpu=0):
    """One event block. `params` are bytes; `nparams`/`lens` override the
    header's count and the length array (to build malformed events)."""
    large = etype in LARGE
    lens = [len(p) for p in params] if lens is None else lens
    nparams = len(lens) if nparams is None else nparams
    larr = b"".join(struct.pack("<I" if large else "<H", n) for n in lens)
    data = b"".join(params)
    total = 26 + len(larr) + len(data)
    hdr = struct.pack("<QQIHI", ts, tid & 0xFFFFFFFFFFFFFFFF, total, etype, nparams)
    return block(EV_V2_LARGE if large else EV_V2, struct.pack("<H", cpu) + hdr + larr + data)


def plugin_event(ts, plugin_id, payload):
    return event(ts, -1, PLUGINEVENT, [struct.pack("<I", plugin_id), payload])


def async_event(ts, plugin_id, name, data, tid=-1):
    return event(ts, tid, ASYNCEVENT, [struct.pack("<I", plugin_id), name.encode() + b"\0", data])


def getuid(ts, tid, uid):
    return event(ts, tid, GETUID_X, [struct.pack("<I", uid)])


def write(path, events, hostname="plugcap-host"):
    """A capture: header, machine info, the event blocks; returns each
    event block's offset in the file (what error messages name)."""
    parts, offsets = [shb() + machine_info(hostname)], []
    pos = len(parts[0])
    for e in events:
        offsets.append(pos)
        parts.append(e)
        pos += len(e)
    with open(path, "wb") as f:
        f.write(b"".join(parts))
    return offsets
