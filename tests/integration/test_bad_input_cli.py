"""Every bad input a newcomer met in their first hour: one line saying what is wrong, exit 2, no
traceback, and never a secret's value. In process through typer's runner (the root command group
maps the failures, so the installed script behaves the same), except where a real process matters."""

from __future__ import annotations

import gzip
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from alphaloop.cli.main import app
from tests.kit.data import data_dir
from tests.kit.paper import clean_env

pytestmark = pytest.mark.integration


def cli(tmp_path: Path, *args: str, **env: str) -> Result:
    values = clean_env(
        ALPHALOOP_DATA_DIR=str(data_dir()),
        ALPHALOOP_STORE_DIR=str(tmp_path / "store"),
        ALPHALOOP_MODELS_DIR=str(tmp_path / "models"),
        # nothing listens on the discard port: no test reaches out to the real venue
        ALPHALOOP_WEEX__BASE_URL="http://127.0.0.1:9",
        COLUMNS="300",
    )
    values.update(env)
    return CliRunner().invoke(app, list(args), env=values)


def one_line(result: Result, *needles: str) -> str:
    """The single error line of a refused command (exit 2), checked for each needle."""
    text = result.output
    assert result.exit_code == 2, text
    assert "Traceback" not in text, text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("alphaloop:")]
    assert len(errors) == 1, text
    for needle in needles:
        assert needle in errors[0], text
    return errors[0]


@pytest.fixture(scope="module")
def truncated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose BTC file stops half-way through its gzip stream."""
    folder = tmp_path_factory.mktemp("truncated")
    whole = (data_dir() / "BTCUSDT-1h.csv.gz").read_bytes()
    (folder / "BTCUSDT-1h.csv.gz").write_bytes(whole[: len(whole) // 3])
    return folder


def test_a_toml_syntax_error_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "alphaloop.toml"
    config.write_text('[weex\napi_key = "x"\n')
    one_line(cli(tmp_path, "backtest", "--config", str(config)), "not valid TOML", "line 1")


def test_a_config_error_never_prints_a_secret(tmp_path: Path) -> None:
    config = tmp_path / "alphaloop.toml"
    config.write_text(
        '[weex]\napi_key = "sekrit-key-4242"\n[risk]\npassword = "hunter2-pw"\ntoken = "tok-777"\n'
        '[woox]\ntimeout_seconds = "api-secret-99"\n'
    )
    result = cli(tmp_path, "backtest", "--config", str(config))
    assert result.exit_code == 2
    for secret in ("sekrit-key-4242", "hunter2-pw", "tok-777"):
        assert secret not in result.output
    assert "weex.api_key: unknown setting" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ("backtest", "--symbols", "BTCUSDT", "--seeds", "0"),
        ("data", "check", "{folder}/BTCUSDT-1h.csv.gz"),
        ("data", "import", "{folder}/BTCUSDT-1h.csv.gz"),
        ("run", "--strategy", "sma", "--symbols", "BTCUSDT", "--days", "2"),
    ],
    ids=["backtest", "data-check", "data-import", "run"],
)
def test_a_truncated_csv_gz_is_one_line(tmp_path: Path, truncated: Path, args: tuple[str, ...]) -> None:
    filled = [a.replace("{folder}", str(truncated)) for a in args]
    extra = ["--out", str(tmp_path / "out")] if args[0] in ("backtest", "run") else []
    one_line(cli(tmp_path, *filled, *extra, ALPHALOOP_DATA_DIR=str(truncated)), "truncated or corrupt")


def test_sim_serve_on_a_truncated_file_is_one_line_not_aborted(tmp_path: Path, truncated: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "alphaloop.cli.main", "sim", "serve", "--port", "0", "--data", str(truncated),
         "--api-key", "k", "--secret-key", "s", "--passphrase", "p"],
        capture_output=True, text=True, timeout=60, env=clean_env(COLUMNS="300"),
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Aborted" not in result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("alphaloop:")]
    assert len(errors) == 1, result.stderr
    assert "truncated or corrupt" in errors[0]
    assert str(truncated / "BTCUSDT-1h.csv.gz") in errors[0]  # the line names the file to replace


def test_out_pointing_at_an_existing_file(tmp_path: Path) -> None:
    taken = tmp_path / "taken.txt"
    taken.write_text("mine")
    one_line(cli(tmp_path, "backtest", "--symbols", "BTCUSDT", "--out", str(taken)), "is a file")
    one_line(cli(tmp_path, "run", "--strategy", "sma", "--out", str(taken)), "is a file")
    args = ("model", "train", "--start", "2025-01-01", "--end", "2025-02-01", "--out", str(taken))
    one_line(cli(tmp_path, *args), "is a file")
    assert taken.read_text() == "mine"


def test_a_symbol_outside_the_allowed_list_and_a_wrong_spelling(tmp_path: Path) -> None:
    line = one_line(cli(tmp_path, "run", "--strategy", "sma", "--symbols", "cmt_linkusdt"), "LINK/USDT:USDT")
    assert "BTC/USDT:USDT" in line  # it lists what is allowed
    spelling = one_line(cli(tmp_path, "backtest", "--symbols", "BTC-USD"), "BTC-USD")
    for form in ("BTC/USDT:USDT", "BTCUSDT", "cmt_btcusdt", "PERP_BTC_USDT"):
        assert form in spelling


def test_empty_symbols_and_negative_seeds_are_refused(tmp_path: Path) -> None:
    one_line(cli(tmp_path, "backtest", "--symbols", ""), "--symbols is empty")
    one_line(cli(tmp_path, "run", "--symbols", " , "), "--symbols is empty")
    result = cli(tmp_path, "backtest", "--symbols", "BTCUSDT", "--seeds", "-3")
    assert result.exit_code == 2
    assert "--seeds" in result.output


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (
            ("backtest", "--seeds", "-3"),
            ("'--seeds'", "greater than or equal to 0", "`alphaloop backtest --help`"),
        ),
        (("backtest", "--seeds", "abc"), ("'--seeds'", "valid integer")),
        (("backtest", "--no-such-option"), ("No such option: --no-such-option",)),
        (("--bogus",), ("No such option: --bogus", "`alphaloop --help`")),
        (("frobnicate",), ("No such command 'frobnicate'",)),
        (("sim", "serve", "--port", "x"), ("'--port'", "`alphaloop sim serve --help`")),
        (("data",), ("Missing command", "`alphaloop data --help`")),
        (("model", "train", "--days"), ("No such option: --days",)),
    ],
)
def test_typers_own_usage_errors_are_the_same_one_line(
    tmp_path: Path, args: tuple[str, ...], needles: tuple[str, ...]
) -> None:
    result = cli(tmp_path, *args)
    one_line(result, *needles)
    for box in ("╭", "│", "Usage:", "Try '"):
        assert box not in result.output, result.output  # not typer's boxed panel


def test_usage_errors_are_one_line_from_the_real_script_too(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "alphaloop.cli.main", "backtest", "--seeds", "-3"],
        capture_output=True, text=True, timeout=60, env=clean_env(COLUMNS="80"),
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # not wrapped at 80 columns, no panel
    assert lines[0].startswith("alphaloop: Invalid value for '--seeds'")


def test_help_and_a_bare_command_still_show_the_help(tmp_path: Path) -> None:
    shown = cli(tmp_path, "backtest", "--help")
    assert shown.exit_code == 0
    assert "--seeds" in shown.output
    bare = cli(tmp_path)
    assert "Usage" in bare.output
    assert "alphaloop:" not in bare.output


def test_sim_serve_balance_that_is_not_a_number(tmp_path: Path) -> None:
    args = ("sim", "serve", "--api-key", "k", "--secret-key", "s", "--passphrase", "p", "--balance", "abc")
    line = one_line(cli(tmp_path, *args), "--balance 'abc'")
    assert "pydantic" not in line


def test_qualify_with_a_base_url_that_is_not_a_url(tmp_path: Path) -> None:
    one_line(cli(tmp_path, "qualify", "--base-url", "notaurl"), "--base-url 'notaurl' is not a URL")


def test_paper_with_an_unreachable_url_fails_within_seconds(tmp_path: Path) -> None:
    started = time.monotonic()
    line = one_line(
        cli(tmp_path, "paper", "--base-url", "http://127.0.0.1:9", "--strategy", "hold"), "cannot reach"
    )
    assert time.monotonic() - started < 15
    assert "127.0.0.1:9" in line


def test_data_download_offline_is_one_line(tmp_path: Path) -> None:
    result = cli(
        tmp_path, "data", "download", "--symbols", "BTCUSDT", "--since", "2025-09-01",
        "--base-url", "http://127.0.0.1:9",
    )  # fmt: skip
    one_line(result, "connection failed")


def test_a_truncated_model_txt_is_refused_before_lightgbm_reads_it(tmp_path: Path) -> None:
    """LightGBM aborts the process (rc 134) on a truncated model file: run it as a real process."""
    folder = tmp_path / "models" / "alphaloop-lgbm-1h-broken"
    folder.mkdir(parents=True)
    (folder / "metadata.json").write_text('{"format": 1}')
    (folder / "model.txt").write_text("tree\nversion=v4\nnum_class=1\ntree_sizes=400 400\n\nTree=0\nnum_le")
    result = subprocess.run(
        [sys.executable, "-m", "alphaloop.cli.main", "model", "info", str(folder)],
        capture_output=True, text=True, timeout=60, env=clean_env(COLUMNS="300"),
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert "is truncated or not a LightGBM model" in result.stderr
    assert "Traceback" not in result.stderr


def test_leverage_above_the_one_cap_is_refused_the_same_by_every_command(tmp_path: Path) -> None:
    config = tmp_path / "alphaloop.toml"
    config.write_text("[competition]\nmax_leverage = 8\n[risk]\nmax_leverage = 9\n")
    for command in (("backtest", "--symbols", "BTCUSDT"), ("run", "--strategy", "sma")):
        one_line(
            cli(tmp_path, *command, "--leverage", "9", "--config", str(config)),
            "--leverage 9 is outside 1..8",
            "[competition] max_leverage=8",
        )
    for name in ("backtest", "run", "paper", "live"):
        assert "risk.max_leverage" in " ".join(cli(tmp_path, name, "--help").output.split())


def test_backtest_honours_the_competition_symbols_of_the_config(tmp_path: Path) -> None:
    config = tmp_path / "alphaloop.toml"
    config.write_text('[competition]\nsymbols = ["BTCUSDT", "ETHUSDT"]\n')
    refused = cli(tmp_path, "backtest", "--symbols", "SOLUSDT", "--config", str(config))
    one_line(refused, "SOL/USDT:USDT not among the allowed symbols")
    result = cli(
        tmp_path, "backtest", "--config", str(config), "--start", "2025-09-01", "--end", "2025-09-08",
        "--seeds", "0", "--json", "--out", str(tmp_path / "bt"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "BTC/USDT:USDT" in result.output
    assert "SOL/USDT:USDT" not in result.output


def test_bare_btcusdt_is_accepted(tmp_path: Path) -> None:
    result = cli(
        tmp_path, "backtest", "--symbols", "BTCUSDT", "--start", "2025-09-01", "--end", "2025-09-05",
        "--seeds", "0", "--json", "--out", str(tmp_path / "bt"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def test_error_messages_show_dates_not_epoch_ms(tmp_path: Path) -> None:
    folder = tmp_path / "dup"
    folder.mkdir()
    shutil.copy(data_dir() / "BTCUSDT-1h.csv.gz", folder / "BTCUSDT-1h.csv.gz")
    with gzip.open(folder / "BTCUSDT-1h.csv.gz", "at") as handle:
        handle.write("1756684800000,1,2,0.5,1.5,10\n")  # 2025-09-01 00:00 again, other values
    line = one_line(
        cli(tmp_path, "backtest", "--symbols", "BTCUSDT", "--seeds", "0", ALPHALOOP_DATA_DIR=str(folder)),
        "2025-09-01 00:00 UTC",
        "different values",
    )
    assert "1756684800000" not in line


def test_a_model_of_another_timeframe_is_never_picked(tmp_path: Path) -> None:
    folder = tmp_path / "models" / "alphaloop-lgbm-4h-x"
    folder.mkdir(parents=True)
    meta = '{"timeframe": "4h", "symbols": ["BTC/USDT:USDT"], "feature_names": [], "created_ms": 1}'
    (folder / "metadata.json").write_text(meta)
    (folder / "model.txt").write_text("tree\n")
    one_line(
        cli(tmp_path, "backtest", "--strategy", "ml", "--symbols", "BTCUSDT", "--seeds", "0"),
        "no trained model",
        "trained on 4h bars and this run uses 1h",
    )
    # paper names the model: refused at start, before any cycle (a port that accepts connections
    # passes the reachability pre-flight; nothing is ever sent to it)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        one_line(
            cli(tmp_path, "paper", "--strategy", "ml", "--symbols", "BTCUSDT", "--model", str(folder),
                "--base-url", f"http://127.0.0.1:{port}"),
            "does not fit this run",
        )  # fmt: skip


def test_out_that_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    """`--out` under a file or in a folder that refuses new entries: one line before any work."""
    taken = tmp_path / "taken.txt"
    taken.write_text("mine")
    one_line(
        cli(tmp_path, "backtest", "--symbols", "BTCUSDT", "--out", "/proc/alphaloop-r18"), "--out", "cannot"
    )
    one_line(cli(tmp_path, "run", "--strategy", "sma", "--out", str(taken / "sub")), "--out", "cannot")
    assert taken.read_text() == "mine"


def test_a_config_that_is_not_utf8_text_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "alphaloop.toml"
    config.write_bytes(b"\xff\xfe[weex]\n")
    one_line(cli(tmp_path, "backtest", "--config", str(config)), str(config), "not UTF-8 text")


def test_a_data_dir_that_is_not_a_folder_is_named_as_such(tmp_path: Path) -> None:
    """A mistyped ALPHALOOP_DATA_DIR: the line says the folder itself is missing, not just one file."""
    missing = tmp_path / "no-such-data"
    args = ("backtest", "--symbols", "BTCUSDT")
    one_line(cli(tmp_path, *args, ALPHALOOP_DATA_DIR=str(missing)), f"data folder {missing} is not a folder")


def test_data_check_with_an_unknown_timeframe_is_refused_not_empty(tmp_path: Path) -> None:
    """`--timeframe 2h` is a typo, not "nothing to check" (exit 1): the line lists the timeframes."""
    one_line(cli(tmp_path, "data", "check", "--timeframe", "2h"), "timeframe '2h' is not one of", "1h")
