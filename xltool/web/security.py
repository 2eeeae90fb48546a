"""What the server trusts: the per-install token, the origins it answers, the JSON it parses.

- **Token.** One random token per installation, generated on first use and kept
  in the user's config folder (``token``, mode 0600); ``xltool serve`` prints
  it. The macro endpoints refuse a request without it (``Authorization: Bearer
  <token>``, or the bare token, or ``X-Xltool-Token``), so a page on another
  site cannot make a clerk's browser run a macro.
- **Origins.** Browsers send ``Origin`` on cross-site requests; the server
  answers CORS only for the Office hosts (Excel on the web and the desktop
  Office.js runtimes) and for origins the operator adds, and a state-changing
  request from any other origin is refused outright (a "simple" cross-site POST
  would otherwise run before the browser's CORS check).
- **JSON.** Parsed with a nesting limit: too deep is a 400, never a
  ``RecursionError``.
"""
from __future__ import annotations

import hmac
import json
import os
import re
import secrets
import sys
from pathlib import Path

TOKEN_FILE = "token"
MAX_JSON_DEPTH = 64   # an xlwings book is about 6 levels deep

# Office.js add-ins run inside these origins (Excel on the web, Office on Windows/Mac, Outlook hosts).
OFFICE_ORIGIN_REGEX = (r"https://([a-z0-9-]+\.)*(officeapps\.live\.com|office\.com|office365\.com|"
                       r"microsoft365\.com|sharepoint\.com|officeppe\.com|live\.com)")


def config_dir() -> Path:
    """The user's config folder for xltool (``XLTOOL_CONFIG_DIR`` overrides it)."""
    if os.environ.get("XLTOOL_CONFIG_DIR"):
        return Path(os.environ["XLTOOL_CONFIG_DIR"])
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming") / "xltool"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "xltool"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "xltool"


def install_token(directory: Path | None = None) -> str:
    """This installation's token: read from the config folder, or generated and stored there (0600)."""
    folder = directory or config_dir()
    path = folder / TOKEN_FILE
    try:
        token = path.read_text(encoding="ascii").strip()
        if re.fullmatch(r"[A-Za-z0-9_-]{32,}", token):
            return token
    except (OSError, UnicodeDecodeError):
        pass
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    tmp = path.with_name(f".{TOKEN_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    os.replace(tmp, path)
    return token


def presented_token(headers) -> str:
    """The token a request carries (``Authorization: Bearer …``, a bare ``Authorization``, ``X-Xltool-Token``)."""
    value = headers.get("authorization") or headers.get("x-xltool-token") or ""
    value = value.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value


def token_ok(presented: str, expected: str) -> bool:
    return bool(presented) and hmac.compare_digest(presented.encode("utf-8", "replace"), expected.encode("utf-8"))


def origin_allowed(origin: str, own_origins: set[str], extra: tuple[str, ...] = ()) -> bool:
    """Whether a request's ``Origin`` may talk to the server: its own origin, the Office hosts, the operator's list."""
    origin = origin.rstrip("/").lower()
    if origin in own_origins or origin in {o.rstrip("/").lower() for o in extra}:
        return True
    return re.fullmatch(OFFICE_ORIGIN_REGEX, origin) is not None


class JSONTooDeep(ValueError):
    pass


def loads_limited(data: bytes, max_depth: int = MAX_JSON_DEPTH):
    """``json.loads`` with a nesting limit (``ValueError`` for bad or too-deep JSON)."""
    try:
        value = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise JSONTooDeep(f"JSON 嵌套层数超过 {max_depth}") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"不是 UTF-8 文本（第 {exc.start} 字节）") from None
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise JSONTooDeep(f"JSON 嵌套层数超过 {max_depth}")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return value
