"""The desktop add-in as shipped: its ribbon, and the ribbon's callbacks inside its own VBA project.

``xltool addin build`` writes the module XltoolRibbon into the add-in's
``xl/vbaProject.bin``. Two readers that share no code with xltool check it:
oletools' olevba (the module and its exact source) and LibreOffice, which
opens the built .xlam headless and imports its VBA into the document's Basic
libraries (saved as ODF, the libraries are ``Basic/<library>/<module>.xml``).
Every callback the ribbon XML names must be a procedure of those modules.
"""
import html
import os
import random
import re
import struct
import subprocess
import tempfile
import warnings
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from conftest import ROOT
import libreoffice
from xltool import excel
from xltool.excel import addin, vbaproject

with warnings.catch_warnings():   # oletools' own pyparsing deprecations
    warnings.simplefilter("ignore")
    from oletools.olevba import VBA_Parser, decompress_stream
import olefile


@pytest.fixture(scope="module", params=sorted(addin.BASES))
def built(request, tmp_path_factory):
    return request.param, addin.build_addin(tmp_path_factory.mktemp(request.param) / "xltool.xlam", base=request.param)


def vba_bin(xlam) -> bytes:
    with zipfile.ZipFile(xlam) as zf:
        return zf.read("xl/vbaProject.bin")


def ribbon_xml(xlam) -> str:
    with zipfile.ZipFile(xlam) as zf:
        return "".join(zf.read(p).decode("utf-8") for p in addin.ribbon_parts(zf))


def olevba_modules(data: bytes) -> dict[str, str]:
    """Module name → source, as olevba reads them."""
    parser = VBA_Parser("vbaProject.bin", data=data)
    try:
        return {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def procedures(modules: dict[str, str]) -> set[str]:
    return addin.vba_procedures("\n".join(f'Attribute VB_Name = "{name}"\n{code}' for name, code in modules.items()))


# --- the ribbon -------------------------------------------------------------------------------


def test_addin_ribbon(built):
    base, path = built
    ns = {"ui": addin.NS_2006}
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        parts = addin.ribbon_parts(zf)
        assert parts
        with zipfile.ZipFile(addin.base_addin_path(base)) as source:   # only the ribbon and the VBA changed
            assert zf.namelist() == source.namelist()
            for name in source.namelist():
                if name not in parts and name != addin.VBA_PART:
                    assert zf.read(name) == source.read(name), name
        root = ET.fromstring(zf.read(next(iter(parts))))
    tabs = root.findall(".//ui:tab", ns)
    assert [t.get("label") for t in tabs] == [addin.TAB_LABEL]
    buttons = root.findall(".//ui:button", ns)
    assert {b.get("onAction") for b in buttons} == {addin.CALLBACK}
    assert {b.get("tag") for b in buttons} == set(excel.BUTTONS)
    assert all(b.get("id").isascii() and b.get("tag").isascii() for b in buttons)
    assert {b.get("label") for b in buttons} == {label for label, _ in excel.BUTTONS.values()}
    assert {excel.button_key(b.get("id")) for b in buttons} == set(excel.BUTTONS)
    assert not any("尚未" in (b.get("supertip") or "") for b in buttons)


def test_shipped_module_is_current():
    bas = addin.BAS_PATH.read_bytes().decode("ascii")
    assert bas == addin.bas_text() and "\r\n" in bas
    assert "x.dispatch('" in bas and "RunPython" in bas


# --- the callbacks inside the add-in: olevba ----------------------------------------------------


def test_olevba_reads_the_module_and_every_callback_is_defined(built):
    base, path = built
    data = vba_bin(path)
    modules = olevba_modules(data)
    assert modules[addin.VBA_MODULE] == addin.bas_text()      # the exact source
    before = olevba_modules(vba_bin(addin.base_addin_path(base)))
    assert set(modules) == set(before) | {addin.VBA_MODULE}    # nothing of the base lost
    for name, code in before.items():
        if name == "xlwings":   # the custom base's config file is named after xltool
            assert modules[name] == code.replace('PROJECT_NAME As String = "myaddin"', 'PROJECT_NAME As String = "xltool"')
            assert modules[name] != code
        else:
            assert modules[name] == code, name
    callbacks = addin.ribbon_callbacks(ribbon_xml(path))
    assert addin.CALLBACK in callbacks
    assert callbacks <= procedures(modules)
    assert set(addin.BAS_NEEDS) <= procedures(modules) or base == "xlwings"
    assert addin.missing_callbacks(path) == set()
    assert addin.vba_project_locked(path) == (base == "xlwings")   # protection unchanged


def test_the_base_alone_lacks_the_callbacks():
    """The check can fail: the add-in xlwings ships has none of the ribbon's callbacks."""
    modules = olevba_modules(vba_bin(addin.base_addin_path("custom")))
    assert addin.CALLBACK not in procedures(modules)


def test_the_project_compiles_from_source(built):
    """MS-OVBA: _VBA_PROJECT version 0xFFFF, no performance cache; the new module's stream is its source."""
    _, path = built
    with olefile.OleFileIO(vba_bin(path)) as ole:
        assert ole.openstream("VBA/_VBA_PROJECT").read() == b"\xcc\x61\xff\xff\x00\x00\x00"
        assert not [p for p in ole.listdir() if p[-1].lower().startswith("__srp_")]
        project = ole.openstream("PROJECT").read().decode("latin-1").split("\r\n")
        assert project.count(f"Module={addin.VBA_MODULE}") == 1
        dir_stream = bytes(decompress_stream(bytearray(ole.openstream("VBA/dir").read())))
        module = ole.openstream(f"VBA/{addin.VBA_MODULE}").read()
    assert bytes(decompress_stream(bytearray(module))).decode("ascii") == addin.bas_text()
    records = vbaproject.dir_records(dir_stream)
    ids = [r for r, _ in records]
    count = struct.unpack("<H", records[ids.index(0x000F)][1])[0]
    assert count == ids.count(0x0019) == sum(1 for ln in project if ln.split("=")[0] in ("Module", "Document", "Class"))
    at = next(i for i, (r, body) in enumerate(records) if r == 0x0019 and body == addin.VBA_MODULE.encode())
    mine = dict(records[at:ids.index(0x002B, at) + 1])
    assert mine[0x0031] == b"\0\0\0\0" and 0x0021 in mine   # MODULEOFFSET 0, procedural


def test_rebuilding_from_a_built_addin_keeps_one_module(built, tmp_path):
    base, path = built
    again = addin.build_addin(tmp_path / "again.xlam", base=base, source=path)
    modules = olevba_modules(vba_bin(again))
    assert modules == olevba_modules(vba_bin(path))
    with olefile.OleFileIO(vba_bin(again)) as ole:
        project = ole.openstream("PROJECT").read().decode("latin-1")
    assert project.count(f"Module={addin.VBA_MODULE}") == 1


# --- the callbacks inside the add-in: LibreOffice -----------------------------------------------


def libreoffice_basic(xlam: Path) -> dict[str, str]:
    """Module name → source of the Basic libraries LibreOffice builds when it opens the add-in headless."""
    with tempfile.TemporaryDirectory(prefix="xltool-lo-") as tmp:
        out = Path(tmp) / "out"
        cmd = [libreoffice.SOFFICE, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
               "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "ods", "--outdir", str(out), str(xlam)]
        subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=True)
        with zipfile.ZipFile(out / (xlam.stem + ".ods")) as zf:
            modules = {}
            for name in zf.namelist():
                m = re.fullmatch(r"Basic/([^/]+)/([^/]+)\.xml", name)
                if m and m.group(2) != "script-lb":
                    text = zf.read(name).decode("utf-8")
                    body = re.search(r"<script:module\b[^>]*>(.*)</script:module>", text, re.DOTALL)
                    modules[m.group(2)] = html.unescape(body.group(1)) if body else ""
            return modules


@pytest.mark.libreoffice
@pytest.mark.skipif(not libreoffice.available(), reason="LibreOffice (soffice) not installed")
def test_libreoffice_shows_the_module_and_every_callback_is_defined(built):
    base, path = built
    modules = libreoffice_basic(path)
    assert addin.VBA_MODULE in modules
    lines = [ln.rstrip() for ln in modules[addin.VBA_MODULE].splitlines()]
    source = [ln for ln in addin.bas_text().split("\r\n") if not ln.startswith("Attribute VB_Name")]
    assert [ln for ln in lines if not ln.startswith(("Rem Attribute", "Option VBASupport"))] == source[:-1] \
        or [ln for ln in lines if not ln.startswith(("Rem Attribute", "Option VBASupport"))] == source
    assert addin.ribbon_callbacks(ribbon_xml(path)) <= procedures(modules)
    if base == "custom":   # the check can fail: the base's own library has none of the callbacks
        assert addin.CALLBACK not in procedures(libreoffice_basic(addin.base_addin_path("custom")))


# --- MS-OVBA compression and MS-CFB, against readers xltool does not share ---------------------------


@pytest.mark.parametrize("data", [b"", b"a", b"abcabcabcabc" * 700, bytes(range(256)) * 40, "__random__",
                                  addin.bas_text().encode() * 9], ids=["empty", "one", "repeats", "ramp", "random", "bas"])
def test_compression_round_trips_through_oletools(data):
    if data == "__random__":
        rng = random.Random(13)
        data = bytes(rng.randrange(256) for _ in range(9000)) + b"Sub X()\r\nEnd Sub\r\n" * 300
    packed = vbaproject.compress(data)
    assert bytes(decompress_stream(bytearray(packed))) == data
    assert vbaproject.decompress(packed) == data
    if len(data) > 4096 and data[:100] == data[100:200]:
        assert len(packed) < len(data) / 2


def test_compound_file_round_trips_through_olefile():
    rng = random.Random(7)
    streams = {"PROJECT": b"ID=1\r\n", "VBA/dir": bytes(rng.randrange(256) for _ in range(5000)),
               "VBA/_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x00\x00", "Empty": b"",
               **{f"VBA/Module{n}": bytes([n]) * (n * 700) for n in range(1, 30)},
               "Big": bytes(rng.randrange(256) for _ in range(200_000))}
    data = vbaproject.write_cfb(streams)
    assert len(data) % 512 == 0
    assert vbaproject.read_streams(data) == streams
    with olefile.OleFileIO(data) as ole:
        assert ole.exists("VBA/Module29") and ole.get_type("VBA") == olefile.STGTY_STORAGE


# --- docs -------------------------------------------------------------------------------------


def test_docs_have_no_vba_editor_step():
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for word in ("Alt + F11", "Alt+F11", "VBA 编辑器", "VBA编辑器", "Visual Basic 编辑器", "导入文件"):
            assert word not in text, (path.name, word)
