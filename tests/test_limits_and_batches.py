"""Guards that only a deliberate bug shows (tools/mutation_check.py): a part with an abnormal
compression ratio is refused on its own (not only through the total-size limit), and a batch
keeps going past a file that fails in a way nobody foresaw."""
import shutil
import zipfile

import pytest

from conftest import ROOT
from xltool import convert, process, workbooks
from xltool.io import safety

WB = ROOT / "workbooks"


def test_a_part_with_an_abnormal_compression_ratio_is_refused(tmp_path):
    path = tmp_path / "ratio.xlsx"
    shutil.copy(next(WB.glob("003_02_*.xlsx")), path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/filler.bin", b"\0" * (8 * 2**20))    # 8 MB of zeros: ~1000× compression
    assert path.stat().st_size < 2**20 and 8 * 2**20 < safety.MAX_TOTAL_UNCOMPRESSED
    with pytest.raises(workbooks.XltoolError, match="压缩比异常"):
        workbooks.open_grid(path)


def test_a_batch_keeps_going_past_an_unforeseen_error(tmp_path, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    for prefix in ("003_01", "003_02", "003_03"):
        shutil.copy(next(WB.glob(f"{prefix}_*.xlsx")), src / f"{prefix}.xlsx")
    real = process.recompute_file

    def flaky(path, target, *args, **kwargs):
        if "003_02" in str(path):
            raise RuntimeError("磁盘故障（模拟）")
        return real(path, target, *args, **kwargs)

    monkeypatch.setattr(process, "recompute_file", flaky)
    summary = convert.convert(src, tmp_path / "out", jobs=1)
    rows = {row.file: row for row in summary.rows}
    assert list(rows) == ["003_01.xlsx", "003_02.xlsx", "003_03.xlsx"]
    assert (tmp_path / "out" / "003_01.xlsx").exists() and (tmp_path / "out" / "003_03.xlsx").exists()
    assert summary.failed == 1
    assert rows["003_02.xlsx"].status == "失败" and "磁盘故障（模拟）" in rows["003_02.xlsx"].reason
