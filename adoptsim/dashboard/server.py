"""Start the dashboard's local web server (Solara), offline.

A workshop room often has no internet, so the page must not need any. Solara
serves its JavaScript and fonts through ``/_solara/cdn/``, from a local cache
(``<prefix>/share/solara/cdn``) that the ``solara-assets`` package fills; on
a cache miss it would fetch from a public CDN. :func:`server_env` therefore
points that CDN at an address on this machine (a miss fails fast instead of
going out), turns off Solara's usage telemetry and its cookie warning (see
:data:`COOKIE_WARNING`), and :func:`missing_assets`
checks before start that the files the page loads are all in the cache.
``--production`` also drops the development-mode "check" request Solara's
page would make to its website.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

APP = "adoptsim.dashboard.app"
OFFLINE_CDN = "http://127.0.0.1:9/npm/"  # nothing listens on the discard port: a miss fails at once
# Solara warns, on the first page load from any host but "localhost", that it cannot set a
# samesite=none cookie over http and falls back to samesite=lax. That cookie setting only matters
# when the page is embedded in another site's iframe; the workshop page is opened directly, where
# lax is right, so this one warning (matched by its text and Solara's module) is not shown.
COOKIE_WARNING = "ignore:Cookies with samesite=none require https:UserWarning:solara.server.starlette"


class DashboardError(RuntimeError):
    """The dashboard cannot start; the message says what to install or change."""


def server_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for the server process: local assets only, no telemetry."""
    env = dict(os.environ if base is None else base)
    env.setdefault("SOLARA_ASSETS_CDN", OFFLINE_CDN)
    env.setdefault("SOLARA_ASSETS_PROXY", "True")
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    env.setdefault("MPLBACKEND", "Agg")
    env["PYTHONWARNINGS"] = ",".join(w for w in (env.get("PYTHONWARNINGS"), COOKIE_WARNING) if w)
    return env


def _cache_dir() -> Path:
    return Path(sys.prefix) / "share" / "solara" / "cdn"


def missing_assets() -> list[str]:
    """Files the Solara page template loads that are not in the local asset cache.

    Read from the installed Solara's page template, so a Solara upgrade that
    needs newer assets is caught here rather than as a blank page.
    """
    import ipyvue
    import solara.server

    template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    text = template.read_text()
    vue3 = ipyvue.__version__.startswith("3")
    other_app = "/@widgetti/solara-vuetify-app@" if vue3 else "/@widgetti/solara-vuetify3-app@"  # the unused branch
    import ipywidgets

    major = ipywidgets.__version__.split(".")[0]
    paths = set(re.findall(r"{{cdn}}(/[^\"'\s]+)", text))
    paths.add("/font-awesome@4.5.0/css/font-awesome.min.css")
    paths.add("/@widgetti/vue-grid-layout@2.3.13-alpha.2/dist/vue-grid-layout.umd.js")  # Mesa's grid of components
    out = []
    for p in sorted(paths):
        p = p.replace("{{ipywidget_major_version}}", major)
        if "{{" in p or p.startswith(other_app):
            continue
        if not (_cache_dir() / p.lstrip("/")).exists():
            out.append(p)
    return out


def command(host: str = "127.0.0.1", port: int = 8765) -> list[str]:
    """The ``solara run`` command line for the dashboard."""
    return [sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(port), "--production",
            "--no-open", "--no-check-version", "--log-level", "warning"]


def check_port(host: str, port: int) -> None:
    """Refuse, before the address is printed, a port out of range or already in use on ``host``."""
    import socket

    if not 1 <= port <= 65535:
        raise DashboardError(f"--port {port}: a port is a number from 1 to 65535 (default 8765)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as err:
        raise DashboardError(f"--host {host}: not an address of this machine ({err})") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does: TIME_WAIT is no conflict
        try:
            sock.bind(addr)
        except OSError as err:
            raise DashboardError(f"{host}:{port}: cannot serve there ({err.strerror or err}); another program "
                                 "(perhaps another dashboard) uses it: stop it, or pass another --port") from None


def serve(host: str = "127.0.0.1", port: int = 8765, *, check_assets: bool = True) -> int:
    """Run the dashboard server until Ctrl-C; returns its exit code.

    Raises
    ------
    DashboardError
        If Solara or its offline assets are not installed.
    """
    try:
        import mesa.visualization  # noqa: F401
        import solara  # noqa: F401
    except ImportError as err:
        raise DashboardError(f"the dashboard needs Solara ({err}); install it with: pip install 'adoptsim[dashboard]'") \
            from None
    if check_assets:
        missing = missing_assets()
        if missing:
            raise DashboardError("Solara's page files are not installed locally, so the page would need the "
                                 "internet: " + ", ".join(missing[:3]) + (" ..." if len(missing) > 3 else "")
                                 + "; install them with: pip install solara-assets 'ipyvue<3' 'ipyvuetify<3'")
    check_port(host, port)
    print(f"adoptsim dashboard: open http://{host}:{port}/ in a browser (Ctrl-C stops the server)", flush=True)
    try:
        return subprocess.run(command(host, port), env=server_env(), check=False).returncode
    except KeyboardInterrupt:
        return 0
