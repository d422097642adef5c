"""The course as data: read a curriculum folder, check it, and hash it for import.

A curriculum folder holds `curriculum.toml` (id, version, titles, sources, module order),
`modules/NN-slug.LANG.md` (TOML front matter between `+++` lines, then Markdown),
`modules/NN-slug.notes.md` (facilitator notes) and `quiz.toml` (the knowledge test bank).
Health educators edit these files; `check_curriculum` tells them, by file and line, what to fix.
"""
from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from reentry.readability import MAX_GRADE, MIN_FERNANDEZ_HUERTA, reading_score, score_is_ok
from reentry.training import protocol as protocol_files

LANGUAGES = ("en", "es")
SOURCE_LANGUAGE = "en"
DOMAINS = ("risk", "signs", "response")
MIN_ITEMS, MIN_ITEMS_PER_DOMAIN = 12, 4
ANSWERS = ("true", "false", "dont_know")
CITATION = re.compile(r"\[@([a-z0-9][a-z0-9-]*)\]")
# A number followed by a unit or ratio is a health figure, and must carry a citation marker.
FIGURE = re.compile(
    r"\b\d+(?:[.,]\d+)?\s*(?:%|percent|por ciento|times|veces|minutes?|minutos?|seconds?|"
    r"segundos?|hours?|horas?|days?|d[ií]as?|weeks?|semanas?|mg\b)",
    re.IGNORECASE,
)
# Words that label people instead of describing a health condition. Checked as whole words.
STIGMA_WORDS = {
    "en": ["addict", "addicts", "abuser", "abusers", "junkie", "junkies", "drug abuse", "substance abuse",
           "clean", "dirty", "druggie", "druggies", "user", "users", "crackhead", "dope fiend"],
    "es": ["adicto", "adicta", "adictos", "adictas", "drogadicto", "drogadicta", "drogadictos",
           "toxicómano", "toxicómanos", "yonqui", "yonquis", "tecato", "tecatos", "limpio", "limpia",
           "sucio", "sucia", "abusador", "abusadores", "viciosos", "vicioso"],
}
# Titles a learner sees (the course title, module titles, test sections, the source labels the
# kiosk shows) are held to more words than body text: an article title such as "...for former
# inmates" or an agency name with "Abuse" reads as a label of the learner when it heads a page.
TITLE_WORDS = {
    "en": [*STIGMA_WORDS["en"], "abuse", "abuses", "abusing", "addicted", "inmate", "inmates",
           "former inmates", "convict", "convicts", "ex-convict", "ex-convicts", "offender", "offenders",
           "ex-offender", "ex-offenders", "felon", "felons", "criminal", "criminals"],
    "es": [*STIGMA_WORDS["es"], "abuso", "abusos", "reo", "reos", "recluso",
           "reclusos", "reclusa", "reclusas", "convicto", "convictos", "expresidiario", "expresidiarios",
           "delincuente", "delincuentes", "criminal", "criminales"],
}
MODULE_NAME = re.compile(r"^(\d{2})-([a-z0-9-]+)$")


@dataclass(order=True)
class Problem:
    """One thing to fix, named by file and line so a health educator can find it."""

    path: str
    line: int
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.kind}: {self.message}"


@dataclass
class ModuleText:
    slug: str
    language: str
    path: Path
    meta: dict
    body: str
    body_line: int  # 1-based line where the body starts
    raw: str


@dataclass
class Curriculum:
    root: Path
    meta: dict = field(default_factory=dict)
    modules: dict[tuple[str, str], ModuleText] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    quiz: dict = field(default_factory=dict)
    quiz_raw: str = ""
    protocol: protocol_files.Protocol | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def module_slugs(self) -> list[str]:
        return list(self.meta.get("modules", []))

    def add(self, path: Path | str, line: int, kind: str, message: str) -> None:
        self.problems.append(Problem(self._rel(path), line, kind, message))

    def _rel(self, path: Path | str) -> str:
        path = Path(path)
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)


def sha256_text(text: str) -> str:
    """The hash a Spanish module records for the English file it translates (LF line ends)."""
    return hashlib.sha256(normalize_newlines(text).encode("utf-8")).hexdigest()


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str) -> tuple[str, str, int]:
    """(front matter, body, body's first line); raises ValueError if the `+++` block is missing."""
    lines = normalize_newlines(text).split("\n")
    if not lines or lines[0].strip() != "+++":
        raise ValueError("the file must start with a +++ line (TOML front matter)")
    for index in range(1, len(lines)):
        if lines[index].strip() == "+++":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1:]), index + 2
    raise ValueError("the front matter has no closing +++ line")


def _toml_error_line(error: tomllib.TOMLDecodeError) -> int:
    match = re.search(r"line (\d+)", str(error))
    return int(match.group(1)) if match else 1


def load_curriculum(root: Path | str) -> Curriculum:
    """Read every file of a curriculum; structural problems are collected, not raised."""
    root = Path(root)
    cur = Curriculum(root=root)
    toml_path = root / "curriculum.toml"
    if not toml_path.is_file():
        cur.add(toml_path, 1, "structure", "curriculum.toml is missing")
        return cur
    try:
        cur.meta = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        cur.add(toml_path, _toml_error_line(error), "structure", f"not valid TOML: {error}")
        return cur
    _check_metadata(cur, toml_path)
    cur.protocol = protocol_files.load_protocol(root)
    for line, message in cur.protocol.problems:
        cur.add(cur.protocol.path, line, "structure", message)
    for slug in cur.module_slugs:
        for language in LANGUAGES:
            path = root / "modules" / f"{slug}.{language}.md"
            if not path.is_file():
                kind = "structure" if language == SOURCE_LANGUAGE else "missing translation"
                cur.add(path, 1, kind, f"module {slug} has no {language} file")
                continue
            raw = path.read_text(encoding="utf-8")
            try:
                front, body, body_line = split_front_matter(raw)
                meta = tomllib.loads(front)
            except (ValueError, tomllib.TOMLDecodeError) as error:
                line = _toml_error_line(error) + 1 if isinstance(error, tomllib.TOMLDecodeError) else 1
                cur.add(path, line, "structure", f"front matter: {error}")
                continue
            body = _expand(cur, path, body, body_line, language)
            cur.modules[(slug, language)] = ModuleText(slug, language, path, meta, body, body_line, raw)
        notes = root / "modules" / f"{slug}.notes.md"
        if notes.is_file():
            cur.notes[slug] = notes.read_text(encoding="utf-8")
        else:
            cur.add(notes, 1, "structure", f"module {slug} has no facilitator notes")
    quiz_path = root / "quiz.toml"
    if not quiz_path.is_file():
        cur.add(quiz_path, 1, "structure", "quiz.toml is missing")
    else:
        cur.quiz_raw = quiz_path.read_text(encoding="utf-8")
        try:
            cur.quiz = tomllib.loads(cur.quiz_raw)
        except tomllib.TOMLDecodeError as error:
            cur.add(quiz_path, _toml_error_line(error), "structure", f"not valid TOML: {error}")
    return cur


def _expand(cur: Curriculum, path: Path, body: str, body_line: int, language: str) -> str:
    """The module body with its {{protocol:...}} and {{product:...}} lines filled in from the one
    protocol and the products' label data, so every copy of the steps is the same words."""
    from reentry.documents.content import product_instructions  # data only; avoids an import cycle

    body, problems = protocol_files.expand(body, language, cur.protocol, product_instructions)
    for offset, message in problems:
        cur.add(path, body_line + offset, "structure", message)
    return body


def _line_of(raw: str, needle: str, default: int = 1) -> int:
    for number, line in enumerate(normalize_newlines(raw).split("\n"), start=1):
        if needle in line:
            return number
    return default


def _check_metadata(cur: Curriculum, path: Path) -> None:
    meta, raw = cur.meta, path.read_text(encoding="utf-8")
    for key, kind in (("id", str), ("version", str), ("audience", str), ("modules", list),
                      ("title", dict), ("sources", list)):
        if not isinstance(meta.get(key), kind) or not meta.get(key):
            cur.add(path, 1, "structure", f"'{key}' is missing or empty")
    for language in LANGUAGES:
        if not (meta.get("title") or {}).get(language):
            cur.add(path, _line_of(raw, "[title]"), "missing translation", f"title has no '{language}' text")
    seen = set()
    for slug in meta.get("modules", []) if isinstance(meta.get("modules"), list) else []:
        if not isinstance(slug, str) or not MODULE_NAME.match(slug):
            cur.add(path, _line_of(raw, str(slug)), "structure",
                    f"module name {slug!r} must look like NN-slug (e.g. 01-release-risk)")
        elif slug in seen:
            cur.add(path, _line_of(raw, slug), "structure", f"module {slug} is listed twice")
        seen.add(slug)
    for source in meta.get("sources", []) if isinstance(meta.get("sources"), list) else []:
        if not isinstance(source, dict) or not source.get("id") or not source.get("citation"):
            cur.add(path, _line_of(raw, "[[sources]]"), "structure", "each source needs an id and a citation")


def plain_text(markdown: str) -> str:
    """Markdown as sentences for the reading-level formulas: no markup, no citation markers,
    and every heading or list item ends a sentence (else a list reads as one long sentence)."""
    sentences = []
    for line in normalize_newlines(markdown).split("\n"):
        text = CITATION.sub("", line)
        text = re.sub(r"^\s*(#+|[-*+]|\d+\.)\s+", "", text)
        text = re.sub(r"[*_`]", "", text).strip()
        if not text:
            continue
        if text[-1] not in ".!?:":
            text += "."
        sentences.append(text)
    return " ".join(sentences)


def score_label(language: str) -> str:
    return "Fernández-Huerta" if language == "es" else "grade"


def _limit_text(language: str) -> str:
    return f"at least {MIN_FERNANDEZ_HUERTA:g}" if language == "es" else f"{MAX_GRADE:g} or lower"


def _check_words(cur: Curriculum, path: Path, text: str, language: str, first_line: int,
                 cited: bool = False) -> None:
    """Stigmatizing words and uncited figures, line by line (`cited`: a marker elsewhere in the
    same quiz item covers its figures)."""
    sources = {s.get("id") for s in cur.meta.get("sources", []) if isinstance(s, dict)}
    for offset, line in enumerate(normalize_newlines(text).split("\n")):
        number = first_line + offset
        lowered = line.lower()
        for word in STIGMA_WORDS[language]:
            if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", lowered):
                cur.add(path, number, "stigmatizing words",
                        f"'{word}': use person-first words (e.g. 'person who uses drugs')")
        for marker in CITATION.findall(line):
            if marker not in sources:
                cur.add(path, number, "citation", f"[@{marker}] is not in the sources of curriculum.toml")
        if protocol_files.DIRECTIVE.match(line.strip()):
            continue  # a {{product:narcan-4mg}} line names a product; its text is checked expanded
        if FIGURE.search(CITATION.sub("", line)) and not cited and not CITATION.search(line):
            cur.add(path, number, "citation", "a health figure needs a source marker such as [@samhsa2023]")


def check_curriculum(root: Path | str) -> tuple[Curriculum, list[dict]]:
    """Load and check a curriculum; returns it (with .problems) and one score row per text."""
    cur = load_curriculum(root)
    scores: list[dict] = []
    for (slug, language), module in sorted(cur.modules.items()):
        _check_module(cur, module)
        text = plain_text(module.meta.get("title", "") + "\n" + module.body)
        score = reading_score(text, language)
        scores.append({"file": cur._rel(module.path), "language": language, "score": score,
                       "ok": score_is_ok(score, language)})
        if not score_is_ok(score, language):
            cur.add(module.path, module.body_line, "reading level",
                    f"{score_label(language)} {score:.1f}; needs {_limit_text(language)}")
    if cur.protocol is not None and cur.protocol.path.is_file():
        _check_protocol(cur)
    for slug, notes in cur.notes.items():
        _check_words(cur, cur.root / "modules" / f"{slug}.notes.md", notes, SOURCE_LANGUAGE, 1, cited=True)
    if cur.quiz:
        scores += _check_quiz(cur)
    _check_titles(cur)
    cur.problems.sort()
    return cur, scores


def learner_titles(cur: Curriculum) -> list[tuple[Path, str, str, str]]:
    """(file, what, language, text) for every title a learner reads on the kiosk or a page."""
    meta_path, titles = cur.root / "curriculum.toml", []
    for language in LANGUAGES:
        titles.append((meta_path, "course title", language, str((cur.meta.get("title") or {}).get(language, ""))))
    for (slug, language), module in sorted(cur.modules.items()):
        titles.append((module.path, f"module title ({slug})", language, str(module.meta.get("title", ""))))
    for source in cur.meta.get("sources", []) if isinstance(cur.meta.get("sources"), list) else []:
        shown = source.get("shown", "") if isinstance(source, dict) else ""
        for language in LANGUAGES:
            text = shown.get(language, "") if isinstance(shown, dict) else shown
            titles.append((meta_path, f"source label ({source.get('id')})", language, str(text or "")))
    for domain in cur.quiz.get("domains", []) if isinstance(cur.quiz.get("domains"), list) else []:
        for language in LANGUAGES:
            titles.append((cur.root / "quiz.toml", f"test section title ({domain.get('id')})", language,
                           str(domain.get(language, "") or "")))
    return titles


def title_stigma_words(text: str, language: str) -> list[str]:
    lowered = text.lower()
    return [word for word in TITLE_WORDS[language]
            if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", lowered)]


def _check_titles(cur: Curriculum) -> None:
    for path, what, language, text in learner_titles(cur):
        for word in title_stigma_words(text, language):
            if what.startswith("module title") and word in STIGMA_WORDS[language]:
                continue  # the module's own word check already names this line
            raw = path.read_text(encoding="utf-8") if path.is_file() else ""
            cur.add(path, _line_of(raw, text, 1) if text else 1, "stigmatizing words",
                    f"{what} '{text}': '{word}' labels the learner; use person-first words")


def _check_protocol(cur: Curriculum) -> None:
    """Stigmatizing words and unknown sources in protocol.toml (its figures are all cited: every
    block names its sources, which must be in curriculum.toml)."""
    proto, path = cur.protocol, cur.protocol.path
    raw = path.read_text(encoding="utf-8")
    if proto.translates != proto.english_hash:
        cur.add(path, _line_of(raw, "translates"), "out-of-date translation",
                f"the English changed since the Spanish was written; update the Spanish, then set "
                f'translates = "{proto.english_hash}"')
    sources = {s.get("id") for s in cur.meta.get("sources", []) if isinstance(s, dict)}
    for source_id in sorted(proto.sources() - sources):
        cur.add(path, _line_of(raw, f'"{source_id}"'), "citation", f"source {source_id!r} is not in curriculum.toml")
    for language in LANGUAGES:
        texts = [f"{e.title} {e.text}" for e in (*proto.steps.get(language, []), *proto.situations.get(language, []))]
        for block in proto.lists.values():
            if language in block:
                texts += [block[language].title, *block[language].items]
        for text in texts:
            _check_words(cur, path, text, language, _line_of(raw, text.split(" ")[-1]), cited=True)


def _check_module(cur: Curriculum, module: ModuleText) -> None:
    meta, path = module.meta, module.path
    for key, kind in (("title", str), ("minutes", int), ("objectives", list)):
        if not isinstance(meta.get(key), kind) or not meta.get(key):
            cur.add(path, 2, "structure", f"front matter needs '{key}'")
    _check_words(cur, path, module.raw, module.language, 1)
    if module.language == SOURCE_LANGUAGE:
        return
    english = cur.modules.get((module.slug, SOURCE_LANGUAGE))
    recorded = meta.get("translates", "")
    line = _line_of(module.raw, "translates", 2)
    if not recorded:
        cur.add(path, line, "structure", "front matter needs 'translates' (SHA-256 of the English file)")
    elif english is not None and recorded != sha256_text(english.raw):
        cur.add(path, line, "out-of-date translation",
                f"the English file changed since this was translated (now {sha256_text(english.raw)})")


def quiz_item_source(item: dict) -> str:
    """The English text of a quiz item that its Spanish version records a hash of."""
    english = item.get(SOURCE_LANGUAGE) or {}
    return json.dumps({"answer": item.get("answer"), "text": english.get("text"),
                       "explanation": english.get("explanation")}, ensure_ascii=False, sort_keys=True)


def _check_quiz(cur: Curriculum) -> list[dict]:
    """Check the test bank; returns the hardest item's score per language (for the report)."""
    path, raw, quiz = cur.root / "quiz.toml", cur.quiz_raw, cur.quiz
    worst: dict[str, float] = {}
    items = quiz.get("items", [])
    if len(items) < MIN_ITEMS:
        cur.add(path, 1, "structure", f"the test bank has {len(items)} items; it needs at least {MIN_ITEMS}")
    per_domain = {d: 0 for d in DOMAINS}
    seen = set()
    for item in items:
        item_id = str(item.get("id", ""))
        line = _line_of(raw, f'id = "{item_id}"') if item_id else 1
        if not item_id or item_id in seen:
            cur.add(path, line, "structure", f"item id {item_id!r} is missing or repeated")
        seen.add(item_id)
        if item.get("domain") not in DOMAINS:
            cur.add(path, line, "structure", f"item {item_id}: domain must be one of {', '.join(DOMAINS)}")
        else:
            per_domain[item["domain"]] += 1
        if not isinstance(item.get("answer"), bool):
            cur.add(path, line, "structure", f"item {item_id}: answer must be true or false")
        known = {s.get("id") for s in cur.meta.get("sources", []) if isinstance(s, dict)}
        for source_id in item.get("sources", []):
            if source_id not in known:
                cur.add(path, line, "citation", f"item {item_id}: source {source_id!r} is not in curriculum.toml")
        for language in LANGUAGES:
            texts = item.get(language) or {}
            if not texts.get("text") or not texts.get("explanation"):
                kind = "structure" if language == SOURCE_LANGUAGE else "missing translation"
                cur.add(path, line, kind, f"item {item_id}: no {language} text and explanation")
                continue
            cited = bool(CITATION.search(texts["text"] + texts["explanation"]))
            for key in ("text", "explanation"):
                _check_words(cur, path, texts[key], language, _line_of(raw, texts[key].split("\n")[0], line),
                             cited=cited)
            score = reading_score(plain_text(texts["text"] + "\n" + texts["explanation"]), language)
            harder = language in worst and (score < worst[language] if language == "es" else score > worst[language])
            if language not in worst or harder:
                worst[language] = score
            if not score_is_ok(score, language):
                cur.add(path, _line_of(raw, texts["text"].split("\n")[0], line), "reading level",
                        f"item {item_id} ({language}): {score_label(language)} {score:.1f}; "
                        f"needs {_limit_text(language)}")
        spanish = item.get("es") or {}
        if spanish.get("text") and spanish.get("translates") != sha256_text(quiz_item_source(item)):
            cur.add(path, _line_of(raw, spanish["text"].split("\n")[0], line), "out-of-date translation",
                    f"item {item_id}: the English text changed since this was translated "
                    f"(now {sha256_text(quiz_item_source(item))})")
    for domain, count in per_domain.items():
        if count < MIN_ITEMS_PER_DOMAIN:
            cur.add(path, 1, "structure", f"domain {domain} has {count} items; it needs {MIN_ITEMS_PER_DOMAIN}")
    domain_titles = {d.get("id"): d for d in quiz.get("domains", [])}
    for domain in DOMAINS:
        for language in LANGUAGES:
            if not (domain_titles.get(domain) or {}).get(language):
                cur.add(path, _line_of(raw, "[[domains]]"), "structure", f"domain {domain} needs a '{language}' title")
    return [{"file": f"{cur._rel(path)} (hardest item)", "language": language, "score": score,
             "ok": score_is_ok(score, language)} for language, score in sorted(worst.items())]


def content_document(cur: Curriculum) -> dict:
    """Everything a training needs from this version, as one JSON-ready document."""
    modules = []
    for slug in cur.module_slugs:
        entry = {"slug": slug, "notes": cur.notes.get(slug, "")}
        for language in LANGUAGES:
            module = cur.modules[(slug, language)]
            entry[language] = {"title": module.meta["title"], "minutes": module.meta["minutes"],
                               "objectives": list(module.meta["objectives"]), "body": module.body.strip()}
        modules.append(entry)
    return {
        "id": cur.meta["id"],
        "version": cur.meta["version"],
        "title": dict(cur.meta["title"]),
        "audience": cur.meta["audience"],
        "sources": [dict(s) for s in cur.meta["sources"]],
        "modules": modules,
        "domains": [dict(d) for d in cur.quiz.get("domains", [])],
        "items": [
            {"id": item["id"], "domain": item["domain"], "answer": item["answer"],
             **{lang: {"text": item[lang]["text"].strip(), "explanation": item[lang]["explanation"].strip()}
                for lang in LANGUAGES}}
            for item in cur.quiz.get("items", [])
        ],
    }


def content_hash(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
