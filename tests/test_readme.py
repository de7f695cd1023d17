"""README keeps the contracts newcomers and CI rely on."""
import pathlib
import subprocess

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
    assert extract.startswith("pip install -e '.[test]' && python -m pytest")
    assert "PLUSONE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test python -m pytest" in extract
    assert "TEST_COMMAND=$(sed -n '/<!-- test-command -->/" in (ROOT / ".ci" / "run").read_text()
