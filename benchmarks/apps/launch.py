"""Serve a baseline app with the generated project's own production server configuration.

`python -m benchmarks.apps.launch MODULE` serves `benchmarks.apps.MODULE:create_app` the way the
generated package's `server` module serves the generated app, from the same environment variables:

- a `server.APP_FACTORY` string (uvicorn, granian): it is pointed at the baseline, then the
  module's own `serve(settings)` runs;
- a `server.COMMAND` list (gunicorn): the same command and configuration module, with the
  baseline given as the application on gunicorn's command line, which wins over the
  configuration's `wsgi_app`.

The baseline therefore runs under exactly the server, worker class, worker count and timeouts
of the generated service.
"""

import os
import sys

from benchmarks.apps import generated_module


def main(argv: list[str]) -> int:
    (module,) = argv
    server = generated_module("server")
    settings = generated_module("settings").Settings()
    if hasattr(server, "APP_FACTORY") and hasattr(server, "serve"):
        setattr(server, "APP_FACTORY", f"benchmarks.apps.{module}:create_app")  # noqa: B010
        server.serve(settings)
        return 0
    if hasattr(server, "COMMAND"):
        # gunicorn with the service's configuration module; the application named on the
        # command line wins over the configuration's `wsgi_app`.
        command = [*server.COMMAND, f"benchmarks.apps.{module}:create_app()"]
        os.execv(command[0], command)
    print(f"{server.__name__}: neither APP_FACTORY and serve() nor COMMAND", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
