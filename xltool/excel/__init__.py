"""The Excel buttons (宏): one function per button of the 「绩效工具」 ribbon tab.

Each takes an open ``xlwings.Book`` (default: the book that called, through
``RunPython``), reads it through ``xltool.excel.adapter`` into the same
``BookGrid`` the file commands read, runs the same core (reader, evaluate,
``process.resolve``) and writes the result back into the open book: values,
fills, notes and the 校验结果 sheet.

- ``check`` 校验: mark the cells with findings (fill + note), list them in 校验结果;
- ``recompute`` 重算: as ``check``, and first write the recomputed values;
- ``clear_marks`` 清除标记: undo the marks (original fills back, notes and 校验结果 gone);
- ``explain`` 生成说明, ``rollover`` 结转下年, ``about`` 关于.

The ribbon has one callback for all its buttons; it runs
``import xltool.excel as x; x.dispatch('<id>')``. Importing this module is cheap:
xlwings, pandas and numpy are imported only when a button runs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

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


def explain(book=None, *, alert: bool = True) -> MacroResult:
    """生成说明：由 ``xltool.explain.explain_book(book)`` 提供（尚未提供时给出提示）。"""
    book = _book(book)
    try:
        from xltool import explain as explain_module
    except ImportError:
        explain_module = None
    run = getattr(explain_module, "explain_book", None)
    if run is None:
        return _alert(book, MacroResult("“生成说明”功能尚未提供，请升级 xltool 后再试。", ok=False), alert)
    message = run(book)
    return _alert(book, MacroResult(str(message or "说明已生成。")), alert)


def rollover(book=None, *, alert: bool = True) -> MacroResult:
    """结转下年：尚未提供。"""
    book = _book(book)
    return _alert(book, MacroResult("“结转下年”功能尚未提供，敬请期待。", ok=False), alert)


def about(book=None, *, alert: bool = True) -> MacroResult:
    """关于：版本信息。"""
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
               f"xlwings {xlwings_version}（{engine}），Python {platform.python_version()}\n"
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
    """The one entry point of the ribbon callback: run the macro of a button id."""
    entry = BUTTONS.get(button_key(button_id))
    if entry is None:
        book = _book(book)
        known = "、".join(BUTTONS)
        return _alert(book, MacroResult(f"未知的按钮“{button_id}”（可用：{known}）", ok=False), alert)
    return entry[1](book, alert=alert)
