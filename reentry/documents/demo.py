"""Demo data for documents: the shipped hotlines and law table, and an obviously fake resource
directory for the demo facilities' counties (555-01xx numbers are reserved for fiction)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from reentry.documents import services
from reentry.documents.models import Resource
from reentry.extensions import db

DEMO_REVIEWER_EMAIL = "admin@demo.test"
DEMO_TITLE, DEMO_TITLE_ES = "Medical Director (demo)", "Director médico (demo)"
# name, type, address, state, county, zip, phone, hours, hours in Spanish, languages, accepts records,
# months since checked
DEMO_RESOURCES = [
    ("Demo Harbor Recovery Clinic", "moud", "100 Example Ave, Columbus", "OH", "Franklin", "43215",
     "614-555-0101", "Mon-Fri 7am-3pm", "De lunes a viernes, de 7 a. m. a 3 p. m.", "English, Spanish", "yes", 1),
    ("Demo Bridge Counseling", "treatment", "22 Sample St, Columbus", "OH", "Franklin", "43206",
     "614-555-0102", "Mon-Sat 9am-6pm", "De lunes a sábado, de 9 a. m. a 6 p. m.", "English", "yes", 3),
    ("Demo Outreach Syringe Services", "syringe_services", "5 Placeholder Rd, Columbus", "OH", "Franklin",
     "43205", "614-555-0103", "Tue-Sat 10am-4pm", "De martes a sábado, de 10 a. m. a 4 p. m.", "English, Spanish", "yes", 2),
    ("Demo Public Health Naloxone Desk", "naloxone", "250 Fictional Blvd, Columbus", "OH", "Franklin",
     "43215", "614-555-0104", "Mon-Fri 8am-5pm", "De lunes a viernes, de 8 a. m. a 5 p. m.", "English, Spanish, Somali", "unknown", 4),
    ("Demo Second Chance Housing", "housing", "77 Imaginary Ln, Columbus", "OH", "Franklin", "43207",
     "614-555-0105", "Call for hours", "Llame para preguntar el horario", "English", "yes", 15),
    ("Demo County Crisis Line", "crisis", "", "OH", "Franklin", "", "614-555-0106", "24 hours", "Las 24 horas",
     "English, Spanish", "unknown", 1),
    ("Demo Desert Treatment Center", "moud", "400 Example Way NW, Albuquerque", "NM", "Bernalillo",
     "87102", "505-555-0111", "Mon-Fri 6am-2pm", "De lunes a viernes, de 6 a. m. a 2 p. m.", "English, Spanish", "yes", 2),
    ("Demo Rio Harm Reduction", "syringe_services", "12 Sample Ave SE, Albuquerque", "NM",
     "Bernalillo", "87106", "505-555-0112", "Mon-Fri 9am-5pm", "De lunes a viernes, de 9 a. m. a 5 p. m.", "English, Spanish", "yes", 5),
    ("Demo Mesa Naloxone Program", "naloxone", "9 Placeholder St NE, Albuquerque", "NM", "Bernalillo",
     "87110", "505-555-0113", "Walk in, Mon-Sat", "Sin cita, de lunes a sábado", "English, Spanish, Navajo", "unknown", 1),
    ("Demo Sandia Reentry Housing", "housing", "31 Fictional Dr SW, Albuquerque", "NM", "Bernalillo",
     "87105", "505-555-0114", "Call first", "Llame antes de ir", "English, Spanish", "yes", 14),
    ("Demo Legal Aid Reentry Clinic", "legal", "60 Imaginary Ave NW, Albuquerque", "NM", "Bernalillo",
     "87102", "505-555-0115", "Wed 1pm-5pm", "Los miércoles, de 1 p. m. a 5 p. m.", "English, Spanish", "yes", 6),
]


def load_documents_demo(password: str) -> list[str]:
    report = services.seed_reference_data()
    have = set(db.session.scalars(select(Resource.name)))
    today = services.today()
    added = 0
    for (name, type_, address, state, county, zip_, phone, hours, hours_es, languages, records,
         months) in DEMO_RESOURCES:
        if name in have:
            continue
        services.create_resource(
            None, name=name, type=type_, address=address, state=state, county=county, zip=zip_,
            phone=phone, hours=hours, hours_es=hours_es, languages=languages, accepts_records=records,
            last_verified_on=today - timedelta(days=30 * months), last_verified_by="Demo Admin",
        )
        added += 1
    if added:
        report.append(f"added {added} demo resource directory entries")
    return report + _approve_demo_content()


def _approve_demo_content() -> list[str]:
    """Sign the shipped content as a demo reviewer, so demo packets show the review line, and let
    the demo admin approve the next version (after an edit) from /admin/content."""
    from reentry.auth.models import User
    from reentry.documents import governance

    report = []
    admin = db.session.scalar(select(User).where(User.email == DEMO_REVIEWER_EMAIL))
    if admin is not None and not admin.is_content_reviewer:
        governance.grant_reviewer(None, admin)
        report.append(f"{DEMO_REVIEWER_EMAIL} may approve content versions (/admin/content)")
    state = governance.current_content()
    if governance.approval_of(state.version) is None:
        governance.approve_content(None, version=state.version, signed_name="Demo Reviewer",
                                   title=DEMO_TITLE, title_es=DEMO_TITLE_ES)
        report.append(f"approved content version {state.version} as \"{DEMO_TITLE}\" so demo packets print "
                      f"the review line; a real program's medical director approves at /admin/content")
    return report
