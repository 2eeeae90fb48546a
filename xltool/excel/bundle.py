"""The offline installation folder (``xltool addin bundle -o DIR``) for a Windows PC without internet or admin rights.

``build_bundle(DIR)`` writes, to copy onto a USB stick:

- ``wheels/``: xltool's own wheel and the wheels of all its dependencies for
  Windows x64 (``win_amd64``) and each supported Python version, fetched with
  ``pip download --only-binary=:all: --platform win_amd64 --python-version X``;
  xlwings is pinned to the version installed here, whose VBA the add-in
  carries (xlwings refuses to run when the two differ).
  pip judges environment markers by the machine it runs on, so a dependency
  only Windows needs (xlwings → pywin32, pandas → tzdata)
  is missed by that command; ``missing_requirements`` reads every wheel's
  ``Requires-Dist`` with the markers of Windows and the target Python and the
  missing ones are downloaded too, until nothing is missing;
- ``xltool.xlam``: the add-in (``build_addin``), its ribbon callbacks inside;
- ``安装.cmd`` / ``卸载.cmd`` (GBK, the code page of a Chinese Windows console):
  installs into the user's profile without admin rights — a virtual
  environment in ``%LOCALAPPDATA%\\xltool``, ``pip install --no-index`` from
  ``wheels``, the add-in copied into Excel's start-up folder (XLSTART) and the
  interpreter written into the add-in's settings file
  (``%USERPROFILE%\\.xltool\\xltool.conf``);
- ``说明.txt``: the same steps in words.

Python itself is the one prerequisite (docs/excel-addin.md names the installer).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from xltool.workbooks import XltoolError

PYTHONS = ("3.11", "3.12", "3.13", "3.14")   # those xlwings 0.37.8 has Windows wheels for
PLATFORM = "win_amd64"
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Bundle:
    folder: Path
    pythons: tuple[str, ...]
    wheels: list[Path] = field(default_factory=list)
    addin: Path | None = None
    scripts: list[Path] = field(default_factory=list)


def windows_environment(python: str) -> dict[str, str]:
    """The marker environment of CPython ``python`` (e.g. "3.12") on 64-bit Windows."""
    return {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt", "platform_machine": "AMD64",
            "platform_release": "10", "platform_version": "10.0", "implementation_name": "cpython",
            "platform_python_implementation": "CPython", "implementation_version": f"{python}.0",
            "python_version": python, "python_full_version": f"{python}.0", "extra": ""}


def _supported_tags(python: str) -> set:
    from packaging import tags

    version = tuple(int(part) for part in python.split("."))
    interpreter = f"cp{version[0]}{version[1]}"
    return set(tags.cpython_tags(version, platforms=[PLATFORM])) | set(
        tags.compatible_tags(version, interpreter=interpreter, platforms=[PLATFORM]))


def wheels_for(folder: Path, python: str) -> dict[str, list[tuple[object, Path]]]:
    """Wheels in folder installable on Windows x64 with ``python``: name → [(version, path)]."""
    from packaging.utils import parse_wheel_filename

    supported, out = _supported_tags(python), {}
    for path in sorted(folder.glob("*.whl")):
        name, version, _, wheel_tags = parse_wheel_filename(path.name)
        if wheel_tags & supported:
            out.setdefault(name, []).append((version, path))
    return out


def _requires(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        text = zf.read(meta).decode("utf-8", "replace").split("\n\n", 1)[0]
    return [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Requires-Dist:")]


def missing_requirements(folder: Path, python: str) -> list[str]:
    """Requirements of the wheels in folder, as Windows x64 and ``python`` see them, that no wheel there meets."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    available, env, missing = wheels_for(folder, python), windows_environment(python), {}
    for versions in list(available.values()):
        for _, wheel in versions:
            for text in _requires(wheel):
                req = Requirement(text)
                if req.marker is not None and not req.marker.evaluate(env):
                    continue
                have = available.get(canonicalize_name(req.name), [])
                if not any(req.specifier.contains(version, prereleases=True) for version, _ in have):
                    req.marker = None
                    missing.setdefault(str(req), None)
    return list(missing)


def _pip(*args: str) -> None:
    cmd = [sys.executable, "-m", "pip", *args]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        raise XltoolError(f"pip 执行失败（{' '.join(args[:2])} …）：\n{tail}")


def own_wheel(folder: Path, wheel: str | Path | None = None) -> Path:
    """xltool's wheel in folder: the one given, or built from the source tree xltool runs from."""
    folder.mkdir(parents=True, exist_ok=True)
    if wheel is not None:
        wheel = Path(wheel)
        if not wheel.is_file():
            raise XltoolError(f"找不到 xltool 的 wheel 文件：{wheel}")
        target = folder / wheel.name
        if target.resolve() != wheel.resolve():
            shutil.copyfile(wheel, target)
        return target
    if not (ROOT / "pyproject.toml").is_file():
        raise XltoolError("xltool 不是从源码目录运行的：请用 --wheel 指定 xltool 的 .whl 文件")
    before = set(folder.glob("xltool-*.whl"))
    _pip("wheel", "--no-deps", "--quiet", "--wheel-dir", str(folder), str(ROOT))
    built = sorted(set(folder.glob("xltool-*.whl")) - before) or sorted(folder.glob("xltool-*.whl"))
    if not built:
        raise XltoolError("未能生成 xltool 的 wheel")
    return built[-1]


def download(folder: Path, requirements: list[str], python: str) -> None:
    _pip("download", "--quiet", "--only-binary=:all:", "--platform", PLATFORM, "--python-version", python,
         "--implementation", "cp", "--dest", str(folder), "--find-links", str(folder), *requirements)


def xlwings_version() -> str:
    from importlib.metadata import version

    return version("xlwings")


def build_bundle(outdir: str | Path, pythons=PYTHONS, *, wheel: str | Path | None = None,
                 overwrite: bool = False) -> Bundle:
    """Write the offline installation folder (see the module docstring). Needs PyPI (pip download).
    An add-in or script already in the folder is refused before anything is written, unless ``overwrite``
    (the wheels folder is pip's: wheels already there are reused)."""
    from xltool.excel.addin import build_addin
    from xltool.io import outputs

    folder = Path(outdir)
    outputs.refuse([folder / "xltool.xlam", *(folder / name for name in SCRIPT_NAMES)], overwrite=overwrite)
    wheels = folder / "wheels"
    own = own_wheel(wheels, wheel)
    bundle = Bundle(folder, tuple(pythons))
    pin = f"xlwings=={xlwings_version()}"   # the add-in's VBA is this version's: Python's must match it
    for python in bundle.pythons:
        try:
            download(wheels, [str(own), pin], python)
        except XltoolError as exc:
            raise XltoolError(f"无法为 Python {python} 准备 wheel（xlwings 须与加载项同为 {pin[9:]}，"
                              f"它是否提供该 Python 版本的 Windows wheel？）：{exc}") from exc
        for _ in range(10):
            missing = missing_requirements(wheels, python)
            if not missing:
                break
            download(wheels, missing, python)
        else:
            raise XltoolError(f"Python {python} 的依赖无法补齐：{'、'.join(missing)}")
    bundle.wheels = sorted(wheels.glob("*.whl"))
    bundle.addin = build_addin(folder / "xltool.xlam", overwrite=overwrite)
    bundle.scripts = write_scripts(folder, bundle.pythons)
    return bundle


SCRIPT_NAMES = ("安装.cmd", "卸载.cmd", "说明.txt")


def write_scripts(folder: Path, pythons) -> list[Path]:
    """安装.cmd, 卸载.cmd and 说明.txt (CRLF; the .cmd files in GBK, read by a Chinese Windows console)."""
    from xltool.excel.scripts import install_cmd, readme_txt, uninstall_cmd

    low, high = min(pythons, key=_key), max(pythons, key=_key)
    out = []
    for name, text, encoding in (("安装.cmd", install_cmd(low, high), "gbk"), ("卸载.cmd", uninstall_cmd(), "gbk"),
                                 ("说明.txt", readme_txt(low, high), "utf-8-sig")):
        path = folder / name
        path.write_bytes(text.replace("\r\n", "\n").replace("\n", "\r\n").encode(encoding))
        out.append(path)
    return out


def _key(python: str) -> tuple[int, ...]:
    return tuple(int(p) for p in python.split("."))
