"""Outcomes: death records from a medical examiner or vital records, classified by the CDC's
ICD-10 definitions, and (issue 15) linked to the people the program released."""
