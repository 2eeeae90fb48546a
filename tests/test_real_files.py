"""Write-back proved against workbooks other software wrote (issue 14, item 7).

Every host in tests/data/real (saved by Excel for Windows and Mac, LibreOffice, Apache POI,
XlsxWriter, …; origins and licences in tests/data/real/SOURCES.md) gets the form 002_01
(绩效自评表, four findings) grafted in — its sheets beside the host's, and the host's notes,
drawing and header picture moved onto the form sheet (tests/form_graft.py) — and is recomputed
twice. Then:

- every part xltool had no reason to touch is byte-identical to the grafted input;
- every XML part (.xml, .rels, .vml) is well-formed to a namespace-aware parser (lxml);
- the parts xltool wrote add no new errors against the ECMA-376 transitional schemas
  (tests/data/ooxml-schemas: sml.xsd, OPC content types and relationships), extensions stripped,
  errors compared before and after; a strict host is mapped to transitional names for the check
  (xml:space on <t>, which every writer uses and the schemas do not declare, counts as an extension);
- LibreOffice opens every result and still sees every note: the host's and xltool's.

Hosts not grafted, and why (``NOT_HOSTS``), are checked to be refused with a clear message.
"""
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

import libreoffice
from conftest import ROOT
from form_graft import graft
from xltool import process, workbooks
from xltool.io.ooxml.package import STRICT, Package

REAL = ROOT / "tests" / "data" / "real"
XSD = ROOT / "tests" / "data" / "ooxml-schemas"
FORM = next((ROOT / "workbooks").glob("002_01_*.xlsx"))
FORM_SHEET = "绩效自评表"
MARKED = {"F12", "F15", "F17"}
# files in tests/data/real that cannot host a form, and the clear refusal each gets instead
NOT_HOSTS = {
    "cal_pass_protected.xlsx": ("a password-protected (encrypted) workbook: an OLE container, not a package",
                                "设有打开密码"),
    "xlrd_sample.xlsb": ("an Excel binary workbook: no XML parts to graft into", r"Excel 二进制工作簿（\.xlsb）"),
    # legacy .xls written by Excel: a binary file, no package to graft into (the .xls conversion is proved in
    # test_legacy_xls.py on .xls files LibreOffice wrote from forms); without a form they are refused, unwritten
    "poixls_testNames.xls": ("a legacy .xls (Excel 97–2003) holding no form", "无法识别表单类型"),
    "xlrd_namesdemo.xls": ("a legacy .xls (Excel 97–2003) holding no form", "无法识别表单类型"),
}
HOSTS = sorted(p for p in REAL.iterdir() if p.suffix in (".xlsx", ".xlsm") and p.name not in NOT_HOSTS)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
KEPT_NS = {MAIN, "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           "http://schemas.openxmlformats.org/package/2006/relationships",
           "http://schemas.openxmlformats.org/package/2006/content-types"}
# xml:space="preserve" on <t>: written by Excel and LibreOffice alike, not declared by the schemas (stripped)


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """host name → (grafted input, first result, second result, the host notes on the form sheet)."""
    base = tmp_path_factory.mktemp("real")
    out = {}
    for host in HOSTS:
        grafted, first, second = (base / f"{step}_{host.name}" for step in ("g", "r1", "r2"))
        graft(host, FORM, grafted)
        process.recompute_file(grafted, first)
        process.recompute_file(first, second)
        out[host.name] = (grafted, first, second, _notes(grafted))
    return out


def _form_rels(path) -> dict[str, str]:
    package = Package(path)
    return {r["Type"].rsplit("/", 1)[-1]: r["Part"] for r in package.rels(package.sheet(FORM_SHEET).part)
            if "Part" in r}


def _notes(path) -> set[str]:
    part = _form_rels(path).get("comments")
    if not part:
        return set()
    return set(re.findall(r'<comment\b[^>]*\bref="([A-Z]+\d+)"', Package(path).text(part)))


def _written(path) -> set[str]:
    """The parts a write-back has reason to touch: the workbook's lists, styles, the form's sheets and
    their notes (comments part, the note drawing), and the sheets xltool owns."""
    package = Package(path)
    book_rels = package.rels("xl/workbook.xml")
    styles = next(r["Part"] for r in book_rels if r["Type"].endswith("/styles"))
    names = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", styles}
    for entry in package.sheets:
        if entry.name in (FORM_SHEET, "_xltool", "校验结果"):
            names |= {entry.part, package.rels_name(entry.part)}
    sheet = package.text(package.sheet(FORM_SHEET).part)
    legacy = re.search(r'<legacyDrawing r:id="(\w+)"', sheet)
    for rel in package.rels(package.sheet(FORM_SHEET).part):
        if rel["Type"].endswith("/comments") or (legacy and rel["Id"] == legacy.group(1)):
            names.add(rel["Part"])
    return names


@pytest.mark.parametrize("host", [h.name for h in HOSTS])
def test_parts_xltool_had_no_reason_to_touch_are_byte_identical(runs, host):
    grafted, _, second, _ = runs[host]
    before, after = parts(grafted), parts(second)
    assert set(before) <= set(after), set(before) - set(after)
    written = _written(second)
    changed = {name for name in after if before.get(name) != after[name]}
    assert changed <= written, changed - written
    assert set(after) - set(before) <= written


@pytest.mark.parametrize("host", [h.name for h in HOSTS])
def test_every_xml_part_is_well_formed(runs, host):
    _, _, second, _ = runs[host]
    for name, data in parts(second).items():
        if name.lower().endswith((".xml", ".rels", ".vml")):
            etree.fromstring(data)   # namespace-aware: an undeclared prefix is an error


def _schema(root) -> etree.XMLSchema | None:
    ns = etree.QName(root).namespace
    name = {MAIN: "sml.xsd", "http://schemas.openxmlformats.org/package/2006/content-types": "opc-contentTypes.xsd",
            "http://schemas.openxmlformats.org/package/2006/relationships": "opc-relationships.xsd"}.get(ns)
    if name not in _SCHEMAS and name:
        _SCHEMAS[name] = etree.XMLSchema(etree.parse(str(XSD / name)))
    return _SCHEMAS.get(name)


_SCHEMAS: dict[str, etree.XMLSchema] = {}


def _strip(data: bytes) -> etree._Element:
    """The part as the schemas see it: strict names mapped to transitional, extensions (extLst,
    mc:AlternateContent, elements and attributes of other namespaces) removed."""
    for transitional, strict in STRICT.items():
        data = data.replace(strict.encode(), transitional.encode())
    root = etree.fromstring(data)
    for el in list(root.iter()):
        if not isinstance(el.tag, str):
            continue
        qname = etree.QName(el)
        if el is not root and (qname.namespace not in KEPT_NS or qname.localname == "extLst"):
            el.getparent().remove(el)
            continue
        for attr in list(el.attrib):
            ns = etree.QName(attr).namespace
            if ns is not None and ns not in KEPT_NS:
                del el.attrib[attr]
    return root


def _errors(data: bytes) -> set[str]:
    root = _strip(data)
    schema = _schema(root)
    if schema is None:
        return set()
    schema.validate(root)
    return {re.sub(r"line \d+", "", e.message) for e in schema.error_log}


@pytest.mark.parametrize("host", [h.name for h in HOSTS])
def test_parts_xltool_wrote_add_no_schema_errors(runs, host):
    grafted, _, second, _ = runs[host]
    before, after = parts(grafted), parts(second)
    checked = 0
    for name in sorted(_written(second)):
        if name not in after or not name.endswith((".xml", ".rels")) or after[name] == before.get(name):
            continue
        new = _errors(after[name]) - (_errors(before[name]) if name in before else set())
        assert not new, (name, sorted(new)[:5])
        checked += 1
    assert checked >= 4   # at least workbook, styles, the form sheet, _xltool, content types


@pytest.mark.libreoffice
@pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice not installed")
def test_libreoffice_opens_every_result_and_sees_every_note(runs, tmp_path):
    seconds = [runs[h.name][2] for h in HOSTS]
    opened = libreoffice.recalc(seconds, tmp_path / "lo")     # one LibreOffice run for all hosts
    for host, saved in zip(HOSTS, opened):
        host_notes = runs[host.name][3]
        package = Package(saved)   # read the notes LibreOffice saved from its comments part (openpyxl drops
        part = _form_rels(saved)["comments"]   # notes on merged cells, and the form has merged cells)
        seen = {c.get("ref"): "".join(c.itertext()) for c in etree.fromstring(package.parts[part]).iter(f"{{{MAIN}}}comment")}
        assert host_notes | MARKED <= set(seen), (host.name, (host_notes | MARKED) - set(seen))
        for ref in MARKED:
            assert "XT112" in seen[ref] or "XT105" in seen[ref], (host.name, ref)
    assert openpyxl.load_workbook(opened[0])[FORM_SHEET]["F12"].comment is not None


def test_hosts_with_notes_drawings_and_header_pictures_are_among_them(runs):
    """The graft really moves the host's notes, drawings and header pictures onto the form sheet."""
    kinds = {name: set(_form_rels(runs[name][0])) for name in runs}
    assert sum("comments" in k for k in kinds.values()) >= 3
    assert sum("drawing" in k for k in kinds.values()) >= 6
    hf = [n for n in runs if "<legacyDrawingHF " in Package(runs[n][0]).text(Package(runs[n][0]).sheet(FORM_SHEET).part)]
    assert len(hf) >= 1


@pytest.mark.parametrize("name", sorted(NOT_HOSTS))
def test_files_that_cannot_host_a_form_are_refused_clearly(name, tmp_path):
    why, message = NOT_HOSTS[name]
    with pytest.raises(workbooks.XltoolError, match=message):
        process.recompute_file(REAL / name, tmp_path / name)
    assert not list(tmp_path.iterdir())
