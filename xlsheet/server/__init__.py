"""The xlwings Server project of the Office.js add-in (optional extra ``xlsheet[server]``).

This folder is an xlwings Server project: ``custom_scripts`` (one script per ribbon button),
``custom_functions`` (none), ``config.py`` (settings), ``templates/manifest.xml`` (the 評価
tab) and ``static`` (ribbon.js, icons). xlwings Server finds it through XLWINGS_PROJECT_DIR.

xlwings Server is licensed under the PolyForm Noncommercial License 1.0.0 unless a commercial
key is used; that licence names use by a government institution a permitted purpose and is
unlocked with the key ``noncommercial``. xlsheet never sets the key itself: whoever runs the
server sets XLWINGS_LICENSE_KEY and so takes the licence decision (docs/ribbon.md).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from ..errors import XlsheetError

PROJECT_DIR = Path(__file__).resolve().parent
LICENSE_ENV = "XLWINGS_LICENSE_KEY"
APP = "xlwings_server.main:main_app"


class ServerSetupError(XlsheetError):
    """The server cannot start as configured; the message says what to do (Japanese)."""


def server_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment xlwings Server needs to run this project; raises ServerSetupError."""
    env = dict(os.environ if environ is None else environ)
    # find_spec, not import: importing xlwings_server reads its settings (and the project
    # folder) at once, before XLWINGS_PROJECT_DIR is set.
    if importlib.util.find_spec("xlwings_server") is None:
        raise ServerSetupError(
            "xlwings Server が入っていません。`pip install 'xlsheet[server]'` で入れてください"
        )
    if not env.get(LICENSE_ENV):
        raise ServerSetupError(
            f"環境変数 {LICENSE_ENV} がありません。xlwings Server のライセンスは PolyForm Noncommercial 1.0.0 で、"
            f"自治体など政府機関の利用は非商用の目的として認められています。その条件で使うときは {LICENSE_ENV}=noncommercial を、"
            "商用ライセンスがあればそのキーを設定してください（docs/ribbon.md を参照）"
        )
    env["XLWINGS_PROJECT_DIR"] = str(PROJECT_DIR)
    return env


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    certfile: Path | None = None,
    keyfile: Path | None = None,
) -> None:
    """Run xlwings Server with xlsheet's ribbon scripts (uvicorn, one process, blocks)."""
    env = server_environment()
    os.environ.update(env)  # read by xlwings_server.config when uvicorn imports the app
    if (certfile is None) != (keyfile is None):
        raise ServerSetupError("HTTPS には証明書（--certfile）と秘密鍵（--keyfile）の両方が必要です")
    import uvicorn

    uvicorn.run(
        APP,
        host=host,
        port=port,
        ssl_certfile=str(certfile) if certfile else None,
        ssl_keyfile=str(keyfile) if keyfile else None,
        log_level="info",
    )
