"""XT116 缺少衍生指标 — a 区域绩效目标表 must carry the fund indicators xltool derives, each with
its own target: 社会保险费收入占基金收入比重, (社会保险/医疗保险)待遇支出占基金支出比重,
其他支出占基金支出比重 and 基金静态可支付月数.

Bad:  a table with 社会保险费收入 and 待遇支出 amounts but no 基金静态可支付月数 row.
Good: all four rows present, each with a 指标值 such as ≥30%, ≥99%, ≤0.6%, ≥65个月.
(A row that is present but has no 指标值 is 漏填, XT109.)
"""
from xltool.core.calc.targets import target_facts
from xltool.core.findings import WARNING, Finding
from xltool.core.model import REGIONAL_TARGET

CODE, NAME, SEVERITY, FORMS = "XT116", "缺少衍生指标", WARNING, (REGIONAL_TARGET,)
DERIVED = (("费收入占基金收入比重", "社会保险费收入占基金收入比重"),
           ("待遇支出占基金支出比重", "社会保险待遇支出占基金支出比重"),
           ("其他支出占基金支出比重", "其他支出占基金支出比重"),
           ("可支付月数", "基金静态可支付月数"))


def check(ctx):
    if target_facts(ctx) is None:
        return
    names = [ind.level3.replace(" ", "") for ind in ctx.instance.indicators]
    for needle, label in DERIVED:
        if not any(needle in name for name in names):
            yield Finding(CODE, SEVERITY, f"{NAME}：未设置“{label}”指标及其指标值，xltool 无法据此判断基金运行情况",
                          "fund", label, "缺少")
