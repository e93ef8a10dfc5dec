"""A non-editable install serves pages: the wheel carries templates, static files,
migrations and compiled catalogs."""
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(ROOT)], check=True)
    return next(out.glob("wizard-*.whl"))


def test_wheel_carries_everything_the_app_needs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "wizard/templates/base.html" in names
    assert "wizard/static/css/app.css" in names
    assert "wizard/static/vendor/pico-2.1.1/pico.min.css" in names
    assert "wizard/migrations/env.py" in names
    assert any(n.startswith("wizard/migrations/versions/0001") for n in names)
    assert "wizard/translations/en/LC_MESSAGES/messages.mo" in names
    # The sandbox's scenario files: the development defaults read the demo client from them.
    assert {"wizard/sandbox/logins.toml", "wizard/sandbox/consent.toml"} <= names


def test_installed_wheel_serves_translated_pages(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True)
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from wizard import create_app;"
        "app = create_app({'ENV': 'testing', 'INSTANCE_PATH': sys.argv[2],"
        " 'SQLALCHEMY_DATABASE_URI': 'sqlite://'});"
        "c = app.test_client(); c.get('/language/en');"
        "r = c.get('/'); assert r.status_code == 200, r.status_code;"
        "assert 'Connect your payroll system' in r.text, r.text[:300];"
        "assert c.get('/static/css/app.css').status_code == 200;"
        "import wizard; print(wizard.__file__)"
    )
    result = subprocess.run([sys.executable, "-c", script, str(target), str(tmp_path / "inst")],
                            cwd=tmp_path, capture_output=True, text=True, check=True)
    assert result.stdout.strip().startswith(str(target))
