"""Graft an xltool form into a workbook someone else wrote, at the package level.

The form's sheets (and its hidden ``_xltool`` sheet and defined names) are
added beside the host's sheets; the form's cell formats are appended to the
host's styles; the host's notes, drawing and header/footer picture are moved
from the host sheet that holds them onto the form's first sheet. Every other
part of the host stays byte for byte as the host's writer saved it, so a
write-back of the result can be compared part by part with its input.
"""
from __future__ import annotations

import re
from pathlib import Path

from xltool.io.ooxml.package import (REL_COMMENTS, REL_THREADED, REL_VML, Package, attrs, declare_r,
                                     insert_before_first)

REL_DRAWING = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
MOVED_RELS = (REL_COMMENTS, REL_VML, REL_DRAWING, REL_THREADED)
# children of <worksheet> in schema order, from <headerFooter> on
_TAIL = ("headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors",
         "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects",
         "controls", "webPublishItems", "tableParts", "extLst")


def _element(text: str, name: str) -> re.Match | None:
    return re.search(rf"<{name}\b[^>]*?(?:/>|>.*?</{name}>)", text, re.S)


def _block(text: str, name: str):
    m = re.search(rf"<{name}\b[^>]*?(?:/>|>(.*?)</{name}>)", text, re.S)
    return m


def _items(inner: str | None, item: str) -> list[str]:
    return re.findall(rf"<{item}\b[^>]*?(?:/>|>.*?</{item}>)", inner or "", re.S)


def _append(text: str, name: str, item: str, new: list[str]) -> tuple[str, int]:
    """Append items to a styles block; returns the text and the old item count."""
    m = _block(text, name)
    old = _items(m.group(1), item)
    head = re.match(rf"<{name}\b[^>]*?(?=\s*/?>)", m.group(0)).group(0)
    head = re.sub(r'\scount="\d+"', "", head) + f' count="{len(old) + len(new)}"'
    return text[:m.start()] + f"{head}>{''.join(old + new)}</{name}>" + text[m.end():], len(old)


def merge_styles(host: str, form: str) -> dict[int, int]:
    """Append the form's fonts, fills, borders, number formats and cell formats to the host's styles.

    Returns (new host styles text, map form xf index → host xf index)."""
    form_fmts = {int(a["numFmtId"]): a["formatCode"] for a in map(attrs, re.findall(r"<numFmt\b[^>]*?/?>", form))}
    host_ids = [int(a["numFmtId"]) for a in map(attrs, re.findall(r"<numFmt\b[^>]*?/?>", host))]
    next_id = max([163, *host_ids]) + 1
    fmt_map = {}
    new_fmts = []
    for fid, code in form_fmts.items():
        fmt_map[fid] = next_id
        code = code.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        new_fmts.append(f'<numFmt numFmtId="{next_id}" formatCode="{code}"/>')
        next_id += 1
    if new_fmts:
        if _block(host, "numFmts"):
            host, _ = _append(host, "numFmts", "numFmt", new_fmts)
        else:
            host = insert_before_first(host, ("<fonts",), f'<numFmts count="{len(new_fmts)}">{"".join(new_fmts)}</numFmts>')
    offsets = {}
    for name, item in (("fonts", "font"), ("fills", "fill"), ("borders", "border")):
        host, offsets[item] = _append(host, name, item, _items(_block(form, name).group(1), item))
    xfs = []
    for xf in _items(_block(form, "cellXfs").group(1), "xf"):
        def shift(m):
            key, value = m.group(1), int(m.group(2))
            if key == "numFmtId":
                value = fmt_map.get(value, value)
            elif key == "xfId":
                value = 0
            else:
                value += offsets[key[:-2]]
            return f'{key}="{value}"'
        xfs.append(re.sub(r'\b(numFmtId|fontId|fillId|borderId|xfId)="(\d+)"', shift, xf, count=5))
    host, xf_offset = _append(host, "cellXfs", "xf", xfs)
    return host, {i: xf_offset + i for i in range(len(xfs))}


def merge_dxfs(host: str, form: str) -> tuple[str, int]:
    """Append the form's differential formats (its conditional formats' styles, e.g. 未达标 in red) to the
    host's; returns the new host styles text and the offset to add to the form's ``dxfId``s."""
    block = _block(form, "dxfs")
    items = _items(block.group(1), "dxf") if block else []
    if not items:
        return host, 0
    if _block(host, "dxfs"):
        return _append(host, "dxfs", "dxf", items)
    later = ("<tableStyles", "<colors", "<extLst", "</styleSheet>")
    return insert_before_first(host, later, f'<dxfs count="{len(items)}">{"".join(items)}</dxfs>'), 0


def _insert_tail(sheet: str, element: str, name: str) -> str:
    later = tuple(f"<{n}" for n in _TAIL[_TAIL.index(name) + 1:]) + ("</worksheet>",)
    return insert_before_first(sheet, later, element)


def graft(host_path: Path, form_path: Path, out: Path) -> dict:
    """Write host + form to ``out``; returns what was done (form sheet names, moved extras)."""
    host, form = Package(host_path), Package(form_path)
    styles_part = next(r["Part"] for r in host.rels("xl/workbook.xml") if r["Type"].endswith("/styles"))
    styles, xf_map = merge_styles(host.text(styles_part), form.text("xl/styles.xml"))
    styles, dxf_offset = merge_dxfs(styles, form.text("xl/styles.xml"))
    host.put(styles_part, styles)
    base = len(host.sheets)
    added = []
    for entry in form.sheets:
        text = form.text(entry.part)
        if re.search(r't="s"', text):
            raise ValueError("form sheets are expected to hold inline strings")
        text = re.sub(r'(<c\b[^>]*?\ss=")(\d+)"', lambda m: f'{m.group(1)}{xf_map[int(m.group(2))]}"', text)
        text = re.sub(r'(<(?:row|col)\b[^>]*?\bs(?:tyle)?=")(\d+)"',
                      lambda m: f'{m.group(1)}{xf_map[int(m.group(2))]}"', text)
        text = re.sub(r'(<cfRule\b[^>]*?\bdxfId=")(\d+)"', lambda m: f'{m.group(1)}{dxf_offset + int(m.group(2))}"',
                      text)
        added.append(host.add_sheet(entry.name, text, hidden=entry.state != "visible"))
    book = form.text("xl/workbook.xml")
    for m in re.finditer(r"<definedName\b([^>]*)>(.*?)</definedName>", book, re.S):
        a = attrs(f"<d{m.group(1)}>")
        local = a.get("localSheetId")
        from html import unescape
        host.set_defined_name(a["name"], None if local is None else base + int(local), unescape(m.group(2)),
                              hidden=a.get("hidden") == "1")
    moved = _move_extras(host, added[0].part)
    host.save(out)
    return {"form_sheets": [e.name for e in added], "moved": moved}


def _move_extras(host: Package, target: str) -> list[str]:
    """Move the first host sheet's notes, drawing and header/footer picture onto the target sheet."""
    for entry in host.sheets:
        if entry.part == target:
            break
        rels = [r for r in host.rels(entry.part) if r.get("Type") in MOVED_RELS]
        sheet = host.text(entry.part)
        hf = _element(sheet, "headerFooter")
        if not rels and not (hf and "&amp;G" in hf.group(0)):
            continue
        form = declare_r(host.text(target), "worksheet")
        moved = []
        if hf:
            sheet = sheet.replace(hf.group(0), "", 1)
            old = _element(form, "headerFooter")
            form = form.replace(old.group(0), hf.group(0), 1) if old else _insert_tail(form, hf.group(0), "headerFooter")
            moved.append("headerFooter")
        notes = any(r.get("Type") == REL_COMMENTS for r in rels)
        for name in ("drawing", "legacyDrawing", "legacyDrawingHF"):
            m = re.search(rf'<{name}\b[^>]*?/>', sheet)
            if not m or (name == "legacyDrawing" and not notes):   # a VML of OLE objects or controls stays
                continue
            rid = next(v for k, v in attrs(m.group(0)).items() if k.endswith(":id"))
            rel = next(r for r in host.rels(entry.part) if r["Id"] == rid)
            sheet = sheet.replace(m.group(0), "", 1)
            host.remove_rel(entry.part, rid)
            new = host.add_rel(target, rel["Type"], rel["Part"])
            form = _insert_tail(form, f'<{name} r:id="{new}"/>', name)
            moved.append(name)
        for rel in host.rels(entry.part):   # comments, threaded comments: linked by relationship only
            if rel.get("Type") in (REL_COMMENTS, REL_THREADED):
                host.remove_rel(entry.part, rel["Id"])
                host.add_rel(target, rel["Type"], rel["Part"])
                moved.append(rel["Type"].rsplit("/", 1)[-1])
        host.put(entry.part, sheet)
        host.put(target, form)
        return moved
    return []
