"""The checking page's server side without a browser: hostile uploads, what is kept, who may upload.

Each test posts to a real server on loopback (``ServerThread``) the way the page does.
"""
import io
import json
import os
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from conftest import ROOT
from xltool.web import uploads
from xltool.web.server import ServerThread, Settings

SEEDS = sorted((ROOT / "workbooks").glob("*.xlsx"))


def post(url, files, headers=None):
    response = httpx.post(url + "/api/jobs", files=[("files", f) for f in files], headers=headers or {}, timeout=120)
    events = [json.loads(line) for line in response.text.splitlines()] if response.status_code == 200 else []
    return response, events


def rows(events):
    return {e["file"]: e for e in events if e["type"] == "row"}


def a_zip(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture()
def server(tmp_path):
    with ServerThread(Settings(token="t" * 40, max_file=2_000_000, max_files=20)) as srv:
        yield srv


def test_hostile_names_stay_inside_the_job(server, tmp_path):
    seed = SEEDS[0].read_bytes()
    evil = a_zip({"../../escaped.xlsx": seed, "/etc/abs.xlsx": seed, "C:\\win\\drive.xlsx": seed,
                  "a/./b/../c.xlsx": seed})
    response, events = post(server.url, [("../../../逃逸.xlsx", seed, "application/octet-stream"),
                                         ("evil.zip", evil, "application/zip")])
    assert response.status_code == 200
    store = server.settings.extra["jobs"]
    job = store.get(events[0]["id"])
    names = sorted(p.relative_to(job.inputs).as_posix() for p in job.inputs.rglob("*") if p.is_file())
    assert names == ["evil/C_/win/drive.xlsx", "evil/a/b/c.xlsx", "evil/escaped.xlsx", "evil/etc/abs.xlsx", "逃逸.xlsx"]
    assert not list(store.root.parent.glob("escaped.xlsx")) and not Path("/etc/abs.xlsx").exists()


def test_a_zip_from_chinese_windows_keeps_its_names():
    """Windows' own zip tool writes names in GBK without the UTF-8 flag; zipfile reads them as cp437."""
    info = zipfile.ZipInfo("喀什/表.xlsx".encode("gbk").decode("cp437"))
    assert uploads.member_name(info) == "喀什/表.xlsx"
    flagged = zipfile.ZipInfo("乌鲁木齐/表.xlsx")
    flagged.flag_bits |= 0x800
    assert uploads.member_name(flagged) == "乌鲁木齐/表.xlsx"


def test_what_cannot_be_taken_is_a_failed_row_with_a_reason(server):
    seed = SEEDS[0].read_bytes()
    big = b"PK" + b"\0" * 2_100_000
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("大.xlsx", b"\0" * 5_000_000)           # 5 MB inflated from a few KB: over the 2 MB limit
    response, events = post(server.url, [("说明.docx", b"x", "application/octet-stream"),
                                         ("破损.zip", b"PK\x03\x04 broken", "application/zip"),
                                         ("过大.xlsx", big, "application/octet-stream"),
                                         ("炸弹.zip", bomb.getvalue(), "application/zip"),
                                         ("好的.xlsx", seed, "application/octet-stream")])
    got = rows(events)
    assert got["说明.docx"]["status"] == "失败" and "不支持的文件类型" in got["说明.docx"]["reason"]
    assert "压缩包无法打开" in got["破损.zip"]["reason"]
    assert "文件过大" in got["过大.xlsx"]["reason"]
    assert "文件过大" in got["炸弹.zip/大.xlsx"]["reason"]
    assert got["好的.xlsx"]["status"] != "失败"
    assert events[-1]["type"] == "done"


def test_too_many_files_is_said_per_file(server):
    seed = SEEDS[0].read_bytes()
    members = {f"f{i:02d}.xlsx": seed for i in range(25)}
    _, events = post(server.url, [("多.zip", a_zip(members), "application/zip")])
    got = rows(events)
    assert sum(r["status"] != "失败" for r in got.values()) == 20
    assert sum("文件过多" in r["reason"] for r in got.values()) == 5


def test_an_upload_from_another_site_is_refused(server):
    seed = SEEDS[0].read_bytes()
    response, _ = post(server.url, [("a.xlsx", seed, "application/octet-stream")],
                       headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    response, _ = post(server.url, [("a.xlsx", seed, "application/octet-stream")], headers={"Origin": server.url})
    assert response.status_code == 200


def test_nothing_is_kept_by_default(tmp_path):
    settings = Settings(token="t" * 40, session_minutes=0.01)
    with ServerThread(settings) as srv:
        store = settings.extra["jobs"]
        _, events = post(srv.url, [(SEEDS[0].name, SEEDS[0].read_bytes(), "application/octet-stream")])
        job = store.get(events[0]["id"])
        assert job is not None and job.folder.exists()      # downloadable for the session …
        time.sleep(1)
        store.sweep()
        assert not job.folder.exists()                      # … then gone
        assert httpx.get(f"{srv.url}/api/jobs/{job.id}/all.zip").status_code == 404
        _, events = post(srv.url, [(SEEDS[0].name, SEEDS[0].read_bytes(), "application/octet-stream")])
        assert httpx.delete(f"{srv.url}/api/jobs/{events[0]['id']}").status_code == 200
        root = store.root
        assert list(root.iterdir()) == []                   # 清除本次结果: gone at once
    assert not root.exists()                                # and the server leaves nothing behind


def test_the_archive_keeps_inputs_and_results_for_its_retention(tmp_path):
    archive = tmp_path / "存档"
    old = archive / "20200101-000000-abcdefgh"
    old.mkdir(parents=True)
    os.utime(old, (time.time() - 40 * 86400,) * 2)
    other = archive / "别人的文件夹"
    other.mkdir()
    os.utime(other, (time.time() - 400 * 86400,) * 2)
    with ServerThread(Settings(token="t" * 40, archive=archive, retention_days=30)) as srv:
        post(srv.url, [(SEEDS[0].name, SEEDS[0].read_bytes(), "application/octet-stream")])
    kept = [p for p in archive.iterdir() if p.name not in ("别人的文件夹",)]
    assert len(kept) == 1 and kept[0] != old                 # past retention: deleted; the new run: kept
    assert (kept[0] / "上传" / SEEDS[0].name).read_bytes() == SEEDS[0].read_bytes()
    assert (kept[0] / "结果" / SEEDS[0].name).exists() and (kept[0] / "结果" / "汇总.xlsx").exists()
    assert other.exists()                                   # only xltool's own runs are ever deleted


def test_a_template_with_a_bad_year_is_a_400(server):
    response = httpx.get(f"{server.url}/api/template", params={"form": "self-evaluation", "year": "20x5"})
    assert response.status_code == 400 and "年度" in response.text
    response = httpx.get(f"{server.url}/api/template", params={"form": "nonsense"})
    assert response.status_code == 400 and "未知表单" in response.text


def test_the_page_loads_nothing_from_elsewhere(server):
    page = httpx.get(server.url + "/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "http" not in page.text.replace(server.url, "").split("<body>")[0].replace('content="width', "")
    for asset in ("/static/app.js", "/static/app.css"):
        text = httpx.get(server.url + asset).text
        assert "http://" not in text and "https://" not in text and "innerHTML" not in text


def test_the_summary_names_a_failed_file_as_uploaded_not_by_the_servers_folder(server, tmp_path):
    """The 汇总.xlsx in the results zip (and the page) names a file that could not be read by the name it
    was uploaded under; the server's temporary folder is nobody's business."""
    import openpyxl

    _, events = post(server.url, [("县甲/损坏的表.xlsx", b"PK\x03\x04 not a workbook", "application/octet-stream"),
                                  (SEEDS[0].name, SEEDS[0].read_bytes(), "application/octet-stream")])
    job_id = events[0]["id"]
    root = str(server.settings.extra["jobs"].root)
    zipped = httpx.get(f"{server.url}/api/jobs/{job_id}/all.zip", timeout=60)
    assert zipped.status_code == 200
    (tmp_path / "汇总.xlsx").write_bytes(zipfile.ZipFile(io.BytesIO(zipped.content)).read("汇总.xlsx"))
    wb = openpyxl.load_workbook(tmp_path / "汇总.xlsx", read_only=True)
    sheet = list(wb["文件汇总"].iter_rows(values_only=True))
    header, body = sheet[0], [dict(zip(sheet[0], r)) for r in sheet[1:]]
    failed = [r for r in body if r["状态"] == "失败"]
    assert len(failed) == 1, body
    reason = failed[0]["说明"]
    assert "损坏的表.xlsx" in reason and root not in reason and "xltool-serve-" not in reason, reason
    assert not reason.startswith("/"), reason
    page_rows = [e for e in events if e["type"] == "row" and e["status"] == "失败"]
    assert page_rows and root not in page_rows[0]["reason"] and "损坏的表.xlsx" in page_rows[0]["reason"]
