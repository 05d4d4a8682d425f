"""Hard negatives: text a de-identifier is tempted to redact but must leave alone.

Every note draws some of these from decks (so a 60-note set shows each at least once); the tests
search every note for them and fail if any falls inside a gold span.
"""

from __future__ import annotations

ABBREVIATIONS = ("PO", "BID", "PRN", "CABG", "RBBB", "SOB", "MIBI", "HTN", "NIDDM", "COPD", "NSTEMI", "q.i.d.",
                 "TID", "QHS", "DVT", "CXR", "LBBB", "CKD", "GERD", "TIA")
DRUGS_CAPS = ("ZOCOR", "LASIX", "COUMADIN", "LOPRESSOR", "NORVASC", "PLAVIX", "LIPITOR", "KEPPRA")
# Eponymous diseases (problem lists) and eponymous signs, scales and devices (examination lines).
DISEASE_EPONYMS = ("Parkinson's disease", "Crohn's disease", "Hodgkin lymphoma", "Bell's palsy", "Cushing's syndrome",
                   "Graves' disease", "Alzheimer's dementia", "Addison's disease", "Barrett's oesophagus",
                   "Raynaud's phenomenon", "Colles fracture", "Paget's disease of bone", "Hashimoto's thyroiditis")
SIGNS = ("Babinski sign negative bilaterally", "Babinski sign upgoing on the right", "Kernig sign negative",
         "Murphy's sign positive", "Romberg test positive", "Trendelenburg gait", "Homans sign negative",
         "Cheyne-Stokes breathing overnight")
EPONYMS = DISEASE_EPONYMS + ("Babinski sign", "Glasgow Coma Scale", "Foley catheter", "Kernig sign", "Murphy's sign",
                             "Romberg test", "Trendelenburg gait", "Cheyne-Stokes")

# Clinical problems written with the abbreviations above (what a problem list looks like).
PROBLEMS = {
    "HTN": "HTN", "NIDDM": "NIDDM on diet and metformin", "COPD": "COPD (GOLD 2)", "CABG": "s/p CABG x3",
    "RBBB": "RBBB on old ECG", "NSTEMI": "NSTEMI", "CKD": "CKD stage 3a", "GERD": "GERD", "TIA": "TIA",
    "LBBB": "LBBB", "DVT": "provoked DVT", "MIBI": "negative MIBI", "SOB": "chronic SOB on exertion",
    "CXR": "CXR clear", "PO": "tolerating PO", "BID": "insulin BID", "PRN": "PRN nitrates", "q.i.d.": "nebs q.i.d.",
    "TID": "TID dosing", "QHS": "QHS melatonin",
}

# Capitalised headings the styles use; none is PHI even though each looks like a proper noun.
HEADINGS = ("DISCHARGE SUMMARY", "HISTORY OF PRESENT ILLNESS", "Past Medical History", "Hospital Course",
            "Discharge Medications", "Follow Up", "IMPRESSION", "FINDINGS", "TECHNIQUE", "COMPARISON",
            "CLINICAL INDICATION", "NEURO", "CARDIOVASCULAR", "RESPIRATORY", "GI/GU", "SKIN", "PLAN",
            "TRIAGE", "Presenting Complaint", "Social History", "Current Medications", "Allergies",
            "Reason for Transfer", "Home Visit", "Assessment", "Recommendations")

# Medications: (name as written, dose, route, frequency). Doses are hard negatives ("40 mg").
MEDICATIONS = (
    ("ZOCOR", "40 mg", "PO", "QHS"), ("LASIX", "40 mg", "PO", "BID"), ("COUMADIN", "5 mg", "PO", "daily"),
    ("LOPRESSOR", "25 mg", "PO", "BID"), ("NORVASC", "10 mg", "PO", "daily"), ("PLAVIX", "75 mg", "PO", "daily"),
    ("LIPITOR", "80 mg", "PO", "QHS"), ("KEPPRA", "500 mg", "PO", "BID"), ("metformin", "500 mg", "PO", "BID"),
    ("salbutamol", "100 mcg", "INH", "PRN"), ("paracetamol", "1 g", "PO", "q.i.d."), ("apixaban", "2.5 mg", "PO", "BID"),
    ("levodopa/carbidopa", "100/25 mg", "PO", "TID"), ("ramipril", "5 mg", "PO", "daily"),
    ("insulin glargine", "18 units", "SC", "QHS"), ("omeprazole", "20 mg", "PO", "daily"),
)

# (complaint in the patient's words, working diagnosis, one line of course, an eponym that fits)
SCENARIOS = (
    ("tightness across the chest when climbing stairs", "NSTEMI", "troponin peaked on day 2; MIBI deferred",
     "Raynaud's phenomenon"),
    ("a cough bringing up green sputum and fevers", "community-acquired pneumonia",
     "CXR showed right lower lobe consolidation, treated with IV then PO antibiotics", "Bell's palsy"),
    ("a fall in the kitchen with pain in the left hip", "intracapsular neck of femur fracture",
     "hemiarthroplasty on day 1, mobilising with a frame", "Colles fracture"),
    ("swollen ankles and having to sleep on three pillows", "decompensated heart failure",
     "diuresed 4 kg with IV LASIX, switched to oral", "Graves' disease"),
    ("new confusion and not eating", "urosepsis with delirium",
     "Foley catheter removed on day 3, delirium settled", "Alzheimer's dementia"),
    ("passing black stools and dizziness on standing", "upper GI bleed",
     "OGD: clean-based ulcer; two units transfused", "Barrett's oesophagus"),
    ("sudden weakness of the right arm and slurred speech", "left MCA ischaemic stroke",
     "upgoing plantar on the right (Babinski sign), no thrombolysis (outside window)", "Glasgow Coma Scale"),
    ("crampy abdominal pain and bloody diarrhoea", "flare of Crohn's disease",
     "IV steroids for five days with good response", "Crohn's disease"),
    ("worsening tremor and two falls", "Parkinson's disease with orthostatic hypotension",
     "levodopa timing adjusted; physiotherapy review", "Parkinson's disease"),
    ("night sweats and a lump in the neck", "suspected Hodgkin lymphoma",
     "excision biopsy booked; PET-CT requested", "Hodgkin lymphoma"),
    ("weight gain, bruising and muscle weakness", "Cushing's syndrome under investigation",
     "overnight dexamethasone suppression test positive", "Cushing's syndrome"),
    ("salt craving, fatigue and low blood pressure", "Addison's disease",
     "short Synacthen test confirmed; hydrocortisone started", "Addison's disease"),
)

LAB_ROWS = (  # (test, result, units, reference range)
    ("Sodium", "139", "mmol/L", "135-145"), ("K", "4.1", "mmol/L", "3.5-5.1"), ("Creatinine", "1.2", "mg/dL", "0.6-1.3"),
    ("Urea", "7.9", "mmol/L", "2.5-7.8"), ("Hb", "10.4", "g/dL", "12.0-15.5"), ("WBC", "11.8", "x10^9/L", "4.0-11.0"),
    ("Platelets", "212", "x10^9/L", "150-400"), ("CRP", "48", "mg/L", "<5"), ("INR", "2.6", "", "2.0-3.0"),
    ("Troponin I", "0.31", "ng/mL", "<0.04"), ("TSH", "0.02", "mU/L", "0.4-4.0"), ("HbA1c", "61", "mmol/mol", "<48"),
    ("Albumin", "31", "g/L", "35-50"), ("Mg", "0.71", "mmol/L", "0.70-1.00"),
)
