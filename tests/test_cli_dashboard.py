"""`hashpivot dashboard`: the command it runs, and bad input (exit 2, one clear line). The server itself
is driven in a real browser by test_dashboard_browser.py."""

from __future__ import annotations

import socket

import pytest
from cli_helpers import assert_bad_input
from typer.testing import CliRunner

import hashpivot.cli.dashboard as cli_dashboard
from hashpivot.cli import app
from hashpivot.dashboard import APP_PATH


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def served(monkeypatch):
    """Record the command instead of starting Streamlit; the fake server exits with ``served.code``."""

    class Served:
        commands: list[list[str]] = []
        code = 0

    def fake(command):
        Served.commands.append(command)
        return Served.code

    monkeypatch.setattr(cli_dashboard, "_serve", fake)
    return Served


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_runs_streamlit_on_the_app_with_telemetry_off(runner, served):
    port = _free_port()
    result = runner.invoke(app, ["dashboard", "--port", str(port)])
    assert result.exit_code == 0, result.output
    (command,) = served.commands
    assert command[1:5] == ["-m", "streamlit", "run", str(APP_PATH)]
    assert APP_PATH.is_file()
    assert _option(command, "--server.port") == str(port)
    assert _option(command, "--server.address") == "127.0.0.1"
    assert _option(command, "--browser.gatherUsageStats") == "false"
    assert _option(command, "--server.headless") == "true"
    assert _option(command, "--server.maxUploadSize") == "1"
    assert f"http://127.0.0.1:{port}" in result.stderr
    assert result.stdout == ""


def test_host_option(runner, served):
    result = runner.invoke(app, ["dashboard", "--port", str(_free_port()), "--host", "localhost"])
    assert result.exit_code == 0, result.output
    assert _option(served.commands[0], "--server.address") == "localhost"


def test_a_server_that_fails_exits_1(runner, served):
    served.code = 3
    result = runner.invoke(app, ["dashboard", "--port", str(_free_port())])
    assert result.exit_code == 1
    assert "exit code 3" in result.stderr


@pytest.mark.parametrize("port", ["0", "65536", "-5", "abc", "80.5", ""])
def test_bad_port(runner, served, port):
    result = runner.invoke(app, ["dashboard", "--port", port])
    line = assert_bad_input(result, "--port", "allowed an integer from 1 to 65535")
    assert served.commands == [], line


@pytest.mark.parametrize("host", ["bad host", "-x", "a/b", ""])
def test_bad_host(runner, served, host):
    result = runner.invoke(app, ["dashboard", "--port", str(_free_port()), "--host", host])
    assert_bad_input(result, "--host", "allowed an IP address")
    assert served.commands == []


def test_port_in_use(runner, served):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(app, ["dashboard", "--port", str(port)])
    assert_bad_input(result, f"--port {port} is invalid", "allowed a free port on 127.0.0.1")
    assert served.commands == []
