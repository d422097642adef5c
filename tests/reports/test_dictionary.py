"""docs/data-dictionary.md must be what the models say today."""
from reentry.reports.dictionary import DICTIONARY_PATH, data_dictionary


def test_data_dictionary_is_current(app):
    assert DICTIONARY_PATH.read_text(encoding="utf-8") == data_dictionary(), \
        "run `reentry data-dictionary` and commit docs/data-dictionary.md"


def test_dictionary_names_every_table_and_no_personal_example(app):
    text = data_dictionary()
    for table in ("participants", "custody_episodes", "naloxone_kit_events", "training_sessions"):
        assert f"## {table}\n" in text
    assert "| release_date | date | yes |" in text


def test_command_writes_the_file(runner, tmp_path):
    out = tmp_path / "dd.md"
    result = runner.invoke(args=["data-dictionary", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("# Data dictionary")
