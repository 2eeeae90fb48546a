"""The bureau's checking page at ``/``: upload workbooks, see the findings, download the results.

- ``GET /``: the page (``static/index.html``, ``app.js``, ``app.css``; nothing from elsewhere);
- ``POST /api/jobs``: the uploaded files (multipart, field ``files``; workbooks or
  ``.zip`` archives of folders); answers a stream of JSON lines: ``job`` (its id and
  the workbooks taken), one ``row`` per file as it is checked, then ``done``;
- ``GET /api/jobs/<id>/files/<n>``: one file's findings and its sheets as a grid;
- ``GET /api/jobs/<id>/files/<n>/download``, ``/api/jobs/<id>/all.zip``,
  ``/api/jobs/<id>/summary``: the recomputed workbook, all results, 汇总.xlsx;
- ``DELETE /api/jobs/<id>``: forget a job now (otherwise after the session);
- ``GET /api/templates`` and ``GET /api/template?form=…&year=…``: blank templates.

A job id is a random 144-bit token: knowing it is what gives access to a job.
Uploads from another site are refused (``Origin``); every page answer carries a
Content-Security-Policy that allows this server's own scripts and styles only.
"""
from __future__ import annotations

import inspect
import json
import queue
import tempfile
import threading
from pathlib import Path

import anyio
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from xltool.web import gridview, jobs, uploads

STATIC = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
MAX_WAITING = 4
TEMPLATE_OPTIONS = ("year", "region", "level", "fund")


def _text(status: int, message: str) -> Response:
    return PlainTextResponse(message, status_code=status, headers=SECURITY_HEADERS)


def template_options() -> dict:
    """The forms and the options ``workbooks.write_template`` takes (year, region, level, fund where it has them)."""
    from xltool.convert import FORM_ZH
    from xltool.core import funds, model
    from xltool.workbooks import write_template

    params = inspect.signature(write_template).parameters
    return {"forms": [{"id": f, "name": FORM_ZH.get(f, f)} for f in model.FORM_IDS],
            "options": [name for name in TEMPLATE_OPTIONS if name in params],
            "funds": [fund.name for fund in funds.FUNDS]}


def routes(settings) -> list:
    from xltool.web.app import origin_problem

    store = jobs.JobStore(settings.session_minutes, settings.archive, settings.retention_days)
    settings.extra["jobs"] = store

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

    async def create_job(request: Request) -> Response:
        problem = origin_problem(request, settings)
        if problem:
            return _text(403, problem)
        if store.waiting >= MAX_WAITING:
            return _text(503, "服务器正忙：排队的批次过多，请稍后再试")
        try:
            form = await request.form(max_files=settings.max_files + 50, max_fields=20)
        except Exception as exc:   # a broken multipart body, or past the limits
            if type(exc).__name__ == "BodyError":
                raise
            return _text(400, f"上传的内容无法读取：{exc}")
        job = store.new()
        intake = uploads.Intake(job.inputs, uploads.Limits(settings.max_file, settings.max_upload, settings.max_files))
        files = [item for item in form.getlist("files") if hasattr(item, "filename")]

        def take() -> None:
            for item in files:
                item.file.seek(0)
                intake.add_stream(item.filename or "", item.file)
        try:
            await anyio.to_thread.run_sync(take)
        finally:
            await form.close()
        names = sorted(uploads.relative(p, job.inputs) for p in job.inputs.rglob("*") if p.is_file())
        events: queue.Queue = queue.Queue()

        def work() -> None:
            store.waiting += 1
            try:
                with store.running:
                    jobs.run(job, intake.rejected, settings.jobs, events.put)
                    store.keep(job)
            except Exception as exc:   # pragma: no cover - jobs.run reports its own failures
                events.put({"type": "done", "files": len(job.rows), "summary": False, "error": str(exc)})
            finally:
                store.waiting -= 1
        threading.Thread(target=work, daemon=True).start()

        async def stream():
            yield json.dumps({"type": "job", "id": job.id, "names": names,
                              "rejected": len(intake.rejected)}, ensure_ascii=False) + "\n"
            while True:
                event = await anyio.to_thread.run_sync(events.get)
                yield json.dumps(event, ensure_ascii=False, default=str) + "\n"
                if event["type"] == "done":
                    break
        return StreamingResponse(stream(), media_type="application/x-ndjson; charset=utf-8",
                                 headers=SECURITY_HEADERS)

    def job_or_404(request: Request):
        job = store.get(request.path_params["job"])
        if job is None:
            return None, _text(404, "该批次已过期或不存在，请重新上传")
        return job, None

    def file_of(request: Request):
        job, problem = job_or_404(request)
        if problem:
            return None, None, problem
        n = int(request.path_params["n"])
        if not 0 <= n < len(job.rows):
            return None, None, _text(404, "没有这个文件")
        return job, n, None

    async def file_detail(request: Request) -> Response:
        job, n, problem = file_of(request)
        if problem:
            return problem
        row, findings = job.rows[n], job.findings[n]
        from xltool.marks import MARK_FILLS

        data = {"row": row, "findings": findings, "sheets": [],
                "fills": {severity: "#" + fill for severity, fill in MARK_FILLS.items()}}
        if row.get("download"):
            from xltool.process import output_path
            try:
                data["sheets"] = await anyio.to_thread.run_sync(
                    gridview.sheets, output_path(job.outputs / row["file"]), findings)
            except Exception as exc:   # the table and findings still show
                data["grid_error"] = f"无法显示表格：{type(exc).__name__}"
        return JSONResponse(data, headers=SECURITY_HEADERS)

    async def file_download(request: Request) -> Response:
        from xltool.process import output_path

        job, n, problem = file_of(request)
        if problem:
            return problem
        path = output_path(job.outputs / job.rows[n]["file"])
        if not job.rows[n].get("download") or not path.is_file():
            return _text(404, "该文件没有处理结果")
        return FileResponse(path, filename=path.name, headers=SECURITY_HEADERS,
                            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    async def all_zip(request: Request) -> Response:
        job, problem = job_or_404(request)
        if problem:
            return problem
        if not job.done:
            return _text(409, "仍在处理中，请稍候")
        path = await anyio.to_thread.run_sync(jobs.zip_outputs, job)
        return FileResponse(path, filename="校验结果.zip", media_type="application/zip", headers=SECURITY_HEADERS)

    async def summary(request: Request) -> Response:
        from xltool.convert import SUMMARY_NAME

        job, problem = job_or_404(request)
        if problem:
            return problem
        path = job.outputs / SUMMARY_NAME
        if not job.done or not path.is_file():
            return _text(404, "没有汇总表")
        return FileResponse(path, filename=SUMMARY_NAME, headers=SECURITY_HEADERS,
                            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    async def drop(request: Request) -> Response:
        problem = origin_problem(request, settings)
        if problem:
            return _text(403, problem)
        return _text(200 if store.drop(request.path_params["job"]) else 404, "已清除")

    async def templates(request: Request) -> Response:
        return JSONResponse(template_options(), headers=SECURITY_HEADERS)

    async def template(request: Request) -> Response:
        from xltool.convert import FORM_ZH
        from xltool.workbooks import XltoolError, write_template

        options = template_options()
        form = request.query_params.get("form", "")
        kwargs = {}
        for name in options["options"]:
            value = request.query_params.get(name, "").strip()
            if not value:
                continue
            if name == "year":
                if not value.isdigit() or not 1990 <= int(value) <= 2100:
                    return _text(400, "年度应为四位数字，例如 2025")
                kwargs[name] = int(value)
            else:
                kwargs[name] = value[:60]
        with tempfile.TemporaryDirectory(prefix="xltool-template-") as tmp:
            target = Path(tmp) / "template.xlsx"
            try:
                await anyio.to_thread.run_sync(lambda: write_template(form, target, **kwargs))
            except (XltoolError, ValueError) as exc:
                return _text(400, str(exc))
            data = target.read_bytes()
        name = "".join(str(kwargs.get(k, "")) for k in TEMPLATE_OPTIONS) + FORM_ZH.get(form, form)
        return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={**SECURITY_HEADERS, "Content-Disposition": _attachment(f"{name}.xlsx")})

    return [
        Route("/", index),
        Route("/api/jobs", create_job, methods=["POST"]),
        Route("/api/jobs/{job}", drop, methods=["DELETE"]),
        Route("/api/jobs/{job}/files/{n:int}", file_detail),
        Route("/api/jobs/{job}/files/{n:int}/download", file_download),
        Route("/api/jobs/{job}/all.zip", all_zip),
        Route("/api/jobs/{job}/summary", summary),
        Route("/api/templates", templates),
        Route("/api/template", template),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"download.xlsx\"; filename*=UTF-8''{quote(filename)}"
