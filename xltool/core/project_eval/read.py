"""Read an F3' 项目支出绩效自评表 (财预〔2020〕10号 layout) from a sheet, by its labels.

The 项目资金 block is found by its header row (年初预算数 / 全年预算数 / 全年执行数 …) and its
rows by their labels (年度资金总额, 本年财政拨款, 上年结转, 其他资金); the optional 资金来源 block
by a header row naming 中央 (省级 may read 自治区/省, 市级 盟市/州/地市, 县级 旗县/区县); the
indicator table by its header row (一级指标 … 三级指标); 总分 and 评价等级 by their labels.
A 实际完成值 typed as a number is kept as a number (``actual_numbers``).
"""
from __future__ import annotations

import re
from decimal import Decimal

from xltool.core import model
from xltool.core.arith import to_decimal
from xltool.core.grid import SheetGrid, norm
from xltool.core.project_eval.layout import HELPERS, INDICATOR_COLUMNS
from xltool.core.reader import FRACTION_RULE, ReadError, ReadForm, _int, _year
from xltool.core.reader import _decimal as read_number

_LINE_WORDS = (("total", ("年度资金总额", "资金总额")), ("fiscal", ("本年财政拨款", "财政拨款")),
               ("carry_over", ("上年结转",)), ("other", ("其他资金",)))
_SOURCE_WORDS = (("central", ("中央",)), ("provincial", ("省级", "自治区", "省", "区级")),
                 ("city", ("市级", "盟市", "地市", "州", "市")), ("county", ("县级", "旗县", "区县", "县", "旗")),
                 ("other", ("其他",)))
_FUND_HEADERS = {"initial": "年初预算数", "budget": "全年预算数", "executed": "全年执行数",
                 "weight": "分值", "rate": "执行率", "score": "得分"}
_IND_ALIASES = {"level1": ("一级指标",), "level2": ("二级指标",), "level3": ("三级指标",),
                "target": ("年度指标值", "指标值"), "actual": ("实际完成值",), "weight": ("分值",),
                "score": ("得分",), "deviation": ("偏差原因分析及改进措施", "偏差原因")}
_NUMBER = (int, float, Decimal)


def _find(sheet: SheetGrid, predicate, rows=None):
    for (r, c), value in sorted(sheet.cells.items()):
        if isinstance(value, str) and (rows is None or r in rows) and predicate(norm(value)):
            return r, c
    return None


def _value_right(sheet: SheetGrid, rc) -> tuple[int, int]:
    r, c = rc
    return r, sheet.merge_end(r, c) + 1


def _decimal(sheet, r, c, result: ReadForm, label: str, convert: bool = True, points: bool = False):
    """A numeric cell (``reader._decimal``: a number typed as text is read, reported and, in an
    input cell, made a number on write-back); a dash placeholder (—) is blank."""
    value = sheet.get(r, c)
    if isinstance(value, str) and value.strip() in ("—", "-", "/", "－", "——"):
        return None
    return read_number(sheet, r, c, result, label, convert=convert, points=points)


def _row_key(words, text: str):
    text = re.sub(r"^其中[:：]?", "", text)
    for key, aliases in words:
        if any(text.startswith(a) for a in aliases):
            return key
    return None


def read_sheet(sheet: SheetGrid, meta: dict[str, str]) -> ReadForm:
    instance = model.ProjectSelfEvaluation()
    result = ReadForm(instance)
    title = next(((r, c) for r in range(1, 4) for c in range(1, 3) if sheet.text(r, c)), None)
    if title:
        instance.title = sheet.text(*title)
        result.cells["title"] = (sheet.name, *title)
    instance.year = _year(sheet, r"(\d{4})\s*年") or _int(meta.get("year"))
    for label, key in (("项目名称", "project"), ("主管部门", "department"), ("实施单位", "implementer")):
        rc = _find(sheet, lambda t, label=label: t == label)
        if rc:
            r, c = _value_right(sheet, rc)
            setattr(instance, key, sheet.text(r, c))
            result.cells[key] = (sheet.name, r, c)
    fund_header = _fund_block(sheet, result)
    _source_block(sheet, result, fund_header)
    _goals(sheet, result)
    _indicators(sheet, result)
    return result


def _fund_block(sheet, result) -> int:
    instance = result.instance
    rc = _find(sheet, lambda t: t == "全年执行数")
    if rc is None:
        raise ReadError(f"工作表“{sheet.name}”：未找到项目资金表头（年初预算数/全年预算数/全年执行数）")
    header = rc[0]
    cols = {key: c for c in range(1, sheet.max_col + 1) for key, label in _FUND_HEADERS.items()
            if norm(sheet.text(header, c)) == label}
    first = min(cols.values())
    helper = _helper_col(sheet)
    seen: set[str] = set()
    for r in range(header + 1, header + 8):
        texts = [norm(sheet.text(r, c)) for c in range(1, first)]
        key = next((k for t in texts if t for k in [_row_key(_LINE_WORDS, t)] if k), None)
        if key is None:
            if any("中央" in t or "资金来源" in t or "目标" in t for t in texts):
                break
            continue
        if key in seen:
            break
        seen.add(key)
        line = instance.line(key)
        line.label = next(sheet.text(r, c) for c in range(1, first) if _row_key(_LINE_WORDS, norm(sheet.text(r, c))))
        for col, _ in model.FUND_COLUMNS:
            if col in cols:
                setattr(line, col, _decimal(sheet, r, cols[col], result, f"{line.label}{_FUND_HEADERS[col]}"))
                result.cells[f"funds.{key}.{col}"] = (sheet.name, r, cols[col])
        if "rate" in cols:
            result.cells[f"funds.{key}.rate"] = (sheet.name, r, cols["rate"])
        if key == "total":
            if "weight" in cols:
                instance.execution_weight = _decimal(sheet, r, cols["weight"], result, "分值", points=True)
                result.cells["execution_weight"] = (sheet.name, r, cols["weight"])
            if "score" in cols:
                result.cells["funds.total.score"] = (sheet.name, r, cols["score"])
            for n, (col, _) in enumerate(model.FUND_COLUMNS):
                if helper:
                    result.cells[f"funds.total.eff.{col}"] = (sheet.name, r, helper + n)
    return header


def _helper_col(sheet) -> int | None:
    """Column of the hidden effective-total helpers: J in xltool's layout (its 判分方式 header column)."""
    rc = _find(sheet, lambda t: t == norm(HELPERS[0][1]))
    return rc[1] if rc else None


def _source_block(sheet, result, fund_header: int) -> None:
    rc = _find(sheet, lambda t: t == "中央", rows=range(fund_header + 1, sheet.max_row + 1))
    if rc is None:
        return
    header = rc[0]
    cols = {}
    for c in range(1, sheet.max_col + 1):
        text = norm(sheet.text(header, c))
        key = "sum" if text in ("合计", "小计") else _row_key(_SOURCE_WORDS, text)
        if key and key not in cols:
            cols[key] = c
            if key != "sum":
                result.instance.source_labels[key] = sheet.text(header, c)
    first = min(cols.values())
    for r in range(header + 1, header + 6):
        texts = [norm(sheet.text(r, c)) for c in range(1, first)]
        key = next((k for t in texts if t for k in [_row_key(_LINE_WORDS, t)] if k), None)
        if key is None:
            continue
        line = result.instance.line(key)
        for skey, c in cols.items():
            if skey == "sum":
                result.cells[f"sources.{key}.sum"] = (sheet.name, r, c)
                continue
            line.sources[skey] = _decimal(sheet, r, c, result, f"{line.label or key}{sheet.text(header, c)}")
            result.cells[f"sources.{key}.{skey}"] = (sheet.name, r, c)


def _goals(sheet, result) -> None:
    for label, key in (("预期目标", "goal_expected"), ("实际完成情况", "goal_actual")):
        rc = _find(sheet, lambda t, label=label: t == label)
        if rc is None:
            continue
        r, c = rc
        if sheet.text(r + 1, c) or not sheet.text(r, c + 1):   # header above its value (xltool's layout)
            r, c = r + 1, c
        else:                                                   # label left of its value
            r, c = _value_right(sheet, rc)
        setattr(result.instance, key, sheet.text(r, c))
        result.cells[key] = (sheet.name, r, c)


def _indicators(sheet, result) -> None:
    rc = _find(sheet, lambda t: t == "三级指标")
    if rc is None:
        raise ReadError(f"工作表“{sheet.name}”：未找到指标表表头（一级指标/二级指标/三级指标）")
    header = rc[0]
    cols: dict[str, int] = {}
    for c in range(1, sheet.max_col + 1):
        text = norm(sheet.text(header, c))
        for key, aliases in _IND_ALIASES.items():
            if key not in cols and text in aliases:
                cols[key] = c
        for key, label, _ in HELPERS:
            if text == norm(label):
                cols[key] = c
    footer = _find(sheet, lambda t: t == "总分", rows=range(header + 1, sheet.max_row + 1))
    end = footer[0] if footer else sheet.max_row + 1
    instance = result.instance
    level1 = level2 = ""
    i = 0
    for r in range(header + 1, end):
        texts = {key: sheet.text(r, c) for key, c in cols.items()}
        if not any(texts.get(k) for k in ("level1", "level2", "level3", "target", "actual")):
            continue
        ind = model.Indicator()
        for key, c in cols.items():
            result.cells[f"ind.{i}.{key}"] = (sheet.name, r, c)
            if key in ("weight", "score"):
                setattr(ind, key, _decimal(sheet, r, c, result, "分值" if key == "weight" else "得分",
                                           convert=key == "weight", points=key == "weight"))
            elif key == "actual":
                raw = sheet.get(r, c)
                if isinstance(raw, _NUMBER) and not isinstance(raw, bool):
                    number = instance.actual_numbers[i] = to_decimal(raw)
                    ind.actual = format(number.normalize(), "f")
                    _fraction_notice(sheet, r, c, result, number, texts.get("target", ""))
                else:
                    ind.actual = "" if raw is None else str(raw)
            elif key in ("level1", "level2", "level3", "target", "deviation", "direction", "scoring_rule"):
                setattr(ind, key, texts[key])
        level1, level2 = ind.level1 or level1, ind.level2 or level2
        ind.level1, ind.level2 = level1, level2
        instance.indicators.append(ind)
        i += 1
    if footer:
        r = footer[0]
        for key, column in (("weight_sum", "weight"), ("total_score", "score")):
            if column in cols:
                result.cells[key] = (sheet.name, r, cols[column])
        if "score" in cols:
            instance.stated_total = _decimal(sheet, r, cols["score"], result, "总分", convert=False)
    grade = _find(sheet, lambda t: t in ("评价等级", "等级", "自评等级"), rows=range(header + 1, sheet.max_row + 1))
    if grade:
        r, c = _value_right(sheet, grade)
        instance.stated_grade = sheet.text(r, c)
        result.cells["grade"] = (sheet.name, r, c)


def _fraction_notice(sheet, r, c, result, number, target: str) -> None:
    """A bare number ≤ 1.5 against a percentage target is a fraction (Excel stores a typed 95% as
    0.95); said so (XT122) unless the cell is percent-formatted, which shows it as such anyway."""
    if abs(number) <= Decimal("1.5") and ("%" in target or "％" in target or "百分比" in target) \
            and not sheet.is_percent(r, c):
        shown = format((number * 100).normalize(), "f")
        result.notices.append((FRACTION_RULE, "info", f"实际完成值 {format(number.normalize(), 'f')} 对应百分比目标"
                               f"“{target}”，按比例读作 {shown}%（Excel 中输入的 95% 存为 0.95）", sheet.name, r, c))


__all__ = ["read_sheet", "INDICATOR_COLUMNS"]
