"""The words the UI shows for stored codes: statuses, types, name kinds, match evidence.

Each is an English msgid (translated when shown, see i18n.py), so a new code without a label
shows as itself rather than failing; tests check every enum member has one.
"""

from __future__ import annotations

from zhengming.entrypoints.web.i18n import N_

STATUS = {
    "active": N_("Active"),
    "archived": N_("Archived"),
    "deleted": N_("Recycle bin"),
    "merged": N_("Merged"),
}
TYPE = {
    "prospect": N_("Prospect"),
    "customer": N_("Customer"),
    "vip": N_("Key account"),
    "partner": N_("Partner"),
}
NAME_TYPE = {
    "legal": N_("Registered name"),
    "short": N_("Short name"),
    "english": N_("English name"),
    "brand": N_("Brand"),
    "former": N_("Former name"),
}
KIND = {
    "company": N_("Company"),
    "individual": N_("Individual"),
    "unknown": N_("Unknown"),
}
DECISION = {
    "same": N_("Same customer"),
    "likely": N_("Possibly the same"),
    "related": N_("Related"),
    "different": N_("Different"),
}
SEVERITY = {
    "error": N_("Error"),
    "warning": N_("Warning"),
    "info": N_("Note"),
}
ACTION = {
    "customer.register": N_("Registered"),
    "customer.update": N_("Edited"),
    "customer.rename": N_("Renamed"),
    "customer.add_alias": N_("Name added"),
    "customer.remove_alias": N_("Name removed"),
    "customer.archive": N_("Archived"),
    "customer.delete": N_("Moved to the recycle bin"),
    "customer.restore": N_("Restored"),
    "customer.merge": N_("Merged"),
    "customer.merged_into": N_("Merged into another customer"),
    "customer.unmerge": N_("Merge undone"),
    "customer.link": N_("Linked to a related customer"),
    "customer.unlink": N_("Link ended"),
}
FIELD = {
    "name": N_("Name"),
    "names": N_("Names"),
    "uscc": N_("Unified social credit code"),
    "type": N_("Type"),
    "industry": N_("Industry code"),
    "region_code": N_("Region code"),
    "size": N_("Size"),
    "owner": N_("Owner"),
    "team": N_("Team"),
    "source": N_("Source"),
    "tags": N_("Tags"),
    "status": N_("Status"),
    "contacts": N_("Contacts"),
    "parts": N_("Parsed parts"),
    "version": N_("Version"),
    "name_key": N_("Match key"),
    "kind": N_("Kind"),
    "last_verified_at": N_("Last verified"),
    "aliases": N_("Other names"),
    "merged_into": N_("Merged into"),
    "merge_id": N_("Merge"),
    "customers": N_("Customers"),
    "restored": N_("Restored"),
}
#: How the other members of a cluster relate to the one a reviewer picks (``LinkKind``).
LINK_KIND = {
    "branch_of": N_("Branch of"),
    "same_group": N_("Same group as"),
    "acquired_by": N_("Acquired by"),
    "absorbed_by": N_("Absorbed by"),
}
#: What the customer at the other end of a link is to this one: for a link from this customer
#: (``this branch_of other``: the other is the head office), and for a link to it.
LINK_OTHER = {
    "branch_of": N_("Head office"),
    "same_group": N_("Same group"),
    "acquired_by": N_("Acquirer"),
    "absorbed_by": N_("Absorbed into"),
}
LINK_OTHER_REVERSE = {
    "branch_of": N_("Branch"),
    "same_group": N_("Same group"),
    "acquired_by": N_("Acquired company"),
    "absorbed_by": N_("Absorbed company"),
}
#: Where a duplicate cluster of the review queue stands.
CLUSTER_STATUS = {
    "pending": N_("Waiting for review"),
    "merged": N_("Merged"),
    "not_duplicate": N_("Not a duplicate"),
    "related": N_("Related"),
    "superseded": N_("Superseded by a later scan"),
}
#: Why a stored customer matches what is being typed: (comparison, level) -> reason.
EVIDENCE = {
    ("name", "exact"): N_("identical name"),
    ("name", "same_key"): N_(
        "same name once script, brackets and the position of the region are set aside"
    ),
    ("name", "same_core"): N_("same name without region and legal form"),
    ("name", "same_pinyin"): N_("name sounds the same (same pinyin)"),
    ("name", "abbreviation"): N_("one name is an abbreviation of the other"),
    ("name", "english_pinyin"): N_("English name matches the Chinese name's pinyin"),
    ("name", "similar"): N_("very similar name"),
    ("name", "same_trade_name"): N_("same trade name"),
    ("name", "different"): N_("different name"),
    ("region", "equal"): N_("same region"),
    ("region", "compatible"): N_("compatible region"),
    ("region", "conflict"): N_("different region"),
    ("legal_form", "equal"): N_("same legal form"),
    ("legal_form", "compatible"): N_("compatible legal form"),
    ("legal_form", "conflict"): N_("different legal form"),
    ("branch", "same_branch"): N_("same branch"),
    ("branch", "head_and_branch"): N_("head office and branch"),
    ("branch", "different_branches"): N_("different branches"),
    ("uscc", "equal"): N_("same unified social credit code"),
    ("uscc", "conflict"): N_("different unified social credit code"),
    ("contact", "phone_and_email"): N_("same phone and e-mail"),
    ("contact", "phone"): N_("same phone"),
    ("contact", "email"): N_("same e-mail"),
    ("contact", "different"): N_("different contacts"),
    ("id_number", "equal"): N_("same ID number"),
    ("id_number", "close"): N_("nearly the same ID number"),
    ("id_number", "different"): N_("different ID number"),
    ("birth_date", "equal"): N_("same date of birth"),
    ("birth_date", "close"): N_("nearly the same date of birth"),
    ("birth_date", "different"): N_("different date of birth"),
    ("address", "equal"): N_("same address"),
    ("address", "similar"): N_("similar address"),
    ("address", "different"): N_("different address"),
    ("postcode", "equal"): N_("same postcode"),
    ("postcode", "different"): N_("different postcode"),
}
SORT = {
    "updated": N_("Last changed"),
    "created": N_("Newest"),
    "name": N_("Name"),
    "customer_no": N_("Customer number"),
}
