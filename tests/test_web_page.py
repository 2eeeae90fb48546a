"""The checking page in a real browser: headless Chromium (system package) driven by Playwright.

The test starts ``xltool serve`` on a free loopback port, uploads the seed
workbooks, a broken file, a workbook with markup in its cells and a .zip of a
folder; reads the results table and compares it with the 汇总.xlsx of ``xltool
convert`` over the same files; opens one file's findings and compares them with
``xltool check``, and the marked cells' colours with the recomputed workbook;
downloads the .zip and compares it with the output of ``xltool convert``; takes a
blank template; drives the page by keyboard and by drag and drop; stops the server.
"""
import base64
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

import browser
from conftest import ROOT

pytestmark = pytest.mark.browser
if browser.problem():   # in CI (XLTOOL_REQUIRE_BROWSER=1) this skip is a failure (tests/engines.py)
    pytest.skip(f"browser not available: {browser.problem()}", allow_module_level=True)

SEEDS = sorted((ROOT / "workbooks").glob("*.xlsx"))
HOSTILE = '<img src=x onerror="window.__xss=1">喀什地区</td><script>window.__xss=2</script>'
ZIPPED = {"天山区": SEEDS[0], "沙依巴克区/本级": SEEDS[-1], "沙依巴克区": SEEDS[10]}
SHOTS = Path(os.environ.get("XLTOOL_SCREENSHOTS", "")) if os.environ.get("XLTOOL_SCREENSHOTS") else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "xltool.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The upload (loose files + one zip) and the same files as a folder for ``xltool convert``."""
    root = tmp_path_factory.mktemp("upload")
    loose = root / "loose"
    loose.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, loose / seed.name)
    (loose / "损坏的表.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    wb = openpyxl.load_workbook(SEEDS[0])
    ws = wb.worksheets[0]
    ws.cell(row=ws.max_row + 1, column=1, value=HOSTILE)
    wb.save(loose / "含标记的表.xlsx")
    archive = root / "区县上报.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for folder, seed in ZIPPED.items():
            z.write(seed, f"{folder}/{seed.name}")
        z.writestr("说明.txt", "不是工作簿，应被忽略")
    reference = root / "reference"          # the same files in the layout the page gives them
    shutil.copytree(loose, reference)
    with zipfile.ZipFile(archive) as z:
        z.extractall(reference / "区县上报")
    (reference / "区县上报" / "说明.txt").unlink()
    out = root / "convert-out"
    result = cli("convert", str(reference), "-o", str(out))
    assert (out / "汇总.xlsx").exists(), result.stdout + result.stderr
    return {"upload": sorted(loose.iterdir()) + [archive], "reference": reference, "out": out}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    config = tmp_path_factory.mktemp("config")
    env = {**os.environ, "XLTOOL_CONFIG_DIR": str(config)}
    proc = subprocess.Popen([sys.executable, "-m", "xltool.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        seen = []
        while not any("服务已启动" in line for line in seen):
            line = proc.stdout.readline()
            assert line, "".join(seen)
            seen.append(line)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(15)
    assert proc.returncode is not None


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=browser.executable(), args=browser.ARGS)
        context = chromium.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server + "/")
        yield page
        assert errors == []
        chromium.close()


def shot(page, name):
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name))


def table_rows(page):
    return page.eval_on_selector_all("#table tbody tr", """rows => rows.map(tr =>
        Array.from(tr.cells).map(td => td.textContent.trim()))""")


def summary_rows(path, sheet="文件汇总"):
    """The rows of a 汇总.xlsx sheet; a failed file's reason from where its name starts (the library names
    the file by its full path, which differs between the server's temporary folder and the test's)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb[sheet].iter_rows(values_only=True))
    wb.close()
    header = rows[0]
    out = {}
    for n, r in enumerate(rows[1:]):
        row = dict(zip(header, r))
        name = str(r[0]).replace("\\", "/")
        if row.get("说明"):
            row["说明"] = row["说明"][row["说明"].find(name.rsplit("/", 1)[-1]):]
        out[name if sheet == "文件汇总" else (name, n)] = row
    return out


def parts(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def content(data: bytes) -> dict:
    """What a workbook holds, cell by cell: value, fill colour, note (style indexes may be numbered differently
    from run to run: the patcher's style numbering depends on the interpreter's hash seed)."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None or c.comment or c.fill.fill_type:
                    out[(ws.title, c.coordinate)] = (c.value, c.fill.fill_type and c.fill.fgColor.rgb,
                                                     c.comment.text if c.comment else None)
        out[(ws.title, "state")] = ws.sheet_state
    return out


@pytest.fixture(scope="module")
def checked(page, files):
    started = time.monotonic()
    page.set_input_files("#picker", [str(p) for p in files["upload"]])
    page.wait_for_selector("#status:has-text('校验完成')", timeout=120_000)
    shot(page, "results.png")
    return time.monotonic() - started


def test_the_table_lists_what_convert_finds(page, files, checked):
    rows = table_rows(page)
    expected = summary_rows(files["out"] / "汇总.xlsx")
    shown = {r[0]: r for r in rows}
    assert set(shown) == set(expected)                          # every file, the zip's in its folders
    assert {f"区县上报/{folder}/{seed.name}" for folder, seed in ZIPPED.items()} <= set(shown)
    for name, want in expected.items():
        file_, form, entity, year, errors, warnings, info, score, grade, status, _ = shown[name]
        assert (form, entity, int(errors), int(warnings)) == (want["表单"] or "", want["单位/项目"] or "",
                                                               want["错误数"] or 0, want["警告数"] or 0), name
        assert score == str(want["总分"] or "")
        assert status.startswith(want["状态"]), (name, status)
    broken = shown["损坏的表.xlsx"]
    assert broken[9].startswith("失败：") and "损坏" in broken[9] or "无法" in broken[9]
    assert page.evaluate("window.__xss") is None
    progress = page.eval_on_selector_all("#progress li", "items => items.map(li => li.className)")
    assert len(progress) == len(rows) and set(progress) == {"done", "failed"}


def test_sorting_and_filtering(page, checked):
    page.click("#table th button[data-key=errors]")
    errors = [int(r[4]) for r in table_rows(page)]
    assert errors == sorted(errors, reverse=True) and errors[0] > 0
    page.click("#table th button[data-key=errors]")
    assert [int(r[4]) for r in table_rows(page)] == sorted(errors)
    page.select_option("#status-filter", "失败")
    assert [r[0] for r in table_rows(page)] == ["损坏的表.xlsx"]
    page.select_option("#status-filter", "")
    page.fill("#filter", "区县上报")
    assert len(table_rows(page)) == len(ZIPPED)
    page.fill("#filter", "")


def test_one_files_findings_beside_the_form(page, files, checked, tmp_path):
    expected = summary_rows(files["out"] / "汇总.xlsx")
    name = max(expected, key=lambda n: (expected[n]["错误数"] or 0) + (expected[n]["警告数"] or 0))
    page.click(f"#table button.file-button[data-n]:text-is('{name}')")
    page.wait_for_selector("#grid table.grid")
    shot(page, "findings.png")
    shown = page.eval_on_selector_all("#findings tbody tr", """rows => rows.map(tr =>
        Array.from(tr.cells).map(td => td.textContent.trim()))""")
    check = cli("check", str(files["reference"] / name), "--format", "json")
    want = json.loads(check.stdout)
    want = want if isinstance(want, list) else want.get("findings", want)
    assert sorted((r[0], r[1], r[2].split()[0]) for r in shown) == sorted(
        (f["sheet"], f["cell"], f["rule"]) for f in want)
    assert all(len(r[2].split()) >= 2 for r in shown)           # the rule's code, level and description
    # the marked cells carry the fills of the recomputed workbook
    sheet = page.eval_on_selector("#sheet-tabs button[aria-selected=true]", "b => b.textContent")
    marked = page.eval_on_selector_all("#grid td.marked", """tds => tds.map(td =>
        [td.dataset.ref, getComputedStyle(td).backgroundColor])""")
    assert {ref for ref, _ in marked} == {f["cell"] for f in want if f["sheet"] == sheet}
    with page.expect_download() as download:
        page.click("#detail-download")
    path = tmp_path / "one.xlsx"
    download.value.save_as(path)
    assert content(path.read_bytes()) == content((files["out"] / name).read_bytes())
    ws = openpyxl.load_workbook(path)[sheet]
    for ref, colour in marked:
        rgb = ws[ref].fill.fgColor.rgb[-6:]
        assert colour == "rgb({}, {}, {})".format(*(int(rgb[i:i + 2], 16) for i in (0, 2, 4))), ref
    page.keyboard.press("Escape")
    assert page.is_visible("#results") and not page.is_visible("#detail")


def test_hostile_text_stays_text(page, checked):
    page.click("#table button.file-button:text-is('含标记的表.xlsx')")
    page.wait_for_selector("#grid table.grid")
    assert page.eval_on_selector("#grid", "g => g.querySelectorAll('img, script').length") == 0
    assert HOSTILE in page.eval_on_selector("#grid", "g => g.textContent")
    assert page.evaluate("window.__xss") is None
    page.click("#back")


def test_the_zip_is_what_convert_writes(page, files, checked, tmp_path):
    with page.expect_download() as download:
        page.click("#zip-link")
    path = tmp_path / "all.zip"
    download.value.save_as(path)
    got = parts(path.read_bytes())
    want = {p.relative_to(files["out"]).as_posix(): p.read_bytes() for p in files["out"].rglob("*") if p.is_file()}
    assert set(got) == set(want)
    for name, data in want.items():
        if name == "汇总.xlsx":
            mine, theirs = path.parent / "mine.xlsx", path.parent / "theirs.xlsx"
            mine.write_bytes(got[name]), theirs.write_bytes(data)
            for sheet in ("文件汇总", "全部问题", "按规则统计"):
                assert summary_rows(mine, sheet) == summary_rows(theirs, sheet)
        else:
            assert content(got[name]) == content(data), name


def test_the_summary_download(page, files, checked, tmp_path):
    with page.expect_download() as download:
        page.click("#summary-link")
    path = tmp_path / "summary.xlsx"
    download.value.save_as(path)
    assert summary_rows(path) == summary_rows(files["out"] / "汇总.xlsx")


def test_keyboard_reaches_everything(page, checked):
    page.click("#tab-check")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "pick-label"
    # Tab on through the toolbar to the first file, Enter opens it, Escape goes back to it
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('file-button')"):
            break
    else:
        pytest.fail("no file button reached by Tab")
    name = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.wait_for_selector("#detail-title:text-is('" + name + "')")
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.textContent") == name
    page.focus("#tab-check")
    page.keyboard.press("ArrowRight")
    assert page.is_visible("#panel-templates")
    page.keyboard.press("ArrowLeft")
    assert page.is_visible("#panel-check")


def values(path):
    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row}


@pytest.mark.parametrize("form, options", [
    ("self-evaluation", {"year": "2025", "region": "喀什地区", "fund": "城乡居民基本养老保险"}),
    ("budget-tables", {"year": "2024", "region": "喀什地区", "level": "本级"}),
])
def test_a_blank_template_is_the_one_the_cli_writes(page, tmp_path, form, options):
    page.click("#tab-templates")
    page.wait_for_selector(f"#t-form option[value={form}]", state="attached")
    page.select_option("#t-form", form)
    for name, value in options.items():
        if name in ("level", "fund"):
            page.select_option(f"#t-{name}", value)
        else:
            page.fill(f"#t-{name}", value)
    with page.expect_download() as download:
        page.click("#template-form button[type=submit]")
    path = tmp_path / "page.xlsx"
    download.value.save_as(path)
    reference = tmp_path / "cli.xlsx"
    args = [x for name, value in options.items() for x in (f"--{name}", value)]
    assert cli("template", form, "-o", str(reference), *args).returncode == 0
    assert values(path) == values(reference)
    for name in options:   # leave the form as found
        if name in ("level", "fund"):
            page.select_option(f"#t-{name}", "")
        else:
            page.fill(f"#t-{name}", "")
    page.click("#tab-check")


def test_a_template_the_library_refuses_is_said_on_the_page(page):
    page.click("#tab-templates")
    page.select_option("#t-form", "budget-tables")
    page.select_option("#t-fund", "工伤保险")
    page.click("#template-form button[type=submit]")
    page.wait_for_selector("#t-message:has-text('不能指定')")
    page.select_option("#t-fund", "")
    page.click("#tab-check")


def test_fits_1366_by_768(page, checked):
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.click("#table button.file-button >> nth=0")
    page.wait_for_selector("#grid table.grid")
    for box in ("#findings", "#grid"):   # findings and the form side by side, both on screen
        rect = page.eval_on_selector(box, "e => e.getBoundingClientRect().toJSON()")
        assert rect["top"] < 768 and rect["left"] < 1366 and rect["width"] > 300, (box, rect)
    page.click("#back")


def test_drag_and_drop(page):
    data = base64.b64encode(SEEDS[1].read_bytes()).decode()
    transfer = page.evaluate_handle("""([name, b64]) => {
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name));
        return dt;
    }""", [SEEDS[1].name, data])
    page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})
    page.wait_for_selector("#status:has-text('校验完成：共 1 个文件')", timeout=60_000)
    assert [r[0] for r in table_rows(page)] == [SEEDS[1].name]
