"""The main job on a folder of seed texts: import → recompute → check."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from xltool import workbooks


@dataclass
class RunSummary:
    outdir: Path
    imported: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    forms: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"已导入 {len(self.imported)} 个工作簿 → {self.outdir / 'workbooks'}"]
        out += [f"  {form}：{n} 个" for form, n in sorted(self.forms.items())]
        out += [f"提示：{note}" for note in self.notes]
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


def run_seeds(seeds: Path, outdir: Path) -> RunSummary:
    summary = RunSummary(outdir)
    for file in seed_files(seeds):
        written, notes = workbooks.import_seed(file, outdir / "workbooks")
        summary.imported += written
        summary.notes += notes
    for path in summary.imported:
        for read in workbooks.read_workbook(path):
            summary.forms[read.form] = summary.forms.get(read.form, 0) + 1
    return summary
