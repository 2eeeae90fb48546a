"""What the Office.js service serves to xlwings' remote clients (Office.js add-in, VBA ``RunRemotePython``).

- ``POST /xlwings/<button>``: the JSON book an xlwings client sends; runs the
  button's macro (``xltool.excel.dispatch``) on ``xw.Book(json=...)`` and
  answers with the actions for the client to apply (``book.json()``).
- ``GET /manifest.xml?token=…``: an Office add-in manifest with the 「绩效工具」 tab (the
  same buttons as the desktop ribbon, all calling one function, ``xltoolButton``).
- ``GET /commands.html``: the function file of that manifest (office.js and
  xlwings' Office.js client, ``xlwings.runPython``).
- ``GET /xlwings/alert``: the dialog the Office.js client opens for an alert.
- ``GET /icon-<16|32|64|80>.png``: the add-in's icons.

The routes, limits and the token are in ``app.py`` (Starlette on uvicorn); the
macros run one at a time, since xlwings' remote engine keeps its books in one
process-wide list. The manifest's URLs carry the install token; the function
file passes it on as ``Authorization: Bearer …``.
The remote engine is xlwings PRO: set ``XLWINGS_LICENSE_KEY`` before starting.
Office requires https for add-ins: pass a certificate (``certfile``/``keyfile``).
"""
from __future__ import annotations

import re
import struct
import threading
import uuid
import zlib
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

FUNCTION = "xltoolButton"
ICON_SIZES = (16, 32, 64, 80)
ICON_COLOR = (0x1F, 0x4E, 0x79)
OFFICE_JS = "https://appsforoffice.microsoft.com/lib/1/hosted/office.js"
_LOCK = threading.Lock()


def xlwings_js_url() -> str:
    """xlwings' Office.js client (``xlwings.runPython``), matching the installed xlwings version."""
    try:
        v = version("xlwings")
    except PackageNotFoundError:   # pragma: no cover
        v = "latest"
    return f"https://cdn.jsdelivr.net/gh/xlwings/xlwings@{v}/xlwingsjs/dist/xlwings.min.js"


def remote_engine_problem() -> str:
    """Why xlwings' remote engine cannot run here (Chinese), or "" when it can."""
    try:
        import xlwings as xw
    except ImportError:
        return "未安装 xlwings：请先 pip install xlwings"
    if not getattr(xw, "__pro__", False):
        return ("xlwings 的远程引擎（xlwings Server）需要许可证密钥：请先设置环境变量 XLWINGS_LICENSE_KEY，"
                "或运行 xlwings license update -k 密钥")
    return ""


def run_macro(button: str, payload: dict) -> dict:
    """Run one button on a JSON book; the actions for the client (``{"actions": [...]}``)."""
    import xlwings as xw

    from xltool import excel

    with _LOCK:
        book = xw.Book(json=payload)
        try:
            excel.dispatch(button, book)
            return book.json()
        finally:
            book.close()


# --- the Office add-in ------------------------------------------------------------------------------


def manifest_xml(base_url: str, token: str = "") -> str:
    """The Office add-in manifest: a 「绩效工具」 tab whose buttons all run ``xltoolButton``.

    The function file's URL carries the install token (``commands.html?token=…``).
    """
    from xltool.excel import addin

    base = base_url.rstrip("/")
    commands_url = base + "/commands.html" + (f"?token={quote(token)}" if token else "")
    addin_id = uuid.uuid5(uuid.NAMESPACE_URL, base + "/xltool")
    try:
        from xltool import __version__
    except ImportError:   # pragma: no cover
        __version__ = "0.0.0"
    numbers = [int(n) for n in re.findall(r"\d+", __version__)[:4]]
    app_version = ".".join(str(n) for n in (numbers + [0, 0, 0, 0])[:4])
    short = {"Tab.Label": addin.TAB_LABEL}
    long_ = {}
    groups = []
    for group_id, group_label, buttons in addin.GROUPS:
        short[f"{group_id}.Label"] = group_label
        controls = []
        for key, label, _image, tip in buttons:
            short[f"xltool_{key}.Label"] = label
            long_[f"xltool_{key}.Tip"] = tip
            controls.append(f"""
              <Control xsi:type="Button" id="xltool_{key}">
                <Label resid="xltool_{key}.Label"/>
                <Supertip><Title resid="xltool_{key}.Label"/><Description resid="xltool_{key}.Tip"/></Supertip>
                <Icon><bt:Image size="16" resid="Icon.16"/><bt:Image size="32" resid="Icon.32"/><bt:Image size="80" resid="Icon.80"/></Icon>
                <Action xsi:type="ExecuteFunction"><FunctionName>{FUNCTION}</FunctionName></Action>
              </Control>""")
        groups.append(f"""
            <Group id="{group_id}">
              <Label resid="{group_id}.Label"/>
              <Icon><bt:Image size="16" resid="Icon.16"/><bt:Image size="32" resid="Icon.32"/><bt:Image size="80" resid="Icon.80"/></Icon>{''.join(controls)}
            </Group>""")
    images = "".join(f'<bt:Image id="Icon.{n}" DefaultValue={quoteattr(f"{base}/icon-{n}.png")}/>'
                     for n in (16, 32, 80))
    shorts = "".join(f"<bt:String id={quoteattr(k)} DefaultValue={quoteattr(v)}/>" for k, v in short.items())
    longs = "".join(f"<bt:String id={quoteattr(k)} DefaultValue={quoteattr(v)}/>" for k, v in long_.items())
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OfficeApp xmlns="http://schemas.microsoft.com/office/appforoffice/1.1"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
           xmlns:bt="http://schemas.microsoft.com/office/officeappbasictypes/1.0"
           xmlns:ov="http://schemas.microsoft.com/office/taskpaneappversionoverrides"
           xsi:type="TaskPaneApp">
  <Id>{addin_id}</Id>
  <Version>{app_version}</Version>
  <ProviderName>xltool</ProviderName>
  <DefaultLocale>zh-CN</DefaultLocale>
  <DisplayName DefaultValue={quoteattr(addin.TAB_LABEL)}/>
  <Description DefaultValue="社会保险基金预算绩效表单：校验、重算、清除标记"/>
  <IconUrl DefaultValue={quoteattr(base + "/icon-32.png")}/>
  <HighResolutionIconUrl DefaultValue={quoteattr(base + "/icon-64.png")}/>
  <SupportUrl DefaultValue={quoteattr(base + "/")}/>
  <AppDomains><AppDomain>{escape(base)}</AppDomain></AppDomains>
  <Hosts><Host Name="Workbook"/></Hosts>
  <DefaultSettings><SourceLocation DefaultValue={quoteattr(commands_url)}/></DefaultSettings>
  <Permissions>ReadWriteDocument</Permissions>
  <VersionOverrides xmlns="http://schemas.microsoft.com/office/taskpaneappversionoverrides" xsi:type="VersionOverridesV1_0">
    <Hosts>
      <Host xsi:type="Workbook">
        <DesktopFormFactor>
          <FunctionFile resid="Commands.Url"/>
          <ExtensionPoint xsi:type="PrimaryCommandSurface">
            <CustomTab id="xltoolTab">{''.join(groups)}
              <Label resid="Tab.Label"/>
            </CustomTab>
          </ExtensionPoint>
        </DesktopFormFactor>
      </Host>
    </Hosts>
    <Resources>
      <bt:Images>{images}</bt:Images>
      <bt:Urls><bt:Url id="Commands.Url" DefaultValue={quoteattr(commands_url)}/></bt:Urls>
      <bt:ShortStrings>{shorts}</bt:ShortStrings>
      <bt:LongStrings>{longs}</bt:LongStrings>
    </Resources>
  </VersionOverrides>
</OfficeApp>
"""


def commands_html(xlwings_js: str | None = None) -> str:
    """The add-in's function file: one function for every button; the button's id names the macro.

    The token comes from the page's own address (the manifest puts it there) and goes out as
    ``Authorization: Bearer …``.
    """
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>绩效工具</title>
  <script src="{OFFICE_JS}"></script>
  <script src={quoteattr(xlwings_js or xlwings_js_url())}></script>
</head>
<body>
<script>
  Office.onReady(function () {{}});
  function {FUNCTION}(event) {{
    var id = ((event && event.source && event.source.id) || "").replace(/^xltool_/, "");
    var done = function () {{ if (event && event.completed) {{ event.completed(); }} }};
    var token = new URLSearchParams(window.location.search).get("token") || "";
    Promise.resolve(xlwings.runPython(window.location.origin + "/xlwings/" + id,
                                      {{auth: "Bearer " + token}})).then(done, done);
  }}
  if (Office.actions && Office.actions.associate) {{ Office.actions.associate("{FUNCTION}", {FUNCTION}); }}
</script>
</body>
</html>
"""


def alert_html(query: dict[str, list[str]]) -> str:
    """The alert dialog of xlwings' Office.js client (xlwings' own template)."""
    import jinja2

    from xltool.excel.addin import xlwings_addin_path

    template = (xlwings_addin_path().parent.parent / "html" / "xlwings-alert.html").read_text(encoding="utf-8-sig")
    env = jinja2.Environment(autoescape=True)
    return env.from_string(template).render(**{k: (query.get(k) or [""])[0]
                                              for k in ("prompt", "title", "buttons", "mode", "callback")})


def png(size: int, rgb: tuple[int, int, int] = ICON_COLOR) -> bytes:
    """A plain square PNG (the add-in's icon), made with zlib alone."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * size
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * size, 9)) + chunk(b"IEND", b""))
