#!/usr/bin/env python3
"""CPython's side of the shared memory tests of gomanager/basemanager/sharedmemory.

Each command does one thing to a block and prints one JSON object:

  list-create NAME ITEMS   ShareableList(ITEMS, name=NAME); NAME "-": a random name
  list-edit NAME SPEC      attach ShareableList(name=NAME); print it, count and
                           index SPEC's probes, make SPEC's writes, print it again
  shm-create NAME SIZE HEX SharedMemory(NAME, create=True, size=SIZE); write HEX at 0
  shm-edit NAME OFFSET HEX attach SharedMemory(NAME); print it, write HEX at OFFSET
  shm-attach-tracked NAME  attach SharedMemory(NAME) as a plain CPython program
                           does, leaving it on the resource tracker, which
                           unlinks it when this process ends

Items travel as typed pairs, both ways: ["int", "7"], ["float", "2.5"],
["bool", "True"], ["None", ""], ["str", "..."], ["bytes", "<hex>"].
SPEC is {"probes": [item, ...], "writes": [[position, item], ...]}.

The blocks outlive this process: the Go test unlinks them. So this process
keeps them away from its resource tracker. Before 3.13, every SharedMemory,
created or attached, is registered with the tracker, which unlinks what is
still registered when the process ends and warns of "leaked shared_memory
objects"; untrack() unregisters it. 3.13 has SharedMemory(track=False), but
ShareableList always tracks, so lists are unregistered there too.
"""

import json
import sys
from multiprocessing import resource_tracker, shared_memory


def untrack(shm):
    """Take shm off this process's resource tracker, if it is on it."""
    if getattr(shm, "_track", True):
        resource_tracker.unregister(shm._name, "shared_memory")


def shm_open(name, create=False, size=0):
    """SharedMemory, untracked from the start where Python allows it (3.13)."""
    if sys.version_info >= (3, 13):
        return shared_memory.SharedMemory(name, create=create, size=size, track=False)
    shm = shared_memory.SharedMemory(name, create=create, size=size)
    untrack(shm)
    return shm


def decode(pair):
    kind, text = pair
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    if kind == "bool":
        return {"True": True, "False": False}[text]
    if kind == "None":
        return None
    if kind == "str":
        return text
    if kind == "bytes":
        return bytes.fromhex(text)
    raise ValueError("unknown item kind %r" % kind)


def encode(v):
    if v is None:
        return ["None", ""]
    if isinstance(v, bool):
        return ["bool", repr(v)]
    if isinstance(v, int):
        return ["int", str(v)]
    if isinstance(v, float):
        return ["float", repr(v)]
    if isinstance(v, str):
        return ["str", v]
    if isinstance(v, bytes):
        return ["bytes", v.hex()]
    raise TypeError("cannot encode %r" % (v,))


def describe(sl):
    return {
        "name": sl.shm.name,
        "size": sl.shm.size,
        "len": len(sl),
        "format": sl.format,
        "repr": repr(sl),
        "items": [encode(v) for v in sl],
    }


def list_create(name, items):
    sl = shared_memory.ShareableList([decode(p) for p in json.loads(items)],
                                     name=None if name == "-" else name)
    untrack(sl.shm)
    try:
        out = describe(sl)
    except BaseException:
        sl.shm.unlink()  # the Go test never learns the name: do not leave the block
        raise
    finally:
        sl.shm.close()
    return out


def list_edit(name, spec):
    spec = json.loads(spec)
    sl = shared_memory.ShareableList(name=name)
    untrack(sl.shm)
    out = {"before": describe(sl), "counts": [], "indexes": [], "writes": []}
    for probe in spec.get("probes") or []:
        v = decode(probe)
        out["counts"].append(sl.count(v))
        try:
            out["indexes"].append(sl.index(v))
        except ValueError:
            out["indexes"].append(-1)
    for position, item in spec.get("writes") or []:
        try:
            sl[position] = decode(item)
            out["writes"].append("ok")
        except (ValueError, IndexError) as e:
            out["writes"].append("%s: %s" % (type(e).__name__, e))
    out["after"] = describe(sl)
    sl.shm.close()
    return out


def shm_create(name, size, data):
    shm = shm_open(None if name == "-" else name, create=True, size=int(size))
    data = bytes.fromhex(data)
    shm.buf[:len(data)] = data
    out = {"name": shm.name, "size": shm.size, "repr": repr(shm)}
    shm.close()
    return out


def shm_edit(name, offset, data):
    shm = shm_open(name)
    out = {"name": shm.name, "size": shm.size, "bytes": bytes(shm.buf).hex()}
    data = bytes.fromhex(data)
    shm.buf[int(offset):int(offset) + len(data)] = data
    shm.close()
    return out


def shm_attach_tracked(name):
    shm = shared_memory.SharedMemory(name)
    out = {"name": shm.name, "size": shm.size}
    shm.close()
    return out


COMMANDS = {
    "list-create": list_create,
    "list-edit": list_edit,
    "shm-create": shm_create,
    "shm-edit": shm_edit,
    "shm-attach-tracked": shm_attach_tracked,
}

if __name__ == "__main__":
    print(json.dumps(COMMANDS[sys.argv[1]](*sys.argv[2:])))
