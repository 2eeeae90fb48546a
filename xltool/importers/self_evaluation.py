"""Importer for F3, the 社会保险支出绩效自评表 (seed 002).

Seed 002 is a column-scrambled PDF extraction. Per fund (a section starting at
``单位：万元``) it holds, in this order:

1. the *values block*: after the header 「实际完成指标值（包含数字及文字描述）」,
   pairs of 预期指标值 and 实际完成指标值 (``32.85万人 2020年末实际参保缴费人数32.68万人``),
   some wrapped over 2–3 lines (``…人数21.75万`` / ``人``), with the 效益 and 满意度
   二级 labels inline and broken over lines (``社会效`` / ``益指标``);
2. the title 「…绩效自评表」, 项目名称, 部门, 预算数/执行数 and 其中：社会保险基金;
3. the *labels block*: the 三级指标 names in no useful order, 一级/二级 fragments
   and the 预期目标 / 实际完成目标 texts — with some names before the title.

The values block gives the rows in form order; each row is re-joined with its
三级 name by character overlap (most actuals repeat their indicator's name) and
an optimal assignment, so names whose actual does not repeat them are matched
by elimination. Rows joined without clear textual evidence are imported all
the same and named in the returned messages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from xltool.core.arith import to_decimal
from xltool.core.model import Indicator, SelfEvaluation

# --- the vocabulary of the form -------------------------------------------------

OUTPUT, BENEFIT, SATISFACTION = "项目完成指标", "项目效益指标", "满意度指标"
QUANTITY, QUALITY, TIMELINESS = "数量指标", "质量指标", "时效指标"
_INLINE_LABELS = {   # a 二级 (or 一级) label printed inside the values block → (一级, 二级)
    "数量指标": (OUTPUT, QUANTITY), "质量指标": (OUTPUT, QUALITY), "时效指标": (OUTPUT, TIMELINESS),
    "成本指标": (OUTPUT, "成本指标"), "社会效益指标": (BENEFIT, "社会效益指标"),
    "经济效益指标": (BENEFIT, "经济效益指标"), "生态效益指标": (BENEFIT, "生态效益指标"),
    "可持续影响力指标": (BENEFIT, "可持续影响力指标"), "满意度指标": (SATISFACTION, SATISFACTION),
    "服务对象满意度指标": (SATISFACTION, "服务对象满意度指标"),
}
_OTHER_LABELS = ("项目完成指标", "项目效益指标", "一级指标", "二级指标", "三级指标", "预算执行情况",
                 "年度目标完成情况", "绩效目标完成情况", "预期目标", "实际完成目标", "其他资金")
_LABELS = tuple(_INLINE_LABELS) + _OTHER_LABELS
_NOISE = re.compile(
    r"^(单位[：:]万元|（万元）|（万元）其他资金|年度|年度一级指标|其他资金|预期目标实际完成目标"
    r"|.*绩效自评表|[（(]\d{4}年度[)）]|项目名称.*|社会保险基金预算支出部门.*|其中[：:]社会保险基金[\d,.]*"
    r"|[\d,.]+|(执行数[：:][\d,.]+|预算数[：:][\d,.]+)+|预期指标值.*|实际完成指标值.*)$")

_CMP = r"(?:>=|<=|≥|≤|>|<|=|＞|＜|≧|≦)"
_UNIT = r"(?:%|％|万人次|万人|人次|人|户|个|家|亿元|万元|元|次|个月|月|天|日)"
_VALUE = rf"{_CMP}?\s*\d+(?:\.\d+)?\s*{_UNIT}?"
_TARGET = re.compile(rf"^(?:{_VALUE}(?:\s*{_CMP}+\s*{_VALUE})*|每.{{1,8}}前|\d{{4}}[/.\-]\d{{1,2}}[/.\-]\d{{1,2}}"
                     rf"|\d{{4}}年\d{{1,2}}月\d{{1,2}}日前?)$")
_DEADLINE = re.compile(r"(前|\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}|\d+月\d+日)$")
_DATE = re.compile(r"^\d{4}([/.\-]\d{1,2}[/.\-]\d{1,2}|年\d{1,2}月\d{1,2}日)$")
_COUNT = re.compile(r"\d\s*(万人次|万人|人次|人|户|个|家|亿元|万元|元|次)")
_COMPLETE = re.compile(rf"(\d\s*{_UNIT}|\d|。)$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
CERTAIN = 600    # per mille: a join below this character overlap is reported for checking


@dataclass
class _Line:
    text: str
    blank_before: bool = False


@dataclass
class _Row:
    level1: str
    level2: str
    target: str
    actual: list[str] = field(default_factory=list)
    from_text: bool = False            # target and actual split from running text (效益 rows)
    breaks: frozenset[int] = frozenset()   # line indices that start a new paragraph

    @property
    def actual_text(self) -> str:
        return "".join(self.actual)


def parse_self_evaluations(text: str) -> tuple[list[SelfEvaluation], list[str]]:
    """Every 自评表 in ``text`` and the Chinese messages on rows joined without certainty."""
    evaluations: list[SelfEvaluation] = []
    messages: list[str] = []
    for section in _sections(text):
        evaluation = _parse_section(section, messages)
        if evaluation is not None:
            evaluations.append(evaluation)
    return evaluations, messages


# --- sections and lines -----------------------------------------------------------

def _sections(text: str) -> list[list[_Line]]:
    """One list of lines per form: a form ends once it has its title and its values header,
    at the next 「单位：万元」 or title (seed 002 prints 单位 first, a tidy form its title)."""
    sections: list[list[_Line]] = [[]]
    blank = False
    for raw in text.splitlines():
        line = raw.strip().strip("*#").strip()
        if not line:
            blank = True
            continue
        starts = re.fullmatch(r"单位[：:]\s*万元", line) or "绩效自评表" in line
        if starts and _is_complete(sections[-1]):
            sections.append([])
        sections[-1].append(_Line(line, blank))
        blank = False
    return [s for s in sections if any("绩效自评表" in line.text for line in s)]


def _is_complete(section: list[_Line]) -> bool:
    return any("绩效自评表" in line.text for line in section) and \
        any(line.text.startswith("实际完成指标值") for line in section)


def _label_at(lines: list[_Line], i: int, labels=_LABELS) -> tuple[str, int] | None:
    """A label broken over consecutive lines (``可持续`` / ``影响力`` / ``指标``): (label, lines used)."""
    text, best = "", None
    for j in range(i, min(i + 4, len(lines))):
        if j > i and lines[j].blank_before or len(lines[j].text) > 8:
            break
        text += lines[j].text.replace(" ", "")
        if text in labels:
            best = (text, j - i + 1)
        if not any(label.startswith(text) for label in labels):
            break
    return best


# --- one fund ----------------------------------------------------------------------

def _parse_section(lines: list[_Line], messages: list[str]) -> SelfEvaluation | None:
    joined = "\n".join(line.text for line in lines)
    title_at = next(i for i, line in enumerate(lines) if "绩效自评表" in line.text)
    evaluation = SelfEvaluation(title=lines[title_at].text)
    year = re.search(r"[（(](\d{4})年度[)）]", joined)
    evaluation.year = int(year.group(1)) if year else None
    evaluation.project = _field(joined, "项目名称")
    evaluation.department = _field(joined, "社会保险基金预算支出部门")
    evaluation.budget = _amount(joined, "预算数[：:]")
    evaluation.executed = _amount(joined, "执行数[：:]")
    evaluation.fund_amount = _fund_amount(lines, title_at, evaluation.budget)
    start = _values_start(lines)
    rows, end = _values_block(lines, start, title_at if title_at > start else len(lines))
    names, goals = _labels_block(lines[end:])
    for row in rows:
        if row.from_text:
            _split_target_actual(row, names)
    if goals:
        if len(goals) >= 2 and "达到" in goals[0] and "达到" not in goals[1]:
            goals[0], goals[1] = goals[1], goals[0]
        evaluation.goal_expected = goals[0]
        evaluation.goal_actual = "".join(goals[1:])
    evaluation.indicators = _join(rows, names, evaluation.project, messages)
    return evaluation


def _field(joined: str, label: str) -> str:
    match = re.search(rf"^{label}[ \t：:]*(\S.*)$", joined, re.M)
    return match.group(1).strip() if match else ""


def _amount(joined: str, label: str) -> Decimal | None:
    match = re.search(rf"{label}\s*([\d,]+(?:\.\d+)?)", joined)
    return to_decimal(match.group(1)) if match else None


def _fund_amount(lines: list[_Line], title_at: int, budget: Decimal | None) -> Decimal | None:
    """其中：社会保险基金 of the budget column: the one printed in the labels block.

    The figure near the values block is the 执行数's (seed 002 prints both).
    """
    found: list[tuple[int, Decimal]] = []
    for i, line in enumerate(lines):
        if not line.text.startswith("其中"):
            continue
        text = "".join(l.text for l in lines[i:i + 4]).replace(" ", "")
        match = re.match(r"其中[：:]社会保险基金([\d,]+(?:\.\d+)?)", text)
        if match:
            found.append((i, to_decimal(match.group(1))))
    after_title = [amount for i, amount in found if i > title_at]
    for amount in after_title + [amount for _, amount in found]:
        if amount == budget:
            return amount
    return (after_title or [amount for _, amount in found] or [None])[0]


# --- the values block -----------------------------------------------------------------

def _values_start(lines: list[_Line]) -> int:
    for i, line in enumerate(lines):
        if line.text.startswith("实际完成指标值"):
            j = i
            while j < len(lines) and "）" not in lines[j].text and ")" not in lines[j].text:
                j += 1                      # the header itself may wrap: 「…文字描」 / 「述）」
            return j + 1
    return 0


def _is_pair(text: str) -> bool:
    head, _, tail = text.partition(" ")
    return bool(tail.strip()) and bool(_TARGET.match(head))


def _line_kind(lines: list[_Line], i: int) -> str:
    text = lines[i].text
    if _label_at(lines, i, tuple(_INLINE_LABELS)):
        return "label"
    if _is_pair(text):
        return "pair"
    if _TARGET.match(text.replace(" ", "")):
        return "value"
    return "text"


def _values_block(lines: list[_Line], start: int, stop: int) -> tuple[list[_Row], int]:
    """The rows of the values block, in form order, and the index where the block ends."""
    rows: list[_Row] = []
    level1, level2 = OUTPUT, ""
    segment: list[_Line] = []
    i = start
    while i < stop:
        label = _label_at(lines, i, tuple(_INLINE_LABELS))
        if label:
            rows += _segment_rows(segment, level1, level2)
            segment = []
            level1, level2 = _INLINE_LABELS[label[0]]
            i += label[1]
            continue
        if level1 == SATISFACTION and lines[i].blank_before and segment and _ends_complete(segment):
            break                           # 满意度 is the last row group: the labels block begins
        segment.append(lines[i])
        i += 1
    rows += _segment_rows(segment, level1, level2)
    return rows, i


def _ends_complete(segment: list[_Line]) -> bool:
    last = segment[-1].text
    return bool(_COMPLETE.search(last)) and (_is_pair(last) or len(segment) > 1)


def _segment_rows(segment: list[_Line], level1: str, level2: str) -> list[_Row]:
    if not segment:
        return []
    kinds = [_line_kind(segment, i) for i in range(len(segment))]
    if kinds[0] == "text":                 # a 效益 row: target and actual are running text
        breaks = frozenset(k for k, line in enumerate(segment) if k and line.blank_before)
        return [_Row(level1, level2, "", [line.text for line in segment], True, breaks)]
    rows: list[_Row] = []
    for i, (line, kind) in enumerate(zip(segment, kinds)):
        following = kinds[i + 1] if i + 1 < len(kinds) else None
        if kind == "pair":
            head, _, tail = line.text.partition(" ")
            rows.append(_Row(level1, level2, head, [tail.strip()]))
        elif kind == "value" and (not rows or rows[-1].actual) and following == "text":
            rows.append(_Row(level1, level2, line.text))    # its actual follows on the next line
        elif rows:
            rows[-1].actual.append(line.text)                # a wrapped actual: 「…21.75万」 / 「人」
        else:
            rows.append(_Row(level1, level2, line.text))
    for row in rows:
        if not row.level2:
            row.level2 = _output_level2(row.target)
    return rows


def _output_level2(target: str) -> str:
    """数量 / 质量 / 时效 for a 项目完成 row, by its 指标值 (the block does not say)."""
    target = target.replace(" ", "")
    if _DEADLINE.search(target):
        return TIMELINESS
    if _COUNT.search(target):
        return QUANTITY
    return QUALITY


def _split_target_actual(row: _Row, names: list[str]) -> None:
    """Split a 效益 row's running text into 指标值 and 实际完成值.

    The actual names the indicator (「…让离退休人员安享晚年」) and mostly repeats the
    target; a line break that is also a paragraph break is the likelier split.
    """
    lines = row.actual
    if len(lines) < 2:
        row.target, row.actual = "".join(lines), []
        return
    best, best_score = 1, None
    for k in range(1, len(lines)):
        target, actual = "".join(lines[:k]), "".join(lines[k:])
        naming = max((_shared(n, actual) - _shared(n, target) for n in names), default=0)
        score = (naming, _substring(target, actual) + (2 if k in row.breaks else 0))
        if best_score is None or score > best_score:
            best, best_score = k, score
    row.target, row.actual = "".join(lines[:best]), lines[best:]


# --- the labels block -------------------------------------------------------------------

def _labels_block(lines: list[_Line]) -> tuple[list[str], list[str]]:
    """The 三级指标 names and the goal texts (预期目标, 实际完成目标) after the values block."""
    paragraphs: list[list[str]] = []
    fresh, i = True, 0
    while i < len(lines):
        label = _label_at(lines, i)
        if label:
            i, fresh = i + label[1], True
            continue
        line = lines[i]
        short = len(line.text) <= 2 and not fresh and paragraphs and not _is_noise("".join(paragraphs[-1]))
        if short and line.blank_before and (i + 1 == len(lines) or lines[i + 1].blank_before):
            paragraphs[-1].append(line.text)         # 「…基金运行分析报」 / 「告」, 「…长治久」 / 「安。」
        elif fresh or line.blank_before:
            paragraphs.append([line.text])
        else:
            paragraphs[-1].append(line.text)
        fresh = False
        i += 1
    names: list[str] = []
    goals: list[str] = []
    for paragraph in paragraphs:
        text = "".join(paragraph).strip()
        if _is_noise(text):
            continue
        if "。" in text or len(text) >= 40:
            goals.append(text)
        else:
            names.append(text)
    return names, goals


def _is_noise(text: str) -> bool:
    compact = re.sub(r"\s", "", text)
    return not compact or compact in _LABELS or bool(_NOISE.match(compact))


# --- re-joining values and names -----------------------------------------------------------

def _join(rows: list[_Row], names: list[str], project: str, messages: list[str]) -> list[Indicator]:
    weights = _char_weights(rows)
    overlap = [[_overlap(name, row, weights) for row in rows] for name in names]
    scores = [[o + 150 * _kind_match(name, row) for o, row in zip(line, rows)]
              for name, line in zip(names, overlap)]
    name_of = {r: n for n, r in _assign(scores)}
    indicators: list[Indicator] = []
    for r, row in enumerate(rows):
        n = name_of.get(r)
        indicators.append(Indicator(level1=row.level1, level2=row.level2,
                                    level3=names[n] if n is not None else "",
                                    target=row.target, actual=row.actual_text))
        where = f"{project}：指标值「{row.target}」（实际完成值「{row.actual_text}」）"
        if n is None:
            messages.append(f"{where}找不到对应的三级指标名称，三级指标留空")
        elif not _certain(scores, overlap, n, r):
            messages.append(f"{where}按最佳匹配对应三级指标「{names[n]}」，但文字依据不足"
                            f"（字符重合度{overlap[n][r] // 10}%），请核对")
    for n, name in enumerate(names):
        if n not in name_of.values():
            messages.append(f"{project}：三级指标「{name}」找不到对应的指标值，已按空值导入")
            indicators.append(Indicator(*_levels_by_name(name), level3=name))
    return indicators


def _certain(scores: list[list[int]], overlap: list[list[int]], n: int, r: int) -> bool:
    """A join is certain when the name and the row are each other's clear best match."""
    if overlap[n][r] < CERTAIN:
        return False
    others = [s for j, s in enumerate(scores[n]) if j != r] + \
             [line[r] for i, line in enumerate(scores) if i != n]
    return all(s < scores[n][r] for s in others)


_WEIGHT = 720720   # divisible by 1…16: a character's weight is _WEIGHT / (rows whose text holds it)


def _char_weights(rows: list[_Row]) -> dict[str, int]:
    """Characters that many rows share (基, 金, 保, 险…) say little about which row a name is."""
    counts: dict[str, int] = {}
    for row in rows:
        for char in set(_CJK.findall(row.target + row.actual_text)):
            counts[char] = counts.get(char, 0) + 1
    return {char: _WEIGHT // count for char, count in counts.items()}


def _overlap(name: str, row: _Row, weights: dict[str, int]) -> int:
    """How much of the name the row's texts repeat, in per mille: half in order, half as
    characters weighted by how distinctive they are."""
    name_chars = _CJK.findall(name)
    text_chars = _CJK.findall(row.target + row.actual_text)
    if not name_chars:
        return 0
    in_order = _subsequence(name_chars, text_chars) * 1000 // len(name_chars)
    present = set(text_chars)
    total = sum(weights.get(c, _WEIGHT) for c in name_chars)
    as_set = sum(weights.get(c, _WEIGHT) for c in name_chars if c in present) * 1000 // total
    return (in_order + as_set) // 2


def _kind_match(name: str, row: _Row) -> int:
    """1 when the name and the 指标值 are of one kind (a count, a rate, a date, a deadline)."""
    target = row.target.replace(" ", "")
    if row.from_text:
        return 0
    if re.search(r"人数|人次|次数|户数|金额", name) and _COUNT.search(target):
        return 1
    if name.endswith("率") and ("%" in target or "％" in target):
        return 1
    if re.search(r"截至|截止|时间|日期", name) and _DATE.match(target):
        return 1
    if re.search(r"时效|及时|时限|按月|按季|按时", name) and _DEADLINE.search(target) \
            and not _DATE.match(target):
        return 1
    return 1 if "满意度" in name and row.level1 == SATISFACTION else 0


def _levels_by_name(name: str) -> tuple[str, str]:
    if "满意度" in name:
        return SATISFACTION, SATISFACTION
    if re.search(r"时效|时间|及时|时限", name):
        return OUTPUT, TIMELINESS
    if re.search(r"人数|人次|次数|户数|金额", name):
        return OUTPUT, QUANTITY
    return OUTPUT, QUALITY


def _shared(a: str, b: str) -> int:
    """The longest common substring, when it is more than a stray character."""
    length = _substring(a, b)
    return length if length > 1 else 0


def _subsequence(a, b) -> int:
    """Length of the longest common subsequence."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def _substring(a: str, b: str) -> int:
    """Length of the longest common substring."""
    best, previous = 0, [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else 0)
        best = max(best, current[-1] if current else 0, *current)
        previous = current
    return best


def _assign(scores: list[list[int]]) -> list[tuple[int, int]]:
    """The (name, row) pairs of largest total score (Hungarian method, integers only)."""
    if not scores or not scores[0]:
        return []
    rows, cols = len(scores), len(scores[0])
    size = max(rows, cols)
    top = max(max(line) for line in scores)
    cost = [[top - scores[i][j] if i < rows and j < cols else top for j in range(size)]
            for i in range(size)]
    infinity = top * size * 2 + 1
    u, v, match, way = [0] * (size + 1), [0] * (size + 1), [0] * (size + 1), [0] * (size + 1)
    for i in range(1, size + 1):
        match[0], j0 = i, 0
        least, used = [infinity] * (size + 1), [False] * (size + 1)
        while True:
            used[j0], i0, delta, j1 = True, match[j0], infinity, 0
            for j in range(1, size + 1):
                if not used[j]:
                    current = cost[i0 - 1][j - 1] - u[i0] - v[j]
                    if current < least[j]:
                        least[j], way[j] = current, j0
                    if least[j] < delta:
                        delta, j1 = least[j], j
            for j in range(size + 1):
                if used[j]:
                    u[match[j]] += delta
                    v[j] -= delta
                else:
                    least[j] -= delta
            j0 = j1
            if match[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            match[j0] = match[j1]
            j0 = j1
    return [(match[j] - 1, j - 1) for j in range(1, size + 1)
            if match[j] and match[j] - 1 < rows and j - 1 < cols]
