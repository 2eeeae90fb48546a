"""The scripts of the offline installation folder (``bundle.py``), and the settings step they run.

``install_cmd`` is a Windows batch file: it needs no admin rights (everything
goes under the user's profile) and no internet (``pip install --no-index``
from the folder's ``wheels``). ``python -m xltool.excel.scripts configure
PYTHON`` writes the interpreter into the add-in's settings file
``%USERPROFILE%\\.xltool\\xltool.conf`` (the add-in's ``PROJECT_NAME`` is
``xltool``), keeping any other setting there.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

INSTALL_DIR = r"%LOCALAPPDATA%\xltool"
XLSTART = r"%APPDATA%\Microsoft\Excel\XLSTART"


def install_cmd(low: str, high: str) -> str:
    newest_first = sorted({low, high} | _between(low, high), key=lambda v: tuple(map(int, v.split("."))), reverse=True)
    tries = "\n".join(
        f'  if not defined PY py -{v}-64 -c "import sys" >nul 2>nul && set "PY=py -{v}-64"' for v in newest_first)
    lo, hi = tuple(map(int, low.split("."))), tuple(map(int, high.split(".")))
    check = f"import sys,struct; sys.exit(0 if {lo}<=sys.version_info[:2]<={hi} and struct.calcsize('P')==8 else 1)"
    return rf"""@echo off
setlocal EnableExtensions
title xltool 离线安装
rem xltool 离线安装：不需要管理员权限，也不需要联网。全部安装在当前用户的文件夹中。
set "HERE=%~dp0"
set "VENV={INSTALL_DIR}\venv"
set "XLSTART={XLSTART}"

echo ==== xltool 离线安装 ====
echo.
set "PY="
where py >nul 2>nul && (
{tries}
)
if not defined PY python -c "{check}" >nul 2>nul && set "PY=python"
if not defined PY goto nopython
echo 使用的 Python：
%PY% -c "import sys; print(sys.executable, sys.version.split()[0])"

echo 1/4 创建 xltool 的独立环境：%VENV%
%PY% -m venv "%VENV%" || goto fail
echo 2/4 从本文件夹安装 xltool 及其依赖（不联网）……
"%VENV%\Scripts\python.exe" -m pip install --disable-pip-version-check --no-index --find-links "%HERE%wheels" --upgrade xltool || goto fail
echo 3/4 安装 Excel 加载项到启动文件夹：%XLSTART%
if not exist "%XLSTART%" mkdir "%XLSTART%" || goto fail
copy /y "%HERE%xltool.xlam" "%XLSTART%\xltool.xlam" >nul || goto busy
echo 4/4 设置加载项使用的 Python
"%VENV%\Scripts\python.exe" -m xltool.excel.scripts configure "%VENV%\Scripts\python.exe" || goto fail

echo.
echo 安装完成。请重新启动 Excel，功能区中会出现「绩效工具」选项卡。
echo 如 Excel 提示宏已被禁用，请在「文件」-「选项」-「信任中心」中允许该加载项。
pause
exit /b 0

:nopython
echo.
echo 没有找到可用的 Python（需要 {low} 至 {high} 的 64 位版本）。
echo 请先安装 Python（见 说明.txt），安装时勾选“Add python.exe to PATH”，然后重新运行本文件。
pause
exit /b 1

:busy
echo.
echo 无法复制加载项：Excel 可能正在运行。请关闭所有 Excel 窗口后重新运行本文件。
pause
exit /b 1

:fail
echo.
echo 安装未完成，请把本窗口的内容截图发给信息科。
pause
exit /b 1
"""


def _between(low: str, high: str) -> set[str]:
    major, lo = map(int, low.split("."))
    _, hi = map(int, high.split("."))
    return {f"{major}.{minor}" for minor in range(lo, hi + 1)}


def uninstall_cmd() -> str:
    return rf"""@echo off
setlocal EnableExtensions
title xltool 卸载
echo 正在卸载 xltool（请先关闭 Excel）……
if exist "{XLSTART}\xltool.xlam" del /f /q "{XLSTART}\xltool.xlam" || goto busy
if exist "{INSTALL_DIR}\venv" rmdir /s /q "{INSTALL_DIR}\venv"
echo 已卸载。设置文件 %USERPROFILE%\.xltool\xltool.conf 保留（可手动删除）。
pause
exit /b 0

:busy
echo 无法删除加载项：Excel 可能正在运行。请关闭所有 Excel 窗口后重新运行本文件。
pause
exit /b 1
"""


def readme_txt(low: str, high: str) -> str:
    return f"""xltool 离线安装包（Windows 64 位，不需要联网，不需要管理员权限）

本文件夹内容：
  wheels\\        xltool 及其全部依赖（Python {low} 至 {high}，64 位）
  xltool.xlam    Excel 加载项（「绩效工具」选项卡，按钮的宏已在加载项内）
  安装.cmd       安装程序
  卸载.cmd       卸载程序

安装步骤：
  1. 如电脑上还没有 Python：运行 Python 官方安装程序（如 python-3.12.10-amd64.exe，
     可从 https://www.python.org/downloads/windows/ 下载后一并拷贝），
     勾选“Add python.exe to PATH”，点“Install Now”（安装到当前用户，不需要管理员权限）。
  2. 关闭所有 Excel 窗口。
  3. 双击“安装.cmd”，等待出现“安装完成”。
  4. 打开 Excel，功能区中出现「绩效工具」选项卡即可使用。

安装位置：
  xltool 及依赖：%LOCALAPPDATA%\\xltool\\venv
  加载项：      %APPDATA%\\Microsoft\\Excel\\XLSTART\\xltool.xlam
  设置文件：    %USERPROFILE%\\.xltool\\xltool.conf（记录加载项使用的 Python）
"""


def configure(interpreter: str, conf: str | Path | None = None) -> Path:
    """Write INTERPRETER_WIN into the add-in's settings file; other settings there are kept."""
    path = Path(conf) if conf else Path(os.environ.get("USERPROFILE") or Path.home()) / ".xltool" / "xltool.conf"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    if path.exists():
        lines = [ln for ln in path.read_text(encoding="mbcs" if os.name == "nt" else "utf-8").splitlines()
                 if ln.strip() and not ln.strip().upper().startswith('"INTERPRETER_WIN"')]
    lines.append(f'"INTERPRETER_WIN","{interpreter}"')
    # VBA reads the file in the system code page ("Open ... For Input")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("mbcs" if os.name == "nt" else "utf-8"))
    return path


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "configure":
        path = configure(argv[1], argv[2] if len(argv) > 2 else None)
        print(f"已写入设置：{path}")
        return 0
    print("用法：python -m xltool.excel.scripts configure PYTHON路径 [设置文件]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
