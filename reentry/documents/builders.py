"""Document builders: plain input dataclasses in, PDF bytes out. No database access here, so the
same builders serve the web, the CLI, the batch printer and the benchmarks.

What the packet must never carry: diagnosis wording. It leaves custody with the person's property
and is read during searches (RELIABILITY.md, "Release packet"); names, dates and the kit given are
fine, labels such as "opioid use disorder" are not.
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import groupby
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, HRFlowable, KeepInFrame, KeepTogether, PageBreak, Spacer

from reentry.documents import pdf
from reentry.documents.content import (
    language,
    long_date,
    product_instructions,
    resource_type_label,
    texts,
)
from reentry.documents.pdf import Paragraph, Styles, bullets, numbered, safe, styles
from reentry.training import protocol

GENERIC_NASAL = "naloxone-4mg-generic"  # shown when no kit was given: the kind most people will get
NAME_LIMIT = 200  # the longest name a participant record holds
# Words that would name a diagnosis on a page that goes through property searches.
DIAGNOSIS_WORDING = re.compile(
    r"\b(use disorder|OUD|SUD|diagnos\w*|addict\w*|dependence|trastorno\w*|adicci\w*)\b",
    re.IGNORECASE,
)
# Order of the resource types in the packet: what keeps a person alive first.
PACKET_RESOURCE_TYPES = ("moud", "treatment", "naloxone", "syringe_services", "crisis", "housing",
                         "recovery_community", "legal", "drug_court")


@dataclass(frozen=True)
class CertificateInput:
    holder_name: str
    course_title: str
    course_version: str
    completed_on: date
    trainer_name: str
    language: str
    code: str
    verify_url: str
    facility_name: str | None = None  # off unless asked for: a certificate must not reveal custody


@dataclass(frozen=True)
class RiskFlag:
    """One flag of `reentry.participants.risk.assess`, its reason already in the packet language."""

    code: str
    reason: str
    citation: str = ""  # the key, for data and tests only: a page prints `source`, never a key
    source: str = ""  # a short human citation in the packet language ("Keen 2020")


@dataclass(frozen=True)
class WarningInput:
    name: str
    language: str
    release_date: date | None
    week2_end: date | None = None
    week4_end: date | None = None
    naltrexone_ends: date | None = None
    flags: tuple[RiskFlag, ...] = ()  # about the local drug supply: printed on the general page
    # About the person (their use, overdoses, treatment): present only when they chose to have
    # them printed, and printed on a sheet of their own that can be kept apart.
    personal_flags: tuple[RiskFlag, ...] = ()
    # On methadone or buprenorphine inside (tolerance was kept): True or False only when the person
    # chose to have what is about them printed. None (no such choice) prints both conditional
    # paragraphs, the same for everyone, so the general page never shows who was on treatment.
    kept_on_moud: bool | None = False


@dataclass(frozen=True)
class ResourceEntry:
    name: str
    type: str
    address: str = ""
    phone: str = ""
    hours: str = ""
    languages: str = ""
    accepts_records: str = "unknown"
    is_stale: bool = False  # not verified for over a year: marked on the page
    # The directory knows the hours, but not in the packet language: the page says to call.
    has_hours: bool = False


@dataclass(frozen=True)
class HotlineEntry:
    name: str
    number: str
    description: str = ""


@dataclass(frozen=True)
class LawSummary:
    """What the packet may say about a state's Good Samaritan law (see services.law_summary)."""

    lines: tuple[str, ...]
    as_of_line: str
    source: str = ""


@dataclass(frozen=True)
class PacketInput:
    name: str
    language: str
    release_date: date | None
    warning: WarningInput
    product_code: str | None = None
    area_label: str = ""
    resources: tuple[ResourceEntry, ...] = ()
    law: LawSummary | None = None
    hotlines: tuple[HotlineEntry, ...] = ()
    certificate: CertificateInput | None = None
    participant_id: int | None = None  # for the audit row only; never printed
    episode_id: int | None = None  # likewise: which stay the packet was printed for
    # The person's choice to print the sheet about them: as recorded with the screening, and
    # as given at print time (audited when they differ). Never printed.
    personal_flags_recorded: bool = False
    personal_flags_chosen: bool = False
    # "Content version X, reviewed by <title> on <date>" when the content printed is approved
    # (documents.governance.footer_note); empty otherwise: a packet never claims a review it lacks.
    content_note: str = ""


def warning_input_from_assessment(assessment, name: str, lang: str, personal: bool | None = None) -> WarningInput:
    """Adapt a `reentry.participants.risk.assess` result (flags with .code, .reason(lang),
    .citation, .short_source(lang), .is_personal; key_dates with release, week2_end, week4_end,
    naltrexone_ends). The flags about the person, and their naltrexone date, are kept only when
    `personal` (default: the choice recorded with the screening) says to print them."""
    lang = language(lang)
    if personal is None:
        personal = bool(getattr(assessment, "wants_personal_flags_printed", False))
    dates = getattr(assessment, "key_dates", None) or {}
    general, about_them = [], []
    for flag in getattr(assessment, "flags", ()):
        short = getattr(flag, "short_source", None)
        risk_flag = RiskFlag(code=str(flag.code), reason=str(flag.reason(lang)),
                             citation=str(getattr(flag, "citation", "") or ""),
                             source=str(short(lang)) if callable(short) else "")
        (about_them if getattr(flag, "is_personal", True) else general).append(risk_flag)
    return WarningInput(name=name, language=lang, release_date=dates.get("release"),
                        week2_end=dates.get("week2_end"), week4_end=dates.get("week4_end"),
                        naltrexone_ends=dates.get("naltrexone_ends") if personal else None,
                        flags=tuple(general), personal_flags=tuple(about_them) if personal else (),
                        kept_on_moud=bool(getattr(assessment, "kept_on_moud", False)) if personal else None)


# ---------------------------------------------------------------- certificate


@lru_cache(maxsize=512)
def qr_modules(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR matrix for a URL (reportlab's encoder, error correction M), computed once."""
    widget = QrCodeWidget(url, barLevel="M")
    widget.qr.make()
    return tuple(tuple(bool(cell) for cell in row) for row in widget.qr.modules)


class QRFlowable(Flowable):
    """A QR code drawn as one filled path of black runs: reportlab's widget builds thousands of
    shape objects and encodes twice, which made it most of a packet's build time."""

    def __init__(self, url: str, size: float, border: int = 4):
        super().__init__()
        self.modules = qr_modules(url)
        self.size, self.border = size, border
        self.width = self.height = size
        self.hAlign = "CENTER"

    def wrap(self, available_width, available_height):
        return self.size, self.size

    def draw(self):
        count = len(self.modules)
        box = self.size / (count + 2 * self.border)
        path = self.canv.beginPath()
        for r, row in enumerate(self.modules):
            y = self.size - (r + self.border + 1) * box
            c = 0
            for dark, run in groupby(row):
                n = len(list(run))
                if dark:
                    path.rect((c + self.border) * box, y, n * box, box)
                c += n
        self.canv.setFillColor(colors.black)
        self.canv.drawPath(path, stroke=0, fill=1)


def certificate_story(cert: CertificateInput, st: Styles) -> list:
    t = texts(cert.language)
    lang = language(cert.language)
    name = safe(cert.holder_name, NAME_LIMIT)
    name_style = st.big_center if len(name) <= 40 else st.heading.clone("name", alignment=1)
    facts = [
        f"{t['cert_version']}: {safe(cert.course_version, 40)}",
        f"{t['cert_date']}: {safe(long_date(cert.completed_on, lang))}",
        f"{t['cert_trainer']}: {safe(cert.trainer_name, 80)}",
    ]
    if cert.facility_name:
        facts.append(f"{t['cert_place']}: {safe(cert.facility_name, 80)}")
    story = [
        HRFlowable(width="100%", thickness=3, color="black", spaceAfter=12),
        Paragraph(t["cert_title"], st.title.clone("cert_title", alignment=1)),
        Paragraph(t["cert_intro"], st.center),
        Paragraph(name, name_style),
        Paragraph(t["cert_completed"], st.center),
        Paragraph(f"<b>{safe(cert.course_title, 160)}</b>", st.heading.clone("course", alignment=1)),
        Spacer(1, 8),
        *[Paragraph(line, st.center) for line in facts],
        Spacer(1, 14),
        QRFlowable(cert.verify_url, 1.5 * inch if st.body_size < 18 else 1.8 * inch),
        Paragraph(f"{t['cert_code']}: <b>{safe(cert.code)}</b>", st.center),
        Paragraph(t["cert_verify"], st.center),
        Paragraph(safe(cert.verify_url), st.center),
        HRFlowable(width="100%", thickness=3, color="black", spaceBefore=12),
    ]
    # One page whatever the name's length or the print size: shrink rather than spill over.
    return [KeepInFrame(pdf.FRAME_WIDTH, pdf.FRAME_HEIGHT, story, mode="shrink")]


def build_certificate(cert: CertificateInput, large_print: bool = False) -> bytes:
    """A one-page certificate of completion with its verification code and QR code."""
    t = texts(cert.language)
    return pdf.render(certificate_story(cert, styles(large_print)), title=t["cert_title"],
                      language=language(cert.language), page_label=t["page"], large_print=large_print)


# ---------------------------------------------------------------- tolerance-loss warning


def plain_reason(reason: str, lang: str) -> str:
    """A flag's reason, unless it names a diagnosis: then a neutral sentence instead."""
    if DIAGNOSIS_WORDING.search(reason or ""):
        return texts(lang)["flag_generic"]
    return reason


def _reasons(flags: Iterable[RiskFlag], lang: str) -> list[str]:
    reasons: list[str] = []
    for flag in flags:
        reason = safe(plain_reason(flag.reason, lang), 300)
        if reason and reason not in reasons:
            reasons.append(reason)
    return reasons


def _sources_line(t: dict, flags: Iterable[RiskFlag], st: Styles, base: str = "") -> Paragraph:
    # Author and year only (full references are in DOMAIN.md): a journal title such as
    # "Addiction" must not appear on a page that goes through property searches, nor a raw key.
    names = sorted({safe(f.source, 80) for f in flags if f.source and f.source not in base})
    sources = " ".join(x for x in (base, "; ".join(names) + "." if names else "") if x)
    return Paragraph(f"{t['warn_sources']}: {sources}", st.small)


def tolerance_texts(kept_on_moud: bool | None) -> tuple[str, ...]:
    """The texts.json keys of the tolerance paragraph: tailored to the screening only when the
    person chose to carry what is about them; otherwise both, each an "if", for everyone."""
    if kept_on_moud is None:
        return ("warn_everyone", "warn_everyone_moud")
    return ("warn_everyone_moud",) if kept_on_moud else ("warn_everyone",)


def warning_story(w: WarningInput, st: Styles) -> list:
    """The general warning page: nothing on it is about the person but their name and dates."""
    t = texts(w.language)
    lang = language(w.language)
    story = [
        Paragraph(t["warn_title"], st.title),
        Paragraph(t["warn_lead"], st.lead),
        Paragraph(t["warn_why"], st.heading),
    ]
    story += [Paragraph(t[key], st.body) for key in tolerance_texts(w.kept_on_moud)]
    story += bullets(_reasons(w.flags, lang) or [t["warn_no_flags"]], st.bullet)
    dates = [(t["date_release"], w.release_date), (t["date_week2"], w.week2_end),
             (t["date_week4"], w.week4_end)]
    known = [f"{label}: <b>{safe(long_date(value, lang))}</b>" for label, value in dates if value]
    if known:
        story.append(Paragraph(t["warn_dates"], st.heading))
        story += bullets(known, st.bullet)
    story.append(Paragraph(t["warn_todo"], st.heading))
    story += bullets(t["warn_todo_items"], st.bullet)
    story.append(_sources_line(t, w.flags, st, t["warn_base_sources"]))
    return story


def personal_story(w: WarningInput, st: Styles) -> list:
    """The sheet of flags about the person, printed only when they chose it."""
    t = texts(w.language)
    lang = language(w.language)
    story = [Paragraph(t["personal_title"], st.title), Paragraph(t["personal_lead"], st.lead)]
    story += bullets(_reasons(w.personal_flags, lang), st.bullet)
    if w.naltrexone_ends:
        story += bullets([f"{t['date_naltrexone']}: <b>{safe(long_date(w.naltrexone_ends, lang))}</b>"], st.bullet)
    story.append(_sources_line(t, w.personal_flags, st))
    return story


def build_warning(w: WarningInput, large_print: bool = False) -> bytes:
    """The one-page tolerance-loss warning (two pages in large print), and the person's own
    sheet after it when they chose to have it printed."""
    t = texts(w.language)
    st = styles(large_print)
    story = warning_story(w, st)
    if w.personal_flags:
        story += [pdf.OddPageBreak(Paragraph(t["blank_page"], st.center)), *personal_story(w, st)]
    return pdf.render(story, title=t["warn_title"],
                      language=language(w.language), footer=w.name, page_label=t["page"],
                      large_print=large_print)


# ---------------------------------------------------------------- release packet


def _cover(p: PacketInput, st: Styles, t: dict, lang: str) -> list:
    product = product_instructions(p.product_code) if p.product_code else None
    kit = safe(product[lang]["name"]) if product else t["cover_kit_none"]
    story = [
        Paragraph(t["cover_title"], st.title),
        Paragraph(f"{t['cover_name']}: <b>{safe(p.name, NAME_LIMIT)}</b>", st.body),
    ]
    if p.release_date:
        story.append(Paragraph(f"{t['cover_release']}: <b>{safe(long_date(p.release_date, lang))}</b>",
                               st.body))
    story.append(Paragraph(f"{t['cover_kit']}: <b>{kit}</b>", st.body))
    inside = [t["section_warning"], t["section_product"], t["section_response"], t["section_safer"],
              t["section_resources"], t["section_law"], t["section_hotlines"]]
    if p.certificate:
        inside.append(t["section_certificate"])
    if p.warning.personal_flags:
        inside.append(t["section_personal"])
    story += [Paragraph(t["cover_inside"], st.heading), *bullets(inside, st.bullet)]
    return story


def _source_paragraph(ids, st: Styles, t: dict, lang: str) -> list:
    """The sources a page rests on, by their printable title (never a citation key)."""
    line = protocol.source_line(ids, lang, packet=True)
    return [Paragraph(f"{t['sources_title']}: {safe(line, 600)}.", st.small)] if line else []


def _titled_list(block, st: Styles, above: tuple = ()) -> list:
    """A heading and its bullets (or numbered steps), kept on one page (a heading never ends a
    page alone), with `above` (a page title) kept with them. Flat on purpose: a KeepTogether
    inside another measures as endless and always starts a new page."""
    items = [safe(i) for i in block.items]
    return [KeepTogether([*above, Paragraph(safe(block.title), st.heading),
                          *(numbered(items, st.bullet) if block.numbered else bullets(items, st.bullet))])]


def safer_story(st: Styles, t: dict, lang: str) -> list:
    """Test strips, wound care and keeping methadone or buprenorphine going: the lists modules 7
    and 8 of the course print (protocol.toml), for everyone, since nothing on it is about them."""
    proto = protocol.default_protocol()
    first, *rest = protocol.SAFER_LISTS
    # The page title travels with the first list, so it never ends a page alone.
    story = _titled_list(proto.lists[first][lang], st, above=(Paragraph(t["safer_title"], st.title),))
    for part in rest:
        story += _titled_list(proto.lists[part][lang], st)
    return story + _source_paragraph(sorted(proto.sources(protocol.SAFER_LISTS)), st, t, lang)


def response_story(st: Styles, t: dict, lang: str) -> list:
    """What to do in an overdose: the one protocol (curricula/oend/protocol.toml), the same words
    and order as module 4 of the course and the kiosk."""
    proto = protocol.default_protocol()
    steps = [f"<b>{safe(e.title)}</b> {safe(e.text)}" for e in proto.steps[lang]]
    situations = [Paragraph(f"<b>{safe(e.title)}</b> {safe(e.text)}", st.bullet, bulletText="•")
                  for e in proto.situations[lang]]
    # The steps and what else can happen stay on one page; the lists for "no naloxone" and the
    # don'ts may go on to the next one, each kept whole.
    parts = ("steps", "situations", "no_naloxone", "donts")
    return [
        KeepTogether([Paragraph(t["response_title"], st.heading), *numbered(steps, st.bullet), *situations]),
        *_titled_list(proto.lists["no_naloxone"][lang], st),
        *_titled_list(proto.lists["donts"][lang], st),
        *_source_paragraph(sorted(proto.sources(parts)), st, t, lang),
    ]


def product_story(code: str | None, st: Styles, t: dict, lang: str) -> list:
    """How to give and keep the product given (its own label's words), or, with no kit, how a
    nasal spray is given and where to get naloxone free."""
    proto = protocol.default_protocol()
    storage_notes = proto.lists["storage"][lang]
    product = product_instructions(code) if code else None
    if product is None:
        nasal = product_instructions(GENERIC_NASAL)
        return [
            Paragraph(t["generic_title"], st.heading),
            Paragraph(t["generic_intro"], st.body),
            Paragraph(t["generic_nasal"], st.body),
            *numbered([safe(s) for s in nasal[lang]["give"]], st.bullet),
            Paragraph(t["free_title"], st.heading),
            *bullets(t["free_items"], st.bullet),
            *_titled_list(storage_notes, st),
            *_source_paragraph([*nasal["sources"], *storage_notes.sources], st, t, lang),
        ]
    words = product[lang]
    return [
        Paragraph(f"{t['product_title']}: {safe(words['name'])}", st.heading),
        *numbered([safe(s) for s in words["give"]], st.bullet),
        Paragraph(t["product_storage"], st.heading),
        *bullets([safe(s) for s in words["storage"]], st.bullet),
        *_titled_list(storage_notes, st),
        *_source_paragraph([*product["sources"], *storage_notes.sources], st, t, lang),
    ]


def resources_story(p: PacketInput, st: Styles, t: dict, lang: str) -> list:
    title = t["resources_title"].format(county=safe(p.area_label, 80)) if p.area_label else t["section_resources"]
    story = [Paragraph(title, st.heading)]
    if not p.resources:
        return story + [Paragraph(t["resources_none"], st.body)]
    order = {type_: n for n, type_ in enumerate(PACKET_RESOURCE_TYPES)}
    entries = sorted(p.resources, key=lambda r: (order.get(r.type, 99), r.name.lower()))
    current = None
    for entry in entries:
        if entry.type != current:
            current = entry.type
            story.append(Paragraph(f"<b>{safe(resource_type_label(entry.type, lang))}</b>",
                                   st.body.clone("resource_type", keepWithNext=1)))
        details = [safe(x, 160) for x in (entry.address, entry.phone) if x]
        extra = []
        if entry.hours:
            extra.append(f"{t['resource_hours']}: {safe(entry.hours, 120)}")
        elif entry.has_hours:
            extra.append(t["resource_hours_call"])
        if entry.languages:
            extra.append(f"{t['resource_languages']}: {safe(entry.languages, 80)}")
        if entry.accepts_records == "yes":
            extra.append(t["resource_records"])
        lines = [f"<b>{safe(entry.name, 120)}</b>", " · ".join(details), " · ".join(extra)]
        if entry.is_stale:
            lines.append(f"<b>{t['resource_not_checked']}</b>")
        story.append(Paragraph("<br/>".join(x for x in lines if x), st.bullet, bulletText="•"))
    return story


def law_story(p: PacketInput, st: Styles, t: dict) -> list:
    """One block, never split across pages: "This is not legal advice" and the source must stay on
    the page that states the law, not be left alone at the top of the next."""
    story = [Paragraph(t["law_title"], st.heading)]
    if p.law is None:
        return [KeepTogether(story + [Paragraph(t["law_call"], st.body)])]
    story += [Paragraph(safe(line), st.body) for line in p.law.lines]
    story.append(Paragraph(f"<b>{safe(p.law.as_of_line)}</b>", st.body))
    if p.law.source:
        story.append(Paragraph(f"{t['law_source']}: {safe(p.law.source, 300)}", st.small))
    return [KeepTogether(story)]


def hotlines_story(p: PacketInput, st: Styles, t: dict) -> list:
    story = [Paragraph(t["hotlines_title"], st.heading)]
    if not p.hotlines:
        return story + [Paragraph(t["hotlines_none"], st.body)]
    for line in p.hotlines:
        text = f"<b>{safe(line.name, 120)}: {safe(line.number, 40)}</b>"
        if line.description:
            text += "<br/>" + safe(line.description, 300)
        story.append(Paragraph(text, st.bullet, bulletText="•"))
    # Together: a number left alone at the top of the next page reads as a page of its own.
    return [KeepTogether(story)]


def packet_story(p: PacketInput, st: Styles) -> list:
    t = texts(p.language)
    lang = language(p.language)
    story = _cover(p, st, t, lang)
    story += [PageBreak(), *warning_story(p.warning, st)]
    story += [PageBreak(), *product_story(p.product_code, st, t, lang)]
    story += [PageBreak(), *response_story(st, t, lang)]
    story += [Spacer(1, 12), *safer_story(st, t, lang)]
    story += [Spacer(1, 12), *resources_story(p, st, t, lang)]
    story += [Spacer(1, 12), *law_story(p, st, t), Spacer(1, 12), *hotlines_story(p, st, t)]
    if p.certificate:
        story += [PageBreak(), *certificate_story(p.certificate, st)]
    if p.warning.personal_flags:
        # Last, on a sheet of its own (a front side), so the person can keep it apart.
        story += [pdf.OddPageBreak(Paragraph(t["blank_page"], st.center)), *personal_story(p.warning, st)]
    return story


def build_packet(p: PacketInput, large_print: bool = False) -> bytes:
    """One person's release packet, in their language."""
    t = texts(p.language)
    return pdf.render(packet_story(p, styles(large_print)), title=t["cover_title"],
                      language=language(p.language), footer=p.name, page_label=t["page"],
                      large_print=large_print, note=p.content_note)


def build_packets(packets: Iterable[PacketInput], large_print: bool = False,
                  on_packet: Callable[[int], None] | None = None, lang: str = "en") -> bytes:
    """Many packets in one PDF for a day's releases, each starting on an odd page (duplex).

    `on_packet(n)` is called as packet n starts laying out (a CLI progress bar hooks in here).
    """
    st = styles(large_print)
    story: list = []
    for n, packet in enumerate(packets):
        t = texts(packet.language)
        if n:
            story.append(pdf.OddPageBreak(Paragraph(t["blank_page"], st.center)))
        story.append(pdf.SectionStart(pdf.printable(packet.name, 40 if large_print else 60), n, on_packet,
                                      note=packet.content_note))
        story += packet_story(packet, st)
    if not story:
        raise ValueError("no packets to print")
    t = texts(lang)
    return pdf.render(story, title=t["cover_title"], language=language(lang), page_label=t["page"],
                      large_print=large_print)
