"""The Excel buttons (宏): one function per button of the 「绩效工具」 ribbon tab.

Each takes an open ``xlwings.Book`` (default: the book that called, through
``RunPython``), reads it through ``xltool.excel.adapter`` into the same
``BookGrid`` the file commands read, runs the same core (reader, evaluate,
``process.resolve``) and writes the result back into the open book: values,
fills, notes and the 校验结果 sheet.

- ``check`` 校验: mark the cells with findings (fill + note), list them in 校验结果;
- ``recompute`` 重算: as ``check``, and first write the recomputed values;
- ``clear_marks`` 清除标记: undo the marks (original fills back, notes and 校验结果 gone);
- ``explain`` 生成说明: the 预算说明 of the book's 附表, as .md and .html next to it (``xltool explain``);
- ``rollover`` 结转下年: next year's blank form(s) next to it (``xltool rollover``);
- ``about`` 关于: versions, licence, where the log is.

A button that fails shows a Chinese message box (``dispatch``), never a
traceback; the traceback of an unexpected error goes to ``log_path()``.

The ribbon has one callback for all its buttons; it runs
``import xltool.excel as x; x.dispatch('<id>')``. Importing this module is cheap:
xlwings, pandas and numpy are imported only when a button runs.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

TITLE = "绩效工具"


@dataclass
class MacroResult:
    """What a button did: the message shown, the findings, counts (for tests and callers)."""
    message: str
    ok: bool = True
    findings: list = field(default_factory=list)
    written: int = 0         # computed cells written
    skipped: int = 0         # computed cells left alone because they hold a formula
    marked: int = 0          # cells filled
    notes: int = 0           # notes added
    cleared: int = 0         # marks of an earlier run undone
    paths: list = field(default_factory=list)   # files written (生成说明, 结转下年)


def _book(book):
    if book is None:
        import xlwings as xw

        book = xw.Book.caller()
    return book


def _alert(book, result: MacroResult, alert: bool) -> MacroResult:
    if alert:
        try:
            book.app.alert(result.message, title=TITLE, mode=None if result.ok else "critical")
        except Exception:   # an engine without message boxes: the result still says it
            pass
    return result


def _summary(findings) -> str:
    from xltool.core.findings import ERROR, INFO, WARNING

    counts = {s: sum(f.severity == s for f in findings) for s in (ERROR, WARNING, INFO)}
    return f"错误 {counts[ERROR]} 条，警告 {counts[WARNING]} 条，提示 {counts[INFO]} 条"


def _run(book, write_values: bool) -> MacroResult:
    from xltool.process import evaluate_grid
    from xltool.workbooks import XltoolError
    from xltool.marks import FINDINGS_SHEET
    from xltool.excel.adapter import XlwingsBook

    xb = XlwingsBook(book)
    active = book.sheets.active.name
    grid = xb.read()
    try:
        result = evaluate_grid(grid, book.name)
    except XltoolError as exc:
        return MacroResult(str(exc), ok=False)
    evaluations, findings = result.evaluations, result.findings
    written = skipped = 0
    with xb.batch():
        cleared, kept, originals = xb.clear_marks()
        if write_values:
            for evaluation in evaluations:
                w, s = xb.write_computed(evaluation.read, evaluation.computed)
                written, skipped = written + w, skipped + s
        rows, notes = xb.mark(findings, originals)
        xb.write_meta(kept + rows)
        if findings:
            xb.findings_sheet(findings)
        xb.activate(active)
    head = f"重算完成：写回 {written} 个计算单元格。" if write_values else "校验完成。"
    if not findings:
        message = head + "未发现问题。"
    else:
        message = f"{head}发现问题：{_summary(findings)}；已标记 {len(rows)} 个单元格"
        message += "并加批注" if notes else ""
        message += f"，明细见“{FINDINGS_SHEET}”工作表。"
        if not xb.caps.notes:
            message += "（当前环境不支持批注，说明只列在明细表中。）"
    return MacroResult(message, True, findings, written, skipped, len(rows), notes, cleared)


def check(book=None, *, alert: bool = True) -> MacroResult:
    """校验：标记有问题的单元格（底色 + 批注），并生成“校验结果”工作表。"""
    book = _book(book)
    return _alert(book, _run(book, write_values=False), alert)


def recompute(book=None, *, alert: bool = True) -> MacroResult:
    """重算：写回计算单元格的值（含公式的单元格由 Excel 计算），再校验并标记。"""
    book = _book(book)
    return _alert(book, _run(book, write_values=True), alert)


def clear_marks(book=None, *, alert: bool = True) -> MacroResult:
    """清除标记：恢复原底色，删除 xltool 的批注和“校验结果”工作表。"""
    from xltool.excel.adapter import XlwingsBook

    book = _book(book)
    xb = XlwingsBook(book)
    active = book.sheets.active.name
    xb.read()
    with xb.batch():
        cleared, kept, _ = xb.clear_marks()
        xb.write_meta(kept)
        xb.activate(active)
    message = f"已清除 {cleared} 处标记。" if cleared else "没有需要清除的标记。"
    return _alert(book, MacroResult(message, cleared=cleared), alert)


OUTPUT_DIR_ENV = "XLTOOL_OUTPUT_DIR"
SERVICE_CANNOT_SAVE = ("经由 xltool 服务（网页版等）运行时，文件无法保存到您的电脑：请使用桌面版「绩效工具」加载项，"
                       "或在命令行运行 xltool explain / xltool rollover。")


def _output_dir(book) -> Path:
    """Where 生成说明 and 结转下年 write: the open workbook's folder (desktop Excel); for a book not saved on
    this PC, the user's Documents folder. On xlwings' remote engine the book's name comes from the client and
    says nothing about this machine's folders: files go only to the folder the operator names in
    ``XLTOOL_OUTPUT_DIR``, else nowhere (XltoolError)."""
    from xltool.workbooks import XltoolError

    try:
        engine = book.app.engine.name
    except Exception:
        engine = ""
    if engine == "remote":
        folder = os.environ.get(OUTPUT_DIR_ENV)
        if not folder or not Path(folder).is_dir():
            raise XltoolError(SERVICE_CANNOT_SAVE)
        return Path(folder)
    try:
        full = Path(str(book.fullname))
    except Exception:
        full = Path()
    if full.is_absolute() and full.parent.is_dir():
        return full.parent
    documents = Path.home() / "Documents"
    return documents if documents.is_dir() else Path.home()


def _free_path(folder: Path, stem: str, suffixes: tuple[str, ...]) -> Path:
    """folder/stem (without suffix) such that no file stem+suffix exists yet: nothing is overwritten."""
    for n in range(1, 1000):
        candidate = folder / (stem if n == 1 else f"{stem}({n})")
        if not any(candidate.with_name(candidate.name + s).exists() for s in suffixes):
            return candidate
    raise FileExistsError(f"{folder / stem}：同名文件过多")


def _stem(book) -> str:
    """The book's name without folder or suffix, as a file name Windows accepts."""
    name = re.split(r"[\\/]", str(book.name))[-1]
    return re.sub(r'[<>:"|?*\x00-\x1f]', "_", Path(name).stem).strip(" .") or "工作簿"


def explain(book=None, *, alert: bool = True) -> MacroResult:
    """生成说明：本工作簿预算附表的预算说明（与 ``xltool explain`` 相同），写成工作簿旁的 .md 和 .html。"""
    from xltool.explain import explain_book
    from xltool.excel.adapter import XlwingsBook
    from xltool.workbooks import XltoolError

    book = _book(book)
    grid = XlwingsBook(book).read()
    try:
        base = _free_path(_output_dir(book), f"{_stem(book)}_预算说明", (".md", ".html"))
        result = explain_book(grid, book.name, base.with_name(base.name + ".md"))
    except XltoolError as exc:
        return _alert(book, MacroResult(f"未生成预算说明：{exc}", ok=False), alert)
    names = "、".join(p.name for p in result.paths)
    message = f"预算说明已生成：{names}\n位置：{base.parent}"
    if result.notes:
        message += "\n" + "\n".join(result.notes)
    return _alert(book, MacroResult(message, paths=list(result.paths)), alert)


def rollover(book=None, *, alert: bool = True) -> MacroResult:
    """结转下年：以本工作簿的表单生成下一年度的空白表（与 ``xltool rollover`` 相同），写在工作簿旁。"""
    from xltool.core import model
    from xltool.core import rollover as core_rollover
    from xltool.excel.adapter import XlwingsBook
    from xltool.workbooks import XltoolError, read_forms, write_form

    book = _book(book)
    try:
        reads = read_forms(XlwingsBook(book).read(), book.name)
    except XltoolError as exc:
        return _alert(book, MacroResult(f"未结转：{exc}", ok=False), alert)
    forms = [r for r in reads if r.form != model.SELF_EVALUATION]
    if not forms:
        return _alert(book, MacroResult("自评表是对本年的年终评价，不结转下年；请在项目或基金支出绩效目标表上结转。",
                                        ok=False), alert)
    if any(r.instance.year is None for r in forms):
        return _alert(book, MacroResult(f"未结转：{book.name}：无法确定本表的年度（标题或表头中应有年份）。",
                                        ok=False), alert)
    try:
        folder, paths = _output_dir(book), []
    except XltoolError as exc:
        return _alert(book, MacroResult(f"未结转：{exc}", ok=False), alert)
    for n, read in enumerate(forms):
        year = read.instance.year
        new = core_rollover.roll(read.instance, year + 1)
        stem = f"{_stem(book)}_{year + 1}年" + (f"_{n + 1}" if len(forms) > 1 else "")
        path = _free_path(folder, stem, (".xlsx",))
        path = path.with_name(path.name + ".xlsx")
        write_form(new, path)   # as `xltool rollover`: formula cells with their values
        paths.append(path)
    message = f"已生成下一年度（{forms[0].instance.year + 1} 年）的空白表：{'、'.join(p.name for p in paths)}\n位置：{folder}"
    return _alert(book, MacroResult(message, paths=paths), alert)


def log_path() -> Path:
    """Where the buttons log what failed: ``XLTOOL_LOG``, else %LOCALAPPDATA%\\xltool\\xltool.log (Windows) or
    ~/.cache/xltool/xltool.log."""
    if os.environ.get("XLTOOL_LOG"):
        return Path(os.environ["XLTOOL_LOG"])
    base = os.environ.get("LOCALAPPDATA") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "xltool" / "xltool.log"


def _licence() -> str:
    try:
        from importlib.metadata import metadata

        meta = metadata("xltool")
        return meta.get("License-Expression") or meta.get("License") or "（安装信息中未声明许可）"
    except Exception:
        return "（安装信息中未声明许可）"


def about(book=None, *, alert: bool = True) -> MacroResult:
    """关于：版本、许可与日志位置。"""
    import platform

    import xltool

    book = _book(book)
    try:
        from importlib.metadata import version

        xlwings_version = version("xlwings")
    except Exception:
        xlwings_version = "未知"
    try:
        engine = book.app.engine.name
    except Exception:
        engine = "未知"
    message = (f"xltool {xltool.__version__}：社会保险基金预算绩效表单工具\n"
               f"许可：xltool {_licence()}；xlwings {xlwings_version}（{engine}，BSD 许可），"
               f"Python {platform.python_version()}\n"
               f"日志：{log_path()}\n"
               "按钮：校验、重算、清除标记、生成说明、结转下年。")
    return _alert(book, MacroResult(message), alert)


BUTTONS = {   # ASCII id → (label, function); the ribbon's buttons carry these ids as their tag
    "check": ("校验", check),
    "recompute": ("重算", recompute),
    "clear_marks": ("清除标记", clear_marks),
    "explain": ("生成说明", explain),
    "rollover": ("结转下年", rollover),
    "about": ("关于", about),
}


def button_key(button_id: str) -> str:
    """``xltool_check``, ``check``, `` Check `` → ``check``."""
    key = str(button_id or "").strip().lower()
    for prefix in ("xltool_", "xltool.", "xlt_"):
        if key.startswith(prefix):
            key = key[len(prefix):]
    return key


def dispatch(button_id: str, book=None, *, alert: bool = True) -> MacroResult:
    """The one entry point of the ribbon callback: run the macro of a button id.

    Whatever goes wrong ends as a Chinese message box (the XltoolError's message, or a short one for an
    unexpected error whose traceback goes to ``log_path()``), never a Python traceback.
    """
    try:
        entry = BUTTONS.get(button_key(button_id))
        if entry is None:
            book = _book(book)
            known = "、".join(BUTTONS)
            return _alert(book, MacroResult(f"未知的按钮“{button_id}”（可用：{known}）", ok=False), alert)
        return entry[1](book, alert=alert)
    except Exception as exc:   # noqa: BLE001 — the clerk gets a message box, the log gets the traceback
        return _failed(button_id, book, exc, alert)


def _failed(button_id: str, book, exc: Exception, alert: bool) -> MacroResult:
    from xltool.workbooks import XltoolError

    label = BUTTONS.get(button_key(button_id), (str(button_id),))[0]
    log = _log_exception(button_id, exc)
    if isinstance(exc, XltoolError):
        message = f"{label}未完成：{exc}"
    elif isinstance(exc, OSError):
        message = f"{label}未完成：无法读写文件（{getattr(exc, 'filename', None) or exc.strerror or exc}）。"
    else:
        message = f"{label}未完成：发生意外错误（{type(exc).__name__}）。"
    if log is not None:
        message += f"\n详细信息已记录在：{log}"
    result = MacroResult(message, ok=False)
    try:
        book = _book(book)
    except Exception:
        return result
    return _alert(book, result, alert)


def _log_exception(button_id: str, exc: Exception) -> Path | None:
    """Append the traceback to the log (kept under 1 MB: the older half is dropped); None if it cannot."""
    import datetime
    import traceback

    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > 1_000_000:
            path.write_bytes(path.read_bytes()[-500_000:])
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.datetime.now().isoformat(timespec='seconds')} 按钮 {button_id}\n")
            fh.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        return path
    except OSError:
        return None
