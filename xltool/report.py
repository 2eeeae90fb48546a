"""Printing findings: one line each (text) or JSON. Used by the CLI."""
from __future__ import annotations

import json

from xltool.core.findings import ERROR, SEVERITY_ZH, Finding

UNREADABLE_RULE = "unreadable"   # the JSON entry of a file that could not be read (not a rule code)


def finding_line(f: Finding) -> str:
    extra = "，".join(x for x in (f"应为 {f.expected}" if f.expected else "", f"实为 {f.found}" if f.found else "") if x)
    return f"{f.file} {f.location} [{f.rule} {SEVERITY_ZH[f.severity]}] {f.message}" + (f"（{extra}）" if extra else "")


def unreadable_entry(path, reason: str) -> dict:
    """A file that could not be read, as a JSON entry shaped like a finding (``unreadable``: true)."""
    entry = Finding(UNREADABLE_RULE, ERROR, f"无法读取：{reason}", file=str(path)).to_dict()
    entry["unreadable"] = True
    return entry


def findings_json(findings: list[Finding], unreadable=()) -> str:
    """Findings (and files that could not be read: (path, reason) pairs) as a JSON list."""
    entries = [unreadable_entry(path, reason) for path, reason in unreadable]
    return json.dumps(entries + [f.to_dict() for f in findings], ensure_ascii=False, indent=1)


def summary_line(files: int, findings: list[Finding], unreadable: int = 0) -> str:
    counts = {s: sum(f.severity == s for f in findings) for s in SEVERITY_ZH}
    line = (f"共 {files} 个文件：错误 {counts['error']} 条，警告 {counts['warning']} 条，"
            f"提示 {counts['info']} 条")
    return line + (f"；{unreadable} 个文件无法读取" if unreadable else "")
