"""Languages: gettext catalogs, translators and locale negotiation."""
