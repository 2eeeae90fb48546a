"""The main job on a folder of seed texts: import → recompute → check."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from xltool import workbooks
from xltool.core.findings import Finding
from xltool.core.model import BUDGET_TABLES


@dataclass
class RunSummary:
    outdir: Path
    imported: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    forms: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def lines(self) -> list[str]:
        from xltool.report import summary_line

        out = [f"已导入 {len(self.imported)} 个工作簿 → {self.outdir / 'workbooks'}"]
        out += [f"  {form}：{n} 个" for form, n in sorted(self.forms.items())]
        out += [f"提示：{note}" for note in self.notes]
        out.append(f"已重算并写回 → {self.outdir / 'recomputed'}；校验结果 → {self.outdir / 'findings.csv'}")
        out.append(summary_line(len(self.imported), self.findings))
        return out


def seed_files(seeds: Path) -> list[Path]:
    if not seeds.exists():
        bundled = Path(__file__).resolve().parent.parent / "seeds"
        if seeds == Path("seeds") and bundled.exists():
            seeds = bundled
        else:
            raise workbooks.XltoolError(f"{seeds}：文件夹不存在")
    files = sorted(seeds.glob("*.txt")) if seeds.is_dir() else [seeds]
    if not files:
        raise workbooks.XltoolError(f"{seeds}：没有找到种子文本（*.txt）")
    return files


def write_findings_csv(findings: list[Finding], path: Path) -> None:
    import csv

    from xltool.export import escape_formula
    from xltool.core.findings import SEVERITY_ZH

    from xltool.io import atomic

    with atomic.replacing(path) as tmp, tmp.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(["文件", "规则", "级别", "位置", "说明", "应为", "实为", "相关单元格"])
        for f in findings:
            writer.writerow([escape_formula(x) for x in (f.file, f.rule, SEVERITY_ZH[f.severity], f.location,
                                                          f.message, f.expected, f.found, " ".join(f.related))])


def run_seeds(seeds: Path, outdir: Path, *, overwrite: bool = False) -> RunSummary:
    """Import every seed, recompute and check; outputs that exist already are refused before anything is
    written, unless ``overwrite`` (``io.outputs``)."""
    from xltool import process
    from xltool.io import outputs

    summary = RunSummary(outdir)
    budgets_of: dict[Path, list] = {}   # each workbook → the 附表 imported from the same seed (XT140)
    files = seed_files(seeds)
    planned = [workbooks.seed_outputs(file, outdir / "workbooks") for file in files]
    imports = [target for made, _ in planned for target, _ in made]
    outputs.refuse([*imports, *(outdir / "recomputed" / t.name for t in imports), outdir / "findings.csv"],
                   inputs=files, overwrite=overwrite)
    for made, notes in planned:
        written = workbooks.write_seed_outputs(made)
        summary.imported += written
        summary.notes += notes
        budgets = [read.instance for path in written for read in workbooks.read_workbook(path)
                   if read.form == BUDGET_TABLES]
        budgets_of.update((path, budgets) for path in written)
    for path in summary.imported:
        result = process.recompute_file(path, outdir / "recomputed" / path.name, budgets_of[path])
        for evaluation in result.evaluations:
            summary.forms[evaluation.read.form] = summary.forms.get(evaluation.read.form, 0) + 1
        summary.findings += result.findings
    write_findings_csv(summary.findings, outdir / "findings.csv")
    return summary
