"""The command line in Chinese: Click's own texts, in one place.

Commands made in a ``ZhGroup`` (``group.command()``, ``group.group()``, and plain Click
commands added with ``add_command``) are ``ZhCommand`` / ``ZhGroup``, which print what
Click prints itself in Chinese: the usage line (用法：… [选项] 命令 [参数]...), the help
option (显示此帮助并退出。), the section titles (参数 / 选项 / 命令), the default and
required tags ([默认：…] / [必填]), the type tags (<整数>, <路径>…) and the usage errors
(缺少选项 …, translated by ``ERRORS`` / ``VALUE_ERRORS``). Help is laid out by display
width (a Chinese character takes two columns) and never breaks a line before a closing
or after an opening mark. Commands only give their own Chinese help texts; nothing is
patched per command.

Usage errors are printed by xltool itself and exit with status 2 (Click's).
"""
from __future__ import annotations

import inspect
import re
import sys
import unicodedata
from functools import partial
from pathlib import Path

import click

HELP_OPTION_TEXT = "显示此帮助并退出。"
OPTIONS_METAVAR = "[选项]"
SUBCOMMAND_METAVAR = "命令 [参数]..."
USAGE_PREFIX = "用法："
SECTIONS = {"arguments": "参数", "options": "选项", "commands": "命令"}
ERROR_LABEL = "错误："
ABORTED_TEXT = "已中止。"
HELP_HINT = "运行 '{command} {option}' 查看帮助。"
REQUIRED_TAG = "[必填]"
DEFAULT_TAG = "[默认：{}]"
MAX_WIDTH = 120   # help uses the terminal's width up to this many columns

# Argument names shown in usage lines, help and errors (the parameter's name upper-cased otherwise).
ARGUMENT_NAMES = {"paths": "路径", "form": "表单", "files": "文件", "src": "文件夹", "seeds": "种子文件夹",
                  "region": "全地区附表", "benji": "本级附表", "budget": "附表", "path": "路径"}

# Type tags: Click's type name → Chinese.
TYPE_NAMES = {"integer": "整数", "int": "整数", "text": "文本", "str": "文本", "path": "路径", "float": "数字",
              "file": "文件", "filename": "文件", "directory": "文件夹", "boolean": "是/否值", "bool": "是/否值",
              "choice": "选项值", "integer range": "整数", "float range": "数字", "uuid": "UUID", "datetime": "日期时间"}

# Click's usage errors, whole-message patterns → Chinese ({0}, {1}: the groups; !v: a value error, !t: a type).
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
# The reason inside "Invalid value …" (Click's wording).
VALUE_ERRORS: tuple[tuple[str, str], ...] = (
    (r"(.+?) is not a valid integer\.?", "{0} 不是整数"),
    (r"(.+?) is not a valid float\.?", "{0} 不是数字"),
    (r"(.+?) is not a valid boolean\.?", "{0} 不是是/否值（true/false）"),
    (r"(.+?) is not one of (.+?)\.?", "{0} 不在可选值中（{1}）"),
    (r"(.+?) is not a valid (\w+)\.?", "{0} 不是有效的{1!t}"),
    (r"(?:File|Directory|Path) (.+?) does not exist\.?", "{0} 不存在"),
    (r"(?:File|Path) (.+?) is a directory\.?", "{0} 是文件夹"),
    (r"Directory (.+?) is a file\.?", "{0} 是文件"),
    (r"(?:File|Directory|Path) (.+?) is not readable\.?", "{0} 不可读"),
    (r"(?:File|Directory|Path) (.+?) is not writable\.?", "{0} 不可写"),
)


def _apply(table, text: str) -> str | None:
    for pattern, template in table:
        match = re.fullmatch(pattern, text.strip(), flags=re.S)
        if match:
            out = template
            for n, group in enumerate(match.groups()):
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


# --- layout by display width ------------------------------------------------------------------
NO_LINE_START = set("，。、；：！？）》」』】〕”’…·,.;:!?)]}")
NO_LINE_END = set("（《「『【〔“‘([{")
_TOKENS = re.compile(r"\s+|\[[^\]\s]*\]|[\x21-\x7e]+|.", re.S)   # a [tag] is never broken


def display_width(text: str) -> int:
    """Columns a terminal gives text: two for a wide (CJK) character and, to be safe, for an ambiguous
    one (“”…– are two columns in a Chinese console); none for a combining mark."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WFA" else 1
               for c in text)


def _cut(token: str, width: int) -> list[str]:
    """A word longer than a line, in pieces of at most width columns."""
    pieces, piece = [], ""
    for char in token:
        if piece and display_width(piece + char) > width:
            pieces.append(piece)
            piece = ""
        piece += char
    return pieces + [piece]


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most width columns: ASCII words kept whole (unless longer than a line), Chinese
    broken between any two characters, but no line starting with a closing or ending with an opening mark."""
    width = max(width, 8)
    tokens = [piece for token in _TOKENS.findall(" ".join(text.split()))
              for piece in (_cut(token, width) if display_width(token) > width else [token])]
    lines: list[list[str]] = [[]]
    used = 0
    for token in tokens:
        line, size = lines[-1], display_width(token)
        if used + size <= width or not line:
            if token != " " or line:
                line.append(token)
                used += size
            continue
        if token == " ":
            continue
        while line and line[-1] == " ":
            line.pop()
        carry = []
        if token[0] in NO_LINE_START:   # a closing mark takes the character before it (and its marks) along
            while len(line) > 1 and (not carry or carry[0][0] in NO_LINE_START):
                carry.insert(0, line.pop())
        while len(line) > 1 and line[-1][-1] in NO_LINE_END:   # an opening mark goes with what it opens
            carry.insert(0, line.pop())
        if sum(map(display_width, carry)) + size > width:   # carrying would overflow: break here after all
            line.extend(carry)
            carry = []
        while line and line[-1] == " ":
            line.pop()
        lines.append(carry + [token])
        used = sum(map(display_width, lines[-1]))
    return ["".join(line).rstrip() for line in lines]


class ZhFormatter(click.HelpFormatter):
    """Click's help formatter with Chinese headings, measured in display columns."""

    def __init__(self, indent_increment: int = 2, width: int | None = None, max_width: int | None = None):
        super().__init__(indent_increment, width, max_width or MAX_WIDTH)

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        head = f"{'':>{self.current_indent}}{USAGE_PREFIX}{prog} "
        if display_width(head) > self.width * 0.6:   # a long command path: the arguments on lines of their own
            self.write(head.rstrip() + "\n")
            head = " " * (self.current_indent + 4)
        self._write_hung(head, args)

    def _write_hung(self, head: str, text: str) -> None:
        """head, then text wrapped in the columns to its right."""
        hang = display_width(head)
        self.write((head + ("\n" + " " * hang).join(wrap(text, self.width - hang))).rstrip() + "\n")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for n, paragraph in enumerate(re.split(r"\n\s*\n", text)):
            if n:
                self.write("\n")
            for line in wrap(paragraph, self.width - self.current_indent):
                self.write(indent + line + "\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [row for row in rows if row]
        first = min(max((display_width(name) for name, _ in rows), default=0), col_max)
        indent = " " * self.current_indent
        for name, text in rows:
            if display_width(name) > first and text:   # a long name: its text on the next line
                self.write(indent + name + "\n")
                name = ""
            self._write_hung(indent + name + " " * (first + col_spacing - display_width(name)), text)


class ZhContext(click.Context):
    formatter_class = ZhFormatter


# --- parameters -------------------------------------------------------------------------------
_UNSET = getattr(click.core, "UNSET", object())


def type_tag(kind: click.ParamType) -> str:
    if isinstance(kind, click.Choice):
        return "<" + "|".join(map(str, kind.choices)) + ">"
    return f"<{TYPE_NAMES.get(kind.name, kind.name)}>"


def _tags(param: click.Parameter, ctx: click.Context, text: str | None) -> str:
    """The help text with its [必填] or [默认：…] tag."""
    tags = []
    if param.required:
        tags.append(REQUIRED_TAG)
    elif not getattr(param, "is_flag", False) and getattr(param, "show_default", None) is not False:
        default = param.get_default(ctx, call=False)
        if isinstance(default, (list, tuple)):
            default = "、".join(map(str, default))
        if default is not _UNSET and default is not None and not callable(default) and str(default) != "":
            tags.append(DEFAULT_TAG.format(default))
    return " ".join([text or "", *tags]).strip()


class ZhArgument(click.Argument):
    """An argument with a Chinese name in usage, help and errors, and a help text of its own."""

    def __init__(self, param_decls, required: bool | None = None, help: str | None = None, **attrs):
        super().__init__(param_decls, required=required, **attrs)
        self.help = help

    @property
    def human_readable_name(self) -> str:
        return self.metavar or ARGUMENT_NAMES.get(self.name, self.name.upper())

    def make_metavar(self, ctx: click.Context | None = None) -> str:
        name = self.human_readable_name
        if not self.required:
            name = f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")

    def get_help_record(self, ctx: click.Context):
        return self.make_metavar(ctx), _tags(self, ctx, self.help)

    def get_error_hint(self, ctx: click.Context | None) -> str:
        return f"'{self.human_readable_name}'"


class ZhOption(click.Option):
    """An option whose help row carries a Chinese type tag and Chinese tags."""

    def make_metavar(self, ctx: click.Context | None = None) -> str:
        if self.metavar is not None:
            return self.metavar
        return type_tag(self.type) + ("..." if self.multiple or self.nargs != 1 else "")

    def get_help_record(self, ctx: click.Context):
        if self.hidden:
            return None

        def names(opts):
            return ", ".join(sorted(opts, key=lambda opt: len(opt) - len(opt.lstrip("-/"))))
        spec = " / ".join(names(opts) for opts in (self.opts, self.secondary_opts) if opts)
        if not self.is_flag and not self.count:
            spec += " " + self.make_metavar(ctx)
        return spec, _tags(self, ctx, self.help)


argument = partial(click.argument, cls=ZhArgument)
option = partial(click.option, cls=ZhOption)
PATH = click.Path(path_type=Path)


def _localise_params(command: click.Command) -> None:
    for param in command.params:
        if type(param) is click.Option:
            param.__class__ = ZhOption
        elif type(param) is click.Argument:
            param.help = getattr(param, "help", None)
            param.__class__ = ZhArgument


def localise(command):
    """Turn a plain Click command or group into its Chinese counterpart (in place)."""
    if type(command) is click.Group:
        command.__class__ = ZhGroup
        command.subcommand_metavar = SUBCOMMAND_METAVAR
    elif type(command) is click.Command:
        command.__class__ = ZhCommand
    else:
        return command
    command.options_metavar = OPTIONS_METAVAR
    _localise_params(command)
    return command


# --- commands ---------------------------------------------------------------------------------
class _Chinese:
    """What ZhCommand and ZhGroup share: Chinese help and usage errors."""
    context_class = ZhContext

    def get_help_option(self, ctx: click.Context):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION_TEXT
            if type(option) is click.Option:
                option.__class__ = ZhOption
        return option

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self.format_usage(ctx, formatter)
        self.format_help_text(ctx, formatter)
        params = self.get_params(ctx)
        arguments = [p.get_help_record(ctx) for p in params if isinstance(p, click.Argument)]
        options = [p.get_help_record(ctx) for p in params if not isinstance(p, click.Argument)]
        section(formatter, SECTIONS["arguments"], arguments)
        section(formatter, SECTIONS["options"], options)
        self.format_commands(ctx, formatter)
        self.format_epilog(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pass

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:   # the parser's own errors (e.g. "-o" with no value) know no context
            if error.ctx is None:
                error.ctx = ctx
            raise

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Usage errors are printed in Chinese (exit 2); with no arguments a group prints its help (exit 2)."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.ClickException as error:
            show_error(error)
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo(ABORTED_TEXT, err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def section(formatter: click.HelpFormatter, title: str, rows) -> None:
    rows = [row for row in rows if row]
    if rows:
        with formatter.section(title):
            formatter.write_dl(rows)


def short_help(command: click.Command) -> str:
    """A command's line in its group's help: its short help, else the first paragraph of its help."""
    if command.short_help:
        return command.short_help
    text = inspect.cleandoc(command.help or "").partition("\f")[0]
    return " ".join(text.split("\n\n")[0].split())


class ZhCommand(_Chinese, click.Command):
    def __init__(self, *args, **kwargs):
        kwargs["options_metavar"] = OPTIONS_METAVAR
        super().__init__(*args, **kwargs)
        _localise_params(self)


class ZhGroup(_Chinese, click.Group):
    """A group printing Click's texts in Chinese; its commands keep the order they were made in."""
    command_class = ZhCommand
    group_class = type   # sub-groups are ZhGroups too

    def __init__(self, *args, **kwargs):
        kwargs["options_metavar"] = OPTIONS_METAVAR
        super().__init__(*args, **kwargs)
        self.subcommand_metavar = SUBCOMMAND_METAVAR
        _localise_params(self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def get_command(self, ctx: click.Context, name: str):
        """Sub-commands made with plain Click are localised too."""
        return localise(super().get_command(ctx, name))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, short_help(command)))
        section(formatter, SECTIONS["commands"], rows)


def show_error(error: click.ClickException) -> None:
    """Click's error printer, in Chinese: usage line, where to find help, the message (on stderr)."""
    ctx = getattr(error, "ctx", None)
    if type(error).__name__ == "NoArgsIsHelpError":   # Click ≥ 8.2: `xltool` alone prints the help
        click.echo(ctx.get_help(), color=ctx.color)
        return
    if ctx is not None and isinstance(error, click.UsageError):
        click.echo(ctx.get_usage(), err=True, color=ctx.color)
        if ctx.command.get_help_option(ctx) is not None:
            click.echo(HELP_HINT.format(command=ctx.command_path, option=ctx.help_option_names[0]), err=True)
        click.echo(err=True)
    click.echo(click.style(ERROR_LABEL, fg="red") + translate_error(error.format_message()), err=True,
               color=ctx.color if ctx is not None else None)
