"""Which column means what: the CRM formats recognised, the guessed mapping, its problems."""

import re
from dataclasses import dataclass, field

from feedback.csv_io.reading import header_duplicates

# Fields a column can be mapped to, with the words shown in the mapping form.
LEAD_TARGETS = {
    "crm_reference": "CRM reference (required)",
    "company": "Company (required)",
    "owner": "Owner: the sales rep (e-mail or name)",
    "contact_name": "Contact name",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "E-mail address",
    "phone": "Phone",
    "title": "Job title",
    "seniority": "Seniority",
    "industry": "Industry",
    "company_size": "Company size (employees)",
    "region": "Region",
    "source": "Lead source",
    "permission_to_follow_up": "Permission to follow up (yes/no)",
    "opted_out": "Opted out of e-mail (yes/no)",
    "asked_for_information": "Asked for information (yes/no)",
    "need_evidence": "Need: evidence",
    "need_note": "Need: note",
    "budget_evidence": "Budget: evidence",
    "budget_note": "Budget: note",
    "authority_evidence": "Authority: evidence",
    "authority_note": "Authority: note",
    "stage_handed_over": "Stage handed over at",
    "handed_over_at": "Handed over on (date)",
}


OUTCOME_TARGETS = {
    "crm_reference": "CRM reference (required)",
    "result": "Outcome (required)",
    "occurred_on": "Date (required)",
    "amount": "Amount",
}


@dataclass(frozen=True)
class CrmFormat:
    key: str
    name: str
    reference: tuple[str, ...]  # any of these headers identifies the format
    # Column name → field. Where several columns fill one field, the first the file has
    # wins (the MQL date before the creation date, say).
    columns: dict[str, str] = field(default_factory=dict)
    # How the CRM writes a date such as 03/04/2025 when no value of the column settles it.
    date_order: str = ""
    # Its references are Salesforce Ids: 15 (case-sensitive) or 18 characters, one lead.
    salesforce_ids: bool = False

    def matches(self, header: list[str]) -> bool:
        names = set(header)
        known = sum(1 for column in self.columns if column in names)
        return any(ref in names for ref in self.reference) and known >= 4


CRM_FORMATS = [
    CrmFormat(
        "hubspot",
        "HubSpot contact export",
        ("Record ID", "Contact ID"),
        {
            "Record ID": "crm_reference",
            "Contact ID": "crm_reference",
            "First Name": "first_name",
            "Last Name": "last_name",
            "Email": "email",
            "Phone Number": "phone",
            "Company Name": "company",
            # The newer export names the contact's company by its association.
            "Associated Company": "company",
            "Associated Company (Primary)": "company",
            "Job Title": "title",
            "Industry": "industry",
            "Number of Employees": "company_size",
            "Lifecycle Stage": "stage_handed_over",
            "Contact owner": "owner",
            "Original Source": "source",
            "Became a Marketing Qualified Lead Date": "handed_over_at",
            "Became a Sales Qualified Lead Date": "handed_over_at",
            "Create Date": "handed_over_at",
        },
    ),
    CrmFormat(
        "salesforce_report",
        "Salesforce lead report",
        ("Lead ID",),
        {
            "Lead ID": "crm_reference",
            "First Name": "first_name",
            "Last Name": "last_name",
            "Email": "email",
            "Phone": "phone",
            "Company / Account": "company",
            "Company": "company",
            "Title": "title",
            "Industry": "industry",
            "Lead Source": "source",
            "No. of Employees": "company_size",
            "Lead Owner": "owner",
            "Lead Status": "stage_handed_over",
            "Create Date": "handed_over_at",
            "Created Date": "handed_over_at",
        },
        # Salesforce reports write dates in the running user's locale; en_US by default.
        date_order="mdy",
        salesforce_ids=True,
    ),
    CrmFormat(
        "salesforce_api",
        "Salesforce lead export (API names)",
        ("Id",),
        {
            "Id": "crm_reference",
            "FirstName": "first_name",
            "LastName": "last_name",
            "Email": "email",
            "Phone": "phone",
            "Company": "company",
            "Title": "title",
            "Industry": "industry",
            "LeadSource": "source",
            "NumberOfEmployees": "company_size",
            "OwnerId": "owner",
            "HasOptedOutOfEmail": "opted_out",
            "Status": "stage_handed_over",
            "CreatedDate": "handed_over_at",
        },
        salesforce_ids=True,
    ),
    CrmFormat(
        "accord",
        "Accord lead export",
        ("CRM reference",),
        {
            "CRM reference": "crm_reference",
            "Company": "company",
            "Owner": "owner",
            "Contact name": "contact_name",
            "E-mail address": "email",
            "Phone": "phone",
            "Job title": "title",
            "Seniority": "seniority",
            "Industry": "industry",
            "Company size": "company_size",
            "Region": "region",
            "Lead source": "source",
            "Permission to follow up": "permission_to_follow_up",
            "Asked for information": "asked_for_information",
            "Need: evidence": "need_evidence",
            "Need: note": "need_note",
            "Budget: evidence": "budget_evidence",
            "Budget: note": "budget_note",
            "Authority: evidence": "authority_evidence",
            "Authority: note": "authority_note",
            "Stage handed over at": "stage_handed_over",
            "Handed over on": "handed_over_at",
        },
    ),
]


CRM_BY_KEY = {crm.key: crm for crm in CRM_FORMATS}


def format_recognise(header: list[str]) -> tuple[CrmFormat | None, dict[str, str]]:
    """The CRM format whose usual headers this file has, and its column mapping (columns
    named twice are left out: which of them is meant cannot be told)."""
    twice = {name.casefold() for name in header_duplicates(header)}
    names = {name for name in header if name.casefold() not in twice}
    for crm in CRM_FORMATS:
        if crm.matches(header):
            mapping, used = {}, set()
            for column, target in crm.columns.items():
                if column in names and target not in used:
                    mapping[column] = target
                    used.add(target)
            return crm, {column: mapping[column] for column in header if column in mapping}
    return None, {}


def mapping_guess(header: list[str], targets: dict[str, str]) -> dict[str, str]:
    """A first guess for an unknown file: columns whose name reads like a target."""

    def squash(text: str) -> str:
        return re.sub(r"[^a-z]", "", text.casefold())

    by_name = {squash(key): key for key in targets}
    by_name.update({squash(label.split("(")[0]): key for key, label in targets.items()})
    twice = {name.casefold() for name in header_duplicates(header)}
    mapping, used = {}, set()
    for column in header:
        if column.casefold() in twice:
            continue
        target = by_name.get(squash(column))
        if target and target not in used:
            mapping[column] = target
            used.add(target)
    return mapping


def mapping_problems(
    mapping: dict[str, str], targets: dict[str, str], required, *, header: list[str] = ()
) -> list[str]:
    problems, seen = [], {}
    twice = header_duplicates(list(header))
    twice = {name.casefold(): spots for name, spots in twice.items()}
    for column, target in mapping.items():
        if not target:
            continue
        if column.casefold() in twice:
            spots = twice[column.casefold()]
            problems.append(
                f"Column “{column}” is named twice (columns "
                f"{', '.join(map(str, spots[:-1]))} and {spots[-1]}): rename one in the file "
                "to import it, or leave it unmapped."
            )
            continue
        if target not in targets:
            problems.append(f"Column “{column}”: “{target}” is not something we can import.")
        elif target in seen:
            problems.append(
                f"Columns “{seen[target]}” and “{column}” are both mapped to "
                f"{targets[target].split(' (')[0].lower()}."
            )
        seen.setdefault(target, column)
    for target in required:
        if target not in seen:
            problems.append(f"Map a column to {targets[target].split(' (')[0].lower()}.")
    return problems
