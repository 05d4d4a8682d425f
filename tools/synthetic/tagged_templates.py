"""Sentence and line shapes of the note styles `tagged_notes` writes: data only.

`{slot}` is filled by `tagged_styles.SLOTS` (a name, a date, a drug...); everything else is
written as is. Each style has prose shapes (joined 1-6 at a time into a paragraph) and line
shapes (what a PDF extraction returns for a header, a key-value line, a flattened table row, a
list item or a signature). The shapes were written for this generator; none is copied from a
corpus of real or published notes.
"""

from __future__ import annotations

DISCHARGE = {
    "prose": (
        "{pt_t} is a {age_adj} {sex} with a history of {abbrs} who was admitted to {hosp} on {date} with {symptom}.",
        "{Pron} was discharged home on {date} in stable condition, with follow-up at {hosp} in {n} weeks.",
        "During the admission {pron} was started on {med}, and {drug} was held because of {abbr}.",
        "Past medical history is notable for {eponym}, {dx} and {abbrs}.",
        "{Pron} lives at {addr} with {poss} {relation}, {rel}, who can be reached at {phone}.",
        "Medications were reconciled with {poss} {relation} {rel} by telephone on {date_p}.",
        "Follow up with {dr} at {hosp} on {day} at {time}; the clinic number is {phone_ext}.",
        "Admission labs were notable for {labs}, and {pron} received {med}.",
        "Vital signs at discharge: {vitals}.",
        "An echocardiogram on {date} showed an EF of {ef}% and no {abbr}.",
        "{Pron} was moved from the ICU to {room} on {weekday} at {time}.",
        "Home care will be provided by {employer}; the agency's coordinator is {nurse}.",
        "{pt_caps} tolerated {DRUG} {dose} without difficulty and {poss} {symptom} resolved by {date_p}.",
        "Records from {hosp_abroad} in {city_abroad}, dated {date}, were reviewed and confirm {eponym}.",
        "{Pron} is a retired teacher from {school} who moved from {country} to {city} in {year}.",
        "Since {date_p} {pron} has had {n} admissions for {dx}, most recently at {hosp}.",
        "Code status was confirmed as {code} with {poss} health care proxy, {rel} ({relation}), on {date}.",
        "Now {age}, {pron} remains independent in ADLs and walks with a cane.",
        "The {score} and {vitals} were unchanged from {date_p}.",
        "{pt} was seen by {dr} and {dr2}, who recommended {proc} as an outpatient.",
        "{Poss} {relation} asked that updates go to {email} rather than to the home number.",
        "{pt_t} ({mrn}) was readmitted {n} days after discharge from {hosp} with {DRUG} toxicity.",
    ),
    "lines": (
        "{HEADING}",
        "Discharge Summary - {hosp}",
        "Patient: {pt_lf}  MRN: {mrn}  DOB: {dob}",
        "Patient Name: {pt_caps} {mrn_l} Admit Date: {date} Discharge Date: {date}",
        "Attending Physician: {dr}",
        "Discharge Diagnoses: 1. {eponym} 2. {dx} 3. {abbr}",
        "{n}. {med}",
        "- Follow up with {dr} ({hosp}) on {day} at {time}",
        "PCP: {dr}, {hosp}, {addr}, Tel {phone}",
        "Disposition: home with services ({employer}), {street_unit}",
        "Condition at discharge: stable. {vitals}",
        "cc: {dr2}; {hosp_abroad}",
        "{heading}: {abbrs}",
    ),
}

PROGRESS = {
    "prose": (
        "{pt} is seen today for follow-up of {dx}; {pron} was last seen by {dr} on {date}.",
        "{Pron} reports good adherence to {drug} {dose} {freq} and denies {symptom}.",
        "Exam: {vitals}; {sign} negative bilaterally; {score}.",
        "Plan: continue {med}; recheck {lab} in {n} weeks; return on {date}.",
        "Discussed with {dr2}, who agrees with the plan and will see {pron} at {hosp}.",
        "{Poss} {relation} {rel} called from {phone} with questions about {DRUG}.",
        "Last A1c {a1c}% on {date}; {abbr} well controlled on {MED}.",
        "{pt_t} states that {pron} fell at home on {date_p} and was seen at {hosp}.",
        "Patient is {age}, lives alone at {street_unit} and still drives ({plate_l}).",
        "{Pron} works night shifts at {employer} and reports poor sleep since {date_p}.",
        "{pt_first} brought a letter from {dr2} of {hosp_abroad} describing {eponym}.",
    ),
    "lines": (
        "PROGRESS NOTE {day} {time}",
        "SUBJECTIVE: {pt_t} reports {symptom} since {date_p}; denies {symptom}.",
        "OBJECTIVE: {vitals}. {score}. {sign} negative.",
        "ASSESSMENT: {age_adj} {sex} with {abbrs}.",
        "PLAN: Continue {MED}. Hold {DRUG}. Recheck {lab} on {date_p}. RTC {n} weeks.",
        "PMH: {abbrs}. PSH: {abbr} ({year}), {proc} ({year}).",
        "MEDS: {MED}, {MED}, {med}",
        "ALLERGIES: {DRUG} (rash). NKDA otherwise.",
        "SOCIAL HX: works at {employer}; lives with {relation} in {city}, {state}.",
        "FAMILY HX: mother with {eponym}, father with {abbr}.",
        "PATIENT: {pt_caps}  DOB: {dob}  MRN: {mrn}  VISIT: {date}",
        "{HEADING}: {abbrs}",
        "{HEADING}",
        "LABS: {labs}",
        "SIGNED: {dr} {day} {time}",
        "CC: {symptom} x {n} days",
        "HPI: {age_short} with {abbrs}, seen at {hosp} on {date_p}.",
    ),
}

REFERRAL = {
    "prose": (
        "Thank you for seeing {pt_t}, a {age_adj} {sex} whom I have followed at {hosp} since {date_p}.",
        "I would be grateful for your opinion on {poss} {dx}, which has not responded to {drug} {dose} {freq}.",
        "{Pron} was recently admitted to {hosp} with {abbr} and was discharged on {date}.",
        "{Pron} works as a cleaner at {school} and lives at {addr} with {poss} {relation}.",
        "{Pron} can be contacted on {phone} or at {email}.",
        "Relevant results are enclosed, including {labs} from {date}.",
        "Please do not hesitate to contact me on {phone_ext} or at {email_dr} if you need further information.",
        "{Poss} {relation}, {rel}, is {poss} main carer and holds lasting power of attorney.",
        "Current medications are {med}, {med} and {drug}.",
        "On examination {pron} had a positive {sign}, {vitals}.",
        "I saw {pt_first} again on {date_p} with {poss} {relation}, and {pron} remains keen to be seen at {hosp}.",
        "{Pron} was previously under the care of {dr2} at {hosp_abroad}, {city_abroad}.",
        "At {age} {pron} is frail but still lives independently in {city}.",
    ),
    "lines": (
        "{hosp}",
        "{hosp} | {addr} | Tel {phone} | Fax {fax}",
        "{hosp} {street} {city_line} Telephone {phone} {url}",
        "{addr}",
        "{street}",
        "{city_line}",
        "{street_unit}",
        "{city}, {date}",
        "{date}",
        "Re: {pt_full}, DOB {dob}, {nhs_l}",
        "RE: {pt_caps} ({dob}) {addr}",
        "Dear {dr_t},",
        "Dear Colleague,",
        "Yours sincerely, {dr}",
        "Kind regards, {dr} Consultant {specialty} {hosp}",
        "cc: {dr2}; {pt_t}, {street_unit}, {city_line}",
        "Direct line: {phone_ext}  Email: {email_dr}",
        "Private and Confidential - Addressee Only",
    ),
}

LAB = {
    "prose": (
        "Specimen hemolyzed; repeat collection requested by {dr} on {date}.",
        "Results were faxed to {hosp} at {fax} on {date}.",
        "Interpretation: findings consistent with {eponym}; correlate clinically.",
        "Critical value called to {nurse} at {time} on {day}, read back confirmed.",
    ),
    "lines": (
        "{lab_org} | {addr} | Tel {phone}",
        "{lab_org} {street} {city_line} Tel {phone}",
        "Patient: {pt_lf}  Sex: {sx}  DOB: {dob}  Age: {age_num}",
        "Name {pt_caps} DOB {dob} MRN {mrn} Acct {acct}",
        "Specimen: {acc}  Collected: {date}  Received: {date}",
        "Ordering Provider: {dr}  {npi_l}",
        "Test | Result | Flag | Units | Reference Range",
        "{labrow} | {labrow}",
        "{labrow}",
        "{labrow} {labrow} {labrow}",
        "{acc_l}  {acct_l}",
        "Performed at {lab_org}, {city}, {state}. Medical Director: {dr}",
        "Verified by {nurse} on {day} at {time}",
        "{pt_lf} | {dob} | {mrn} | {date}",
        "Report status: FINAL  Printed {day} {time}",
        "Age: {age_num}  Sex: {sx}  Location: {room}",
    ),
}

RADIOLOGY = {
    "prose": (
        "Findings were discussed with {dr} by telephone at {time} on {day}.",
        "Images are available to referring clinicians at {url}.",
        "The study was performed at {hosp}, {addr}, and transferred from {ip}.",
        "There is no focal consolidation, effusion or pneumothorax; a {device} is in place (serial {serial}).",
        "Compared with the examination of {date_p} at {hosp_abroad}, the nodule is unchanged.",
        "{pt_caps} was identified by name and date of birth ({dob}) before the examination.",
        "Mild degenerative change is noted; correlate with {eponym} history.",
        "The {age_adj} patient was scanned supine after {DRUG} premedication.",
        "{modality} shows no evidence of {abbr} or {dx}.",
        "The prior {modality} from {date} was reviewed at the request of {dr2}.",
    ),
    "lines": (
        "EXAM: {modality}  DATE: {date}  ACCESSION: {acc}",
        "CLINICAL HISTORY: {age_adj} {sex} with {symptom}, r/o {abbr}.",
        "COMPARISON: {date} ({hosp}).",
        "COMPARISON: None.",
        "TECHNIQUE: {modality} performed without contrast.",
        "IMPRESSION: 1. No acute {abbr}. 2. {dx}.",
        "Dictated by: {dr}  Signed: {day} {time}",
        "Workstation: {ip}  {acc_l}",
        "Patient: {pt_caps}  MRN: {mrn}  DOB: {dob}  Location: {room}",
        "Referring: {dr}  {hosp}  Fax {fax}",
        "{HEADING}: {eponym}",
    ),
}

MEDICATIONS = {
    "prose": (
        "{pt_t} was instructed to take {drug} {dose} {freq} and to hold {DRUG} before {proc} on {date}.",
        "Reconciled with {poss} {relation}, {rel}, who manages the pill box at {street}.",
        "{Pron} gets {poss} medications delivered by {pharmacy} (tel. {phone}).",
        "{DRUG} was stopped on {date_p} by {dr} because of {abbr}.",
    ),
    "lines": (
        "{n}. {MED}",
        "{n}. {med} - prescribed by {dr} on {date}",
        "{DRUG} {dose} TAB | Take 1 tab {route} {freq} | Qty {n}0 | Refills {n} | {rx_l}",
        "Pharmacy: {pharmacy}, {street}, {city_line}, {phone}",
        "Prescriber: {dr}  {dea_l}  {npi_l}",
        "Allergies: {drug} (rash), {DRUG} (anaphylaxis)",
        "Last filled {date} at {pharmacy}",
        "Discontinued: {drug} ({date_p}) due to {abbr}",
        "Patient: {pt_caps}  DOB {dob}  {mrn_l}",
        "MEDICATION RECONCILIATION - {date}",
        "- {MED}",
        "{drug} {dose} {route} {freq} x {n} days, start {date_p}",
        "{MED} {MED}",
    ),
}

TRIAGE = {
    "prose": (
        "{age_short} c/o {symptom} x {n} days. PMH {abbrs}. Meds {DRUG}, {DRUG}.",
        "Arrived via EMS from {addr} at {time}. {vitals}.",
        "BIBA from {hosp} ({city}). Contact {rel} {phone}.",
        "Pt {pt_caps}, {age_short}, CC {symptom}, onset {date_p}.",
        "GCS 15. {vitals}. FSBG {n}0. ESI {esi}.",
        "Hx {eponym}, {abbr}. NKDA. Last tetanus {year}.",
        "ID band {mrn} applied, placed in {room}.",
        "Injured at work ({employer}); workers comp claim {claim}.",
        "Family ({relation}) at bedside; {rel} {phone}.",
        "Seen here {date_p} for same; d/c'd on {MED}.",
        "Lives at {street_unit} alone; neighbour {rel} found pt on floor at {time}.",
        "{age_short} from {hosp}, {abbrs}, {symptom}.",
    ),
    "lines": (
        "TRIAGE {day} {time}  RN {nurse_name}",
        "CC: {symptom}",
        "Triage RN: {nurse}",
        "{pt_lf} {age_short} {room}",
        "ESI {esi} | {vitals} | {score}",
        "ALLERGIES: {DRUG}, {DRUG}",
        "Chief complaint: {symptom} since {date_p}",
        "{pt_caps} {age_short} {abbr} {DRUG}",
    ),
}

NURSING = {
    "prose": (
        "{time} Pt resting comfortably in {room}; {vitals}.",
        "Assisted to chair x2; fall precautions in place; bed alarm on.",
        "{rel} ({relation}) visited and asked to be called at {phone} with any updates.",
        "Pain {n}/10; {drug} {dose} {route} given at {time} per order of {dr}.",
        "Dressing changed; {sign} documented; skin otherwise intact.",
        "Pt states {pron} is {age} and lived alone at {addr} before admission.",
        "Report given to {nurse} at {time} on {weekday}.",
        "Pt refused {DRUG} at {time}; {dr} notified, no new orders.",
        "{pt_first} asked to call {poss} {relation} in {city_abroad}; number {phone} given to the unit clerk.",
        "Transferred to {room} at {time} on {day}; belongings with {rel}.",
        "Diet tolerated; {vitals}; voiding qs; {abbr}.",
        "{Pron} lives in the block at number {bldg}, third floor, and has no lift.",
    ),
    "lines": (
        "NURSING NOTE {day} {time}",
        "{day} {time} - {nurse}",
        "Shift: {weekday} nights, {room}",
        "Telemetry box {serial} streaming to {ip}",
        "I&O: {n}00/{n}00 mL",
        "Braden {n}, Morse {n}0, {score}",
    ),
}

CONSENT = {
    "prose": (
        "I, {pt_full}, born on {dob}, consent to {proc} to be performed by {dr} at {hosp}.",
        "I understand the risks, including bleeding, infection and {abbr}, as explained to me by {dr} on {date}.",
        "I authorise {hosp} to release my records to {org} at {addr}, fax {fax}.",
        "This authorisation expires on {date} unless revoked in writing to {hosp}, {po_box}, {city_line}.",
        "An interpreter ({lang}), {interp}, was present and translated this form.",
        "If the patient is unable to sign, {rel} ({relation}), reachable at {phone}, may sign on {poss} behalf.",
        "The procedure may involve a {sign} and the use of {DRUG}.",
        "Questions about this consent may be sent to {email_dr} or raised at {url}.",
    ),
    "lines": (
        "CONSENT FOR {PROC}",
        "Patient signature: ____________ Date: {date}",
        "Witness: {nurse}  Date: {date}  Time: {time}",
        "Printed name: {pt_caps}  {mrn_l}",
        "Interpreter: {interp}  Language: {lang}  ID {id}",
        "Relationship to patient: {relation}  Name: {rel}  Tel: {phone}",
        "Physician: {dr}  Date: {date}",
    ),
}

BILLING = {
    "prose": (
        "{insurer} processed the claim for your visit to {hosp} on {date} and applied ${amount} to your deductible.",
        "Prior authorization {claim} was approved on {date} for {proc} at {hosp}.",
        "Please update your coverage; our records show {insurer} terminated on {date_p}.",
        "Workers' compensation for the injury at {employer} on {date} is handled under claim {claim}.",
    ),
    "lines": (
        "Claim # {claim}  DOS {date}  CPT {cpt}  ICD-10 {icd}  Billed ${amount}",
        "Subscriber: {pt_lf}  {member_l}  {group_l}",
        "Payer: {insurer}  {member_l}",
        "Guarantor: {rel}, {addr}, {phone}",
        "Employer: {employer}  {acct_l}",
        "Account {acct} | Statement date {date} | Amount due ${amount} | Due {date}",
        "Remit to: {hosp}, {po_box}, {city_line}",
        "Pay online at {url} or call {phone}",
        "{mbi_l}  Secondary: {insurer}",
        "{date} | {cpt} | {icd} | ${amount} | {insurer}",
        "Patient: {pt_caps}  DOB {dob}  {ssn_l}",
        "Bank: {iban_l}",
        "Online payment {acct} received from {ip} on {day} at {time}",
        "{id_l}  {id_l}",
    ),
}

# The international transfer note: English, and the local language where shapes exist for it.
TRANSFER = {
    "prose": (
        "{pt_t}, a {age_adj} {sex}, was transferred from {hosp_abroad} in {city_abroad} on {date} for {proc}.",
        "Referring physician: {dr} ({hosp_abroad}), tel. {phone}, e-mail {email_dr}.",
        "Identity was confirmed with {passport_l} and national ID {nat}.",
        "{Poss} {relation}, {rel}, travelled with {obj} and is staying at {addr}.",
        "Records in {lang} were translated by {interp} on {date}.",
        "Repatriation is covered by {insurer} under case {claim}.",
        "{Pron} was born in {country} and has lived in {city} since {year}.",
        "The discharge letter from {hosp_abroad} dated {date} lists {eponym} and {abbrs}.",
    ),
    "lines": (
        "TRANSFER NOTE - {hosp_abroad} to {hosp}",
        "Sending facility: {hosp_abroad}, {addr}",
        "Contact abroad: {dr}, {phone}",
        "Passport: {passport}  Nationality: {country}",
        "{nat_l}  {dob}",
    ),
}
TRANSFER_LOCAL = {
    "de": (
        "Wir berichten über {pt_t}, geb. am {dob}, wohnhaft {addr}, in stationärer Behandlung vom {date} bis {date}.",
        "Diagnosen: {eponym}, {abbrs}, Z. n. {proc} ({year}).",
        "Rückfragen bitte an {dr} unter {phone} oder {email_dr}.",
        "Hausarzt: {dr}, {street}, {city_line}.",
        "Patient(in), {age} alt, lebt mit {rel} in {city}.",
        "Medikation bei Entlassung: {MED}, {med}.",
    ),
    "fr": (
        "Nous avons pris en charge {pt_t}, né(e) le {dob}, demeurant {addr}, du {date} au {date}.",
        "Antécédents : {eponym}, {abbrs}. Traitement : {med}.",
        "Pour tout renseignement, contacter le {dr} au {phone}.",
        "Patient(e) de {age}, adressé(e) par {hosp} le {date}.",
        "Personne à prévenir : {rel}, {phone}.",
    ),
    "es": (
        "Paciente {pt_t}, de {age}, con fecha de nacimiento {dob}, domiciliado en {addr}.",
        "Ingresó en {hosp} el {date} por {dx}.",
        "Contacto: {rel}, teléfono {phone}, correo {email}.",
        "Tratamiento al alta: {med}, {MED}.",
    ),
    "it": (
        "Si dimette in data {date} {pt_t}, nato/a il {dob}, residente in {addr}.",
        "Paziente di {age}, ricoverato/a presso {hosp} dal {date}.",
        "Per informazioni contattare il {dr} al numero {phone}.",
    ),
    "nl": (
        "Betreft: {pt_t}, geboren {dob}, {addr}.",
        "Graag verwijzen wij patiënt, {age}, door naar {hosp} voor verdere behandeling van {eponym}.",
        "Contactpersoon: {rel}, tel. {phone}.",
    ),
    "pt": (
        "Paciente {pt_t}, {age}, nascido(a) em {dob}, residente na {addr}, internado(a) em {hosp} de {date} a {date}.",
        "Contato: {rel}, telefone {phone}.",
    ),
    "pl": (
        "Pacjent(ka) {pt_t}, {age}, ur. {dob}, zam. {addr}, przebywał(a) w {hosp} od {date} do {date}.",
        "Kontakt: {rel}, tel. {phone}.",
    ),
    "ru": (
        "Пациент(ка) {pt_t}, {age}, дата рождения {dob}, проживает по адресу: {addr}.",
        "Госпитализирован(а) в {hosp} {date}, выписан(а) {date}.",
        "Контактное лицо: {rel}, тел. {phone}.",
    ),
    "el": (
        "Ασθενής {pt_t}, {age}, ημερομηνία γέννησης {dob}, διεύθυνση {addr}.",
        "Τηλέφωνο επικοινωνίας: {phone}, {hosp}.",
    ),
    "sv": (
        "Patient {pt_t}, {age}, född {dob}, bosatt {addr}.",
        "Kontaktperson: {rel}, tel. {phone}.",
    ),
}

MESSAGE = {
    "prose": (
        "Hi {dr_t}, this is {pt_first}'s {relation}, {rel}.",
        "Can you call me back at {phone}? I am at work at {employer} until five.",
        "Please send the prescription to {pharmacy} on {street}.",
        "{Pron} has been taking {drug} {freq} but the {symptom} is worse since {date_p}.",
        "Your appointment with {dr} is confirmed for {day} at {time} at {hosp}, {street_unit}.",
        "I moved to {addr}; please update my file and send the bill to {email}.",
        "My new insurance is {insurer}, {member_l}.",
        "Log in at {url} to view your results from {date}.",
        "We tried to reach you at {phone} regarding your {abbr} results.",
        "Mum turned {age} on {date_p} and is more confused since the {DRUG} was started.",
    ),
    "lines": (
        "From: {pt_full} <{email}>",
        "To: {dr_name} <{email_dr}>",
        "Sent: {day} {time}",
        "Subject: Refill request - {drug}",
        "Subject: RE: appointment on {date_p}",
        "Thanks, {pt_first}",
        "Sent from my iPhone",
        "This message was sent via {url} from IP {ip}.",
        "CONFIDENTIALITY NOTICE: This e-mail is intended only for {hosp}.",
        "{dr_name} | {hosp} | {phone_ext}",
    ),
}

FACE_SHEET = {
    "prose": (
        "Patient reports {pron} moved from {city_abroad} to {addr} in {year}.",
        "{Pron} attends {school} and is accompanied by {poss} {relation}, {rel}.",
    ),
    "lines": (
        "Name: {pt_lf}  Sex: {sx}  DOB: {dob}  Age: {age_num}",
        "Address: {addr}",
        "Address: {street_unit}  City: {city}  State: {state}  ZIP: {postcode}",
        "House number: {bldg}  Flat: {unit}  Postcode: {postcode}",
        "Home: {phone}  Work: {phone_ext}  Mobile: {phone}",
        "Email: {email}  Preferred language: {lang}",
        "Employer: {employer}  Occupation: {job}  Work phone: {phone}",
        "Emergency contact: {rel} ({relation}) {phone}",
        "{ssn_l}  {lic_l}",
        "Vehicle: {vin_l}  {plate_l}",
        "Primary insurance: {insurer}  {member_l}  {group_l}",
        "Country of birth: {country}  Marital status: {marital}",
        "Registered by {nurse} at {hosp} on {date}",
        "{pt_lf} | {dob} | {mrn} | {room}",
        "{pt_caps} {id} {dob} {sx}",
        "PCP: {dr}  Phone: {phone}  Fax: {fax}",
        "School: {school}  Grade {n}",
        "Guardian: {rel_t}, {addr}",
        "Postal address: {po_box}, {city_line}",
        "{pt_full} ({id})",
        "Portal account: {email}  Last login: {day} {time} from {ip}",
    ),
}

OPERATIVE = {
    "prose": (
        "The patient, {pt_caps}, was brought to the operating room at {hosp} on {date} and identified by {mrn_l}.",
        "After induction the field was prepped and {proc} was performed by {dr}, assisted by {dr2}.",
        "Implant: {device}, {serial_l}, lot recorded under {acct_l}.",
        "Estimated blood loss {n}0 mL; {DRUG} {dose} given; {vitals} at the end of the case.",
        "Findings were discussed with {poss} {relation}, {rel}, at {time} in the family room.",
        "{Pron} is {age} and was cleared by {dr2} ({hosp}) on {date_p} despite {abbrs}.",
    ),
    "lines": (
        "OPERATIVE REPORT - {date}",
        "SURGEON: {dr}  ASSISTANT: {dr2}  ANESTHESIA: {abbr}",
        "PREOPERATIVE DIAGNOSIS: {dx}",
        "PROCEDURE: {PROC}",
        "OR {n}  {room}  Start {time}  End {time}",
    ),
}

STYLES = {
    "discharge_summary": DISCHARGE, "progress_note": PROGRESS, "referral_letter": REFERRAL, "lab_report": LAB,
    "radiology_report": RADIOLOGY, "medication_list": MEDICATIONS, "ed_triage": TRIAGE, "nursing_note": NURSING,
    "consent_form": CONSENT, "billing": BILLING, "transfer_note": TRANSFER, "message": MESSAGE,
    "face_sheet": FACE_SHEET, "operative_report": OPERATIVE,
}
