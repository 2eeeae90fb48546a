"""Issue 12 items 6 and 7: the 财预〔2020〕10号 项目支出绩效自评表 as its own form family, and
cost ceilings against the budget.

The test document ``tests/data/project_self_evaluation_sample.txt`` is our own invented sample
in the published layout (no official figures); its expected values below are worked out by
hand from its figures (the arithmetic is in the comments), never taken from the code under test.
The published error patterns quoted in issue 12 (年度资金总额 0 while 本年财政拨款 is 202.64 /
132.912; sources 166 + 136 + 20.25 = 322.25 against 321.25; ``每次发放 ≤280万元`` × 4 against
1,084.25 万元) are reproduced.
"""
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import ROOT
from xltool import process, workbooks
from xltool.cli import app
from xltool.core import layout, model
from xltool.importers import import_text
from xltool.io import xlsx

SAMPLE = ROOT / "tests" / "data" / "project_self_evaluation_sample.txt"
WB = ROOT / "workbooks"
D = Decimal


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    out = tmp_path_factory.mktemp("imported")
    files, notes = workbooks.import_seed(SAMPLE, out)
    assert notes == []
    return files


def _evaluate_instance(instance):
    """Evaluate an instance the way a file would be: laid out, written, read back."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "form.xlsx"
        xlsx.write_plan(layout.plan_workbook(instance), path)
        return process.evaluate_file(path).evaluations[0]


def _rules(findings):
    return sorted(f.rule for f in findings)


# --- import and reading ---------------------------------------------------------------------


def test_import_finds_the_three_sample_forms():
    forms = import_text(SAMPLE.read_text(encoding="utf-8")).instances
    assert [f.form for f in forms] == [model.PROJECT_SELF_EVALUATION] * 3
    first, second, third = forms
    assert first.year == 2023 and first.title == "项目支出绩效自评表"
    assert first.department == "样例县人力资源和社会保障局" and first.implementer == "样例县社会保险事业服务中心"
    assert first.line("total").budget == 0 and first.line("fiscal").budget == D("202.64")
    assert first.line("fiscal").executed == D("198.57")
    assert first.goal_expected.startswith("按月足额发放") and first.goal_actual.startswith("全年发放12次")
    assert len(first.indicators) == 8 and first.indicators[1].level1 == "产出指标（50分）"   # filled down
    assert first.indicators[2].target == "≥100百分比"
    assert second.source_labels == {"central": "中央", "provincial": "自治区", "city": "盟市", "county": "旗县",
                                    "other": "其他"}
    assert second.line("total").sources["central"] == 166 and second.line("total").sources["county"] is None
    assert third.line("total").budget == D("1084.25") and third.stated_total == 100 and third.stated_grade == "优"


def test_workbook_reads_back_what_was_imported(imported):
    originals = import_text(SAMPLE.read_text(encoding="utf-8")).instances
    for path, original in zip(imported, originals):
        (read,) = workbooks.read_workbook(path)
        got = read.instance
        assert got.form == model.PROJECT_SELF_EVALUATION
        assert (got.project, got.department, got.implementer, got.year) == \
               (original.project, original.department, original.implementer, original.year)
        assert [line.amounts() for line in got.funds] == [line.amounts() for line in original.funds]
        assert [(i.level1, i.level2, i.level3, i.target, i.actual, i.weight, i.score, i.deviation)
                for i in got.indicators] == \
               [(i.level1, i.level2, i.level3, i.target, i.actual, i.weight, i.score, i.deviation)
                for i in original.indicators]


def test_units_written_as_words_parse():
    from xltool.core.values import parse_value
    value = parse_value("≥100百分比")
    assert value.kind == "bound" and value.quantity.amount == 100 and value.quantity.unit == "%"


# --- recompute -----------------------------------------------------------------------------


def _computed(path):
    return process.evaluate_file(path).evaluations[0].computed


def test_total_left_at_zero_takes_its_parts_never_a_rate_from_zero(imported):
    c = _computed(imported[0])
    # 年度资金总额 typed 0; 本年财政拨款 202.64 / 198.57 → 198.57 / 202.64 = 97.99%, 10 × 0.97991 = 9.80
    assert c["funds.total.eff.budget"] == D("202.64") and c["funds.total.rate"] == D("97.99")
    assert c["funds.total.score"] == D("9.80")
    # 15 × 1486 / 1500 = 14.86; 定性 18 of 20 for 达成年度指标 (band 16–20) stands
    assert c["ind.0.score"] == D("14.86") and c["ind.5.score"] == D("18")
    # 9.80 + 14.86 + 10 + 10 + 5 + 10 + 18 + 10 + 10 = 97.66 → 优 (the form states 87.86 / 良)
    assert c["total_score"] == D("97.66") and c["grade"] == "优"
    assert c["weight_sum"] == 100


def test_sample_two_and_three_scores(imported):
    c = _computed(imported[1])
    # 300.5 / 321.25 = 93.54%; 10 × 0.93541 = 9.35; 投诉 ≤2次 actual 3次: 10 × (1 − 1/2) = 5;
    # 部分达成 stated 9 is outside 6–8: the default 70% → 7
    assert c["funds.total.rate"] == D("93.54") and c["funds.total.score"] == D("9.35")
    assert c["ind.3.score"] == 5 and c["ind.4.score"] == 7
    assert c["sources.total.sum"] == D("322.25")
    assert c["total_score"] == D("91.35") and c["grade"] == "优"   # 9.35 + 20 + 15 + 15 + 5 + 7 + 10 + 10
    c = _computed(imported[2])
    assert c["total_score"] == 100 and c["grade"] == "优"


def test_published_zero_total_cases():
    for fiscal in (D("202.64"), D("132.912")):
        instance = model.ProjectSelfEvaluation(project="测试项目")
        instance.line("total").budget = D(0)
        instance.line("total").executed = D(0)
        instance.line("fiscal").budget = fiscal
        instance.line("fiscal").executed = fiscal
        evaluation = _evaluate_instance(instance)
        assert evaluation.computed["funds.total.rate"] == D("100.00")   # from the parts, not 0 / 0
        (budget, executed) = [f for f in evaluation.findings if f.rule == "XT150"]
        assert budget.severity == "error" and budget.key == "funds.total.budget"
        assert budget.expected == str(fiscal) and budget.found == "0" and str(fiscal) in budget.message


def test_sources_that_do_not_make_their_total():
    instance = model.ProjectSelfEvaluation(project="测试项目")
    instance.line("total").budget = D("321.25")
    instance.line("total").sources.update(central=D(166), provincial=D(136), city=D("20.25"))
    (finding,) = [f for f in _evaluate_instance(instance).findings if f.rule == "XT151"]
    assert "166 + " in finding.message and "322.25" in finding.message and "321.25" in finding.message
    instance.line("total").sources["city"] = D("19.25")
    assert "XT151" not in _rules(_evaluate_instance(instance).findings)


def test_parts_that_do_not_make_a_typed_total():
    instance = model.ProjectSelfEvaluation(project="测试项目")
    instance.line("total").budget = D("321.25")
    instance.line("fiscal").budget = D(300)
    instance.line("carry_over").budget = D(20)
    (finding,) = [f for f in _evaluate_instance(instance).findings if f.rule == "XT150"]
    assert finding.expected == "320" and finding.found == "321.25"


def test_rules_on_the_sample(imported):
    by_file = [process.evaluate_file(p).findings for p in imported]
    first, second, third = ({f.rule for f in fs} for fs in by_file)
    assert {"XT150", "XT113", "XT154"} <= first and "XT153" not in first
    assert {"XT151", "XT152"} <= second and "XT150" not in second
    assert "XT153" in third and not {"XT150", "XT151", "XT152"} & third
    (deviation,) = [f for f in by_file[0] if f.rule == "XT113"]
    assert "待遇发放人数" in deviation.message and deviation.cell == "H19"
    (band,) = [f for f in by_file[1] if f.rule == "XT152"]
    assert band.found == "9" and "6–8" in band.message
    (ceiling,) = [f for f in by_file[2] if f.rule == "XT153"]
    assert "1,120 万元" in ceiling.message and "1,084.25 万元" in ceiling.message
    assert ceiling.severity == "warning"


# --- item 7: cost ceilings on the project target tables (F4) -----------------------------------


def test_seed_003_does_not_trigger_the_cost_ceiling():
    """Seed 003 writes its per-disbursement costs rounded to the cent: 5 万元 / 12 = 0.4167 → ≤0.42;
    0.42 × 12 = 5.04 > 5 is rounding, not a loose ceiling, and must not be reported."""
    starts = sorted(WB.glob("003_*.xlsx"))
    assert len(starts) == 9
    for path in starts:
        assert "XT153" not in _rules(process.evaluate_file(path).findings), path.name
    (read,) = workbooks.read_workbook(starts[0])
    assert read.instance.total == 5 and read.instance.indicators[4].target == "<=0.42万元/次"
    assert D("0.42") * 12 > read.instance.total   # a naive ceiling × count would have reported it


def _project(path):
    (read,) = workbooks.read_workbook(path)
    return read.instance


def test_ceiling_times_disbursements_above_the_budget_on_a_project_target():
    target = _project(next(WB.glob("003_08_*.xlsx")))   # 资金支付次数 =4次, 每季度拨付资金数 <=3.75万元
    cost = next(i for i in target.indicators if "成本" in i.level1)
    target.total, cost.target = D("1084.25"), "≤280万元"
    (finding,) = [f for f in _evaluate_instance(target).findings if f.rule == "XT153"]
    assert "280" in finding.message and "4次" in finding.message
    assert finding.found == "1,120 万元" and finding.expected == "≤ 1,084.25 万元"
    cost.target = "≤271.06万元"   # 1,084.25 / 4 = 271.0625 written to the cent: 271.06 × 4 = 1,084.24
    assert "XT153" not in _rules(_evaluate_instance(target).findings)
    cost.target = "≤272万元"      # 1,084.25 / 4 = 271.0625 rounds to 271, not 272: 272 × 4 = 1,088 is loose
    assert "XT153" in _rules(_evaluate_instance(target).findings)
    cost.target = "≤271万元"      # 271 is 1,084.25 / 4 written to whole 万元 (271 × 4 = 1,084 < 1,084.25)
    assert "XT153" not in _rules(_evaluate_instance(target).findings)


def test_ceiling_per_person_month():
    target = _project(next(WB.glob("003_06_*.xlsx")))   # 28.8 万元, 200人, =120元/人/月
    persons = next(i for i in target.indicators if i.target.endswith("人"))
    cost = next(i for i in target.indicators if "成本" in i.level1)
    assert target.total == D("28.8") and persons.target == "=200人"
    cost.target = "≤130元/人/月"   # 130 × 200 × 12 = 312,000 元 = 31.2 万元 > 28.8 万元
    (finding,) = [f for f in _evaluate_instance(target).findings if f.rule == "XT153"]
    assert finding.found == "31.2 万元" and "200人 × 12个月" in finding.message


# --- the template and the self-evaluation started from a project target table -------------------


def test_template_is_the_new_family(tmp_path):
    path = workbooks.write_template(model.PROJECT_SELF_EVALUATION, tmp_path / "t.xlsx", 2024)
    (read,) = workbooks.read_workbook(path)
    assert read.form == model.PROJECT_SELF_EVALUATION and read.instance.year == 2024
    assert read.instance.execution_weight == 10
    grid = xlsx.read_grid(path)
    labels = {str(v) for v in grid.sheets[0].cells.values()}
    for label in ("项目名称", "主管部门", "实施单位", "项目资金（万元）", "年度资金总额", "其中：本年财政拨款", "上年结转资金",
                  "其他资金", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分", "中央", "省级", "市级",
                  "县级", "年度总体目标", "预期目标", "实际完成情况", "一级指标", "二级指标", "三级指标", "年度指标值",
                  "实际完成值", "偏差原因分析及改进措施", "总分", "评价等级"):
        assert label in labels, label
    assert _rules(process.evaluate_file(path).findings) == ["XT100"]
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws["G7"].value.startswith("=") and ws["H7"].value.startswith("=")   # 执行率, 得分
    assert ws["G20"].value.startswith("=IF(")                                 # an indicator's 得分
    assert ws.column_dimensions["J"].hidden                                     # helper columns


def test_self_evaluation_from_project_targets_uses_the_10_layout(tmp_path):
    result = CliRunner().invoke(app, ["self-evaluation", *map(str, sorted(WB.glob("003_*.xlsx"))),
                                      "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    starts = sorted(tmp_path.glob("003_*自评表.xlsx"))
    assert len(starts) == 9
    for path in starts:
        (read,) = workbooks.read_workbook(path)
        evaluation = read.instance
        target = _project(WB / path.name.replace("_自评表", ""))
        assert evaluation.form == model.PROJECT_SELF_EVALUATION
        assert evaluation.project == target.project and evaluation.implementer == target.unit
        assert evaluation.line("total").initial == target.total
        assert [i.weight for i in evaluation.indicators] == [i.weight for i in target.indicators]
        assert [i.scoring_rule for i in evaluation.indicators] == [i.scoring_rule for i in target.indicators]
        assert evaluation.indicators[0].level1 in ("产出指标（40分）", "产出指标（36分）")
        assert all(not i.actual for i in evaluation.indicators)
        # the clerk types the actuals equal to the targets and the budget fully executed
        evaluation.line("total").budget = evaluation.line("total").executed = target.total
        for indicator in evaluation.indicators:
            indicator.actual = indicator.target if any(ch.isdigit() for ch in indicator.target) else "达成年度指标"
        filled = tmp_path / "filled.xlsx"
        xlsx.write_plan(layout.plan_workbook(evaluation), filled)
        assert _computed(filled)["total_score"] == 100, path.name


def test_fund_targets_and_the_old_layout_stay_available(tmp_path):
    sources = [next(WB.glob("001_01_*.xlsx")), next(WB.glob("003_01_*.xlsx"))]
    CliRunner().invoke(app, ["self-evaluation", *map(str, sources), "-o", str(tmp_path / "default")])
    CliRunner().invoke(app, ["self-evaluation", *map(str, sources), "-o", str(tmp_path / "old"),
                             "--form", "self-evaluation"])
    forms = {p.name[:3]: workbooks.read_workbook(p)[0].form for p in (tmp_path / "default").glob("0*.xlsx")}
    assert forms == {"001": model.SELF_EVALUATION, "003": model.PROJECT_SELF_EVALUATION}
    assert {workbooks.read_workbook(p)[0].form for p in (tmp_path / "old").glob("0*.xlsx")} == {model.SELF_EVALUATION}
    result = CliRunner().invoke(app, ["self-evaluation", str(sources[1]), "-o", str(tmp_path / "x"), "--form", "nope"])
    assert result.exit_code == 2 and "未知自评表格式" in result.output


def test_export_and_convert_summary_name_the_family(imported, tmp_path):
    from xltool import convert as bulk
    from xltool.export import collect

    rows = collect([imported[1]])
    sources = [r for r in rows if r["table"] == "资金来源"]
    assert {(r["item"], r["column"], r["number"]) for r in sources} >= {("年度资金总额", "中央", D(166))}
    assert not any(r["column"].startswith("_") for r in rows)   # helper columns stay out
    src = tmp_path / "in"
    src.mkdir()
    for path in imported:
        (src / path.name).write_bytes(path.read_bytes())
    summary = bulk.convert(src, tmp_path / "out", jobs=1, check_only=True)
    assert {row.form for row in summary.rows} == {"项目支出绩效自评表"}
    assert [row.score for row in summary.rows] == ["97.66", "91.35", "100.00"]
