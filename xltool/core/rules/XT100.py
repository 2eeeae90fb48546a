"""XT100 空白表单 — a wholly blank form: a fresh template, or one whose inputs were all cleared.

Reported once, as information, and the other rules stay silent on it (a form nobody has
started has nothing missing and nothing to compute). Any form family, 附表 included.

Bad:  (information only) a 自评表 straight from ``xltool template self-evaluation``: no
      项目名称, no 预算数/执行数, no indicators → 表单为空白.
Good: as soon as one value is typed in, the form is computed and checked normally
      (and XT109 reports what is still missing).
"""
from xltool.core.calc.targets import is_blank_form
from xltool.core.findings import INFO, Finding
from xltool.core.model import FORM_IDS

CODE, NAME, SEVERITY, FORMS = "XT100", "空白表单", INFO, FORM_IDS


def check(ctx):
    blank = ctx.facts.get("blank")   # worked out by the recomputation already (target forms)
    if blank if blank is not None else is_blank_form(ctx.instance):
        yield Finding(CODE, SEVERITY, "表单为空白：尚未填写任何内容，未进行计算和校验")
