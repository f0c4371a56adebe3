"""CSV files as the CRMs export them, for the import tests."""

HUBSPOT_HEADER = [
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Phone Number",
    "Company Name",
    "Job Title",
    "Industry",
    "Number of Employees",
    "Lifecycle Stage",
    "Lead Status",
    "Contact owner",
    "Original Source",
    "Create Date",
]


def hubspot_row(n: int, owner: str, **overrides) -> list[str]:
    row = {
        "Record ID": f"HS-{n}",
        "First Name": f"Ana{n}",
        "Last Name": "Silva",
        "Email": f"ana{n}@acme.example",
        "Phone Number": "+44 20 7946 0000",
        "Company Name": f"Acme {n}",
        "Job Title": "VP Operations",
        "Industry": "Logistics",
        "Number of Employees": "250",
        "Lifecycle Stage": "marketingqualifiedlead",
        "Lead Status": "New",
        "Contact owner": owner,
        "Original Source": "Organic Search",
        "Create Date": "2026-11-02 10:00",
    }
    row.update(overrides)
    return [row[name] for name in HUBSPOT_HEADER]


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    def cell(value: str) -> str:
        if any(c in value for c in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(delimiter.join(cell(v) for v in row) + "\r\n" for row in rows)


def hubspot_file(count: int, owner: str, *, encoding="utf-8", delimiter=",", rows=None) -> bytes:
    rows = rows if rows is not None else [hubspot_row(n, owner) for n in range(1, count + 1)]
    return csv_text([HUBSPOT_HEADER, *rows], delimiter).encode(encoding)
