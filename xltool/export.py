"""The tidy long table: one row per value read (``xltool export``).

Columns: file, sheet, form, entity, year, region, level, fund, table, code,
item, column, cell, text, number, unit, computed. ``year`` is the form's year
(the budget year of a 附表), ``region`` the unit (地区 / 预算单位 / 支出部门),
``level`` 全地区 or 本级 where the form says, ``fund`` the 险种 of the row (a 附表
row's fund, a target form's fund; blank for 合计 rows). ``number`` is numeric
(float64) in every output; ``text`` keeps what the cell showed. In CSV output every text column is neutralised against
formula injection (OWASP: a cell starting with = + - @ tab or CR gets a leading
apostrophe); numbers stay numbers. Every output is written atomically, and an
output that is one of the inputs or an existing workbook (not a previous export)
is refused before anything is written.
"""
from __future__ import annotations

import os
from pathlib import Path

from xltool.core import funds, layout
from xltool.core.arith import to_decimal, ArithmeticInputError
from xltool.core.cellref import a1
from xltool.core.model import PROJECT_SELF_EVALUATION
from xltool.core.project_eval.layout import describe as describe_project_evaluation
from xltool.core.reader import ReadForm

COLUMNS = ["file", "sheet", "form", "entity", "year", "region", "level", "fund", "table", "code", "item", "column",
           "cell", "text", "number", "unit", "computed"]
PARQUET_EXTRA = "pip install pyarrow"
_INDICATOR_LABELS = {c.key: c.label for cols in layout.INDICATOR_COLUMNS.values() for c in cols}
_HEADER_LABELS = {key: label for rows in layout.HEADERS.values() for pairs in rows for label, key in pairs}
_HEADER_LABELS.update({key: label for rows in layout.FOOTERS.values() for label, key in rows})
_COMPUTED_INDICATOR = {c.key for cols in layout.INDICATOR_COLUMNS.values() for c in cols if c.computed}
_HELPER_COLUMNS = {c.key for cols in layout.INDICATOR_COLUMNS.values() for c in cols if c.hidden}


def _number_and_unit(text: str):
    try:
        return to_decimal(text), ""
    except ArithmeticInputError:
        pass
    try:
        from xltool.core.values import parse_value
    except ImportError:   # pragma: no cover
        return None, ""
    value = parse_value(text)
    if value.quantity is not None:
        return value.quantity.amount, value.quantity.unit
    return None, ""


def form_facts(instance) -> dict:
    """year, region, level and (for one-fund forms) fund of a form instance."""
    region = getattr(instance, "region", "") or getattr(instance, "unit", "") or getattr(instance, "department", "")
    level = getattr(instance, "level", "")
    if instance.form == "regional-target" and region:   # 喀什地区本级 → 喀什地区, 本级
        level = "本级" if region.endswith("本级") else "全地区"
        region = region[:-2] if region.endswith("本级") else region
    text = getattr(instance, "fund", "") or getattr(instance, "project", "")
    fund = funds.find_fund(text) if text else None
    return {"year": instance.year, "region": region, "level": level,
            "fund": fund.name if fund else getattr(instance, "fund", "")}


def _row_fund(rowkey: str) -> str:
    """The fund of a 附表 row key (``resident_pension.premium``, ``in.employee_medical``); "" for totals."""
    for part in rowkey.split(".")[:2]:
        if part in funds.FUND_BY_KEY:
            return funds.FUND_BY_KEY[part].name
    return ""


def rows_for(read: ReadForm, file: str, grid_values) -> list[dict]:
    """grid_values(sheet, row, col) gives the cell's value as read."""
    instance = read.instance
    facts = form_facts(instance)
    out = []
    tables = getattr(instance, "tables", {})
    for key, (sheet, r, c) in read.cells.items():
        parts = key.split(".")
        value = grid_values(sheet, r, c)
        if value is None or value == "":
            continue
        text = str(value)
        table, code, item, column = "表头", "", _HEADER_LABELS.get(key, key), ""
        computed = key in layout.COMPUTED_FIELDS
        fund = facts["fund"]
        if instance.form == PROJECT_SELF_EVALUATION:
            if key in ("title", "year"):
                continue
            described = describe_project_evaluation(key, instance)
            if described is None:   # hidden helper cells
                continue
            table, item, column, computed = described
        elif parts[0] == "ind":
            if parts[2] in _HELPER_COLUMNS:   # the formulas' hidden helper cells (xlt…): not the form's data
                continue
            indicators = instance.indicators
            indicator = indicators[int(parts[1])]
            table, item, column = "绩效指标", indicator.level3, _INDICATOR_LABELS.get(parts[2], parts[2])
            computed = parts[2] in _COMPUTED_INDICATOR
        elif parts[0] in funds.TABLE_BY_KIND:
            kind, rowkey, col = parts[0], ".".join(parts[1:-1]), parts[-1]
            if col in ("label", "code"):
                continue
            bt = tables.get(kind)
            row = bt.row(rowkey) if bt else None
            spec_rows = {s.key: s for s in funds.row_specs(kind)}
            spec = spec_rows.get(rowkey)
            table = (bt.number if bt and bt.number else "") + funds.TABLE_BY_KIND[kind].sheet
            code = spec.code if spec else ""
            item = row.label if row else (spec.label if spec else rowkey)
            if col == "pct":
                column = funds.TABLE_BY_KIND[kind].percent
            else:
                column = bt.columns[int(col)] if bt and int(col) < len(bt.columns) else col
            computed = col == "pct" or (spec is not None and spec.role == "total")
            fund = _row_fund(rowkey)
        elif key in ("title", "year"):
            continue
        number, unit = _number_and_unit(text) if text else (None, "")
        out.append({"file": file, "sheet": sheet, "form": instance.form, "entity": instance.entity,
                    **facts, "fund": fund, "table": table, "code": code, "item": item, "column": column, "cell": a1(r, c),
                    "text": text, "number": number, "unit": unit, "computed": computed})
    return out


def collect(paths) -> list[dict]:
    from xltool.workbooks import expand_paths, open_grid, read_forms

    rows = []
    for path in expand_paths(paths):
        grid = open_grid(path)
        forms = read_forms(grid, path)
        values = {s.name: s for s in grid.sheets}
        for read in forms:
            rows += rows_for(read, path.name, lambda s, r, c: values[s].get(r, c))
    return rows


def escape_formula(text):
    if isinstance(text, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


TEXT_COLUMNS = [c for c in COLUMNS if c not in ("number", "computed", "year")]


def _refuse_overwrite(paths, output: Path, overwrite: bool = False) -> None:
    """An output that is an input is refused; an existing output unless ``overwrite`` (``io.outputs``);
    even then an existing workbook that is not a long table (a form, someone's own workbook)."""
    from xltool.io import outputs
    from xltool.workbooks import XltoolError, expand_paths

    outputs.refuse([output], inputs=expand_paths(paths), overwrite=True)    # output = input: always refused
    if output.suffix.lower() in (".xlsx", ".xlsm", ".xls") and os.path.lexists(output):
        from xltool.io.calamine import read_grid_fast
        from xltool.io.safety import UnsafeWorkbook

        try:
            first = read_grid_fast(output).sheets[0]
            header = [first.get(1, c) for c in range(1, len(COLUMNS) + 1)]
        except (UnsafeWorkbook, IndexError):
            header = None
        if header != COLUMNS:
            raise XltoolError(f"{output}：已存在且不是 xltool 导出的长表，已拒绝覆盖（请换一个输出文件名）")
    outputs.refuse([output], overwrite=overwrite)


def export_long(paths, output: str | Path, *, overwrite: bool = False) -> int:
    import pandas as pd

    from xltool.io import atomic

    output = Path(output)
    suffix = output.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".parquet"):
        from xltool.workbooks import XltoolError
        raise XltoolError(f"{output}：不支持的输出格式（可用 .csv / .xlsx / .parquet）")
    _refuse_overwrite(paths, output, overwrite)
    if suffix == ".parquet":
        import importlib.util

        if importlib.util.find_spec("pyarrow") is None:
            from xltool.workbooks import XltoolError
            raise XltoolError(f"{output}：写 .parquet 需要 pyarrow，请先安装：{PARQUET_EXTRA}（或改用 .csv / .xlsx）")
    rows = collect(paths)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    # numbers are numbers (Decimal → float only here, at the output edge); the exact text stays in `text`
    frame["number"] = pd.to_numeric(frame["number"].map(lambda d: None if d is None else float(d)),
                                    errors="coerce").astype("float64")
    frame["year"] = frame["year"].astype("Int64")
    try:
        if suffix == ".csv":
            for col in TEXT_COLUMNS:
                frame[col] = frame[col].map(escape_formula)
            with atomic.replacing(output) as tmp:
                frame.to_csv(tmp, index=False, encoding="utf-8-sig")
        elif suffix == ".xlsx":
            from xltool.io import xlsx

            wb = xlsx.long_table_workbook(frame)
            xlsx.save_atomic(wb, output)
        else:
            with atomic.replacing(output) as tmp:
                frame.to_parquet(tmp, index=False)
    except OSError as exc:
        from xltool.io.safety import os_message
        from xltool.workbooks import XltoolError

        raise XltoolError(os_message(output, exc)) from exc
    return len(frame)
