"""Files made from what was published: career-lead packs and the open-data export."""
