"""F3 importer: seed 002's four column-scrambled 自评表. Expectations typed in from the seed text."""
from collections import Counter
from decimal import Decimal as D

import pytest

from xltool.importers.self_evaluation import parse_self_evaluations

ENTERPRISE, PUBLIC, INJURY, UNEMPLOYMENT = (
    "企业职工基本养老保险基金支出", "机关事业单位基本养老保险基金支出", "工伤保险基金支出", "失业保险基金支出")
BAND = "105%≤≥95%"

# 预期指标值 of each fund's values block, in the order printed
TARGETS = {
    ENTERPRISE: ["32.85万人", "21.72万人", "0.05万人", "0.5万人", BAND, BAND, "≥95%", "≥95%", "每月25日前",
                 "100%", "每季末次月底前", "2020/12/31", "充分发挥社会保险的职能作用",
                 "上访率控制在0.1%以内，维护社会稳定，长治久安", "≥95%"],
    PUBLIC: ["8.46万人", "6.46万人", "185751万元", BAND, BAND, "≥95%", "≥95%", "每月25日前", "100%",
             "充分发挥社会保险的职能作用", "上访率控制在0.1%以内，维护社会稳定，长治久安", "≥95%"],
    INJURY: ["12.51万人", "0.37万人", "245人", "≥95%", BAND, BAND, "≥95%", "每月25日前", "100%",
             "保障工伤人员安定生活", "充分发挥社会保险的社会保障职能作用", "≥95%"],
    UNEMPLOYMENT: ["13.45万人", "110人", "1315人次", "13.45万人", "2.44万人", BAND, BAND, "≥95%", "100%",
                   "每月25日前", "100%", "保障失业人员基本生活", "充分发挥社会保险的社会保障职能作用", "≥95%"],
}


@pytest.fixture(scope="module")
def parsed(seed_text):
    return parse_self_evaluations(seed_text("002"))


@pytest.fixture(scope="module")
def funds(parsed):
    return {evaluation.project: evaluation for evaluation in parsed[0]}


def triples(evaluation):
    return {(i.level3, i.target, i.actual) for i in evaluation.indicators}


def test_four_projects_with_their_figures(funds):
    assert list(funds) == [ENTERPRISE, PUBLIC, INJURY, UNEMPLOYMENT]
    figures = {project: (e.budget, e.executed, e.fund_amount, e.other_amount) for project, e in funds.items()}
    assert figures == {
        ENTERPRISE: (D(1410942), D(1281199), D(1410942), None),
        PUBLIC: (D(489150), D(478059), D(489150), None),
        INJURY: (D(6926), D(5769), D(6926), None),
        UNEMPLOYMENT: (D(16244), D(10049), D(16244), None),
    }
    for evaluation in funds.values():
        assert evaluation.year == 2020
        assert evaluation.title == "自治区本级社会保险支出绩效自评表"
        assert evaluation.department == "自治区社会保险管理局"


def test_indicator_counts(funds):
    assert {p: len(e.indicators) for p, e in funds.items()} == {
        ENTERPRISE: 15, PUBLIC: 12, INJURY: 12, UNEMPLOYMENT: 14}
    for evaluation in funds.values():
        assert all(i.level3 and i.target and i.actual for i in evaluation.indicators)
        names = [i.level3 for i in evaluation.indicators]
        assert len(set(names)) == len(names)


def test_every_target_of_the_values_block_appears_once(funds):
    for project, targets in TARGETS.items():
        indicators = funds[project].indicators
        assert Counter(i.target for i in indicators) == Counter(targets), project
        assert [i.target for i in indicators] == targets          # form order kept


def test_enterprise_pension_rows(funds):
    rows = triples(funds[ENTERPRISE])
    assert ("参保缴费人数", "32.85万人", "2020年末实际参保缴费人数32.68万人") in rows
    assert ("基本养老支出预算执行率", BAND, "基本养老金支出预算执行率92.85%") in rows
    assert ("基本养老收入预算执行率", BAND, "基本养老保险费收入预算执行率100.97%") in rows
    # actuals wrapped over two or three lines, joined without spaces
    assert ("保障退休待遇人数", "21.72万人", "2020年末实际保障退休待遇人数21.75万人") in rows
    assert ("保障离休人员待遇人数", "0.05万人", "2020年末实际保障离休人员待遇人数0.05万人") in rows
    assert ("保障丧葬抚恤金发放人数", "0.5万人", "2020年末实际保障丧葬抚恤金发放人数0.43万人") in rows
    # actuals that do not name their indicator: matched by elimination
    assert ("按季度报送全区基本养老保险、工伤保险、失业保险基金运行分析报告", "每季末次月底前",
            "每季末基金运行分析报告随季报同时报送") in rows
    assert ("项目截至时间", "2020/12/31", "2020年全年企业基本养老保险基金支出保障到位") in rows
    # 效益 rows: target and actual split out of running text
    assert ("让离退休人员安享晚年", "充分发挥社会保险的职能作用",
            "充分发挥社会保险的职能作用，让离退休人员安享晚年") in rows
    assert ("离退休人员上访率", "上访率控制在0.1%以内，维护社会稳定，长治久安", "离退休人员上访率<0.1%") in rows
    assert ("离退休人员满意度", "≥95%", "离休退人员满意度≥95%") in rows


def test_public_pension_rows(funds):
    rows = triples(funds[PUBLIC])
    assert ("基本养老支出预算执行率", BAND, "基本养老金支出预算执行率98%") in rows
    assert ("保障退休待遇人数", "6.46万人", "2020年末实际保障退休待遇领取人数5.76万人") in rows
    assert ("清算新纳入中央驻疆单位补发基本养老金", "185751万元",
            "2020年8家中央驻疆单位纳入自治区本级机关事业单位养老保险范围，实际补发基金养老金") in rows


def test_work_injury_rows(funds):
    rows = triples(funds[INJURY])
    assert ("保障工伤待遇人数", "0.37万人", "2020年末实际保障工伤待遇人数745人") in rows
    assert ("基金支出预算执行率", BAND, "基金支出预算执行率84%") in rows
    assert ("劳动能力鉴定人数", "245人", "2020年末实际劳动能力鉴定人数172人") in rows
    assert ("让工伤人员按时足额领取待遇", "保障工伤人员安定生活",
            "让工伤人员按时足额领取待遇，保障工伤人员安定生活") in rows
    assert ("防止参保职工因工伤返贫致贫", "充分发挥社会保险的社会保障职能作用",
            "防止因工伤返贫致贫、充分发挥社会保险的职能作用") in rows


def test_unemployment_rows(funds):
    rows = triples(funds[UNEMPLOYMENT])
    assert ("基金支出预算执行率", BAND, "基金支出预算执行率61.86%") in rows
    assert ("代缴医疗保险人次数", "1315人次", "2020年代缴医疗保险费人月数1402") in rows
    assert ("代缴医疗保险费成功率", "100%", "代缴医疗保险费成功率100%") in rows
    assert ("享受稳定岗位补贴企业参加失业保险人数", "13.45万人",
            "2020年享受稳定岗位补贴企业参加失业保险人数11.88万人") in rows
    assert ("保障享受失业待遇人数", "110人", "2020年全年领取失业保险金人数214人") in rows
    assert ("失业金发放时效", "每月25日前", "每月25日前按时足额发放失业金") in rows
    assert ("提高职工职业技能，减少失业率", "充分发挥社会保险的社会保障职能作用",
            "提高职工职业技能，减少失业率，充分发挥社会保险的社会保障职能作用") in rows


def test_levels(funds):
    def levels(project):
        return Counter((i.level1, i.level2) for i in funds[project].indicators)

    assert levels(ENTERPRISE) == Counter({
        ("项目完成指标", "数量指标"): 4, ("项目完成指标", "质量指标"): 5, ("项目完成指标", "时效指标"): 3,
        ("项目效益指标", "社会效益指标"): 1, ("项目效益指标", "可持续影响力指标"): 1,
        ("满意度指标", "满意度指标"): 1})
    assert levels(UNEMPLOYMENT)[("项目完成指标", "数量指标")] == 5
    by_name = {i.level3: (i.level1, i.level2) for i in funds[INJURY].indicators}
    assert by_name["工伤待遇发放时效"] == ("项目完成指标", "时效指标")
    assert by_name["工伤保险政策知晓率"] == ("项目完成指标", "质量指标")
    assert by_name["工伤人员满意度"] == ("满意度指标", "满意度指标")


def test_goals_joined_without_spaces(funds):
    enterprise = funds[ENTERPRISE]
    assert enterprise.goal_expected == ("聚焦总目标，确保离退休人员按期足额领取养老金待遇，按期调整待遇，"
                                        "让离退休人员享受国家发展改革成果，安享晚年，确保社会稳定和长治久安。")
    assert enterprise.goal_actual.startswith("全年保障21.81万名离退休人员按期足额领取养老金待遇，保障0.43万")
    assert enterprise.goal_actual.endswith("达到了预期目标，确保社会稳定和长治久安。")
    assert funds[INJURY].goal_expected.endswith("生活安定，确保社会稳定和长治久安。")   # 「…长治久」/「安。」
    assert "745人，达到了预期目标" in funds[INJURY].goal_actual
    assert funds[UNEMPLOYMENT].goal_expected.startswith("全区社会保险代办员补助经费是为切实贯彻")
    assert funds[UNEMPLOYMENT].goal_actual.startswith("2020年区本级有效保障了13.52万名参保职工")
    for evaluation in funds.values():
        assert " " not in evaluation.goal_expected + evaluation.goal_actual


def test_uncertain_joins_are_reported(parsed):
    _, messages = parsed
    flagged = {name for name in ("按季度报送全区基本养老保险、工伤保险、失业保险基金运行分析报告", "项目截至时间",
                                 "保障享受失业待遇人数", "失业金发放时效")
               if any(f"「{name}」" in m for m in messages)}
    assert len(flagged) == 4 and len(messages) == 4
    assert all("请核对" in m for m in messages)


@pytest.mark.parametrize("prefix", ["000", "001", "003", "004"])
def test_other_seeds_hold_no_self_evaluation(seed_text, prefix):
    assert parse_self_evaluations(seed_text(prefix)) == ([], [])
