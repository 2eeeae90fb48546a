"""Printing findings: one line each (text) or JSON. Used by the CLI."""
from __future__ import annotations

import json

from xltool.core.findings import SEVERITY_ZH, Finding


def finding_line(f: Finding) -> str:
    extra = "，".join(x for x in (f"应为 {f.expected}" if f.expected else "", f"实为 {f.found}" if f.found else "") if x)
    return f"{f.file} {f.location} [{f.rule} {SEVERITY_ZH[f.severity]}] {f.message}" + (f"（{extra}）" if extra else "")


def findings_json(findings: list[Finding]) -> str:
    return json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=1)


def summary_line(files: int, findings: list[Finding]) -> str:
    counts = {s: sum(f.severity == s for f in findings) for s in SEVERITY_ZH}
    return (f"共 {files} 个文件：错误 {counts['error']} 条，警告 {counts['warning']} 条，"
            f"提示 {counts['info']} 条")
