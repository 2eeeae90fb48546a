"""Every seed instance is in a committed workbook under workbooks/, and reads back exactly."""
from collections import Counter

import pytest

from conftest import ROOT, SEEDS
from xltool import workbooks
from xltool.core import model
from xltool.importers import import_text

WORKBOOKS = ROOT / "workbooks"


def seed_instances():
    for seed in sorted(SEEDS.glob("*.txt")):
        prefix = seed.stem.split("_")[0]
        for n, instance in enumerate(import_text(seed.read_text(encoding="utf-8")).instances, start=1):
            yield pytest.param(prefix, n, instance, id=f"{prefix}-{n:02d}")


def test_every_seed_instance_has_a_workbook():
    files = sorted(WORKBOOKS.glob("*.xlsx"))
    forms = Counter(read.form for path in files for read in workbooks.read_workbook(path))
    # 3 + 7 regional (000, 004), 4 F2 (001), 4 F3 (002), 9 F4 (003), 全地区 + 本级 附表 (004)
    assert forms == {model.REGIONAL_TARGET: 10, model.FUND_EXPENDITURE_TARGET: 4, model.SELF_EVALUATION: 4,
                     model.PROJECT_TARGET: 9, model.BUDGET_TABLES: 2}


@pytest.mark.parametrize("prefix,n,instance", list(seed_instances()))
def test_committed_workbook_reads_back_the_seed(prefix, n, instance):
    path = WORKBOOKS / workbooks.workbook_name(prefix, n, instance)
    (read,) = workbooks.read_workbook(path)
    assert read.instance == instance


def test_text_starting_with_equals_stays_text():
    path = next(WORKBOOKS.glob("003_01_*.xlsx"))
    import zipfile
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "=3人" in xml and "<f>3人" not in xml
    (read,) = workbooks.read_workbook(path)
    assert read.instance.indicators[0].target == "=3人"


def test_seed_004_stated_figures_survive_as_cached_values():
    (read,) = workbooks.read_workbook(next(WORKBOOKS.glob("004_01_*.xlsx")))
    book = read.instance
    assert book.tables["income_exec"].row("total").values == [1158257, 1207152]
    assert str(book.tables["income_exec"].row("total").percent) == "104.22"
    assert book.tables["balance"].row("in.total").values == [None, None]      # blank in the seed
    assert book.tables["balance"].row("in.grand_total").values == [2876731, 3113315]


def test_committed_workbooks_are_a_fresh_import(tmp_path):
    """workbooks/ is what `xltool import seeds/*.txt -o workbooks` writes today (every part but the
    timestamps of docProps/core.xml), so tests that start from it test today's layout."""
    import zipfile

    def parts(path):
        with zipfile.ZipFile(path) as z:
            return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}

    for seed in sorted(SEEDS.glob("*.txt")):
        workbooks.import_seed(seed, tmp_path)
    fresh = sorted(p.name for p in tmp_path.glob("*.xlsx"))
    assert fresh == sorted(p.name for p in WORKBOOKS.glob("*.xlsx"))
    stale = [name for name in fresh if parts(tmp_path / name) != parts(WORKBOOKS / name)]
    assert not stale, ("workbooks/ drifted from the importer and the templates: regenerate with "
                       f"`xltool import seeds/*.txt -o workbooks --overwrite` ({len(stale)} files: {stale[:3]})")
