"""Excel formulas of the F3' 项目支出绩效自评表; ``calc`` computes the same values with Decimal.

Every formula works in Excel, WPS and LibreOffice alike (no LET, no dynamic arrays).
Indicator row r (see ``layout``): D 年度指标值, E 实际完成值, F 分值, G 得分 and the hidden
helpers J 判分方式 (ge/gt/le/lt/range, "" = not numeric), K 目标值 (or the range's low end),
L 上限, M 百分比 (1 when the target is a percentage), N 已解析文本 / O 解析数值 (the text
actual xltool parsed and its amount in the target's unit), P 实际数值 (formula), Q 比例得分
(formula), R 定性得分 (xltool's score of a text actual it could not score numerically: a grade
phrase in its band, or a score judged by hand), S 指标方向, T 赋分规则, U 分值（分） (formula: the
分值 in points — typed as ``20%`` it is stored as 0.2 and means 20 — which the scores use).
"""
from __future__ import annotations

from xltool.core.calc.scoring import DEFAULT_CONFIG
from xltool.core.formulas import weight_points_formula

POINTS = "U"                 # the 分值 in points (layout: HELPER_COL["points"])

PCT_FRACTION_LIMIT = "1.5"   # a bare number ≤ 1.5 against a percentage target is a fraction (0.95 = 95%)


def _grade_defaults(f: str, e: str, config=DEFAULT_CONFIG) -> str:
    """Default shares of the 定性 grade phrases, nested IFs ending in ""."""
    out = '""'
    for phrase, share in sorted(config.qualitative.items(), key=lambda kv: kv[1]):
        value = f if share == 1 else f"ROUND({f}*{share.normalize()},2)"
        out = f'IF({e}="{phrase}",{value},{out})'
    return out


def helper(key: str, r: int) -> str:
    """Formula of a computed helper column ("" for the ones xltool fills with values)."""
    D, E, J, K, L, M, N, O, P = (f"{c}{r}" for c in "DEJKLMNOP")
    F = f"{POINTS}{r}"
    if key == "points":
        return weight_points_formula(f"F{r}")
    if key == "amount":
        return (f'=IF({E}="","",IF(ISNUMBER({E}),IF(AND({M}=1,ABS({E})<={PCT_FRACTION_LIMIT}),{E}*100,{E}),'
                f'IF(AND({N}<>"",{E}={N},{O}<>""),{O},"")))')
    if key == "raw":
        ge = f"IF({P}>={K},{F},IF({K}>0,{F}*{P}/{K},0))"
        le = f"IF({P}<={K},{F},IF(OR({K}<=0,{P}>=2*{K}),0,{F}*(1-({P}-{K})/{K})))"
        rng = f"IF(AND({P}>={K},{P}<={L}),{F},IF({P}<{K},IF({K}>0,{F}*{P}/{K},0),IF({P}>0,{F}*{L}/{P},0)))"
        return (f'=IF(OR({P}="",{J}="",{F}=""),"",IF(OR({J}="ge",{J}="gt"),{ge},IF(OR({J}="le",{J}="lt"),{le},'
                f'IF({J}="range",{rng},""))))')
    return ""


def indicator_score(r: int) -> str:
    E, J, K, N, P, Q, R, T = (f"{c}{r}" for c in "EJKNPQRT")
    F = f"{POINTS}{r}"
    strict_tie = f'AND(OR({J}="gt",{J}="lt"),{P}={K})'
    numeric = (f'ROUND(IF(ISNUMBER(SEARCH("直接",{T})),IF(AND({Q}>={F},NOT({strict_tie})),{F},0),'
               f'MIN({F},MAX(0,{Q}))),2)')
    return (f'=IF(OR({F}="",{E}=""),"",IF({Q}<>"",{numeric},IF(AND({N}<>"",{E}={N},{R}<>""),{R},'
            f'{_grade_defaults(F, E)})))')


def effective_total(r: int, c: int) -> str:
    """年度资金总额 as typed, or (typed as 0 or left blank) the sum of its 其中 rows."""
    from xltool.core.cellref import col_letter

    x = col_letter(c)
    return f'=IF(N({x}{r})<>0,{x}{r},IF(COUNT({x}{r + 1}:{x}{r + 3})=0,"",SUM({x}{r + 1}:{x}{r + 3})))'


def line_rate(r: int, total_row: int = 7) -> str:
    if r == total_row:
        return f'=IF(OR(K{r}="",L{r}=""),"",IF(K{r}=0,"",ROUND(L{r}/K{r},4)))'
    return f'=IF(OR(D{r}="",E{r}=""),"",IF(N(D{r})=0,"",ROUND(E{r}/D{r},4)))'


def _points(ref: str) -> str:
    """A single 分值 cell in points (a percent-formatted 10% is 10)."""
    return f'N({ref})*IF(LEFT(CELL("format",{ref}),1)="P",100,1)'


def execution_score(r: int) -> str:
    w = _points(f"F{r}")
    return f'=IF(OR(F{r}="",G{r}=""),"",ROUND(MIN({w},MAX(0,{w}*L{r}/K{r})),2))'


def source_sum(r: int) -> str:
    return f'=IF(COUNT(C{r}:G{r})=0,"",SUM(C{r}:G{r}))'


def weight_sum(total_row: int, first: int, last: int) -> str:
    return (f'=IF(COUNT(F{first}:F{last})=0,"",{_points(f"F{total_row}")}+'
            f'SUM({POINTS}{first}:{POINTS}{last}))')


def total_score(total_row: int, first: int, last: int) -> str:
    f, g = f"F{first}:F{last}", f"G{first}:G{last}"
    return (f'=IF(OR(H{total_row}="",COUNT({f})=0,SUMPRODUCT(({f}<>"")*({g}=""))>0),"",'
            f'ROUND(H{total_row}+SUM({g}),2))')


def grade(ref: str, config=DEFAULT_CONFIG) -> str:
    out = f'"{config.grades[-1][1]}"'
    for floor, name in reversed(config.grades[:-1]):
        out = f'IF({ref}>={floor},"{name}",{out})'
    return f'=IF({ref}="","",{out})'
