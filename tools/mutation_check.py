"""A mutation check you can run: deliberate bugs, one at a time, each against the tests that
should catch it; reports which the suite catches.

    python tools/mutation_check.py            # every mutant (a few minutes: LibreOffice for some)
    python tools/mutation_check.py XT1 round  # only mutants whose id contains one of the words
    python tools/mutation_check.py --list

Each mutant replaces one exact piece of source text (it must occur exactly once: a mutant that no
longer applies is reported as an error, never as caught). The repository is copied to a temporary
directory once; each mutant is applied there, its tests run (``python -m pytest -x -q`` on the
listed files, with LibreOffice and the xlwings remote engine required), and the file restored.
A mutant is *caught* when the tests fail. Exit code 1 if any mutant survives or fails to apply.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Mutant:
    id: str
    what: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    more: tuple[tuple[str, str, str], ...] = ()   # further (path, old, new) edits of the same bug

    def edits(self) -> list[tuple[str, str, str]]:
        return [(self.path, self.old, self.new), *self.more]


CASES = ("tests/test_rule_cases.py",)
ROUNDING = ("tests/test_rounding_halves.py", *CASES)
FRESH = ("tests/test_fresh_formulas.py",)


def rule_drops() -> list[Mutant]:
    """Dropping the findings of each rule code, one at a time."""
    sys.path.insert(0, str(ROOT))
    from xltool.core.rules import RULE_MODULES

    out = [Mutant(f"drop-{code}", f"{code} reports nothing", "xltool/core/rules/__init__.py",
                  "        if ctx.instance.form in rule.FORMS:",
                  f"        if ctx.instance.form in rule.FORMS and rule.CODE != {code!r}:", CASES)
           for code in RULE_MODULES]
    out.append(Mutant("drop-XT120", "XT120 (text where a number belongs) reports nothing", "xltool/core/evaluate.py",
                      "    for message, sheet, row, col in read.problems:",
                      "    for message, sheet, row, col in read.problems[:0]:", CASES))
    out.append(Mutant("drop-XT123", "XT123 (a value typed over a formula) reports nothing", "xltool/core/evaluate.py",
                      "    findings += over\n", "", CASES))
    out.append(Mutant("drop-XT121-XT122", "notices (XT121 text numbers, XT122 fractions) dropped",
                      "xltool/core/evaluate.py", "in read.notices:", "in read.notices[:0]:", CASES))
    return out


MUTANTS = [
    # rounding modes
    Mutant("round-half-even", "percentages and scores rounded half-even (banker's)", "xltool/core/arith.py",
           "value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)",
           "value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)", ROUNDING),
    Mutant("round-truncate", "percentages and scores truncated", "xltool/core/arith.py",
           "value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)",
           "value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)", ROUNDING),
    Mutant("yi-rounded", "万元 → 亿元 rounded half-up instead of truncated", "xltool/core/arith.py",
           "(amount_wan / WAN_PER_YI).quantize(CENT, rounding=ROUND_DOWN)",
           "(amount_wan / WAN_PER_YI).quantize(CENT, rounding=ROUND_HALF_UP)", ROUNDING),
    Mutant("yi-half-even", "万元 → 亿元 rounded half-even", "xltool/core/arith.py",
           "(amount_wan / WAN_PER_YI).quantize(CENT, rounding=ROUND_DOWN)",
           "(amount_wan / WAN_PER_YI).quantize(CENT, rounding=ROUND_HALF_EVEN)", ROUNDING),
    # comparison flips
    Mutant("flip-ge", "≥ judged as >", "xltool/core/values/judge.py",
           "{GE: x >= t, GT: x > t,", "{GE: x > t, GT: x > t,", ("tests/test_values.py", *CASES)),
    Mutant("flip-le", "≤ judged as <", "xltool/core/values/judge.py",
           "LE: x <= t, LT: x < t}", "LE: x < t, LT: x < t}", ("tests/test_values.py", *CASES)),
    Mutant("flip-XT104", "Σ 其中 equal to the total reported", "xltool/core/rules/XT104.py",
           "sum(parts, Decimal(0)) <= total", "sum(parts, Decimal(0)) < total", CASES),
    Mutant("flip-XT110", "a rate of exactly 150% reported", "xltool/core/rules/XT110.py",
           "value > LIMIT", "value >= LIMIT", CASES),
    Mutant("flip-XT140", "a 0.01 亿元 difference reported", "xltool/core/rules/XT140.py",
           "abs(stated - computed) <= TOLERANCE", "abs(stated - computed) < TOLERANCE", CASES),
    Mutant("flip-XT106", "weights of 90 reported", "xltool/core/rules/XT106.py",
           "if weighted and total == want:", "if weighted and total != want:", CASES),
    Mutant("flip-XT113", "overshoot note from above 130% only", "xltool/core/rules/XT113.py",
           "calc.rate >= config.overshoot_note", "calc.rate > config.overshoot_note", CASES),
    # cost indicators derived from the budget (F4)
    Mutant("cost-month", "a per-person-month cost not divided by 12 months", "xltool/core/calc/cost.py",
           "value = units.convert(yuan / basis.count / 12, basis.per, unit)",
           "value = units.convert(yuan / basis.count, basis.per, unit)", CASES),
    Mutant("ceiling-no-half", "a cost ceiling compared without its half-unit of precision", "xltool/core/calc/ceiling.py",
           "(ceiling_wan - half) * count > budget", "ceiling_wan * count > budget", CASES),
    # off-by-one ranges in template formulas
    Mutant("formula-weight-range", "权重合计 sums one row short", "xltool/core/layout.py",
           'SUM({c}{first}:{c}{last}))\'', 'SUM({c}{first}:{c}{last - 1}))\'',
           (*FRESH, "tests/test_templates.py")),
    Mutant("formula-total-parts", "合计 formulas leave out the last fund", "xltool/core/layout.py",
           'cells = ",".join(f"{letter}{rows_of[k]}" for k in parts)',
           'cells = ",".join(f"{letter}{rows_of[k]}" for k in parts[:-1])', (*FRESH, "tests/test_templates.py")),
    Mutant("formula-pct-digits", "percentage formulas round to 3 digits", "xltool/core/layout.py",
           'ROUND(N({b}{r})/{a}{r},4))', 'ROUND(N({b}{r})/{a}{r},3))', (*FRESH, "tests/test_templates.py")),
    # skipped notes
    Mutant("skip-finding-notes", "marked cells get no note", "xltool/io/ooxml/writeback.py",
           "            if done:\n                self.sizes.setdefault(sheet, {})[coord] = marks.note_size(text)\n        return rows",
           "            if done:\n                self.sizes.setdefault(sheet, {})[coord] = marks.note_size(text)\n"
           "            notes.remove(coord)\n        return rows",
           ("tests/test_overwritten_totals.py", "tests/test_preservation.py", "tests/test_ooxml.py")),
    Mutant("skip-original-notes", "what the clerk typed (text number, value over a formula) is not kept in a note",
           "xltool/io/ooxml/writeback.py",
           "        if self.notes(sheet_name).put(coord, note, old[1] if existing else marks.ORIGINAL_AUTHOR):",
           "        if False and self.notes(sheet_name).put(coord, note, old[1] if existing else marks.ORIGINAL_AUTHOR):",
           ("tests/test_clerk_typing.py", "tests/test_ooxml.py")),
    # accepting bad files
    Mutant("accept-empty", "an empty file is not refused", "xltool/io/safety.py",
           'raise UnsafeWorkbook(f"{path}：文件为空（0 字节）")', "pass", ("tests/test_bad_inputs.py",)),
    Mutant("accept-encrypted", "an encrypted workbook is not refused", "xltool/io/safety.py",
           'raise UnsafeWorkbook(f"{path}：工作簿设有打开密码（已加密），请在 Excel 中取消密码后再处理")', "pass",
           ("tests/test_bad_inputs.py",)),
    Mutant("accept-bomb", "an abnormal compression ratio is not refused", "xltool/io/safety.py",
           'raise UnsafeWorkbook(f"{path}：部件 {info.filename} 压缩比异常', 'print(f"{path}：部件 {info.filename} 压缩比异常',
           ("tests/test_bad_inputs.py", "tests/test_limits_and_batches.py")),
    # stopping a batch
    Mutant("batch-stops", "one unforeseen error stops the whole batch (in the worker and in the pool)",
           "xltool/convert.py",
           "    except Exception as exc:   # a file we did not foresee: report it, keep going\n",
           "    except Exception as exc:   # a file we did not foresee: report it, keep going\n        raise\n",
           ("tests/test_convert.py", "tests/test_limits_and_batches.py"),
           more=(("xltool/workers.py", "        except Exception as exc:   # a crash, the time limit, a result that could not be sent back\n",
                  "        except Exception as exc:   # a crash, the time limit, a result that could not be sent back\n            raise\n"),)),
    Mutant("batch-bad-file-stops", "a refused file stops the whole batch", "xltool/convert.py",
           "    except (XltoolError, UnsafeWorkbook, reader.ReadError) as exc:\n",
           "    except (XltoolError, UnsafeWorkbook, reader.ReadError) as exc:\n        raise\n",
           ("tests/test_convert.py",),
           more=(("xltool/workers.py", "        except Exception as exc:   # a crash, the time limit, a result that could not be sent back\n",
                  "        except Exception as exc:   # a crash, the time limit, a result that could not be sent back\n            raise\n"),)),
]


def all_mutants() -> list[Mutant]:
    return [*MUTANTS, *rule_drops()]


def copy_repo(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split("\0")
    for name in files:
        src = ROOT / name
        if name and src.is_file() and not name.startswith(".venv/"):
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def run(mutant: Mutant, copy: Path) -> tuple[str, float]:
    originals = {path: (copy / path).read_text(encoding="utf-8") for path, _, _ in mutant.edits()}
    for path, old, new in mutant.edits():
        text = (copy / path).read_text(encoding="utf-8")
        if text.count(old) != 1:
            for name, saved in originals.items():
                (copy / name).write_text(saved, encoding="utf-8")
            return "does not apply", 0.0
        (copy / path).write_text(text.replace(old, new), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(copy), "XLTOOL_REQUIRE_LIBREOFFICE": "1", "XLTOOL_REQUIRE_XLWINGS": "1",
           "PYTHONDONTWRITEBYTECODE": "1"}
    start = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *mutant.tests],
                              cwd=copy, env=env, capture_output=True, text=True, timeout=900)
        verdict = {0: "SURVIVED", 1: "caught"}.get(proc.returncode, f"error (pytest exit {proc.returncode})")
    except subprocess.TimeoutExpired:
        verdict = "caught (timeout)"
    finally:
        for name, saved in originals.items():
            (copy / name).write_text(saved, encoding="utf-8")
    return verdict, time.monotonic() - start


def main(argv: list[str]) -> int:
    mutants = all_mutants()
    if "--list" in argv:
        for m in mutants:
            print(f"{m.id:24} {m.what}  [{' '.join(m.tests)}]")
        return 0
    words = [a for a in argv if not a.startswith("-")]
    if words:
        mutants = [m for m in mutants if any(w in m.id for w in words)]
    with tempfile.TemporaryDirectory(prefix="xltool-mutants-") as tmp:
        copy = Path(tmp)
        copy_repo(copy)
        baseline, _ = run(Mutant("baseline", "", "README.md", "# xltool", "# xltool", ("tests/test_rule_cases.py",)), copy)
        if baseline != "SURVIVED":   # the unmutated suite must pass
            print(f"baseline: the tests fail without any mutant ({baseline})")
            return 2
        results = []
        print("| mutant | deliberate bug | result | s |\n| --- | --- | --- | --- |")
        for m in mutants:
            verdict, seconds = run(m, copy)
            results.append(verdict)
            print(f"| {m.id} | {m.what} | {verdict} | {seconds:.0f} |", flush=True)
    caught = sum(v.startswith("caught") for v in results)
    print(f"\ncaught {caught} of {len(results)} mutants")
    return 0 if caught == len(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
