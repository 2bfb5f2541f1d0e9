"""Turn the failures a user can cause (bad files, bad input, an unreachable host) into one line and
exit 2 instead of a traceback.

Every command runs under `OneLineErrors`, the root command group, so the mapping holds for the
installed `alphaloop` script and for `typer.testing.CliRunner` alike. Only the exception types
listed in `describe` are mapped: anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import contextlib
import gzip
import tomllib
import zlib
from typing import Any, NoReturn

import httpx
from pydantic import ValidationError
from typer.core import TyperGroup

from alphaloop.model import AlphaloopError, NetworkError

#: the exit code of every "you gave me something I cannot use" failure
USAGE_EXIT = 2


def _pydantic_line(exc: ValidationError) -> str:
    from alphaloop.config import describe_error

    problems = "; ".join(describe_error(error) for error in exc.errors())
    return f"invalid value: {problems}"


def describe(exc: BaseException) -> str | None:
    """The one line to print for an anticipated failure, or None for a bug (keep the traceback)."""
    if isinstance(exc, NetworkError):
        return f"{exc}; check the network (or --base-url), or work offline on ALPHALOOP_DATA_DIR"
    if isinstance(exc, AlphaloopError):
        return str(exc)
    if isinstance(exc, tomllib.TOMLDecodeError):
        return f"the config file is not valid TOML ({exc}); fix it or pass --config PATH"
    if isinstance(exc, EOFError | gzip.BadGzipFile | zlib.error):
        return (
            f"a compressed data file is truncated or corrupt ({exc or type(exc).__name__}); "
            "find it with `alphaloop data check`, then download or copy it again"
        )
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return f"not a usable URL ({exc}); pass one like http://127.0.0.1:8080"
    if isinstance(exc, httpx.TransportError):
        target = ""
        with contextlib.suppress(RuntimeError):  # no request attached
            target = f" {exc.request.url.scheme}://{exc.request.url.host}"
        return (
            f"cannot reach{target} ({type(exc).__name__}: {exc or 'no answer'}); "
            "check the network, the URL, or that the server is running"
        )
    if isinstance(exc, ValidationError):
        return _pydantic_line(exc)
    if isinstance(exc, FileExistsError | IsADirectoryError | NotADirectoryError | PermissionError):
        name = f": {exc.filename}" if getattr(exc, "filename", None) else ""
        return f"{exc.strerror or type(exc).__name__}{name}"
    return None


def _classes(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def usage_line(exc: BaseException) -> str | None:
    """The one line for click's own errors (unknown option or command, a bad or missing value), with
    where to look next; None for anything else, and for "no arguments, show the help", which must
    keep printing the help.

    Matched by class name: recent typer (0.29 here) raises its vendored copy of click's exceptions,
    older typer raises click's own; the names are the same (typer's own panel matches them so)."""
    names = _classes(exc)
    if "ClickException" not in names or "NoArgsIsHelpError" in names:
        return None
    # click's messages may wrap; one line here
    message = " ".join(str(getattr(exc, "format_message", exc.__str__)()).split()).rstrip(".")
    ctx = getattr(exc, "ctx", None)
    if "UsageError" in names and ctx is not None:
        return f"{message}; see `{ctx.command_path} --help`"
    return message


def _fail(line: str) -> NoReturn:
    from alphaloop.cli.common import fail

    fail(line, code=USAGE_EXIT)


class OneLineErrors(TyperGroup):
    """The root command group: maps anticipated failures to one line on stderr and exit 2.

    Click's usage errors are mapped too, instead of typer's boxed panel: those of the root's own
    options in `make_context`, those of every subcommand (parsed inside the root's `invoke`) there."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except Exception as exc:
            line = usage_line(exc)
            if line is None:
                raise
            _fail(line)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:  # Exit, Abort and "show the help" map to None below: re-raised
            line = usage_line(exc) or describe(exc)
            if line is None:
                raise
            _fail(line)
