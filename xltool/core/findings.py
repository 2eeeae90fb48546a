"""Findings: what a rule reports, and where.

A finding names its rule code, a severity, the cell it is about (a field key
resolved later to sheet!A1), related cells, a Chinese message, and the
expected and found values as text.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_ZH = {ERROR: "错误", WARNING: "警告", INFO: "提示"}
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


@dataclass
class Finding:
    rule: str
    severity: str
    message: str
    key: str = ""                   # field key of the cell the finding is about ("" = the form as a whole)
    expected: str = ""
    found: str = ""
    related: list[str] = field(default_factory=list)   # field keys (or resolved sheet!A1) of other cells involved
    file: str = ""
    sheet: str = ""
    cell: str = ""                  # A1, filled in when resolved

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("key")
        return data

    @property
    def location(self) -> str:
        return f"{self.sheet}!{self.cell}" if self.sheet else ""

    def note_text(self) -> str:
        """The text of the cell note (批注) for this finding."""
        parts = [f"【{self.rule} {SEVERITY_ZH[self.severity]}】{self.message}"]
        if self.expected:
            parts.append(f"应为：{self.expected}")
        if self.found:
            parts.append(f"实为：{self.found}")
        return "\n".join(parts)


def fmt(value) -> str:
    """A value as text for messages: Decimals without exponent, None as 空白."""
    if value is None or value == "":
        return "空白"
    if isinstance(value, Decimal):
        try:
            return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
        except Exception:   # pragma: no cover
            pass
    return str(value)
