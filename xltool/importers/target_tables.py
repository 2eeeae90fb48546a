"""Import the target tables (F1, F2, F4) from seed text.

The seed texts are tab-separated extractions of PDF tables (DOMAIN.md, "The
source documents"): merged cells became empty columns, some rows lost their
leading cells, titles carry markdown noise. This module finds every target
table in a text, recognises its family *by structure* (never by its title),
reads the header fields and realigns the indicator rows by content.

Public API
----------
``parse_target_tables(text)``
    → ``list[RegionalTarget | FundExpenditureTarget | ProjectTarget]`` in order
    of appearance.
``parse_target_tables_with_notes(text)``
    → ``(instances, notes)``; ``notes`` are Chinese messages about cells the
    importer had to drop or could not read (none is a finding).
``recognise_form(cells_of_block)``
    → the form id (``model.REGIONAL_TARGET`` …) of a block of rows, or "".
``realign_indicator_row(cells, form, context=("", ""))``
    → ``AlignedRow``: one indicator row put back into its columns.
``fill_down(rows)``
    → ``list[Indicator]``: the 一级/二级 merged cells filled down.

How a table is found
--------------------
A table starts at a row whose first non-empty cell is 险种名称 (F1) or
预算单位 (F2, F4). The single-cell lines just above it give the printed title
and the year line ``(2024年度)`` / ``(2023年)``. The table runs while lines are
blank or tab-separated rows; the next single-cell line (a title, an 附表
heading, narrative) or the next start row ends it. Its family is decided by
the labels it contains:

- 险种名称 with 资金情况 / 收入预算金额 → F1 (RegionalTarget), whatever the
  title says (seed 004's first table is titled like an F2);
- 项目负责人 or an 指标分值权重 / 指标赋分规则 column → F4 (ProjectTarget);
- 项目资金 with 年度资金总额 → F2 (FundExpenditureTarget).

How an indicator row is realigned
---------------------------------
Column positions are not trusted. The non-empty cells of a row are read as
``names… value [F4 tail]``:

- the 指标值 is, for F1/F2, the last non-empty cell; for F4 the last non-empty
  cell before the 指标值设置依据 cell (anchored on the closed vocabularies of
  设置依据 and 赋分规则), followed by 上年完成值, 指标分值权重 (the numeric
  cell before the 赋分规则), 指标赋分规则 and 佐证资料;
- the names are classified with the closed vocabularies: a 一级 name
  (``LEVEL1_NAMES``), a 二级 name (ends in 指标, or ``LEVEL2_EXTRA``), anything
  else is a 三级 name. 满意度指标 and 成本指标 are both 一级 and 二级 names;
  they count as 一级 when a further 二级 name follows on the row.
- the first printed level of the row (``start_level``) says which merged cells
  were lost: the missing levels are filled down from the rows above.
  A row whose only name is a 二级 name keeps an empty 三级 (seed 003
  project 2's 时效指标 row: a genuinely missing 三级 name, a finding for the
  rules, not an artefact).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from xltool.core.arith import ArithmeticInputError, to_decimal
from xltool.core.model import (
    FUND_EXPENDITURE_TARGET,
    PROJECT_TARGET,
    REGIONAL_TARGET,
    FundExpenditureTarget,
    Indicator,
    ProjectTarget,
    RegionalTarget,
)

TargetTable = RegionalTarget | FundExpenditureTarget | ProjectTarget

# --- closed vocabularies ------------------------------------------------------

LEVEL1_NAMES = frozenset({
    "决策指标", "过程指标", "产出指标", "效益指标", "满意度指标", "成本指标",
    "项目完成", "项目效益", "项目完成指标", "项目效益指标",
})
# 一级 names that are also used as 二级 names (成本 under 产出 in older layouts;
# 满意度指标 → 满意度指标 in F2/F4).
AMBIGUOUS_NAMES = frozenset({"满意度指标", "成本指标"})
# 二级 names that do not end in 指标.
LEVEL2_EXTRA = frozenset({"社会效益", "经济效益", "生态效益", "可持续影响", "服务对象满意度"})

BASIS_NAMES = ("历史标准", "行业或国家标准", "行业标准", "国家标准", "预算支出标准", "计划标准", "其他标准")
SCORING_RULES = ("按照正常比例赋分", "直接赋分", "按评判等级赋分", "满意度赋分")

TABLE_LABEL = "绩效指标"   # the leading merged column label of F1's indicator block: not a level

# --- text helpers -------------------------------------------------------------

_FULLWIDTH = str.maketrans({"（": "(", "）": ")", "：": ":", "\u3000": " "})
_MARKDOWN = re.compile(r"^\s*#+\s*|\*\*|__")
_YEAR_LINE = re.compile(r"^[(（]\s*(\d{4})\s*年\s*度?\s*[)）]$")
_YEAR_IN_TEXT = re.compile(r"(\d{4})\s*年")


def _norm(cell: str) -> str:
    """A label as compared: no spaces, ASCII brackets/colons, no trailing colon."""
    return cell.translate(_FULLWIDTH).replace(" ", "").strip().rstrip(":")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.split("\t")]


def _nonempty(cells: list[str]) -> list[str]:
    return [c for c in cells if c]


def clean_title(line: str) -> str:
    """Strip markdown noise (``**…**``, ``## ``) and surrounding whitespace."""
    return _MARKDOWN.sub("", line).strip()


def is_level1_name(name: str) -> bool:
    return _norm(name) in LEVEL1_NAMES


def is_level2_name(name: str) -> bool:
    n = _norm(name)
    if n in LEVEL1_NAMES and n not in AMBIGUOUS_NAMES:
        return False
    return n.endswith("指标") or n in LEVEL2_EXTRA


def _is_basis(cell: str) -> bool:
    return _norm(cell) in BASIS_NAMES


def _is_rule(cell: str) -> bool:
    return _norm(cell) in SCORING_RULES


def _is_number(cell: str) -> bool:
    try:
        return to_decimal(cell) is not None
    except ArithmeticInputError:
        return False


# --- indicator rows -----------------------------------------------------------

@dataclass
class AlignedRow:
    """One indicator row put back into its columns.

    ``level1``/``level2`` are "" when the row does not print them (merged cells
    from the rows above); ``start_level`` is the first level the row prints
    (1, 2, 3; 4 = no name at all). ``dropped`` holds cells that fit no column.
    """

    level1: str = ""
    level2: str = ""
    level3: str = ""
    target: str = ""
    basis: str = ""
    last_year: str = ""
    weight: str = ""
    scoring_rule: str = ""
    evidence: str = ""
    start_level: int = 4
    dropped: list[str] = field(default_factory=list)


def _split_f4_tail(cells: list[str]) -> tuple[list[str], dict[str, str], list[str]] | None:
    """Split an F4 row at its 设置依据 / 赋分规则 anchors.

    Returns (head cells = names and 指标值, tail fields, dropped cells), or None
    when the row has neither anchor.
    """
    basis_at = next((i for i, c in enumerate(cells) if _is_basis(c)), None)
    rule_at = next((i for i, c in enumerate(cells) if _is_rule(c)), None)
    if basis_at is None and rule_at is None:
        return None
    tail: dict[str, str] = {}
    dropped: list[str] = []
    if rule_at is not None:
        tail["scoring_rule"] = cells[rule_at]
        after = _nonempty(cells[rule_at + 1:])
        if after:
            tail["evidence"] = after[0]
            dropped += after[1:]
    if basis_at is not None:
        tail["basis"] = cells[basis_at]
        head = cells[:basis_at]
        middle = _nonempty(cells[basis_at + 1:rule_at])   # rule_at None → to the end
    else:
        # no 设置依据 cell: only the weight (the numeric cell before the rule) is sure
        head = list(cells[:rule_at])
        filled = [i for i, c in enumerate(head) if c]
        middle = []
        if filled and _is_number(head[filled[-1]]):
            middle = [head[filled[-1]]]
            head = head[:filled[-1]]
    # middle = [上年完成值] [权重] [佐证资料 when there is no rule cell]
    numbers = [i for i, c in enumerate(middle) if _is_number(c)]
    if numbers:
        w = numbers[-1]
        tail["weight"] = middle[w]
        before, after = middle[:w], middle[w + 1:]
    else:
        before, after = middle, []
    if before:
        tail["last_year"] = before[0]
        dropped += before[1:]
    if after:
        if rule_at is None:
            tail["evidence"] = after[0]
            dropped += after[1:]
        else:
            dropped += after
    return head, tail, dropped


def _assign_names(names: list[str], context: tuple[str, str]) -> AlignedRow:
    """Assign the name cells of a row to 一级/二级/三级 by content."""
    row = AlignedRow()
    if not names:
        return row
    first = names[0]
    n_first = _norm(first)
    if n_first in AMBIGUOUS_NAMES:
        if len(names) >= 3 or (len(names) == 2 and is_level2_name(names[1])):
            start = 1
        elif len(names) == 2 and _norm(context[0]) not in ("", n_first):
            start = 1      # a new 一级 whose 二级 was lost (not seen in the seeds)
        else:
            start = 2
    elif is_level1_name(first):
        start = 1
    elif is_level2_name(first):
        start = 2
    else:
        start = 3
    row.start_level = start
    slots = 4 - start
    if len(names) == slots:
        values = names
        if start == 1:
            row.level1, row.level2, row.level3 = values
        elif start == 2:
            row.level2, row.level3 = values
        else:
            row.level3 = values[0]
        return row
    rest = list(names)
    if start == 1:
        row.level1 = rest.pop(0)
        if rest and is_level2_name(rest[0]):
            row.level2 = rest.pop(0)
    elif start == 2:
        row.level2 = rest.pop(0)
    if rest:
        # more names than columns: the 三级 is the name next to the value
        row.level3 = rest[-1]
        row.dropped = rest[:-1]
    return row


def realign_indicator_row(cells: list[str], form: str, context: tuple[str, str] = ("", "")) -> AlignedRow:
    """Put one indicator row back into its columns, by content.

    ``cells`` are the row's cells as extracted (empty strings for merged or
    lost cells, in any position); ``form`` is ``REGIONAL_TARGET``,
    ``FUND_EXPENDITURE_TARGET`` or ``PROJECT_TARGET`` (F4 has the 设置依据 …
    佐证资料 tail); ``context`` is the (一级, 二级) in force from the rows above,
    used only to read an ambiguous 满意度指标/成本指标.

    Returns an ``AlignedRow`` whose ``level1``/``level2`` are "" where the row
    does not print them (to be filled down, see ``fill_down``). Texts are kept
    verbatim (stripped).

    >>> r = realign_indicator_row(["时效指标", "资金支付及时性", "=100%", "历史标准", "100%", "8",
    ...                            "直接赋分", "工作资料", ""], PROJECT_TARGET)
    >>> (r.level1, r.level2, r.level3, r.target, r.weight, r.start_level)
    ('', '时效指标', '资金支付及时性', '=100%', '8', 2)
    """
    cells = [c.strip() for c in cells]
    tail: dict[str, str] = {}
    tail_dropped: list[str] = []
    head = cells
    if form == PROJECT_TARGET:
        split = _split_f4_tail(cells)
        if split is not None:
            head, tail, tail_dropped = split
    filled = _nonempty(head)
    if filled and _norm(filled[0]) == TABLE_LABEL:
        filled = filled[1:]
    if not filled:
        names, target = [], ""
    elif len(filled) == 1 and not tail:
        # a lone cell: a name when it is a level name, else the value
        only = filled[0]
        if is_level1_name(only) or is_level2_name(only):
            names, target = [only], ""
        else:
            names, target = [], only
    else:
        names, target = filled[:-1], filled[-1]
    row = _assign_names(names, context)
    row.target = target
    row.basis = tail.get("basis", "")
    row.last_year = tail.get("last_year", "")
    row.weight = tail.get("weight", "")
    row.scoring_rule = tail.get("scoring_rule", "")
    row.evidence = tail.get("evidence", "")
    row.dropped += tail_dropped
    return row


def fill_down(rows: list[AlignedRow]) -> list[Indicator]:
    """Indicators from aligned rows, with the merged 一级/二级 cells filled down.

    A row that starts at 二级 or 三级 inherits the levels above it; a row that
    starts at 二级 keeps its own (possibly empty) 三级. A row that starts at 一级
    without a 二级 inherits the 二级 only when it repeats the same 一级.
    """
    level1 = level2 = ""
    out: list[Indicator] = []
    for row in rows:
        if row.start_level == 1:
            if not row.level2 and _norm(row.level1) == _norm(level1):
                row.level2 = level2
            level1, level2 = row.level1, row.level2
        elif row.start_level == 2:
            level2 = row.level2
        out.append(Indicator(level1=level1, level2=level2, level3=row.level3, target=row.target,
                             basis=row.basis, last_year=row.last_year,
                             weight=_weight(row.weight), scoring_rule=row.scoring_rule,
                             evidence=row.evidence))
    return out


def _weight(text: str) -> Decimal | None:
    try:
        return to_decimal(text)
    except ArithmeticInputError:
        return None


# --- header fields ------------------------------------------------------------

# normalised label → attribute, per form. Labels not listed are section labels.
_F1_LABELS = {
    "险种名称": "fund",
    "中央主管部门及相关部门": "central_dept",
    "省级财政部门": "provincial_finance",
    "省级主管部门及相关部门": "provincial_dept",
    "地区财政部门": "local_finance",
    "地区主管部门及相关部门": "local_dept",
    "收入预算金额(亿元)": "income_yi",
    "支出预算金额(亿元)": "expenditure_yi",
    "整体目标": "overall_goal",
    "总体目标": "long_term_goal",
    "年度目标": "annual_goal",
}
_F2_LABELS = {
    "预算单位": "unit",
    "项目名称": "project",
    "年度资金总额": "total",
    "其他资金": "other_amount",
    "项目总体目标": "goal",
}
_F4_LABELS = {
    "预算单位": "unit",
    "项目名称": "project",
    "项目负责人": "manager",
    "年度预算总额": "total",
    "其他资金": "other",
    "项目总体目标": "goal",
}
_SECTION_LABELS = frozenset({"资金情况", "绩效目标", "项目资金(万元)", "项目资金"})
_DECIMAL_FIELDS = frozenset({"income_yi", "expenditure_yi", "total", "other_amount", "other",
                             "fund_amount", "fiscal"})


def _header_label(cell: str, form: str) -> str | None:
    """The attribute a header label fills, "" for a section label, None for a value."""
    n = _norm(cell)
    if n in _SECTION_LABELS:
        return ""
    if n.startswith("其中"):
        return "fiscal" if form == PROJECT_TARGET else "fund_amount"
    labels = {REGIONAL_TARGET: _F1_LABELS, FUND_EXPENDITURE_TARGET: _F2_LABELS, PROJECT_TARGET: _F4_LABELS}[form]
    return labels.get(n)


def _read_header(rows: list[list[str]], form: str) -> tuple[dict[str, str], list[str]]:
    """Label → value pairs of the header rows (the rows before the indicator header).

    A label is followed by its value in the next non-empty cell of the row; labels
    left without a value (「总体目标 | 年度目标」) take the cells of the next row in order.
    """
    values: dict[str, str] = {}
    notes: list[str] = []
    pending: list[str] = []
    for cells in rows:
        filled = _nonempty(cells)
        if not filled:
            continue
        kinds = [_header_label(c, form) for c in filled]
        if pending and all(k is None for k in kinds):
            for attr, text in zip(pending, filled):
                values.setdefault(attr, text)
            pending = []
            continue
        pending = []
        current: str | None = None
        for cell, kind in zip(filled, kinds):
            if kind is None:
                if current:
                    values.setdefault(current, cell)
                    current = None
                else:
                    notes.append(f"表头单元格无法对应栏目，已忽略：{cell}")
                continue
            if current:
                pending.append(current)
            current = kind or None
            if kind in ("fund_amount", "fiscal"):
                label = re.sub(r"^其中\s*[:：]?\s*", "", cell).strip()
                values["_fund_label"] = label
        if current:
            pending.append(current)
    return values, notes


# --- blocks -------------------------------------------------------------------

_START_LABELS = frozenset({"险种名称", "预算单位"})


def _is_start(cells: list[str]) -> bool:
    filled = _nonempty(cells)
    return bool(filled) and len(cells) > 1 and _norm(filled[0]) in _START_LABELS


def recognise_form(rows: list[list[str]]) -> str:
    """The form family of a block of rows, by the labels it contains ("" if none)."""
    labels = {_norm(c) for cells in rows for c in cells if c}
    if "险种名称" in labels and ({"资金情况", "收入预算金额(亿元)", "支出预算金额(亿元)"} & labels):
        return REGIONAL_TARGET
    if "项目负责人" in labels or "指标分值权重" in labels or "指标赋分规则" in labels:
        return PROJECT_TARGET
    if "年度资金总额" in labels or ("项目资金(万元)" in labels and "项目名称" in labels):
        return FUND_EXPENDITURE_TARGET
    return ""


@dataclass
class _Block:
    title: str
    year: int | None
    rows: list[list[str]]
    first_line: int   # 1-based line number of the start row, for notes


def _blocks(lines: list[str]) -> list[_Block]:
    blocks: list[_Block] = []
    i = 0
    while i < len(lines):
        cells = _cells(lines[i])
        if not _is_start(cells):
            i += 1
            continue
        title, year = _preamble(lines, i)
        rows = [cells]
        j = i + 1
        while j < len(lines):
            line = lines[j]
            if not line.strip():
                j += 1
                continue
            nxt = _cells(line)
            if len(nxt) < 2 or _is_start(nxt):
                break
            rows.append(nxt)
            j += 1
        blocks.append(_Block(title, year, rows, i + 1))
        i = j
    return blocks


def _preamble(lines: list[str], start: int) -> tuple[str, int | None]:
    """Title and year from the single-cell lines just above a table's first row."""
    title, year = "", None
    k = start - 1
    while k >= 0 and start - k <= 8:
        line = lines[k]
        if "\t" in line:
            break
        text = clean_title(line)
        k -= 1
        if not text:
            continue
        m = _YEAR_LINE.match(text.replace(" ", ""))
        if m:
            if year is None:
                year = int(m.group(1))
            continue
        if text.replace(" ", "").startswith("单位"):
            continue
        if "表" in text:
            title = text
            break
    return title, year


# --- per form -----------------------------------------------------------------

def _indicator_rows(rows: list[list[str]]) -> tuple[list[list[str]], list[list[str]]]:
    """(header rows, indicator rows): split at the 一级指标 column header."""
    for n, cells in enumerate(rows):
        if any(_norm(c) == "一级指标" for c in cells):
            return rows[:n], [r for r in rows[n + 1:] if _nonempty(r)]
    return rows, []


def _indicators(rows: list[list[str]], form: str, where: str, notes: list[str]) -> list[Indicator]:
    aligned: list[AlignedRow] = []
    context = ("", "")
    for cells in rows:
        row = realign_indicator_row(cells, form, context)
        if row.dropped:
            notes.append(f"{where}：指标行「{'｜'.join(_nonempty(cells))}」多出的单元格已忽略："
                         f"{'、'.join(row.dropped)}")
        aligned.append(row)
        if row.start_level == 1:
            context = (row.level1, row.level2 or context[1])
        elif row.start_level == 2:
            context = (context[0], row.level2)
    return fill_down(aligned)


def _decimal(text: str | None, label: str, where: str, notes: list[str]) -> Decimal | None:
    try:
        return to_decimal(text)
    except ArithmeticInputError:
        notes.append(f"{where}：{label}不是数字：{text}")
        return None


_REGION_STOP = ("社会保险", "城乡", "机关事业", "企业职工", "职工", "工伤", "失业", "基本", "养老", "医疗", "项目")


def _region_from_title(title: str) -> str:
    cut = min((title.find(w) for w in _REGION_STOP if w in title), default=-1)
    return title[:cut].strip() if cut > 0 else ""


def _region_from_dept(text: str) -> str:
    return re.sub(r"(财政厅|财政局)$", "", text.strip())


def _regional(block: _Block, notes: list[str]) -> RegionalTarget:
    head, body = _indicator_rows(block.rows)
    values, header_notes = _read_header(head, REGIONAL_TARGET)
    where = f"第{block.first_line}行起的区域绩效目标表"
    notes += [f"{where}：{n}" for n in header_notes]
    inst = RegionalTarget(year=block.year, title=block.title)
    for attr in ("fund", "central_dept", "provincial_finance", "provincial_dept", "local_finance",
                 "local_dept", "overall_goal", "long_term_goal", "annual_goal"):
        setattr(inst, attr, values.get(attr, ""))
    inst.income_yi = _decimal(values.get("income_yi"), "收入预算金额", where, notes)
    inst.expenditure_yi = _decimal(values.get("expenditure_yi"), "支出预算金额", where, notes)
    inst.region = (_region_from_title(block.title) or _region_from_dept(inst.local_finance)
                   or _region_from_dept(inst.provincial_finance))
    inst.indicators = _indicators(body, REGIONAL_TARGET, where, notes)
    return inst


def _fund_expenditure(block: _Block, notes: list[str]) -> FundExpenditureTarget:
    head, body = _indicator_rows(block.rows)
    values, header_notes = _read_header(head, FUND_EXPENDITURE_TARGET)
    where = f"第{block.first_line}行起的支出绩效目标表"
    notes += [f"{where}：{n}" for n in header_notes]
    inst = FundExpenditureTarget(title=block.title, unit=values.get("unit", ""),
                                 project=values.get("project", ""), goal=values.get("goal", ""))
    if values.get("_fund_label"):
        inst.fund_label = values["_fund_label"]
    inst.total = _decimal(values.get("total"), "年度资金总额", where, notes)
    inst.fund_amount = _decimal(values.get("fund_amount"), inst.fund_label, where, notes)
    inst.other_amount = _decimal(values.get("other_amount"), "其他资金", where, notes)
    year = block.year
    if year is None:
        m = _YEAR_IN_TEXT.search(inst.project)
        year = int(m.group(1)) if m else None
    inst.year = year
    inst.indicators = _indicators(body, FUND_EXPENDITURE_TARGET, where, notes)
    return inst


def _project(block: _Block, notes: list[str]) -> ProjectTarget:
    head, body = _indicator_rows(block.rows)
    values, header_notes = _read_header(head, PROJECT_TARGET)
    where = f"第{block.first_line}行起的项目支出绩效目标表"
    notes += [f"{where}：{n}" for n in header_notes]
    inst = ProjectTarget(year=block.year, title=block.title, unit=values.get("unit", ""),
                         project=values.get("project", ""), manager=values.get("manager", ""),
                         goal=values.get("goal", ""))
    inst.total = _decimal(values.get("total"), "年度预算总额", where, notes)
    inst.fiscal = _decimal(values.get("fiscal"), "财政拨款", where, notes)
    inst.other = _decimal(values.get("other"), "其他资金", where, notes)
    inst.indicators = _indicators(body, PROJECT_TARGET, where, notes)
    return inst


_BUILDERS = {
    REGIONAL_TARGET: _regional,
    FUND_EXPENDITURE_TARGET: _fund_expenditure,
    PROJECT_TARGET: _project,
}


def parse_target_tables_with_notes(text: str) -> tuple[list[TargetTable], list[str]]:
    """Every F1/F2/F4 target table in ``text`` (in order), plus import notes."""
    notes: list[str] = []
    out: list[TargetTable] = []
    for block in _blocks(text.splitlines()):
        form = recognise_form(block.rows)
        if form in _BUILDERS:
            out.append(_BUILDERS[form](block, notes))
    return out, notes


def parse_target_tables(text: str) -> list[TargetTable]:
    """Every F1 (RegionalTarget), F2 (FundExpenditureTarget) and F4 (ProjectTarget)
    table in ``text``, in order of appearance. Other content is skipped."""
    return parse_target_tables_with_notes(text)[0]
