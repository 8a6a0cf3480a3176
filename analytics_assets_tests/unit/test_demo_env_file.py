"""The demo refuses to start where `.env` would point its UI at the user's own API."""

from pathlib import Path

from analytics_assets.cli import _settings_env_file_overrides, main


def test_without_an_env_file_nothing_is_overridden(tmp_path: Path) -> None:
    assert _settings_env_file_overrides(tmp_path) == []


def test_an_env_file_naming_the_demos_settings_is_reported_in_order(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "ANALYTICS_DUCKDB_PATH=data/mine.duckdb\nANALYTICS_API_KEY=real-key\nOTHER=1\n"
    )

    assert _settings_env_file_overrides(tmp_path) == ["ANALYTICS_API_KEY", "ANALYTICS_DUCKDB_PATH"]


def test_the_demo_stops_before_starting_anything_and_says_why(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    (tmp_path / ".env").write_text("ANALYTICS_API_BASE_URL=https://app.formbricks.com/api\n")
    monkeypatch.chdir(tmp_path)

    assert main(["demo", "--responses", "1"]) == 2

    message = capsys.readouterr().err
    assert "sets ANALYTICS_API_BASE_URL" in message
    assert "Move .env aside" in message
    assert "https://app.formbricks.com/api" not in message
