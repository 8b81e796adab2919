"""From verified candidates to what partners and career leads may read: disclosure control,
publication, roles and row-level security."""
