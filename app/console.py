"""Entry point of the `leerspoor` console script: Flask's CLI around `create_app`."""

import sys

from flask.cli import FlaskGroup

from app import create_app
from config import ConfigurationError


def main() -> None:
    """Run a `leerspoor` command; a configuration the app cannot run with ends it with the
    reason (every missing setting named), not a traceback.
    """
    try:
        FlaskGroup(create_app=create_app, add_version_option=False, load_dotenv=False)(
            prog_name="leerspoor"
        )
    except ConfigurationError as error:
        sys.exit(f"leerspoor cannot start: {error}")
