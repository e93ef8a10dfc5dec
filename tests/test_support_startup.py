"""Starting the app does no argon2 work: the dummy hash for unknown support logins is made on
first use. (At import it cost every web worker and command most of a second and a 64 MB peak:
``make bench``'s cold start and memory per worker.)"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from wizard.staff import accounts

ROOT = Path(__file__).resolve().parents[1]


def test_importing_the_app_makes_no_password_hash(tmp_path):
    script = ("from wizard import create_app; from wizard.staff import accounts; "
              "create_app({'ENV': 'testing', 'SECRET_KEYS': ['x' * 32], "
              f"'INSTANCE_PATH': {str(tmp_path)!r}}}); "
              "print(accounts._dummy_hash.cache_info().currsize)")
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == "0"


def test_an_unknown_address_is_still_checked_against_a_real_hash(app):
    accounts._dummy_hash.cache_clear()
    with pytest.raises(accounts.LoginRefused):
        accounts.authenticate("nobody@example.nl", "a password of some length")
    assert accounts._dummy_hash.cache_info().currsize == 1
    assert accounts._dummy_hash().startswith("$argon2id$")
