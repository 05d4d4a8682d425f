"""Word lists of the phi-type generator: clinical words that are not PHI, and parts of PHI Faker lacks."""

# Generic and brand drug names. Brand names look like surnames ("Zocor", "Norvasc"), which
# is exactly why the negative class needs them.
DRUGS = (
    "Metformin", "Lisinopril", "Atorvastatin", "Amlodipine", "Metoprolol", "Omeprazole", "Simvastatin",
    "Losartan", "Albuterol", "Gabapentin", "Hydrochlorothiazide", "Sertraline", "Furosemide", "Fluticasone",
    "Acetaminophen", "Ibuprofen", "Aspirin", "Levothyroxine", "Pantoprazole", "Prednisone", "Tramadol",
    "Amoxicillin", "Azithromycin", "Ciprofloxacin", "Doxycycline", "Cephalexin", "Clopidogrel", "Warfarin",
    "Apixaban", "Rivaroxaban", "Heparin", "Enoxaparin", "Insulin glargine", "Insulin lispro", "Glipizide",
    "Sitagliptin", "Empagliflozin", "Dapagliflozin", "Liraglutide", "Semaglutide", "Carvedilol", "Diltiazem",
    "Spironolactone", "Rosuvastatin", "Pravastatin", "Escitalopram", "Citalopram", "Fluoxetine", "Bupropion",
    "Trazodone", "Duloxetine", "Venlafaxine", "Quetiapine", "Olanzapine", "Risperidone", "Aripiprazole",
    "Lorazepam", "Alprazolam", "Clonazepam", "Diazepam", "Zolpidem", "Oxycodone", "Hydrocodone", "Morphine",
    "Fentanyl", "Hydromorphone", "Methadone", "Buprenorphine", "Naloxone", "Ondansetron", "Metoclopramide",
    "Famotidine", "Ranitidine", "Montelukast", "Cetirizine", "Loratadine", "Diphenhydramine", "Tamsulosin",
    "Finasteride", "Allopurinol", "Colchicine", "Methotrexate", "Hydroxychloroquine", "Adalimumab",
    "Infliximab", "Rituximab", "Pembrolizumab", "Nivolumab", "Trastuzumab", "Tamoxifen", "Letrozole",
    "Anastrozole", "Cyclophosphamide", "Doxorubicin", "Cisplatin", "Carboplatin", "Paclitaxel", "Vancomycin",
    "Piperacillin-tazobactam", "Ceftriaxone", "Cefepime", "Meropenem", "Linezolid", "Metronidazole",
    "Nitrofurantoin", "Sulfamethoxazole-trimethoprim", "Fluconazole", "Acyclovir", "Valacyclovir",
    "Oseltamivir", "Remdesivir", "Dexamethasone", "Methylprednisolone", "Hydrocortisone", "Budesonide",
    "Tiotropium", "Ipratropium", "Salmeterol", "Digoxin", "Amiodarone", "Nitroglycerin", "Isosorbide mononitrate",
    "Hydralazine", "Labetalol", "Propranolol", "Atenolol", "Valsartan", "Sacubitril-valsartan", "Bumetanide",
    "Torsemide", "Potassium chloride", "Magnesium sulfate", "Calcium carbonate", "Vitamin D3", "Folic acid",
    "Ferrous sulfate", "Cyanocobalamin", "Thiamine", "Levetiracetam", "Lamotrigine", "Valproic acid",
    "Phenytoin", "Carbamazepine", "Topiramate", "Sumatriptan", "Donepezil", "Memantine", "Carbidopa-levodopa",
    "Ropinirole", "Baclofen", "Cyclobenzaprine", "Tizanidine", "Meloxicam", "Naproxen", "Celecoxib",
    "Ketorolac", "Lidocaine", "Bupivacaine", "Propofol", "Midazolam", "Ketamine", "Succinylcholine",
    "Rocuronium", "Epinephrine", "Norepinephrine", "Vasopressin", "Dopamine", "Dobutamine", "Alteplase",
    "Tenecteplase", "Zocor", "Lipitor", "Norvasc", "Synthroid", "Glucophage", "Lasix", "Coumadin", "Eliquis",
    "Xarelto", "Plavix", "Zoloft", "Lexapro", "Prozac", "Wellbutrin", "Seroquel", "Xanax", "Ativan", "Ambien",
    "Percocet", "Vicodin", "Tylenol", "Advil", "Motrin", "Aleve", "Zofran", "Protonix", "Prilosec", "Nexium",
    "Singulair", "Zyrtec", "Claritin", "Benadryl", "Flomax", "Humira", "Keytruda", "Ozempic", "Trulicity",
    "Jardiance", "Farxiga", "Januvia", "Lantus", "Humalog", "Novolog", "Entresto", "Keppra", "Lamictal",
    "Depakote", "Neurontin", "Lyrica", "Cymbalta", "Effexor", "Abilify", "Risperdal", "Zyprexa", "Klonopin",
    "Valium", "Narcan", "Suboxone", "Augmentin", "Zithromax", "Cipro", "Keflex", "Bactrim", "Diflucan",
    "Valtrex", "Tamiflu", "Medrol", "Decadron", "Spiriva", "Advair", "Symbicort", "Ventolin", "ProAir",
    "Lovenox", "Aricept", "Namenda", "Sinemet", "Flexeril", "Mobic", "Celebrex", "Toradol",
)

DOSE_UNITS = ("mg", "mg", "mg", "mcg", "g", "units", "mL", "mg/mL", "mEq", "IU", "mg/kg", "puffs", "tabs")
ROUTES = ("PO", "IV", "IM", "SC", "SQ", "SL", "PR", "topical", "inhaled", "by mouth", "intravenously", "")
FREQUENCIES = (
    "daily", "once daily", "twice daily", "BID", "TID", "QID", "q4h", "q6h", "q8h", "q12h", "PRN", "at bedtime",
    "QHS", "every morning", "weekly", "every 6 hours as needed", "with meals", "before breakfast", "x 7 days",
    "for 10 days", "STAT", "once", "nightly",
)

DIAGNOSES = (
    "Type 2 Diabetes Mellitus", "Type 1 Diabetes", "Hypertension", "Essential Hypertension", "Hyperlipidemia",
    "Congestive Heart Failure", "Heart Failure with Reduced Ejection Fraction", "Atrial Fibrillation",
    "Coronary Artery Disease", "Myocardial Infarction", "NSTEMI", "STEMI", "Unstable Angina",
    "Chronic Obstructive Pulmonary Disease", "COPD Exacerbation", "Asthma", "Community-Acquired Pneumonia",
    "Pneumonia", "Pulmonary Embolism", "Deep Vein Thrombosis", "Chronic Kidney Disease Stage 3",
    "Acute Kidney Injury", "End-Stage Renal Disease", "Urinary Tract Infection", "Sepsis", "Septic Shock",
    "Cellulitis", "Osteomyelitis", "Osteoarthritis", "Rheumatoid Arthritis", "Gout", "Osteoporosis",
    "Hypothyroidism", "Hyperthyroidism", "Anemia", "Iron Deficiency Anemia", "Sickle Cell Disease",
    "Major Depressive Disorder", "Generalized Anxiety Disorder", "Bipolar Disorder", "Schizophrenia",
    "Post-Traumatic Stress Disorder", "Alcohol Use Disorder", "Opioid Use Disorder", "Dementia",
    "Alzheimer's Disease", "Parkinson's Disease", "Huntington's Disease", "Crohn's Disease",
    "Ulcerative Colitis", "Irritable Bowel Syndrome", "Gastroesophageal Reflux Disease", "Peptic Ulcer Disease",
    "Cirrhosis", "Hepatitis C", "Hepatitis B", "Acute Pancreatitis", "Cholecystitis", "Appendicitis",
    "Diverticulitis", "Small Bowel Obstruction", "Migraine", "Epilepsy", "Seizure Disorder",
    "Ischemic Stroke", "Transient Ischemic Attack", "Multiple Sclerosis", "Bell's Palsy",
    "Guillain-Barre Syndrome", "Graves' Disease", "Hashimoto's Thyroiditis", "Cushing's Syndrome",
    "Addison's Disease", "Hodgkin Lymphoma", "Non-Hodgkin Lymphoma", "Breast Cancer", "Lung Cancer",
    "Prostate Cancer", "Colon Cancer", "Pancreatic Cancer", "Melanoma", "Acute Myeloid Leukemia",
    "Multiple Myeloma", "Benign Prostatic Hyperplasia", "Obstructive Sleep Apnea", "Obesity", "Morbid Obesity",
    "Hypokalemia", "Hyponatremia", "Hyperkalemia", "Diabetic Ketoacidosis", "Hypoglycemia", "Dehydration",
    "Syncope", "Chest Pain", "Shortness of Breath", "Abdominal Pain", "Low Back Pain", "Headache", "Fever",
    "Nausea and Vomiting", "Fatigue", "Dizziness", "Lupus", "Systemic Lupus Erythematosus", "Psoriasis",
    "Eczema", "Down Syndrome", "Tourette Syndrome", "Raynaud's Phenomenon", "Kawasaki Disease",
    "Meniere's Disease", "Lyme Disease", "COVID-19", "Influenza A", "Respiratory Syncytial Virus", "HIV",
    "Tuberculosis", "Glaucoma", "Cataract", "Macular Degeneration", "Peripheral Neuropathy",
    "Peripheral Artery Disease", "Aortic Stenosis", "Mitral Regurgitation", "Cardiomyopathy", "Pericarditis",
    "Endocarditis", "Anaphylaxis", "Allergic Rhinitis", "Sinusitis", "Otitis Media", "Pharyngitis",
    "Conjunctivitis", "Hip Fracture", "Fall", "Pressure Ulcer", "Failure to Thrive", "Delirium",
)

PROCEDURES = (
    "Colonoscopy", "Upper Endoscopy", "EGD", "CT Abdomen with Contrast", "CT Head without Contrast",
    "MRI Brain", "MRI Lumbar Spine", "Chest X-Ray", "Chest CT Angiogram", "Echocardiogram",
    "Transesophageal Echocardiogram", "Cardiac Catheterization", "Coronary Angiography", "Stress Test",
    "Electrocardiogram", "EKG", "ECG", "EEG", "Appendectomy", "Cholecystectomy",
    "Laparoscopic Cholecystectomy", "Total Knee Arthroplasty", "Total Hip Replacement", "CABG",
    "Percutaneous Coronary Intervention", "Pacemaker Placement", "Hemodialysis", "Paracentesis",
    "Thoracentesis", "Lumbar Puncture", "Bronchoscopy", "Biopsy", "Mammogram", "Ultrasound Abdomen",
    "Renal Ultrasound", "Doppler Ultrasound", "PET Scan", "Bone Scan", "Intubation", "Extubation",
    "Central Line Placement", "PICC Line", "Foley Catheter", "Blood Transfusion", "Physical Therapy",
    "Occupational Therapy", "Speech Therapy", "Cataract Surgery", "Cesarean Section", "Hysterectomy",
    "Mastectomy", "Lumpectomy", "Chemotherapy", "Radiation Therapy", "Wound Debridement", "Skin Graft",
    "Spinal Fusion", "Carpal Tunnel Release", "Tonsillectomy", "Hernia Repair",
)

SECTIONS = (
    "Chief Complaint", "History of Present Illness", "Past Medical History", "Past Surgical History",
    "Review of Systems", "Physical Examination", "Physical Exam", "Assessment and Plan", "Assessment", "Plan",
    "Impression", "Discharge Instructions", "Discharge Summary", "Discharge Diagnosis", "Admission Diagnosis",
    "Allergies", "Medications", "Current Medications", "Home Medications", "Discharge Medications",
    "Social History", "Family History", "Vital Signs", "Laboratory Results", "Lab Results", "Imaging",
    "Hospital Course", "Procedure Note", "Operative Report", "Progress Note", "Consultation Note",
    "Reason for Consultation", "Reason for Visit", "Follow-up", "Follow Up Appointments", "Patient Education",
    "Condition at Discharge", "Disposition", "Code Status", "Full Code", "DNR", "Immunizations",
    "Problem List", "Active Problems", "Resolved Problems", "Subjective", "Objective", "Findings",
    "Recommendations", "Signature", "Attending Physician", "Referring Physician", "Primary Care Physician",
    "Patient Information", "Patient Name", "Date of Birth", "Medical Record Number", "Insurance",
    "Emergency Contact", "Nursing Notes", "Pathology Report", "Radiology Report", "Addendum",
)

VITALS = (
    "Blood Pressure", "Heart Rate", "Pulse", "Respiratory Rate", "Temperature", "Oxygen Saturation", "SpO2",
    "Weight", "Height", "BMI", "Pain Score", "Glasgow Coma Scale", "Blood Glucose", "Hemoglobin A1c",
    "White Blood Cell Count", "Hemoglobin", "Hematocrit", "Platelets", "Sodium", "Potassium", "Chloride",
    "Bicarbonate", "Blood Urea Nitrogen", "Creatinine", "eGFR", "Troponin", "BNP", "Lactate", "INR",
    "Albumin", "Total Bilirubin", "ALT", "AST", "Alkaline Phosphatase", "TSH", "Free T4", "LDL Cholesterol",
    "HDL Cholesterol", "Triglycerides", "C-Reactive Protein", "ESR", "Procalcitonin", "Urinalysis",
    "Blood Culture", "Urine Culture", "PSA", "Vitamin B12", "Ferritin", "Magnesium", "Phosphorus",
)

# (abbreviation, unit, low, high, decimals) for realistic lab and vital values.
MEASUREMENTS = (
    ("BP", "mmHg", None, None, 0), ("HR", "bpm", 48, 140, 0), ("Pulse", "bpm", 50, 130, 0),
    ("RR", "breaths/min", 10, 32, 0), ("Temp", "F", 96.0, 104.5, 1), ("Temp", "C", 35.5, 40.5, 1),
    ("SpO2", "%", 82, 100, 0), ("O2 sat", "%", 85, 100, 0), ("Weight", "kg", 40, 160, 1),
    ("Weight", "lbs", 90, 350, 0), ("Height", "cm", 145, 200, 0), ("BMI", "kg/m2", 16, 52, 1),
    ("HbA1c", "%", 4.8, 13.5, 1), ("A1c", "%", 4.8, 13.5, 1), ("Glucose", "mg/dL", 60, 480, 0),
    ("WBC", "x10^9/L", 2.0, 24.0, 1), ("Hgb", "g/dL", 6.0, 17.5, 1), ("Hct", "%", 20, 52, 1),
    ("Plt", "K/uL", 40, 520, 0), ("Na", "mmol/L", 124, 150, 0), ("K", "mmol/L", 2.8, 6.4, 1),
    ("Creatinine", "mg/dL", 0.5, 7.5, 2), ("BUN", "mg/dL", 6, 90, 0), ("eGFR", "mL/min/1.73m2", 8, 120, 0),
    ("Troponin", "ng/mL", 0.01, 12.0, 2), ("BNP", "pg/mL", 20, 4800, 0), ("INR", "", 0.9, 5.5, 1),
    ("LDL", "mg/dL", 40, 240, 0), ("TSH", "mIU/L", 0.1, 12.0, 2), ("Lactate", "mmol/L", 0.6, 9.0, 1),
    ("EF", "%", 15, 70, 0), ("GCS", "", 3, 15, 0), ("Pain", "/10", 0, 10, 0), ("CRP", "mg/L", 1, 250, 0),
)

UNIT_WORDS = (
    "mg", "mg/dL", "mmol/L", "mmHg", "mL", "mcg", "kg", "lbs", "cm", "bpm", "units", "mEq/L", "g/dL",
    "ng/mL", "pg/mL", "IU/L", "mL/hr", "L/min", "%",
)

# Capitalised words and phrases of clinical notes that are not identifiers.
COMMON_CAPITALISED = (
    "Patient", "Normal", "Abnormal", "Negative", "Positive", "Stable", "Unremarkable", "Within Normal Limits",
    "Left", "Right", "Bilateral", "Anterior", "Posterior", "Acute", "Chronic", "Mild", "Moderate", "Severe",
    "Improved", "Resolved", "Denies", "Reports", "Alert and Oriented", "No Acute Distress",
    "No Known Drug Allergies", "NKDA", "Penicillin Allergy", "Sulfa Allergy", "Emergency Department",
    "Intensive Care Unit", "ICU", "Medical ICU", "Operating Room", "Recovery Room", "Cardiology", "Radiology",
    "Oncology", "Neurology", "Nephrology", "Pulmonology", "Gastroenterology", "Endocrinology", "Orthopedics",
    "Pediatrics", "Obstetrics", "Internal Medicine", "Family Medicine", "General Surgery", "Psychiatry",
    "Dermatology", "Urology", "Infectious Disease", "Palliative Care", "Hospice", "Home Health",
    "Skilled Nursing Facility", "Outpatient", "Inpatient", "Admitted", "Discharged", "Transferred",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Morning", "Evening",
    "English", "Spanish", "Interpreter", "Caucasian", "Hispanic", "African American", "Asian", "Male",
    "Female", "Married", "Single", "Widowed", "Nonsmoker", "Former Smoker", "Occasional Alcohol",
    "Medicare", "Medicaid", "Self-Pay", "Commercial Insurance", "Primary Diagnosis", "Secondary Diagnosis",
    "Informed Consent", "Advance Directive", "Power of Attorney", "Next of Kin", "Nurse Practitioner",
    "Physician Assistant", "Registered Nurse", "Case Manager", "Social Worker", "Pharmacist", "MD", "RN",
    "NP", "PA-C", "DO", "PhD", "Page", "Continued", "Confidential", "Final Report", "Preliminary Report",
    "Signed", "Electronically Signed", "Reviewed", "Approved", "Pending", "Ordered", "Completed", "Canceled",
    "Urgent", "Routine", "Stat", "Total", "Result", "Reference Range", "Units", "Flag", "High", "Low",
    "Critical", "Specimen", "Collected", "Received", "Verified", "Comments", "Notes", "Summary", "Table",
    "Figure", "Appendix", "Section", "None", "Unknown", "Not Applicable", "See Above", "As Above",
)

SYMPTOM_PHRASES = (
    "shortness of breath", "chest pain", "abdominal pain", "nausea", "vomiting", "diarrhea", "constipation",
    "headache", "dizziness", "fatigue", "weakness", "fever", "chills", "cough", "productive cough",
    "wheezing", "palpitations", "edema", "lower extremity edema", "back pain", "joint pain", "rash",
    "pruritus", "dysuria", "hematuria", "weight loss", "night sweats", "confusion", "syncope", "numbness",
    "tingling", "blurred vision", "sore throat", "loss of appetite", "insomnia", "anxiety", "depressed mood",
)

DURATIONS = (
    "{n} days", "{n} weeks", "{n} months", "{n} hours", "for {n} days", "{n} days ago", "{n} weeks ago",
    "x{n} days", "past {n} months", "over {n} years", "{n} year history", "{n} pack-year", "every {n} hours",
    "q{n}h", "{n} times daily", "{n} cycles", "post-op day {n}", "hospital day {n}", "day {n}",
)

# US states: a state alone is not a Safe Harbor identifier (only subdivisions smaller than a state are).
STATES = (
    ("Alabama", "AL"), ("Alaska", "AK"), ("Arizona", "AZ"), ("Arkansas", "AR"), ("California", "CA"),
    ("Colorado", "CO"), ("Connecticut", "CT"), ("Delaware", "DE"), ("Florida", "FL"), ("Georgia", "GA"),
    ("Hawaii", "HI"), ("Idaho", "ID"), ("Illinois", "IL"), ("Indiana", "IN"), ("Iowa", "IA"),
    ("Kansas", "KS"), ("Kentucky", "KY"), ("Louisiana", "LA"), ("Maine", "ME"), ("Maryland", "MD"),
    ("Massachusetts", "MA"), ("Michigan", "MI"), ("Minnesota", "MN"), ("Mississippi", "MS"),
    ("Missouri", "MO"), ("Montana", "MT"), ("Nebraska", "NE"), ("Nevada", "NV"), ("New Hampshire", "NH"),
    ("New Jersey", "NJ"), ("New Mexico", "NM"), ("New York", "NY"), ("North Carolina", "NC"),
    ("North Dakota", "ND"), ("Ohio", "OH"), ("Oklahoma", "OK"), ("Oregon", "OR"), ("Pennsylvania", "PA"),
    ("Rhode Island", "RI"), ("South Carolina", "SC"), ("South Dakota", "SD"), ("Tennessee", "TN"),
    ("Texas", "TX"), ("Utah", "UT"), ("Vermont", "VT"), ("Virginia", "VA"), ("Washington", "WA"),
    ("West Virginia", "WV"), ("Wisconsin", "WI"), ("Wyoming", "WY"),
)

# Parts of organisation names that Faker does not have.
HOSPITAL_KINDS = (
    "General Hospital", "Medical Center", "Regional Medical Center", "Memorial Hospital", "Community Hospital",
    "Health System", "Children's Hospital", "University Hospital", "Cancer Center", "Heart Institute",
    "Rehabilitation Center", "Behavioral Health Center", "Surgical Center", "Family Clinic", "Urgent Care",
    "Medical Group", "Health Partners", "Women's Hospital", "Veterans Affairs Medical Center",
    "Orthopedic Institute", "Eye Institute", "Dialysis Center", "Nursing Home", "Hospice House",
    "Health Clinic", "Primary Care Associates", "Pediatrics", "Cardiology Associates", "Imaging Center",
    "Laboratories", "Pharmacy",
)
SAINTS = (
    "Mary's", "Joseph's", "Luke's", "John's", "Vincent's", "Francis", "Jude", "Elizabeth's", "Anthony's",
    "Michael's", "Catherine's", "Agnes", "Peter's", "Paul's", "Clare", "Rose", "Barnabas", "Patrick's",
)
HEALTH_WORDS = (
    "Mercy", "Providence", "Trinity", "Good Samaritan", "Sacred Heart", "Baptist", "Methodist",
    "Presbyterian", "Lutheran", "Adventist", "Covenant", "Hope", "Unity", "Summit", "Pinnacle", "Valley",
    "Lakeside", "Riverside", "Northside", "Southside", "Hillcrest", "Fairview", "Bayview", "Parkview",
    "Cedar", "Oakwood", "Evergreen", "Harbor", "Meadowbrook", "Crestwood", "Kindred", "Beacon",
)
INSURERS = (
    "Blue Cross Blue Shield", "Aetna", "Cigna", "UnitedHealthcare", "Humana", "Kaiser Permanente", "Anthem",
    "Molina Healthcare", "Centene", "Highmark", "Oscar Health", "WellCare", "Ambetter", "Tricare",
)
COMPANY_SUFFIXES = ("Inc.", "LLC", "Corp.", "Group", "Holdings", "Partners", "Co.", "Ltd.", "PC", "PLLC")

NAME_TITLES = ("Mr.", "Mrs.", "Ms.", "Miss", "Dr.", "Mr", "Mrs", "Ms", "Dr", "Prof.")
NAME_SUFFIXES = ("MD", "M.D.", "DO", "RN", "NP", "PA-C", "PhD", "Jr.", "Sr.", "III", "FACP", "DDS")
