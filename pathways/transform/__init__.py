"""The transform step: dbt builds the star schema, marts and partner candidates from raw."""
