"""Clinical narrative with no identifier in it, for `tagged_notes`: what most of a real note is.

Why this exists: every sentence shape of `tagged_templates` carries identifiers, so a tagger
trained on them alone sees a labelled word in almost every third word (real notes: one in
twenty or fewer) and learns to label freely. It then takes plain nouns of a ward ("team",
"hallway", "bedside"), services and departments ("Cardiology", "Emergency Department"),
capitalised sentence openings ("Family", "Patient", "Wife") and relations without a name for
identifiers. These sentences and lines hold only such words and the hard negatives of
`tagged_negatives` (drugs, shorthand, eponyms, labs, vitals, scores), and `tagged_styles`
mixes them into every style, so most sentences the tagger learns from say nothing to redact.

The shapes were written for this generator; none is copied from a corpus of real or published
notes. Only unlabelled slots are used here: a shape that needed an identifier would belong in
`tagged_templates`.
"""

from __future__ import annotations

from tools.synthetic.tagged_values import NEG, Ctx

# Who and where on a ward, and when: ordinary words that a name-hungry tagger labels.
TEAMS = ("the team", "the primary team", "the medicine team", "the surgical team", "the night team",
         "the covering resident", "the attending", "the fellow", "the charge nurse", "nursing staff",
         "the rapid response team", "the consult service", "the pharmacist", "social work", "case management",
         "physical therapy", "occupational therapy", "the dietitian", "the chaplain", "the interpreter service",
         "the on-call physician", "the house officer", "the hospitalist", "the wound care nurse", "palliative care")
SERVICES = ("Cardiology", "Nephrology", "Neurology", "Gastroenterology", "Infectious Disease", "Pulmonology",
            "Oncology", "Endocrinology", "Hematology", "Rheumatology", "General Surgery", "Orthopedics", "Urology",
            "Psychiatry", "Dermatology", "Internal Medicine", "Family Medicine", "Vascular Surgery", "Interventional "
            "Radiology", "Physical Medicine and Rehabilitation", "Anesthesia", "Geriatrics", "Critical Care")
# Kinds of places, never a named one: a named hospital or ward is an identifier, these are not.
PLACES = ("the hallway", "the bedside", "the floor", "the unit", "the ward", "the step-down unit", "the ICU",
          "the emergency department", "the Emergency Department", "the cath lab", "the OR", "the PACU",
          "the waiting room", "the nursing station", "the clinic", "the infusion center", "home", "the pharmacy",
          "the radiology suite", "the dialysis unit", "the shower", "the bathroom", "a chair", "bed")
WHEN = ("today", "yesterday", "this morning", "overnight", "on admission", "at baseline", "this afternoon",
        "earlier this week", "last night", "on arrival", "at the last visit", "over the past week", "since then",
        "on hospital day 3", "on postoperative day 2", "after lunch", "before dinner", "at night", "two days ago")
RELATIONS = ("Family", "Wife", "Husband", "Daughter", "Son", "Mother", "Father", "Sister", "Brother", "Caregiver",
             "Patient", "Pt", "Spouse", "Partner", "Niece", "Guardian")
CONDITIONS = ("stable", "improving", "unchanged", "afebrile", "comfortable", "alert and oriented", "in no distress",
              "hemodynamically stable", "euvolemic", "tachycardic", "somnolent but arousable", "ambulating")
COMMON_WORDS = ("Continue", "Monitor", "Hold", "Restart", "Encourage", "Follow", "Consider", "Check", "Repeat",
                "Titrate", "Wean", "Avoid", "Discuss", "Obtain", "Review")

PROSE: tuple[str, ...] = (
    "{Pron} was seen and examined at {place} with {team} {when}.",
    "{Relation} at {place} {when} and updated on the plan of care.",
    "Discussed with {team}, who agree with the plan.",
    "{Pron} walked in {place} with {team} and tolerated it well.",
    "{Pron} remains {condition} {when}.",
    "{Pron} is {condition}; {vitals}.",
    "{Cap_team} was called {when} for {symptom}, which resolved with {med}.",
    "{Service} was consulted for {dx} and recommended {proc}.",
    "Per {service}, continue {drug} {dose} {freq} and repeat {lab} in the morning.",
    "{Pron} denies {symptom}, fevers or chills.",
    "Labs {when}: {labs}.",
    "The {modality} {when} showed no acute process.",
    "{Pron} was transferred to {place} for closer monitoring.",
    "Pain is controlled on {med}; {score}.",
    "{Relation} asks that {pron} go home with services once cleared by {team}.",
    "{Pron} has a history of {abbrs} and {eponym}.",
    "{Pron} was given {drug} in {place} and observed for an hour.",
    "The plan was reviewed with {poss} {relation} at {place}.",
    "Appetite is fair; {pron} ate most of {poss} breakfast {when}.",
    "{Cap_team} will follow up on the {lab} and adjust {drug} as needed.",
    "No events overnight; {pron} slept well and is {condition}.",
    "{Pron} was started on {med} for {dx} and tolerated the first dose.",
    "The {sign} was negative and strength was symmetric.",
    "Wound is clean and dry; dressing changed by {team}.",
    "{Pron} would like to speak with {team} about goals of care.",
    "Interpreter used for the visit ({lang}).",
    "{Pron} uses a walker at home and lives with {poss} {relation}.",
    "Smoking history of {n} pack-years; quit {n} years ago.",
    "{Pron} is scheduled for {proc} later this week with {service}.",
    "Risks and benefits were explained, and {pron} agrees to proceed.",
    "Blood cultures from {when} remain negative.",
    "{Pron} was counselled on diet, exercise and adherence to {drug}.",
    "Return precautions were reviewed at length with {obj} and {poss} {relation}.",
    "{Pron} is on {freq} {drug} and {abbr} is well controlled.",
    "Case discussed at the {service} conference {when}.",
    "Telemetry showed {abbr} without pauses.",
    "Fall risk precautions remain in place on {place}.",
    "{Pron} was encouraged to sit in {place} for meals.",
    "Discharge is planned once {team} has arranged home oxygen.",
    "{Common} {drug} and recheck {lab} {when}.",
    "ECHO with EF {ef}%, mild {abbr}.",
    "{Relation} reports that {pron} has been more confused {when}.",
)
LINES: tuple[str, ...] = (
    "{HEADING}",
    "{heading}:",
    "{heading}: {condition}.",
    "{n}. {Common} {med}.",
    "- {Common} {drug} per {service}",
    "Allergies: NKDA",
    "Diet: cardiac, 2 g sodium",
    "Activity: as tolerated, OOB to chair",
    "Code status: {code}",
    "Labs: {labs}",
    "Vitals: {vitals}",
    "Consults: {service}, {service}",
    "Dispo: home with {team} follow-up",
    "{lab} {labs}",
    "{abbrs}",
    "{Service} Progress Note",
    "{Service} Consult",
    "Seen with {team}.",
)


def _plain(words: tuple[str, ...]):
    return lambda c: [(c.pick(words), None)]


def _neg(words: tuple[str, ...]):
    return lambda c: [(c.pick(words), NEG)]


def _capitalised(words: tuple[str, ...]):
    return lambda c: [(_cap(c.pick(words)), None)]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# Slots of these shapes beyond those `tagged_styles` already has; services and departments are hard
# negatives (capitalised words that are no organisation), the rest plain words.
SLOTS = {
    "team": _plain(TEAMS),
    "Cap_team": _capitalised(TEAMS),
    "place": _plain(PLACES),
    "when": _plain(WHEN),
    "Relation": _neg(RELATIONS),
    "condition": _plain(CONDITIONS),
    "Service": _neg(SERVICES),
    "service": _neg(SERVICES),
    "Common": _plain(COMMON_WORDS),
}


def sentence_share(c: Ctx) -> float:
    """The share of a paragraph's sentences drawn from `PROSE`: most, as in real notes, but varied."""
    return c.pick((0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 1.0))


# The share of one-line paragraphs (headers, list items, lab rows) drawn from `LINES`.
LINE_SHARE = 0.35
