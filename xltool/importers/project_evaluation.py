"""Import published F3' 项目支出绩效自评表 (财预〔2020〕10号 layout) from tab-separated text.

A form starts at a line whose first cell is 项目名称 and holds a 项目资金 block whose header
names 全年执行数; the single-cell lines just above give the title and the year
(``（2023年度）``). Inside a form:

- ``项目名称 | X``, ``主管部门 | X | 实施单位 | Y``;
- the 项目资金 header (``年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分``) and the rows
  年度资金总额 / 其中：本年财政拨款 / 上年结转资金 / 其他资金 below it; a value is taken from the
  column of its header (tab position), else in header order; ``—`` is blank;
- an optional 资金来源 header (``中央 | 省级 | 市级 | 县级 | 其他 | 合计``, or 自治区 / 盟市 / 旗县)
  with the same rows;
- ``年度总体目标 | 预期目标 | 实际完成情况`` and the line of the two texts below it (or the two
  texts on the same line);
- the indicator header (一级指标 … 偏差原因分析及改进措施) and its rows, 一级/二级 filled down
  (``产出指标（50分）`` is kept as written);
- ``总分 | 分值合计 | 总分 [| 等级]`` and ``评价等级 | 优``.
Stated execution rates and scores are not kept: xltool recomputes them (the stated 总分 and
等级 are kept in the instance for comparison).
"""
from __future__ import annotations

import re

from xltool.core import model
from xltool.core.arith import ArithmeticInputError, to_decimal
from xltool.core.grid import norm
from xltool.core.project_eval.read import _FUND_HEADERS, _IND_ALIASES, _LINE_WORDS, _SOURCE_WORDS, _row_key

_BLANKS = ("", "—", "-", "－", "/", "——")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.split("\t")]


def _number(text: str):
    if text in _BLANKS:
        return None
    try:
        return to_decimal(text.replace("%", "")) if "%" not in text else None
    except ArithmeticInputError:
        return None


def _starts(lines: list[str]) -> list[int]:
    out = []
    for n, line in enumerate(lines):
        cells = [c for c in _cells(line) if c]
        if cells and norm(cells[0]) == "项目名称":
            if any("全年执行数" in l for l in lines[n:n + 8]):
                out.append(n)
    return out


def is_project_evaluation_text(text: str) -> bool:
    return bool(_starts(text.splitlines()))


def parse_project_evaluations(text: str) -> tuple[list[model.ProjectSelfEvaluation], list[str]]:
    lines = text.splitlines()
    starts = _starts(lines)
    forms, notes = [], []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        form = model.ProjectSelfEvaluation()
        _title(form, lines[max(0, start - 6):start])
        _body(form, lines[start:end], notes)
        forms.append(form)
        if k + 1 < len(starts):   # the next form's title lines belong to it, not to this one
            pass
    return forms, notes


def _title(form, above: list[str]) -> None:
    for line in above:
        text = line.strip()
        if "自评表" in text:
            form.title = text.strip("*# ")
        m = re.search(r"(\d{4})\s*年", text)
        if m and ("年度" in text or text.startswith(("(", "（"))):
            form.year = int(m.group(1))


def _by_header(header: list[str], row: list[str], keys: dict[int, str]) -> dict[str, str]:
    """Cells of row under each header column; when the row is shifted, in header order."""
    out = {key: row[i] for i, key in keys.items() if i < len(row) and row[i] not in ("",)}
    if out:
        return out
    values = [c for c in row[1:] if c]
    return dict(zip(keys.values(), values))


def _body(form, lines: list[str], notes: list[str]) -> None:
    n = 0
    while n < len(lines):
        cells = _cells(lines[n])
        nonempty = [c for c in cells if c]
        first = norm(nonempty[0]) if nonempty else ""
        if first == "项目名称" and len(nonempty) > 1:
            form.project = nonempty[1]
        elif first == "主管部门":
            rest = nonempty[1:]
            if "实施单位" in rest:
                i = rest.index("实施单位")
                form.department = "".join(rest[:i])
                form.implementer = "".join(rest[i + 1:])
            elif rest:
                form.department = rest[0]
        elif "全年执行数" in nonempty:
            keys = {i: key for i, c in enumerate(cells) for key, label in _FUND_HEADERS.items() if norm(c) == label}
            n = _fund_rows(form, lines, n + 1, cells, keys)
            continue
        elif "中央" in nonempty:
            keys = {}
            for i, c in enumerate(cells):
                key = "sum" if norm(c) in ("合计", "小计") else _row_key(_SOURCE_WORDS, norm(c))
                if key and key not in keys.values():
                    keys[i] = key
                    if key != "sum":
                        form.source_labels[key] = c
            n = _source_rows(form, lines, n + 1, cells, keys)
            continue
        elif first == "年度总体目标":
            texts = [c for c in nonempty[1:] if c not in ("预期目标", "实际完成情况")]
            if not texts and n + 1 < len(lines):
                texts = [c for c in _cells(lines[n + 1]) if c]
                n += 1
            form.goal_expected = texts[0] if texts else ""
            form.goal_actual = texts[1] if len(texts) > 1 else ""
        elif "三级指标" in nonempty:
            n = _indicator_rows(form, lines, n + 1, cells, notes)
            continue
        n += 1


def _labelled_rows(lines, n) -> tuple[list[tuple[list[str], str, str]], int]:
    """(cells, label, row key) of the lines from ``n`` on whose label names a 项目资金 row (blank
    lines skipped), up to the first other non-blank line; and that line's index."""
    rows = []
    while n < len(lines):
        cells = _cells(lines[n])
        label = next((c for c in cells if c and _row_key(_LINE_WORDS, norm(c))), "")
        if label:
            rows.append((cells, label, _row_key(_LINE_WORDS, norm(label))))
        elif any(c for c in cells):
            break
        n += 1
    return rows, n


def _fund_rows(form, lines, n, header, keys) -> int:
    rows, n = _labelled_rows(lines, n)
    for cells, label, key in rows:
        line = form.line(key)
        line.label = label
        values = _by_header(header, cells, keys)
        for col, _ in model.FUND_COLUMNS:
            if col in values:
                setattr(line, col, _number(values[col]))
        if key == "total" and "weight" in values and _number(values["weight"]) is not None:
            form.execution_weight = _number(values["weight"])
    return n


def _source_rows(form, lines, n, header, keys) -> int:
    rows, n = _labelled_rows(lines, n)
    for cells, _label, key in rows:
        values = _by_header(header, cells, keys)
        for source in (k for k in keys.values() if k != "sum"):
            form.line(key).sources[source] = _number(values.get(source, ""))
    return n


def _indicator_rows(form, lines, n, header, notes) -> int:
    keys = {}
    for i, c in enumerate(header):
        for key, aliases in _IND_ALIASES.items():
            if norm(c) in aliases and key not in keys.values():
                keys[i] = key
    level1 = level2 = ""
    while n < len(lines):
        cells = _cells(lines[n])
        nonempty = [c for c in cells if c]
        if not nonempty:
            n += 1
            continue
        if norm(nonempty[0]) in ("总分", "评价等级", "等级"):
            _footer(form, nonempty)
            n += 1
            continue
        if norm(nonempty[0]) == "项目名称" or len(nonempty) == 1 and "自评表" in nonempty[0]:
            return n
        values = {key: cells[i] for i, key in keys.items() if i < len(cells)}
        ind = model.Indicator()
        for key in ("level1", "level2", "level3", "target", "actual", "deviation"):
            setattr(ind, key, values.get(key, ""))
        for key in ("weight", "score"):
            setattr(ind, key, _number(values.get(key, "")))
        level1, level2 = ind.level1 or level1, ind.level2 or level2
        ind.level1, ind.level2 = level1, level2
        if ind.is_blank():
            notes.append(f"“{form.project}”：无法识别的指标行“{' | '.join(nonempty)}”，未导入")
        else:
            form.indicators.append(ind)
        n += 1
    return n


def _footer(form, cells: list[str]) -> None:
    label, rest = norm(cells[0]), cells[1:]
    if label == "总分":
        numbers = [_number(c) for c in rest if _number(c) is not None]
        if numbers:
            form.stated_total = numbers[-1]
        grades = [c for c in rest if c in ("优", "良", "中", "差")]
        if grades:
            form.stated_grade = grades[0]
    elif rest:
        form.stated_grade = rest[0]
