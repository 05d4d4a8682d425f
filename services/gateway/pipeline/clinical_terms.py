"""Clinical abbreviations that clinical notes write in capitals: a capitalised run made only of
these ("PO BID", "HTN", "CABG", "RBBB") is medical shorthand, not a name, an organisation or a place.

Where the terms come from: no maintained Python package ships a clinical abbreviation list that
Veil could load (medspaCy's resources hold ConText and section rules, scispaCy detects
abbreviations in a text but ships none, and both need spaCy). So the list is typed here, from the
kinds of shorthand that standard medical-terminology references teach: Latin prescription (sig)
codes and routes, hospital units, common diagnoses, findings, procedures, tests, and the section
labels of a note. It was not taken from any document. Drug names come from a package instead
(`vocabulary.drug_names`).

Terms are matched in the case listed (`vocabulary`). A term that is also a given name or surname in
Faker's name lists ("ED", "DOE", "GERD", "TIA", "ASA") is left out on purpose, as an all-capitals
name would meet it (a name missed costs more than a term sent to the model; a test keeps the two
apart). State abbreviations that are also terms ("MI", "PA", "MS", "OR") are kept: a US state alone
is not a Safe Harbor identifier.
"""

from __future__ import annotations

CLINICAL_ABBREVIATIONS: frozenset[str] = frozenset("""
PO PR SL IV IVP IVPB IM SC SQ SUBQ ID IT IN NG NGT PEG PICC GT JT TPN PPN TF
QD QOD BID TID QID QHS QAM QPM QH HS AC PC PRN STAT NPO UD AD AS AU OD OS OU GTT GTTS TABS CAPS
SUPP SOLN SUSP INJ ELIXIR MG MCG ML IU MEQ MMOL MMHG KG CM MM BPM
Q1H Q2H Q3H Q4H Q6H Q8H Q12H Q24H Q4 Q6 Q8 Q12 QW QWK QMO
ICU CCU MICU SICU CICU PICU CVICU PACU ER OR ICN SNF LTAC LTACH NH ECF IRF OT PT ST SLP RT
EMS ACLS BLS ATLS CPR ROSC DNR DNI DNAR POLST MOLST HCP POA LWBS
HTN HLD DM DM1 DM2 IDDM NIDDM T1DM T2DM CAD CHF HFREF HFPEF COPD CKD ESRD ARF CRF AF AFIB AFL PAF
MI NSTEMI STEMI ACS UA CVA SAH SDH ICH DVT PE VTE PVD PAD AAA BPH PUD IBD IBS UC GI GU
UTI URI LRTI HAP VAP SBP DKA HHS HONK RA OA SLE MS ALS PD AD CP CVID HIV AIDS HCV HBV HAV TB MRSA
MSSA VRE ESBL CDIFF CDI PNA SIRS ARDS ILD IPF PTSD OCD ADHD MDD GAD BPAD SCZ ETOH EtOH IVDU IVDA NKDA NKA
SOB PND CP NV HA LOC AMS NAD RRR NSR SR SB ST SVT VT VF VFIB PEA PVC PAC LBBB RBBB LAFB LPFB LVH RVH
JVD JVP HSM CVAT CCE HEENT PERRL PERRLA EOMI NCAT MMM CTA CTAB AOX3 AAOX3 WNL WDWN NT ND BS BSX4
HPI PMH PSH FH SH CC ASSESSMENT PLAN HX DX TX RX SX FX PX ADL ADLS IADL LMP GA G1P0 BMI
CABG PCI PTCA DES BMS TAVR TAVI SAVR MVR AVR ICD AICD PPM CRT EP EPS TEE TTE EKG ECG EEG EMG NCS
CT CTA CTPA MRI MRA MRCP CXR IR ERCP EGD PEG VATS ORIF TKA THA TKR THR TURP LAP CHOLE APPY ACDF
MIBI SPECT PET DEXA DXA ABG VBG CBC BMP CMP LFT LFTS PT PTT INR APTT BUN CR GFR EGFR ESR CRP PCT TSH
FT4 T3 T4 PSA UA UCX BCX HGB HCT WBC RBC PLT MCV RDW ANC HBA1C A1C BNP NTPROBNP TROP CK CKMB LDH LDL
HDL TG AST ALT ALP GGT INR LIPASE AMYLASE NA CL CO2 MG PHOS CA ALB TBILI DBILI BG FSBG POC POCT
APAP NSAID NSAIDS ACEI ARB BB CCB PPI SSRI SNRI TCA MAOI OCP HRT ABX LMWH UFH DOAC NOAC TPA
NS LR D5W D5NS D50 KCL NACL NAHCO3 O2 NC NRB BIPAP CPAP HFNC ETT TRACH VENT PEEP FIO2 SPO2 SAO2
WT HT BP HR RR TEMP VS VSS IO IOS UOP LOS DC DCD DCED FU FUP RTC PCP NP PA RN LPN CNA MD DO PHD
""".split())
