"""The command line in Chinese: Typer's and Click's own texts, in one place.

Every command and sub-app made through ``ZhTyper`` (``app.command()``,
``app.add_typer()``) uses ``ZhCommand`` / ``ZhGroup``, which localise what Typer
and Click print themselves: the usage line (用法：… [选项] 命令), the help option
(显示此帮助并退出。), the panel titles (参数 / 选项 / 命令 / 错误), the default and
required tags, the type tags (<整数>, <路径>…) and the usage errors (缺少选项 …).
Commands only give their own Chinese help texts; nothing is patched per command.

Usage errors keep Click's exit status 2.
"""
from __future__ import annotations

import re
import sys
import types

import typer
from typer import core as typer_core

# Panel titles and tags of Typer's rich help (module constants, read when help is printed).
RICH_TEXTS = {
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "ABORTED_TEXT": "已中止。",
    "DEFAULT_STRING": "[默认：{}]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "REQUIRED_LONG_STRING": "[必填]",
    "DEPRECATED_STRING": "（已弃用）",
    "RICH_HELP": "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。",
}
HELP_OPTION_TEXT = "显示此帮助并退出。"
OPTIONS_METAVAR = "[选项]"
SUBCOMMAND_METAVAR = "命令 [参数]..."
USAGE_PREFIX = "用法："

# Argument names shown in usage lines and errors (the parameter's name upper-cased otherwise).
ARGUMENT_NAMES = {"paths": "路径", "form": "表单", "files": "文件", "src": "文件夹", "seeds": "种子文件夹",
                  "region": "全地区附表", "benji": "本级附表", "budget": "附表", "path": "路径"}

# Type tags: Typer's English label → Chinese.
TYPE_NAMES = {"int": "整数", "str": "文本", "path": "路径", "Path": "路径", "float": "数字", "file": "文件",
              "directory": "文件夹", "dir": "文件夹", "bool": ""}

# Click's and Typer's usage errors, whole-message patterns → Chinese ({0}, {1}: the groups).
ERRORS: tuple[tuple[str, str], ...] = (
    (r"Missing option (.+?)\.?", "缺少选项 {0}。"),
    (r"Missing argument (.+?)\.?", "缺少参数 {0}。"),
    (r"Missing parameter:? (.+?)\.?", "缺少参数 {0}。"),
    (r"Missing command\.?", "缺少命令。"),
    (r"No such option:? (\S+?)\.? \(Possible options: (.+)\)", "没有这个选项：{0}（可能是：{1}）"),
    (r"No such option:? (\S+?)\.? Did you mean (.+?)\??", "没有这个选项：{0}（是否要用 {1}？）"),
    (r"No such option:? (\S+?)\.?", "没有这个选项：{0}"),
    (r"No such command (.+?)\.?", "没有这个命令：{0}"),
    (r"Option (.+?) requires an argument\.?", "选项 {0} 需要一个值。"),
    (r"Option (.+?) requires (\d+) arguments\.?", "选项 {0} 需要 {1} 个值。"),
    (r"Option (.+?) does not take a value\.?", "选项 {0} 不接受值。"),
    (r"Argument (.+?) takes (\d+) values\.?", "参数 {0} 需要 {1} 个值。"),
    (r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)", "多余的参数：{0}"),
    (r"Invalid value for (.+?): (.+)", "{0} 的值无效：{1!v}"),
    (r"Invalid value: (.+)", "值无效：{0!v}"),
    (r"Could not open file (.+?): (.+)", "无法打开文件 {0}：{1}"),
)
# The reason inside "Invalid value …" (pydantic's and Click's wording).
VALUE_ERRORS: tuple[tuple[str, str], ...] = (
    (r"Input should be a valid integer.*", "应为整数"),
    (r"Input should be a valid (number|decimal).*", "应为数字"),
    (r"Input should be a valid boolean.*", "应为是/否（true/false）"),
    (r"Input should be a valid path.*", "应为路径"),
    (r"(.+?) is not a valid integer\.?", "{0} 不是整数"),
    (r"(.+?) is not a valid float\.?", "{0} 不是数字"),
    (r"Value (.+?) is not a valid (\w+)\.?", "{0} 不是有效的{1!t}"),
    (r"(.+?) is not one of (.+?)\.?", "{0} 不在可选值中（{1}）"),
    (r"(?:File|Directory|Path) (.+?) does not exist\.?", "{0} 不存在"),
    (r"(?:File|Path) (.+?) is a directory\.?", "{0} 是文件夹"),
    (r"Directory (.+?) is a file\.?", "{0} 是文件"),
)


def _apply(table, text: str) -> str | None:
    for pattern, template in table:
        match = re.fullmatch(pattern, text.strip(), flags=re.S)
        if match:
            groups = match.groups()
            out = template
            for n, group in enumerate(groups):
                out = out.replace(f"{{{n}!v}}", translate_value(group))
                out = out.replace(f"{{{n}!t}}", TYPE_NAMES.get(group, group))
                out = out.replace(f"{{{n}}}", group)
            return out
    return None


def translate_value(text: str) -> str:
    return _apply(VALUE_ERRORS, text) or text


def translate_error(text: str) -> str:
    """A usage error in Chinese; an unknown one is introduced in Chinese and kept as is."""
    return _apply(ERRORS, text) or f"命令行用法有误：{text}"


def zh_usage(usage: str) -> str:
    return re.sub(r"^\s*Usage:\s*", USAGE_PREFIX, usage)


def _type_tag(param, ctx) -> str | None:
    if getattr(param, "is_flag", False) or getattr(param, "is_bool_flag", False):
        return ""
    if param.metavar is not None and param.param_type_name == "option":
        return param.metavar
    label = _ORIGINAL_DISPLAY(param, ctx)
    if label is None:
        return None
    inner = label.strip("<>")
    many = inner.startswith("list[")
    inner = inner[5:-1] if many else inner
    if "|" in inner:   # choices stay as they are typed
        name = inner
    else:
        name = TYPE_NAMES.get(inner, inner)
    if not name:
        return ""
    return f"<{name}>" + ("..." if many or (param.nargs != 1 and param.param_type_name == "argument") else "")


_ORIGINAL_DISPLAY = typer_core._TyperParameter.display_type


def _localise_params(command) -> None:
    for param in command.params:
        if param.param_type_name == "argument" and param.metavar is None:
            param.metavar = ARGUMENT_NAMES.get(param.name, param.name.upper())
        param.display_type_rich = types.MethodType(_type_tag, param)


def _localised_methods(base):
    """get_usage, get_help_option, format_help and main of ``base``, in Chinese."""
    def get_usage(self, ctx) -> str:
        return zh_usage(base.get_usage(self, ctx))

    def format_help(self, ctx, formatter):
        install()   # Typer's rich help module is imported only when help is printed (start-up time)
        return base.format_help(self, ctx, formatter)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Usage errors printed in Chinese by xltool itself (exit 2), so that Typer's rich help module
        is not imported at every start."""
        if not standalone_mode:
            return base.main(self, args, prog_name, complete_var, standalone_mode, **extra)
        from typer._click.exceptions import ClickException

        from typer.exceptions import Abort

        try:
            code = base.main(self, args, prog_name, complete_var, False, **extra)
        except ClickException as error:
            _format_error(error)
            sys.exit(error.exit_code)
        except Abort:
            print(RICH_TEXTS["ABORTED_TEXT"], file=sys.stderr)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def get_help_option(self, ctx):
        option = base.get_help_option(self, ctx)
        if option is not None:
            option.help = HELP_OPTION_TEXT
            option.display_type_rich = types.MethodType(_type_tag, option)
        return option

    return get_usage, get_help_option, format_help, main


class ZhCommand(typer_core.TyperCommand):
    get_usage, get_help_option, format_help, main = _localised_methods(typer_core.TyperCommand)

    def __init__(self, *args, **kwargs):
        kwargs["options_metavar"] = OPTIONS_METAVAR
        super().__init__(*args, **kwargs)
        _localise_params(self)


class ZhGroup(typer_core.TyperGroup):
    get_usage, get_help_option, format_help, main = _localised_methods(typer_core.TyperGroup)

    def __init__(self, *args, **kwargs):
        kwargs["options_metavar"] = OPTIONS_METAVAR
        kwargs["subcommand_metavar"] = SUBCOMMAND_METAVAR
        super().__init__(*args, **kwargs)
        _localise_params(self)

    def get_command(self, ctx, name):
        """Sub-commands made with a plain ``typer.Typer`` are localised too."""
        return localise(super().get_command(ctx, name))


def localise(command):
    """Turn a plain Typer command or group into its Chinese counterpart (in place)."""
    if command is None or isinstance(command, (ZhCommand, ZhGroup)):
        return command
    if isinstance(command, typer_core.TyperGroup):
        command.__class__ = ZhGroup
        command.subcommand_metavar = SUBCOMMAND_METAVAR
    elif isinstance(command, typer_core.TyperCommand):
        command.__class__ = ZhCommand
    else:
        return command
    command.options_metavar = OPTIONS_METAVAR
    _localise_params(command)
    return command


class ZhTyper(typer.Typer):
    """A Typer whose commands and sub-apps print Typer's and Click's own texts in Chinese."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("cls", ZhGroup)
        super().__init__(*args, **kwargs)

    def command(self, *args, **kwargs):
        kwargs.setdefault("cls", ZhCommand)
        return super().command(*args, **kwargs)

    def add_typer(self, *args, **kwargs):
        kwargs.setdefault("cls", ZhGroup)
        return super().add_typer(*args, **kwargs)


def _format_error(error) -> None:
    """Typer's error printer, in Chinese: usage line, where to find help, the message."""
    if type(error).__name__ == "NoArgsIsHelpError":
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.panel import Panel

    console = Console(stderr=True, highlight=False, soft_wrap=False)
    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        console.print(escape(ctx.get_usage()), style="bold")
        if ctx.command.get_help_option(ctx) is not None:
            console.print(f"运行 '{escape(ctx.command_path)} {ctx.help_option_names[0]}' 查看帮助。", style="dim")
    console.print(Panel(escape(translate_error(error.format_message())), border_style="red", title="错误",
                        title_align="left"))


_installed = False


def install() -> None:
    """Put the Chinese texts into Typer's help and error printer (idempotent, cheap)."""
    global _installed
    if _installed:
        return
    _installed = True
    from typer import rich_utils

    for name, text in RICH_TEXTS.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, text)
    rich_utils.rich_format_error = _format_error
