"""Put VBA modules into an add-in's ``vbaProject.bin`` (MS-OVBA in an MS-CFB compound file).

``set_modules(vba_project_bin, {name: source})`` returns a new ``vbaProject.bin``
holding every stream of the old one and each module given. A new module gets

- its source, compressed (MS-OVBA 2.4.1), as the stream ``VBA/<name>``, with
  no performance cache before it (MODULEOFFSET 0);
- its record in the ``dir`` stream (2.3.4.2.3.2), the module count raised;
- its line ``Module=<name>`` in the ``PROJECT`` stream (2.3.1) and its entry
  in ``PROJECTwm`` (2.3.3) when the project has one;
and the project gets a ``_VBA_PROJECT`` stream of version 0xFFFF with no performance cache
  (2.3.4.1), so the host compiles every module from its source the first time
  it opens the project (cached p-code, ``__SRP_*`` streams, are dropped).

A module of the same name already in the project keeps its record and kind
and gets the new source (stream rewritten, MODULEOFFSET 0).
The compound file is read with olefile and written anew (``write_cfb``,
version 3, 512-byte sectors). What PyPI offered was tried first and is not
used: ``ms-ovba-compression`` 1.0.1 decompresses no container of more than one
chunk and its compressor writes copy tokens that decompress to other text (a
test round-trips through oletools instead); ``ms-ovba`` 0.0.1 writes a fixed
project through files in the working folder; ``ms-cfb`` 0.0.6 writes through
temporary files and imports a package it does not declare; ``cfbwrite`` is
AGPL. So the compression (about 60 lines) and the writer (about 80) are here.
"""
from __future__ import annotations

import re
import struct

VBA_PROJECT_STREAM = b"\xcc\x61\xff\xff\x00\x00\x00"   # Reserved1 0x61CC, Version 0xFFFF, Reserved2, Reserved3


# --- MS-OVBA ------------------------------------------------------------------------------------


def compress(data: bytes) -> bytes:
    """MS-OVBA 2.4.1.3.6: a compressed container (greedy longest match within the chunk's window)."""
    out = bytearray(b"\x01")
    for chunk_start in range(0, len(data), 4096):
        chunk = data[chunk_start:chunk_start + 4096]
        body, pos, seen = bytearray(), 0, {}
        while pos < len(chunk):
            flag_at, flags = len(body), 0
            body.append(0)
            for bit in range(8):
                if pos >= len(chunk):
                    break
                offset_bits = max((pos - 1).bit_length(), 4)
                max_len = min((0xFFFF >> offset_bits) + 3, len(chunk) - pos)
                best_len = best_back = 0
                for cand in reversed(seen.get(chunk[pos:pos + 3], ())[-64:]):
                    n = 0
                    while n < max_len and chunk[cand + n] == chunk[pos + n]:
                        n += 1
                    if n > best_len:
                        best_len, best_back = n, pos - cand
                step = best_len if best_len >= 3 else 1
                if step > 1:
                    body += struct.pack("<H", (best_back - 1) << (16 - offset_bits) | (best_len - 3))
                    flags |= 1 << bit
                else:
                    body.append(chunk[pos])
                for i in range(pos, pos + step):
                    seen.setdefault(chunk[i:i + 3], []).append(i)
                pos += step
            body[flag_at] = flags
        if len(body) <= 4096:
            out += struct.pack("<H", 0xB000 | (len(body) - 1)) + body
        elif len(chunk) == 4096:
            out += struct.pack("<H", 0x3FFF) + chunk            # raw chunk
        else:
            raise ValueError("无法压缩的 VBA 数据")
    return bytes(out)


def decompress(data: bytes) -> bytes:
    """MS-OVBA 2.4.1.3.1. (``ms-ovba-compression`` 1.0.1 skips two bytes too many after each chunk, so a
    container of more than one chunk does not decompress with it.)"""
    if not data or data[0] != 1:
        raise ValueError("不是 MS-OVBA 压缩数据")
    out, pos = bytearray(), 1
    while pos + 2 <= len(data):
        header = struct.unpack_from("<H", data, pos)[0]
        end, pos, start = min(pos + (header & 0x0FFF) + 3, len(data)), pos + 2, len(out)
        if not header & 0x8000:                       # raw chunk: 4096 bytes as they are
            out += data[pos:pos + 4096]
            pos += 4096
            continue
        while pos < end:
            flags, pos = data[pos], pos + 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags >> bit & 1:
                    out.append(data[pos])
                    pos += 1
                    continue
                token = struct.unpack_from("<H", data, pos)[0]
                pos += 2
                offset_bits = max((len(out) - start - 1).bit_length(), 4)
                length = (token & (0xFFFF >> offset_bits)) + 3
                back = (token >> (16 - offset_bits)) + 1
                for _ in range(length):
                    out.append(out[-back])
        pos = end
    return bytes(out)


def dir_records(data: bytes) -> list[tuple[int, bytes]]:
    """The records of a decompressed ``dir`` stream: (id, data). PROJECTVERSION's size field says 4, holds 6."""
    out, pos = [], 0
    while pos < len(data):
        rec_id, size = struct.unpack_from("<HI", data, pos)
        pos += 6
        if rec_id == 0x0009:
            size = 6
        out.append((rec_id, data[pos:pos + size]))
        pos += size
    return out


def pack_records(records: list[tuple[int, bytes]]) -> bytes:
    return b"".join(struct.pack("<HI", rec_id, 4 if rec_id == 0x0009 else len(body)) + body
                    for rec_id, body in records)


def _codepage(records) -> str:
    value = next((struct.unpack("<H", body)[0] for rec_id, body in records if rec_id == 0x0003), 1252)
    return {65001: "utf-8"}.get(value, f"cp{value}")


def module_records(name: str, codepage: str) -> list[tuple[int, bytes]]:
    """The dir records of a standard (procedural) module whose stream has no performance cache."""
    mbcs, wide = name.encode(codepage), name.encode("utf-16-le")
    return [(0x0019, mbcs), (0x0047, wide),               # MODULENAME, MODULENAMEUNICODE
            (0x001A, mbcs), (0x0032, wide),               # MODULESTREAMNAME (+ unicode)
            (0x001C, b""), (0x0048, b""),                 # MODULEDOCSTRING (+ unicode)
            (0x0031, struct.pack("<I", 0)),               # MODULEOFFSET: the source starts the stream
            (0x001E, struct.pack("<I", 0)),               # MODULEHELPCONTEXT
            (0x002C, struct.pack("<H", 0xFFFF)),          # MODULECOOKIE
            (0x0021, b""),                                # MODULETYPE: procedural
            (0x002B, b"")]                                # terminator


def _split_modules(records):
    """(records before PROJECTMODULES, [records of each module], records after the modules)."""
    start = next(i for i, (rec_id, _) in enumerate(records) if rec_id == 0x000F)
    head, rest = records[:start], records[start + 2:]     # PROJECTMODULES and PROJECTCOOKIE are rebuilt
    modules, current = [], None
    for n, (rec_id, body) in enumerate(rest):
        if rec_id == 0x0019:
            current = [(rec_id, body)]
            modules.append(current)
        elif current is not None:
            current.append((rec_id, body))
            if rec_id == 0x002B:
                current = None
        else:
            return head, modules, rest[n:]
    return head, modules, []


def _stream_name(module, codepage: str) -> str:
    return next(body for rec_id, body in module if rec_id == 0x001A).decode(codepage)


def module_sources(streams: dict[str, bytes]) -> dict[str, str]:
    """Module name → source text, read from the streams of a VBA project (what ``read_streams`` gives)."""
    records = dir_records(decompress(streams["VBA/dir"]))
    codepage = _codepage(records)
    out = {}
    for module in _split_modules(records)[1]:
        stream = _stream_name(module, codepage)
        offset = next(struct.unpack("<I", body)[0] for rec_id, body in module if rec_id == 0x0031)
        out[stream] = decompress(streams[f"VBA/{stream}"][offset:]).decode(codepage)
    return out


def set_modules(vba_project_bin: bytes, modules: dict[str, str]) -> bytes:
    """The project with each module of ``modules`` (name → source): a module already there gets the new source
    (its kind and record kept), any other is added as a standard module."""
    for name in modules:
        if not re.fullmatch(r"[A-Za-z]\w{0,30}", name):
            raise ValueError(f"VBA 模块名不合法：{name!r}")
    streams = read_streams(vba_project_bin)
    records = dir_records(decompress(streams["VBA/dir"]))
    codepage = _codepage(records)
    head, old, tail = _split_modules(records)
    existing = {_stream_name(m, codepage).lower(): n for n, m in enumerate(old)}
    for name, source in modules.items():
        n = existing.get(name.lower())
        if n is None:
            old.append(module_records(name, codepage))
            streams["PROJECT"] = _project_stream(streams["PROJECT"], name)
            if "PROJECTwm" in streams:
                streams["PROJECTwm"] = _project_wm(streams["PROJECTwm"], name, codepage)
        else:   # the source replaces the module's stream, which then has no performance cache
            old[n] = [(rec_id, struct.pack("<I", 0) if rec_id == 0x0031 else body) for rec_id, body in old[n]]
            name = _stream_name(old[n], codepage)
        streams = {k: v for k, v in streams.items() if k.lower() != f"vba/{name.lower()}"}
        streams[f"VBA/{name}"] = compress(source.encode(codepage))
    records = head + [(0x000F, struct.pack("<H", len(old))), (0x0013, struct.pack("<H", 0xFFFF))]
    records += [r for m in old for r in m] + (tail or [(0x0010, struct.pack("<I", 0))])
    streams = {k: v for k, v in streams.items() if not re.fullmatch(r"VBA/__SRP_\d+", k, re.IGNORECASE)}
    streams["VBA/dir"] = compress(pack_records(records))
    streams["VBA/_VBA_PROJECT"] = VBA_PROJECT_STREAM
    return write_cfb(streams)


def add_module(vba_project_bin: bytes, name: str, source: str) -> bytes:
    """The project with the standard module ``name`` holding ``source`` (added, or its source replaced)."""
    return set_modules(vba_project_bin, {name: source})


def _project_stream(data: bytes, name: str) -> bytes:
    """PROJECT with ``Module=<name>`` after its last module line."""
    lines = data.decode("latin-1").split("\r\n")
    kinds = ("document=", "module=", "class=", "baseclass=", "package=")
    last = max((i for i, ln in enumerate(lines) if ln.lower().startswith(kinds)), default=0)
    lines.insert(last + 1, f"Module={name}")
    return "\r\n".join(lines).encode("latin-1")


def _project_wm(data: bytes, name: str, codepage: str) -> bytes:
    """PROJECTwm (name map: MBCS name NUL, UTF-16 name NUL NUL, …, 0x0000) with ``name`` in it."""
    pairs, pos = [], 0
    while pos < len(data) and data[pos:pos + 2] != b"\x00\x00":
        end = data.index(b"\x00", pos)
        wide_end = end + 1
        while data[wide_end:wide_end + 2] != b"\x00\x00":
            wide_end += 2
        pairs.append((data[pos:end], data[end + 1:wide_end]))
        pos = wide_end + 2
    pairs.append((name.encode(codepage), name.encode("utf-16-le")))
    return b"".join(m + b"\x00" + w + b"\x00\x00" for m, w in pairs) + b"\x00\x00"


# --- MS-CFB -------------------------------------------------------------------------------------


def read_streams(data: bytes) -> dict[str, bytes]:
    """Every stream of a compound file: ``"VBA/dir"`` → bytes."""
    import olefile

    with olefile.OleFileIO(data) as ole:
        return {"/".join(path): ole.openstream(path).read() for path in ole.listdir(streams=True)}


SECTOR, MINI, CUTOFF = 512, 64, 4096
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _cfb_key(name: str):
    """The order of siblings (MS-CFB 2.6.4): shorter names first, then by upper-case code units."""
    return len(name), name.upper()


def write_cfb(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file of the streams (``"VBA/dir"`` → bytes; storages from the paths).

    Siblings form a balanced binary tree with every node black, which MS-CFB 2.6.4 allows.
    """
    entries = [{"name": "Root Entry", "type": 5, "children": {}, "data": b""}]
    for path, data in sorted(streams.items()):
        parent = entries[0]
        *folders, leaf = path.split("/")
        for folder in folders:
            if folder not in parent["children"]:
                entries.append({"name": folder, "type": 1, "children": {}, "data": b""})
                parent["children"][folder] = len(entries) - 1
            parent = entries[parent["children"][folder]]
        entries.append({"name": leaf, "type": 2, "children": {}, "data": data})
        parent["children"][leaf] = len(entries) - 1
    for entry in entries:
        entry["left"] = entry["right"] = entry["child"] = NOSTREAM
    for entry in entries:

        def tree(ids):
            if not ids:
                return NOSTREAM
            mid = len(ids) // 2
            entries[ids[mid]]["left"], entries[ids[mid]]["right"] = tree(ids[:mid]), tree(ids[mid + 1:])
            return ids[mid]
        names = sorted(entry["children"], key=_cfb_key)
        entry["child"] = tree([entry["children"][n] for n in names])

    mini, minifat = bytearray(), []
    big = []   # (entry, data) of streams in regular sectors
    for entry in entries:
        data = entry["data"]
        if entry["type"] != 2 or not data:
            entry["start"] = END if entry["type"] == 2 else 0
            continue
        if len(data) < CUTOFF:
            first, count = len(minifat), -(-len(data) // MINI)
            minifat += list(range(first + 1, first + count)) + [END]
            entry["start"] = first
            mini += data.ljust(count * MINI, b"\0")
        else:
            big.append((entry, data))
    minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat) if minifat else b""
    dir_bytes_len = -(-len(entries) // 4) * SECTOR
    blocks = [("dir", bytes(dir_bytes_len)), ("minifat", minifat_bytes), ("mini", bytes(mini))]
    blocks += [(entry, data) for entry, data in big]
    n_data = sum(-(-len(data) // SECTOR) for _, data in blocks)
    n_fat = 1
    while n_fat * (SECTOR // 4) < n_data + n_fat:
        n_fat += 1
    if n_fat > 109:
        raise ValueError("VBA 工程过大")
    fat = [FATSECT] * n_fat
    starts = {}
    for key, data in blocks:
        count = -(-len(data) // SECTOR)
        first = len(fat)
        starts[key if isinstance(key, str) else id(key)] = first if count else END
        fat += list(range(first + 1, first + count)) + [END] if count else []
    for entry, _ in big:
        entry["start"] = starts[id(entry)]
    entries[0]["start"] = starts["mini"] if mini else END
    entries[0]["size"] = len(mini)
    directory = bytearray()
    for entry in entries:
        name = entry["name"].encode("utf-16-le")
        size = entry.get("size", len(entry["data"])) if entry["type"] != 1 else 0
        directory += struct.pack("<64sHBBIII16sIQQIQ", name, len(name) + 2, entry["type"], 1, entry["left"],
                                 entry["right"], entry["child"], bytes(16), 0, 0, 0, entry["start"], size)
    while len(directory) % SECTOR:
        directory += struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, bytes(16),
                                 0, 0, 0, 0, 0)
    fat += [FREE] * (n_fat * (SECTOR // 4) - len(fat))
    difat = list(range(n_fat)) + [FREE] * (109 - n_fat)
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", bytes(16), 0x3E, 3,
                         0xFFFE, 9, 6, bytes(6), 0, n_fat, starts["dir"], 0, CUTOFF,
                         starts["minifat"] if minifat else END, -(-len(minifat_bytes) // SECTOR), END, 0)
    header += struct.pack("<109I", *difat)
    body = [struct.pack(f"<{len(fat)}I", *fat)]
    for key, data in blocks:
        data = bytes(directory) if key == "dir" else data
        body.append(data.ljust(-(-len(data) // SECTOR) * SECTOR, b"\0"))
    return header + b"".join(body)
