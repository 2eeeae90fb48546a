"""No silent overwrite anywhere (issue 15, item 4): every command that writes refuses an output that
exists already — before it writes anything, in one Chinese line naming the path, exit 2 — unless it is
given ``--overwrite``; an output that is one of its inputs is refused even then.

Each case puts a file of the clerk's own ("mine") where one of the command's outputs would go; the
command must leave it byte for byte and write none of its other outputs, then replace it with
``--overwrite``.
"""
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT
from xltool.cli import app

runner = CliRunner()
WB = ROOT / "workbooks"
BUDGET = next(WB.glob("004_01_*.xlsx"))          # 喀什地区 全地区 附表
BENJI = next(WB.glob("004_02_*.xlsx"))           # 喀什地区 本级 附表
PROJECT = next(WB.glob("003_01_*.xlsx"))         # a 项目支出绩效目标表
FUND_TARGET = next(WB.glob("001_01_*.xlsx"))     # a 基金支出绩效目标表
SEED = next((ROOT / "seeds").glob("003_*.txt"))
MINE = b"the clerk's own file, not to be replaced"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def scratch_names(tmp_path, *args) -> list[str]:
    """The names of the files a command writes into a fresh folder (found by running it there)."""
    folder = tmp_path / "scratch"
    result = invoke(*args, "-o", folder)
    assert result.exit_code in (0, 1), result.output
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def case_template(tmp):
    out = tmp / "模板.xlsx"
    return ["template", "self-evaluation", "-o", out], out, []


def case_import(tmp):
    names = [n for n in scratch_names(tmp, "import", SEED) if n.endswith(".xlsx")]
    out = tmp / "out"
    return ["import", SEED, "-o", out], out / names[0], [out / n for n in names[1:]]


def case_import_two_seeds(tmp):
    """The second seed's workbook exists: the first seed's are not written either."""
    other = next((ROOT / "seeds").glob("002_*.txt"))
    first = [n for n in scratch_names(tmp, "import", SEED) if n.endswith(".xlsx")]
    shutil.rmtree(tmp / "scratch")
    second = [n for n in scratch_names(tmp, "import", other) if n.endswith(".xlsx")]
    out = tmp / "out"
    return ["import", SEED, other, "-o", out], out / second[0], [out / n for n in first]


def case_export(tmp):
    out = tmp / "数据.csv"
    return ["export", BUDGET, "-o", out], out, []


def case_recompute(tmp):
    src = tmp / "in"
    src.mkdir()
    shutil.copy(PROJECT, src / "a.xlsx")
    shutil.copy(FUND_TARGET, src / "b.xlsx")
    out = tmp / "out"
    return ["recompute", src, "-o", out], out / "b.xlsx", [out / "a.xlsx"]


def case_recompute_xls_in_place(tmp):
    """In place, a legacy .xls is kept and its .xlsx written beside it: a new file, under the same rule."""
    import libreoffice

    if not libreoffice.available():
        pytest.skip("LibreOffice not installed (it writes the .xls)")
    (xls,) = libreoffice.recalc([PROJECT], tmp / "旧版", to="xls:MS Excel 97")
    return ["recompute", xls, "--in-place"], xls.with_suffix(".xlsx"), []


def case_convert(tmp):
    src = tmp / "in"
    (src / "县甲").mkdir(parents=True)
    shutil.copy(PROJECT, src / "a.xlsx")
    shutil.copy(BUDGET, src / "县甲" / "附表.xlsx")
    out = tmp / "out"
    return ["convert", src, "-o", out, "-j", "1"], out / "汇总.xlsx", [out / "a.xlsx", out / "县甲" / "附表.xlsx"]


def case_convert_mirror(tmp):
    args, summary, (first, second) = case_convert(tmp)
    return args, second, [first, summary]


def case_rollover(tmp):
    src = tmp / "in"
    src.mkdir()
    shutil.copy(PROJECT, src / "项目.xlsx")
    out = tmp / "out"
    return ["rollover", src, "-o", out], out / "项目.xlsx", [out / "汇总.xlsx"]


def case_self_evaluation(tmp):
    names = scratch_names(tmp, "self-evaluation", PROJECT)
    made = next(n for n in names if n != "汇总.xlsx")
    out = tmp / "out"
    return ["self-evaluation", PROJECT, "-o", out], out / made, [out / "汇总.xlsx"]


def case_derive_targets(tmp):
    names = scratch_names(tmp, "derive-targets", BUDGET)
    assert len(names) > 1
    out = tmp / "out"
    return ["derive-targets", BUDGET, "-o", out], out / names[-1], [out / n for n in names[:-1]]


def case_explain_md(tmp):
    out = tmp / "说明.md"
    return ["explain", BUDGET, "-o", out], out.with_suffix(".html"), [out]   # the .html beside it counts too


def case_explain_docx(tmp):
    out = tmp / "说明.docx"
    return ["explain", BUDGET, BENJI, "-o", out], out, []


def case_rollup(tmp):
    out = tmp / "汇总附表.xlsx"
    return ["rollup", BENJI, "-o", out], out, []


def case_addin_build(tmp):
    out = tmp / "xltool.xlam"
    return ["addin", "build", "-o", out], out, []


def case_addin_bundle(tmp):
    out = tmp / "安装包"
    return (["addin", "bundle", "-o", out, "--wheel", tmp / "missing.whl"], out / "安装.cmd",
            [out / "xltool.xlam", out / "wheels"])


def case_run(tmp):
    seeds = tmp / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    out = tmp / "out"
    return ["run", seeds, "-o", out], out / "findings.csv", [out / "workbooks", out / "recomputed"]


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}
NOT_RUN_WITH_OVERWRITE = {"addin_bundle"}    # needs PyPI; its refusal comes before any download


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_existing_output_is_refused_before_anything_is_written(name, tmp_path):
    args, existing, others = CASES[name](tmp_path)
    existing.parent.mkdir(parents=True, exist_ok=True)
    existing.write_bytes(MINE)
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert "已存在" in result.output and str(existing) in result.output.replace("\n", ""), result.output
    assert "--overwrite" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1, result.output
    assert existing.read_bytes() == MINE
    for other in others:
        assert not other.exists(), f"{other} written although the run was refused"
    assert not [p for p in tmp_path.rglob(".~xltool-*")]
    if name in NOT_RUN_WITH_OVERWRITE:
        return
    result = invoke(*args, "--overwrite")
    assert result.exit_code in (0, 1), result.output
    assert existing.read_bytes() != MINE
    for other in others:
        assert other.exists()


def test_every_writing_command_has_the_option():
    """The same option, the same help, on every command that writes (serve's archive folders are new)."""
    command = app
    writers = {"template", "import", "export", "recompute", "convert", "rollover", "self-evaluation",
               "derive-targets", "explain", "rollup", "run", "addin build", "addin bundle"}
    found = {}
    for name, cmd in command.commands.items():
        subs = cmd.commands.items() if hasattr(cmd, "commands") else [(None, cmd)]
        for sub, c in subs:
            helps = [p.help for p in c.params if "--overwrite" in getattr(p, "opts", [])]
            if helps:
                found[name if sub is None else f"{name} {sub}"] = helps[0]
    assert set(found) == writers
    assert len(set(found.values())) == 1


def test_rollover_into_its_own_folder_is_refused_even_with_overwrite(tmp_path):
    """``rollover d -o d`` would write next year's form over this year's (same name): refused, both named."""
    src = tmp_path / "表"
    src.mkdir()
    shutil.copy(PROJECT, src / "项目.xlsx")
    before = (src / "项目.xlsx").read_bytes()
    for extra in ([], ["--overwrite"]):
        result = invoke("rollover", src, "-o", src, *extra)
        assert result.exit_code == 2 and "输入文件" in result.output and str(src / "项目.xlsx") in result.output
        assert (src / "项目.xlsx").read_bytes() == before and not (src / "汇总.xlsx").exists()


def test_export_onto_its_input_is_refused_even_with_overwrite(tmp_path):
    f = tmp_path / "f.xlsx"
    shutil.copy(PROJECT, f)
    before = f.read_bytes()
    result = invoke("export", f, "-o", f, "--overwrite")
    assert result.exit_code == 2 and "输入文件" in result.output and f.read_bytes() == before


def test_two_inputs_onto_one_output_name_both(tmp_path):
    """``recompute a.xls a.xlsx -o OUT``: one output for two inputs; neither written, both named."""
    a = tmp_path / "a.xlsx"
    shutil.copy(PROJECT, a)
    legacy = tmp_path / "a.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    for extra in ([], ["--overwrite"]):
        result = invoke("recompute", a, legacy, "-o", tmp_path / "out", *extra)
        assert result.exit_code == 2 and str(a) in result.output and str(legacy) in result.output
        assert not (tmp_path / "out" / "a.xlsx").exists()


def test_the_library_check_names_an_input_reached_through_any_link(tmp_path):
    from xltool.io import outputs
    from xltool.workbooks import XltoolError

    f = tmp_path / "f.xlsx"
    f.write_bytes(MINE)
    other = tmp_path / "别名.xlsx"
    other.hardlink_to(f)
    pointer = tmp_path / "链接.xlsx"
    pointer.symlink_to(f)
    for name in (other, pointer, f):
        with pytest.raises(XltoolError, match="输入文件") as caught:
            outputs.refuse([name], inputs=[f], overwrite=True)
        assert str(f) in str(caught.value) and str(name) in str(caught.value)
    with pytest.raises(XltoolError, match="同一个文件") as caught:   # two outputs, one file
        outputs.refuse([(tmp_path / "新.xlsx", "a.xls"), (tmp_path / "新.xlsx", "a.xlsx")], overwrite=True)
    assert "a.xls 与 a.xlsx" in str(caught.value)
    assert f.read_bytes() == MINE
