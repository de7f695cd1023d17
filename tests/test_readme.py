"""README keeps the contracts newcomers and CI rely on."""
import os
import pathlib
import subprocess
import sys

from plusone.settings import SETTINGS, Settings

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_in_readme():
    missing = [name for name, _, _ in SETTINGS if f"`{name}`" not in README]
    assert missing == []


def test_every_setting_has_a_field_read_from_the_environment():
    env = {"PLUSONE_PRINTER_WIDTH": "32", "PLUSONE_LOCALE": "en", "PLUSONE_SCHEDULER": "off",
           "LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t"}
    settings = Settings.from_env(env)
    assert (settings.printer_width, settings.locale, settings.scheduler, settings.sandbox) == (32, "en", False, False)
    assert Settings.from_env({}).sandbox is True


def test_readme_keeps_the_two_newcomer_commands():
    assert "pip install . && plusone serve --demo" in README
    assert "<!-- test-command -->" in README


def test_ci_runs_exactly_the_readme_test_command():
    extract = subprocess.run(
        ["bash", "-c", "sed -n '/<!-- test-command -->/,/<!-- \\/test-command -->/p' README.md"
                       " | grep -v '^<!--' | grep -v '^```'"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert extract == "pip install -e '.[test]' && python -m tests.run"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "TEST_COMMAND=$(sed -n '/<!-- test-command -->/" in ci


def test_ci_installs_every_package_that_a_test_would_skip_without():
    ci = (ROOT / ".ci" / "run").read_text()
    for package in ("chromium", "fonts-noto-cjk", "faketime"):
        assert package in ci and f"`{package}`" in README, package


def test_the_suite_runs_the_postgresql_pass_even_when_the_sqlite_pass_fails(tmp_path):
    """The runner must not hide one half behind the other: both run, and either failing fails it."""
    (tmp_path / "test_backend.py").write_text(
        "import os\n"
        "def test_only_passes_on_postgres():\n"
        "    assert os.environ.get('PLUSONE_TEST_POSTGRES_URL')\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PLUSONE_TEST_POSTGRES_URL": "postgres://nowhere/x"}

    result = subprocess.run([sys.executable, "-m", "tests.run", "--only", "sqlite", "--only", "postgres",
                             "-p", "no:cacheprovider", str(tmp_path / "test_backend.py")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 1, result.stdout
    summary = result.stdout.split("=== summary", 1)[1].split()
    assert summary[:3] == ["sqlite", "FAILED", "(exit"] and summary[6:8] == ["postgres", "passed"], result.stdout
