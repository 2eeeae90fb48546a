"""A clerk's value typed over a computed cell (issue 12 item 4): the formula comes back.

``expected_formulas(read, facts)`` gives, for every computed cell of a form as read, the
formula it must carry (the layout's formula moved to where the reader found each field);
``typed_over(...)`` finds the computed cells that hold no formula but a value of the
clerk's that differs from xltool's: each becomes an XT123 warning, the formula is
restored on write-back and the clerk's value kept in the cell's note. A cell holding
xltool's own value without a formula (a workbook from before formulas) gets its formula
back silently.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xltool.core import layout, model
from xltool.core.findings import WARNING, Finding, fmt
from xltool.core.formulas import formulas_for

RULE = "XT123"


# Forms laid out by ``layout.plan_target_form``: where every field sits and every formula depends on the
# form and the number of indicators alone (values go into cells, never into formulas), so the plan's
# fields and formulas are worked out once per such shape (files made from one template share it).
# tests/test_convert_speed.py checks this against the full plan for every seed, template and real file.
_BY_SHAPE = {model.REGIONAL_TARGET, model.FUND_EXPENDITURE_TARGET, model.SELF_EVALUATION, model.PROJECT_TARGET}
_skeletons: dict[tuple[str, int], list] = {}


@dataclass(frozen=True)
class _Cell:
    row: int
    col: int
    field: str
    formula: str


@dataclass(frozen=True)
class _Skeleton:
    cells: tuple[_Cell, ...]


def _shape(instance) -> tuple | None:
    """What the layout's field cells and formulas depend on, for the forms where that is not the values:
    the shapes above; the 附表, laid out from ``funds.TABLES`` (every table, its fixed rows, as many
    amount columns as the table has when that is the standard number; level and tables kept in the key)."""
    if instance.form in _BY_SHAPE:
        return instance.form, len(instance.indicators)
    if instance.form == model.BUDGET_TABLES:
        return (instance.form, instance.level, instance.year is None,
                tuple(sorted((kind, len(table.columns)) for kind, table in instance.tables.items())))
    return None


def layout_plans(instance, memo: bool = True) -> list:
    """The layout's sheets for an instance, as far as ``formulas_for`` needs them (field cells, formulas)."""
    key = _shape(instance) if memo else None
    known = _skeletons.get(key) if key is not None else None
    if known is not None:
        return known
    plans = layout.plan_workbook(instance).sheets
    if key is not None:
        skeleton = [_Skeleton(tuple(_Cell(c.row, c.col, c.field, c.formula) for c in p.cells if c.field or c.formula))
                    for p in plans]
        if len(_skeletons) >= 256:
            _skeletons.clear()
        _skeletons[key] = skeleton
    return plans


_moved: dict[tuple, dict[str, str]] = {}
_fields: dict[tuple, tuple[str, ...]] = {}
_patterns: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def planned_formula_fields(instance) -> tuple[str, ...]:
    """The plain way: the field keys of the cells holding a formula in the layout's full plan."""
    return tuple(dict.fromkeys(c.field for plan in layout_plans(instance, memo=False) for c in plan.cells
                               if c.formula and c.field))


def _pattern(form: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the header/footer or 附表 keys with a formula, the indicator columns with one) of a form, from the
    plan of a blank instance with one indicator: which cells carry a formula depends on the form alone,
    and every indicator row carries the same columns' formulas (the 附表: every table planned, its
    number of amount columns the standard one). tests/test_cold_start.py checks this against the full
    plan of every seed, template, real and grafted file and of every form with 0–40 indicators."""
    known = _patterns.get(form)
    if known is None:
        blank = layout.blank_instance(form)
        if form in _BY_SHAPE:
            blank.indicators = [model.Indicator()]
        fields = planned_formula_fields(blank)
        known = (tuple(k for k in fields if not k.startswith("ind.")),
                 tuple(k[len("ind.0."):] for k in fields if k.startswith("ind.0.")))
        _patterns[form] = known
    return known


def _formula_fields_of(instance, shape) -> tuple[str, ...]:
    """``planned_formula_fields`` from the form's pattern (no plan of this instance): the same keys."""
    if shape[0] in _BY_SHAPE and not shape[1]:   # no indicators: the plan lays out blank rows
        return planned_formula_fields(instance)
    fixed, columns = _pattern(instance.form)
    n = shape[1] if instance.form in _BY_SHAPE else 0
    return fixed + tuple(f"ind.{i}.{column}" for i in range(n) for column in columns)


def formula_fields(read) -> list[str] | None:
    """The keys ``expected_formulas`` can give for ``read`` and more (those it gives are among them):
    the layout's computed cells the reader found, from the pattern of the form. None for a form not
    remembered by shape (then only the formulas themselves tell)."""
    shape = _shape(read.instance)
    if shape is None:
        return None
    fields = _fields.get(shape)
    if fields is None:
        fields = _formula_fields_of(read.instance, shape)
        if len(_fields) >= 256:
            _fields.clear()
        _fields[shape] = fields
    return [key for key in fields if key in read.cells]


def expected_formulas(read, facts) -> dict[str, str]:
    manual = facts.get("manual", set())
    return {k: f for k, f in _formulas(read).items() if k not in manual}


def _formulas(read) -> dict[str, str]:
    """``formulas_for`` the read's layout; for a shape laid out at the same cells as a file before it
    (one template), the formulas moved then (a function of the shape and where the fields were found)."""
    instance = read.instance
    shape = _shape(instance)
    if shape is None:
        return formulas_for(read, layout_plans(instance))
    key = (shape, tuple(read.cells.items()))
    moved = _moved.get(key)
    if moved is None:
        moved = formulas_for(read, layout_plans(instance))
        if len(_moved) >= 256:
            _moved.clear()
        _moved[key] = moved
    return dict(moved)


def field_label(read, key: str) -> str:
    """How a note names a computed cell: its printed label, never the internal key."""
    instance = read.instance
    for label, k in (*(p for pairs in layout.HEADERS.get(instance.form, ()) for p in pairs),
                     *layout.FOOTERS.get(instance.form, ())):
        if k == key:
            return layout.header_label(label, instance)
    parts = key.split(".")
    if instance.form == model.PROJECT_SELF_EVALUATION:
        from xltool.core.project_eval.layout import describe

        described = describe(key, instance)
        if described is None:
            return "计算单元格"
        _, item, column, _ = described
        return f"“{item}”的{column}" if column and item else (item or column)
    if parts[0] == "ind" and len(parts) == 3:
        columns = {c.key: c.label for c in layout.INDICATOR_COLUMNS[instance.form]}
        ind = instance.indicators[int(parts[1])]
        name = (ind.level3 or ind.level2 or "").strip()
        return f"“{name}”的{columns.get(parts[2], parts[2])}" if name else columns.get(parts[2], parts[2])
    if instance.form == model.BUDGET_TABLES and len(parts) >= 3:
        kind, row_key, col = parts[0], ".".join(parts[1:-1]), parts[-1]
        table = instance.tables.get(kind)
        row = table.row(row_key) if table else None
        name = row.label.strip() if row else ""
        if col == "pct":
            return f"“{name}”的百分比"
        column = table.columns[int(col)] if table and col.isdigit() and int(col) < len(table.columns) else ""
        return f"“{name}”的{column}" if column else f"“{name}”"
    return "计算单元格"


def _same(stated, value, percent: bool) -> bool:
    if isinstance(value, Decimal) and percent:
        value = value / 100
    if isinstance(stated, bool) or isinstance(value, bool):
        return stated == value
    try:
        return abs(Decimal(str(stated)) - Decimal(str(value))) < Decimal("0.000001")
    except Exception:   # text vs text, or text vs number
        return str(stated).strip() == str(value).strip()


def typed_over(read, stated: dict, computed: dict, formulas, formula_cells) -> tuple[list, dict]:
    """(XT123 findings, {key: the clerk's value}) for computed cells typed over.

    ``formulas``: ``expected_formulas``' dict, or a function giving it, asked only when a computed cell
    of the layout (``formula_fields``) holds no formula and a value that differs from xltool's: in a
    workbook made from a template every computed cell holds its formula, and the formulas need not be
    worked out to know that nothing was typed over.
    ``formula_cells``: sheet name → set of cells holding a formula, or None when not known.
    """
    of_sheet: dict = {}

    def suspect(key: str) -> bool:
        """The key's cell holds no formula (as far as known) and a value that is not xltool's."""
        sheet, r, c = read.cells[key]
        if sheet not in of_sheet:   # asked once per sheet
            of_sheet[sheet] = formula_cells(sheet) if callable(formula_cells) else None
        cells = of_sheet[sheet]
        if cells is None or (r, c) in cells:
            return False
        value = stated.get(key)
        if value in (None, ""):
            return False
        percent = key.endswith((".pct", ".rate")) or key == "execution_rate"
        return not (key in computed and _same(value, computed[key], percent))

    if callable(formulas):
        fields = formula_fields(read)
        if fields is not None and not any(suspect(key) for key in fields):
            return [], {}
        formulas = formulas()
    findings, typed = [], {}
    for key in formulas:
        if not suspect(key):
            continue
        value = stated.get(key)
        label = field_label(read, key)
        typed[key] = value
        findings.append(Finding(RULE, WARNING, f"{label}是计算单元格（含公式），手工填写的值已改回公式计算结果，"
                                               f"原值保留在批注中", key, fmt(computed.get(key)), fmt(value)))
    return findings, typed
