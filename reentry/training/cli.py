"""`reentry curriculum check|import`: health educators check their edits, operators import them."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from reentry.config import PROJECT_ROOT
from reentry.errors import DomainError
from reentry.extensions import db

DEFAULT_PATH = PROJECT_ROOT / "curricula" / "oend"
path_argument = click.argument(
    "path", required=False, default=str(DEFAULT_PATH),
    type=click.Path(exists=True, file_okay=False, dir_okay=True),
)


@click.group("curriculum")
def curriculum_group():
    """Check and import the course content (curricula/<id>/)."""


@curriculum_group.command("check")
@path_argument
def check_command(path):
    """Check structure, translations, reading level, words and citations; exit 1 on any problem."""
    from reentry.cli import fail  # here, not at the top: reentry.cli imports this module
    from reentry.training.curriculum import check_curriculum, score_label

    from reentry.documents.lint import laws_due_for_review, packet_content_problems, reading_level_warnings
    from reentry.documents.seed import law_rows
    from reentry.documents.services import today

    cur, scores = check_curriculum(path)
    for row in scores:
        mark = "ok" if row["ok"] else "TOO HARD"
        click.echo(f"{row['file']}: {score_label(row['language'])} {row['score']:.1f} {mark}")
    # The packet's own texts, product steps and hotlines follow the same word rules as the course.
    problems = [*cur.problems, *packet_content_problems()]
    for problem in problems:
        click.echo(str(problem), err=True)
    for warning in reading_level_warnings():  # a warning: a clinician may keep a hard word on purpose
        click.echo(f"warning: {warning}", err=True)
    due = laws_due_for_review(law_rows(), today())
    if due:  # a fact about the data: packets print the generic text for these until re-checked
        click.echo(f"Good Samaritan law rows over 12 months old (packets print the generic text): "
                   f"{len(due)}: {', '.join(due)}", err=True)
    if problems:
        fail(f"{len(problems)} problem(s) in {path} and the packet content")
    items = len(cur.quiz.get("items", []))
    click.echo(f"curriculum {cur.meta['id']} {cur.meta['version']}: {len(cur.module_slugs)} modules, "
               f"{items} test items, no problems")


@curriculum_group.command("claims")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=str(PROJECT_ROOT / "docs" / "clinical-content.md"),
              show_default=True, help="Markdown file to write.")
def claims_command(out):
    """Write every health and legal claim with its source and checked date (docs/clinical-content.md)."""
    from pathlib import Path

    from reentry.documents.claims import clinical_content_markdown

    Path(out).write_text(clinical_content_markdown(), encoding="utf-8")
    click.echo(f"wrote {out}")


@curriculum_group.command("import")
@path_argument
@with_appcontext
def import_command(path):
    """Store the curriculum as a version (the same content twice is a no-op)."""
    from reentry.cli import fail
    from reentry.training.services import CurriculumInvalid, import_curriculum

    try:
        version, created = import_curriculum(None, path)
        db.session.commit()
    except CurriculumInvalid as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(str(problem), err=True)
        fail(error.message)
    except DomainError as error:
        db.session.rollback()
        fail(error.message)
    if created:
        click.echo(f"imported {version.curriculum_key} {version.version} (hash {version.content_hash[:12]})")
    else:
        click.echo(f"{version.curriculum_key} {version.version} is already imported with the same content; nothing to do")
