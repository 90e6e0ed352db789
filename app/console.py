"""Entry point of the `leerspoor` console script: Flask's CLI around `create_app`."""

from flask.cli import FlaskGroup

from app import create_app


def main() -> None:
    FlaskGroup(create_app=create_app, add_version_option=False, load_dotenv=False)(
        prog_name="leerspoor"
    )
