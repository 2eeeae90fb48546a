"""Build the desktop Excel add-in: an add-in xlwings ships, with a 「绩效工具」 ribbon tab and its callbacks.

``build_addin(out)`` copies an add-in from the installed xlwings package (so its
VBA — ``RunPython`` — matches the Python side's version), replaces its ribbon
XML (one tab 「绩效工具」 with the buttons of ``xltool.excel.BUTTONS`` and the
interpreter settings) and puts the ribbon's callbacks into its VBA project:
the module ``XltoolRibbon`` (``bas_text()``, shipped as
``xltool/excel/XltoolRibbon.bas``) is written into ``xl/vbaProject.bin``
(``xltool.excel.vbaproject``), so every button works the first time the add-in
is opened; nobody imports anything in the VBA editor. Every button has the
same ``onAction`` callback, ``XltoolRibbon.XltoolButton``, and carries its
ASCII id as ``tag``; the callback runs
``RunPython "import xltool.excel as x; x.dispatch('<tag>')"``.

Two bases (``base=``):

- ``"custom"`` (default): ``quickstart_addin_ribbon.xlam``, xlwings' template for
  custom ribbon add-ins (``xlwings quickstart --addin --ribbon``). It carries
  its own ``RunPython`` (module ``xlwings``); its ``PROJECT_NAME`` is set to
  ``xltool``, so the settings live in ``%USERPROFILE%\\.xltool\\xltool.conf``.
  The settings on the tab use XltoolRibbon's callbacks.
- ``"xlwings"``: ``addin/xlwings.xlam``, the xlwings add-in itself (its VBA
  project is password-protected: ``vba_project_locked``; the module is added
  all the same). The settings use xlwings' own ``RibbonXlwings`` callbacks.

The package is edited as a zip: openpyxl never loads or saves the add-in (it
would drop the VBA project and the ribbon).
"""
from __future__ import annotations

import importlib.util
import os
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

from xltool.io import atomic

TAB_ID = "xltoolTab"
TAB_LABEL = "绩效工具"
VBA_MODULE = "XltoolRibbon"
VBA_SUB = "XltoolButton"
CALLBACK = f"{VBA_MODULE}.{VBA_SUB}"
BAS_NAME = f"{VBA_MODULE}.bas"
BAS_PATH = Path(__file__).resolve().parent / BAS_NAME

NS_2006 = "http://schemas.microsoft.com/office/2006/01/customui"
NS_2009 = "http://schemas.microsoft.com/office/2009/07/customui"
REL_UI_2006 = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
REL_UI_2007 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
VBA_PART = "xl/vbaProject.bin"
BASES = {"custom": "quickstart_addin_ribbon.xlam", "xlwings": "addin/xlwings.xlam"}

# (id, label, imageMso, screentip); the ids are xltool.excel.BUTTONS' keys (a test keeps them in step)
GROUPS = (
    ("xltoolForms", "表单", (
        ("check", "校验", "FormulaEvaluate", "检查本工作簿的表单：有问题的单元格标色并加批注，明细列在“校验结果”工作表。"),
        ("recompute", "重算", "CalculateNow", "重新计算计算单元格并写回，然后校验、标记。"),
        ("clear_marks", "清除标记", "ReviewDeleteComment", "恢复单元格原底色，删除 xltool 的批注和“校验结果”工作表。"),
        ("explain", "生成说明", "ReviewNewComment", "由本工作簿的预算附表生成预算说明（.md 与 .html，保存在工作簿旁）。"),
        ("rollover", "结转下年", "FileSaveAs", "以本表为基础生成下一年度的空白表（保存在工作簿旁）。"),
    )),
    ("xltoolHelp", "帮助", (
        ("about", "关于", "Help", "xltool 的版本、许可与日志位置。"),
    )),
)
# Settings on the tab: (id, label, config key — the control's tag, tip). Keys as xlwings' config reads them.
SETTINGS = (
    ("interpreter", "解释器：", "INTERPRETER",
     "python.exe（Windows）或 python（macOS）的完整路径；使用 Conda 时留空，填写下方 Conda 设置。"),
    ("pythonpath", "PYTHONPATH：", "PYTHONPATH", "Python 找不到 xltool 时，在此添加其所在文件夹（多个用分号分隔）。"),
    ("condapath", "Conda 路径：", "CONDA PATH", "Anaconda / Miniconda 的安装文件夹。"),
    ("condaenv", "Conda 环境：", "CONDA ENV", "Conda 环境名称，例如 base。"),
)
# Their callbacks: XltoolRibbon's own (custom base), or the xlwings add-in's RibbonXlwings module.
SETTINGS_CALLBACKS = {
    "xltool": {"onChange": f"{VBA_MODULE}.XltoolSetSetting", "getText": f"{VBA_MODULE}.XltoolGetSetting",
               "getVisible": f"{VBA_MODULE}.XltoolWindowsOnly", "getLabel": f"{VBA_MODULE}.XltoolGetVersion"},
    "xlwings": {"interpreter": ("RibbonXlwings.SetInterpreter", "RibbonXlwings.GetInterpreter"),
                "pythonpath": ("RibbonXlwings.SetPythonpath", "RibbonXlwings.GetPythonpath"),
                "condapath": ("RibbonXlwings.SetCondaPath", "RibbonXlwings.GetCondaPath"),
                "condaenv": ("RibbonXlwings.SetCondaEnv", "RibbonXlwings.GetCondaEnv"),
                "getVisible": "RibbonXlwings.GetVisible", "getLabel": "RibbonXlwings.GetVersion"},
}


def ribbon_xml(namespace: str = NS_2006, settings: str = "xltool") -> str:
    """The customUI XML of the add-in: the 「绩效工具」 tab only (it replaces the base's tab).

    settings: whose callbacks the settings use, "xltool" (XltoolRibbon.bas) or "xlwings" (RibbonXlwings).
    """
    callbacks = SETTINGS_CALLBACKS[settings]
    lines = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
             f'<customUI xmlns="{namespace}">',
             '  <ribbon startFromScratch="false">',
             '    <tabs>',
             f'      <tab id="{TAB_ID}" label={quoteattr(TAB_LABEL)}>']
    for group_id, group_label, buttons in GROUPS:
        lines.append(f'        <group id="{group_id}" label={quoteattr(group_label)}>')
        for key, label, image, tip in buttons:
            lines.append(f'          <button id="xltool_{key}" tag="{key}" label={quoteattr(label)} size="large" '
                         f'imageMso="{image}" onAction="{CALLBACK}" screentip={quoteattr(label)} '
                         f'supertip={quoteattr(tip)}/>')
        lines.append('        </group>')
    lines.append(f'        <group id="xltoolPython" label={quoteattr("Python 设置")}>')
    for control_id, label, key, tip in SETTINGS:
        on_change, get_text = callbacks.get(control_id) or (callbacks["onChange"], callbacks["getText"])
        visible = f' getVisible="{callbacks["getVisible"]}"' if control_id.startswith("conda") else ""
        lines.append(f'          <editBox id="{control_id}" tag={quoteattr(key)} label={quoteattr(label)} '
                     f'sizeString="WWWWWWWWWWWWWWWWWWWW" onChange="{on_change}" getText="{get_text}"{visible} '
                     f'screentip={quoteattr(label.rstrip("："))} supertip={quoteattr(tip)}/>')
    lines.append(f'          <labelControl id="version" getLabel="{callbacks["getLabel"]}"/>')
    lines += ['        </group>', '      </tab>', '    </tabs>', '  </ribbon>', '</customUI>', '']
    return "\n".join(lines)


def _vba_text(text: str) -> str:
    """A VBA string expression for text: ASCII as a literal, anything else as ChrW() (a .bas file is read in the
    system code page, so it must stay ASCII)."""
    parts, run = [], ""
    for ch in text:
        if ord(ch) < 128 and ch != '"':
            run += ch
            continue
        if run:
            parts.append(f'"{run}"')
            run = ""
        parts.append(f"ChrW({ord(ch)})")
    if run:
        parts.append(f'"{run}"')
    return " & ".join(parts) or '""'


def bas_text() -> str:
    """The VBA module of the ribbon's callbacks (ASCII only, CRLF line ends, as the VBA editor exports).

    It uses what xlwings' VBA module provides in the add-in: RunPython, the config
    file functions (GetConfigFilePath, GetConfigFromFile, SaveConfigToFile) and XLWINGS_VERSION.
    """
    no_book = _vba_text("请先打开要处理的工作簿。")
    lines = [
        f'Attribute VB_Name = "{VBA_MODULE}"',
        "Option Explicit",
        "' xltool ribbon callbacks. Every button of the tab shares one onAction, XltoolButton:",
        "' the button's tag (else its id) names the macro: check, recompute, clear_marks, explain, rollover, about.",
        "' The settings boxes keep their value in the add-in's user config file, under the key in their tag.",
        "' Written into the add-in's VBA project by xltool addin build.",
        "",
        f"Sub {VBA_SUB}(control As IRibbonControl)",
        "    Dim key As String",
        "    key = control.Tag",
        '    If key = "" Then key = control.Id',
        "    If ActiveWorkbook Is Nothing Then",
        f'        MsgBox {no_book}, vbExclamation, "xltool"',
        "        Exit Sub",
        "    End If",
        '    Application.StatusBar = "xltool: " & key & " ..."',
        '    RunPython "import xltool.excel as x; x.dispatch(\'" & key & "\')"',
        "    Application.StatusBar = False",
        "End Sub",
        "",
        "Private Function XltoolSettingKey(control As IRibbonControl) As String",
        "    XltoolSettingKey = control.Tag",
        '    If control.Tag = "INTERPRETER" Then',
        "        #If Mac Then",
        '            XltoolSettingKey = "INTERPRETER_MAC"',
        "        #Else",
        '            XltoolSettingKey = "INTERPRETER_WIN"',
        "        #End If",
        "    End If",
        "End Function",
        "",
        "Sub XltoolSetSetting(control As IRibbonControl, Text As String)",
        "    Dim saved As Boolean",
        "    saved = SaveConfigToFile(GetConfigFilePath(), XltoolSettingKey(control), Text)",
        "End Sub",
        "",
        "Sub XltoolGetSetting(control As IRibbonControl, ByRef returnedVal)",
        "    Dim setting As String",
        "    If GetConfigFromFile(GetConfigFilePath(), XltoolSettingKey(control), setting) Then",
        "        returnedVal = setting",
        "    Else",
        '        returnedVal = ""',
        "    End If",
        "End Sub",
        "",
        "Sub XltoolWindowsOnly(control As IRibbonControl, ByRef returnedVal)",
        "    #If Mac Then",
        "        returnedVal = False",
        "    #Else",
        "        returnedVal = True",
        "    #End If",
        "End Sub",
        "",
        "Sub XltoolGetVersion(control As IRibbonControl, ByRef returnedVal)",
        '    returnedVal = "xlwings " & XLWINGS_VERSION',
        "End Sub",
        "",
    ]
    return "\r\n".join(lines)


# What XltoolRibbon.bas calls in the add-in's own VBA (the xlwings module of the custom base).
BAS_NEEDS = ("RunPython", "GetConfigFilePath", "GetConfigFromFile", "SaveConfigToFile")
PROJECT_NAME = "xltool"   # the custom base's xlwings module names its config file after this
_PROJECT_NAME_LINE = re.compile(r'^(Public Const PROJECT_NAME As String = ")[^"]*(")', re.MULTILINE)


def xlwings_dir() -> Path:
    """The installed xlwings package's folder (found without importing xlwings)."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("未安装 xlwings：请先 pip install xlwings")
    return Path(next(iter(spec.submodule_search_locations)))


def base_addin_path(base: str = "custom") -> Path:
    """The add-in a build starts from: ``custom`` (xlwings' custom ribbon add-in template) or ``xlwings``."""
    if base not in BASES:
        raise ValueError(f"未知的加载项底本“{base}”（可用：{'、'.join(BASES)}）")
    path = xlwings_dir() / BASES[base]
    if not path.is_file():
        raise FileNotFoundError(f"xlwings 安装中找不到 {BASES[base]}")
    return path


def xlwings_addin_path() -> Path:
    """The ``xlwings.xlam`` inside the installed xlwings package."""
    return base_addin_path("xlwings")


def ribbon_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Ribbon XML parts of a package (from its root relationships) → the customUI namespace each must use."""
    rels = zf.read("_rels/.rels").decode("utf-8")
    parts = {}
    for m in re.finditer(r"<Relationship\b[^>]*>", rels):
        tag = m.group(0)
        rel_type = re.search(r'Type="([^"]+)"', tag)
        target = re.search(r'Target="([^"]+)"', tag)
        if rel_type and target and rel_type.group(1) in (REL_UI_2006, REL_UI_2007):
            parts[target.group(1).lstrip("/")] = NS_2006 if rel_type.group(1) == REL_UI_2006 else NS_2009
    return parts


def _root_namespace(xml: bytes, default: str) -> str:
    m = re.search(rb"<customUI\b[^>]*\bxmlns=\"([^\"]+)\"", xml)
    return m.group(1).decode() if m else default


def vba_modules(vba_project_bin: bytes) -> dict[str, str]:
    """What ``build_addin`` writes into a base's VBA project: XltoolRibbon, and the xlwings module with its
    PROJECT_NAME set to ``xltool`` (when the base has that module)."""
    from xltool.excel import vbaproject

    modules = {VBA_MODULE: bas_text()}
    xlwings_source = vbaproject.module_sources(vbaproject.read_streams(vba_project_bin)).get("xlwings")
    if xlwings_source and _PROJECT_NAME_LINE.search(xlwings_source):
        modules["xlwings"] = _PROJECT_NAME_LINE.sub(rf"\g<1>{PROJECT_NAME}\g<2>", xlwings_source, count=1)
    return modules


def build_addin(out_path: str | os.PathLike, base: str = "custom", source: str | os.PathLike | None = None,
                write_bas: bool = False, *, overwrite: bool = False) -> Path:
    """Write the 「绩效工具」 add-in to out_path (``.xlam``), its callbacks in its VBA project. Returns out_path.

    base: ``"custom"`` or ``"xlwings"`` (see the module docstring); source: another .xlam to start from
    (its settings then use XltoolRibbon's callbacks). write_bas: also write XltoolRibbon.bas next to it.
    An existing out_path is refused unless ``overwrite`` (``io.outputs``).
    """
    from xltool.excel import vbaproject

    from xltool.io import outputs

    out = Path(out_path)
    src = Path(source) if source else base_addin_path(base)
    outputs.refuse([out, *([out.with_name(BAS_NAME)] if write_bas else [])], inputs=[src], overwrite=overwrite)
    settings = "xlwings" if base == "xlwings" and source is None else "xltool"
    with zipfile.ZipFile(src) as zf:
        parts = ribbon_parts(zf)
        if not parts:
            raise ValueError(f"{src}：找不到功能区 XML（customUI）")
        if VBA_PART not in zf.namelist():
            raise ValueError(f"{src}：加载项中没有 VBA 工程（{VBA_PART}）")
        entries = [(info, zf.read(info.filename)) for info in zf.infolist()]
    with atomic.replacing(out) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            if info.filename in parts:   # keep the namespace the part had: Excel accepted it
                data = ribbon_xml(_root_namespace(data, parts[info.filename]), settings).encode("utf-8")
            elif info.filename == VBA_PART:
                data = vbaproject.set_modules(data, vba_modules(data))
            zf.writestr(info, data, compress_type=info.compress_type)
    if write_bas:
        out.with_name(BAS_NAME).write_bytes(bas_text().encode("ascii"))
    return out


def ribbon_callbacks(xml: str) -> set[str]:
    """Every callback a ribbon XML names (onAction, getText, …)."""
    return set(re.findall(r'\s(?:on[A-Z]\w*|get[A-Z]\w*)="([^"]+)"', xml))


def vba_procedures(text: str) -> set[str]:
    """``Module.Procedure`` for each Sub/Function of VBA module source text(s) (``Attribute VB_Name`` names them)."""
    out: set[str] = set()
    module = ""
    for line in text.splitlines():
        m = re.match(r'\s*Attribute\s+VB_Name\s*=\s*"([^"]+)"', line)
        if m:
            module = m.group(1)
            continue
        m = re.match(r"\s*(?:Public\s+|Private\s+)?(?:Sub|Function)\s+(\w+)", line, re.IGNORECASE)
        if m:
            out.update({m.group(1), f"{module}.{m.group(1)}"})
    return out


def vba_source(xlam: str | os.PathLike) -> str | None:
    """The VBA source of an add-in (needs oletools; None when it is not installed)."""
    import warnings

    try:
        with warnings.catch_warnings():   # oletools' own pyparsing deprecations
            warnings.simplefilter("ignore")
            from oletools.olevba import VBA_Parser
    except ImportError:
        return None
    with zipfile.ZipFile(xlam) as zf:
        data = zf.read("xl/vbaProject.bin")
    parser = VBA_Parser("vbaProject.bin", data=data)
    try:
        return "\n".join(code for _, _, _, code in parser.extract_macros())
    finally:
        parser.close()


def _decrypt(hex_text: str) -> bytes:
    """MS-OVBA 2.4.3.3: the data of an encrypted PROJECT stream value (CMG, DPB, GC)."""
    data = bytes.fromhex(hex_text)
    seed, version_enc, key_enc = data[0], data[1], data[2]
    unencrypted, enc1, enc2 = seed ^ key_enc, key_enc, version_enc
    out = []
    for byte_enc in data[3:]:
        byte = byte_enc ^ ((enc2 + unencrypted) & 0xFF)
        enc2, enc1, unencrypted = enc1, byte_enc, byte
        out.append(byte)
    body = bytes(out[(seed & 6) // 2:])
    return body[4:4 + int.from_bytes(body[:4], "little")]


def vba_project_locked(xlam: str | os.PathLike) -> bool | None:
    """Whether an add-in's VBA project is protected (no module can be imported without the password).

    Read from the PROJECT stream (MS-OVBA): a password hash in DPB, or the VBE protection bit in CMG.
    None when olefile (installed with oletools) is missing.
    """
    try:
        import olefile
    except ImportError:
        return None
    with zipfile.ZipFile(xlam) as zf:
        data = zf.read("xl/vbaProject.bin")
    with olefile.OleFileIO(data) as ole:
        project = ole.openstream("PROJECT").read().decode("latin-1")
    values = dict(re.findall(r'^(CMG|DPB|GC)="([0-9A-Fa-f]+)"', project, re.MULTILINE))
    password = _decrypt(values["DPB"]) if "DPB" in values else b"\x00"
    state = int.from_bytes(_decrypt(values["CMG"]), "little") if "CMG" in values else 0
    return len(password) > 1 or bool(state & 0b110)


def missing_callbacks(xlam: str | os.PathLike, extra_vba: str = "") -> set[str] | None:
    """Ribbon callbacks of an add-in defined neither in its VBA nor in extra_vba; None without oletools."""
    source = vba_source(xlam)
    if source is None:
        return None
    with zipfile.ZipFile(xlam) as zf:
        xml = "".join(zf.read(p).decode("utf-8") for p in ribbon_parts(zf))
    return ribbon_callbacks(xml) - vba_procedures(source + "\n" + extra_vba)
