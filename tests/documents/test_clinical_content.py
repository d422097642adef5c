"""docs/clinical-content.md is generated from the course and packet data (issue 13): every claim
with its source and checked date. Regenerating it must give the committed file."""
import json
import shutil

from reentry.config import PROJECT_ROOT
from reentry.documents.claims import clinical_content_markdown
from reentry.documents.content import DATA_DIR
from reentry.training.protocol import DEFAULT_ROOT

COMMITTED = PROJECT_ROOT / "docs" / "clinical-content.md"


def test_the_committed_file_is_current(runner, tmp_path):
    out = tmp_path / "clinical-content.md"
    result = runner.invoke(args=["curriculum", "claims", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == COMMITTED.read_text(encoding="utf-8"), (
        "run `reentry curriculum claims` and commit docs/clinical-content.md")


def test_each_kind_of_claim_is_listed_with_source_and_checked_date():
    text = COMMITTED.read_text(encoding="utf-8")
    # a course sentence, a protocol step, a risk warning, a product label fact, a hotline, a law row
    assert "129 times more likely to die of an overdose" in text and "binswanger2007 (checked 2026-12-04)" in text
    assert "**Give naloxone.**" in text and "narcan-label (checked" in text
    assert "PAST_OVERDOSE: You have overdosed before." in text
    assert "Storage: Do not freeze it." in text
    assert "| 988 Suicide and Crisis Lifeline | 988 |" in text and "| 2026-11-25 |" in text
    ohio = next(line for line in text.splitlines() if line.startswith("| OH |"))
    assert "2925.11" in ohio and "treatment_within_days:30" in ohio and "supervision" in ohio


def test_an_edit_to_the_data_shows_in_the_file(tmp_path):
    root, data = tmp_path / "oend", tmp_path / "data"
    shutil.copytree(DEFAULT_ROOT, root)
    shutil.copytree(DATA_DIR, data)
    path = data / "products" / "narcan-4mg.json"
    product = json.loads(path.read_text(encoding="utf-8"))
    product["en"]["storage"].append("A new storage line.")
    path.write_text(json.dumps(product, ensure_ascii=False), encoding="utf-8")
    assert "Storage: A new storage line." in clinical_content_markdown(root, data)
    assert "Storage: A new storage line." not in COMMITTED.read_text(encoding="utf-8")
