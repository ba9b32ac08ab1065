"""``hashpivot dashboard``: serve the Streamlit dashboard on this machine.

Runs ``python -m streamlit run`` on :data:`hashpivot.dashboard.APP_PATH` with usage statistics off, no
browser opened, no file watcher and uploads capped at 1 MB. Registered on the app in :mod:`hashpivot.cli.entry`.
"""

from __future__ import annotations

import ipaddress
import re
import signal
import socket
import subprocess
import sys
from typing import Annotated

import typer

from hashpivot.cli.common import DebugOpt, exit_on_error
from hashpivot.errors import InputError

#: Hostnames allowed for --host besides IP addresses: letters, digits, dots and dashes.
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")


def parse_port(text: str) -> int:
    """The port number in ``text`` (1-65535), else an InputError naming ``port``."""
    try:
        port = int(text.strip())
    except ValueError:
        raise InputError("port", text, "an integer from 1 to 65535") from None
    if not 1 <= port <= 65535:
        raise InputError("port", text, "an integer from 1 to 65535")
    return port


def check_host(host: str) -> str:
    """``host`` if it is an IP address or a hostname, else an InputError naming ``host``."""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    if _HOSTNAME.match(host):
        return host
    raise InputError("host", host, "an IP address (e.g. 127.0.0.1) or a hostname (e.g. localhost)")


def check_port_free(host: str, port: int) -> None:
    """An InputError naming ``port`` when something on this machine already listens there."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise InputError("port", port, f"a free port on {host} ({exc.strerror or exc})") from None


def streamlit_command(host: str, port: int) -> list[str]:
    """The command line that serves the dashboard."""
    from hashpivot.dashboard import APP_PATH

    return [
        sys.executable, "-m", "streamlit", "run", str(APP_PATH),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--server.maxUploadSize", "1",
        "--global.developmentMode", "false",
        "--theme.base", "light",
        "--client.toolbarMode", "viewer",
    ]


def _serve(command: list[str]) -> int:
    """Run the server until it stops; its exit code. SIGTERM sent to this process is passed on to the
    server (so stopping the command never leaves a server behind); Ctrl-C reaches both and exits 0."""
    server = subprocess.Popen(command)
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: server.send_signal(signum))
    try:
        return server.wait()
    except KeyboardInterrupt:
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if server.poll() is None:
            server.kill()
            server.wait()


def dashboard(
    port: Annotated[str, typer.Option("--port", metavar="N", help="TCP port to serve on (1-65535).")] = "8501",
    host: Annotated[
        str, typer.Option("--host", metavar="HOST", help="Address to listen on; 127.0.0.1 keeps it on this machine.")
    ] = "127.0.0.1",
    debug: DebugOpt = False,
) -> None:
    """Start the web dashboard (Streamlit) on HOST:N; stop it with Ctrl-C."""
    with exit_on_error(debug, {"port": "--port", "host": "--host"}):
        number = parse_port(port)
        address = check_host(host)
        check_port_free(address, number)
        typer.echo(f"hashpivot dashboard on http://{address}:{number} (Ctrl-C to stop)", err=True)
        code = _serve(streamlit_command(address, number))
    if code:
        typer.echo(f"error: the dashboard server stopped with exit code {code}.", err=True)
        raise typer.Exit(1)
