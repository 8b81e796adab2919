{# Every area a figure is published for, with its name and the areas that contain it
   (contract section 7): `lep_area` and `local_authority` carry the codes of the containing
   areas and the area's own code at its own level, so `local_authority = '840'` selects that
   authority and its schools. #}
with schools as (
    select * from {{ ref('dim_school') }}
),

authorities as (
    select * from {{ ref('local_authorities') }}
),

lep_areas as (
    select * from {{ ref('lep_areas') }}
),

areas as (
    select
        'region' as area_level,
        'all' as area_code,
        'All programme schools' as area_name,
        null as lep_area,
        null as local_authority
    union all
    select
        'lep_area' as area_level,
        code as area_code,
        name as area_name,
        code as lep_area,
        null as local_authority
    from lep_areas
    union all
    select
        'local_authority' as area_level,
        la_code as area_code,
        name as area_name,
        lep_area,
        la_code as local_authority
    from authorities
    union all
    select
        'school' as area_level,
        school_urn as area_code,
        school_name as area_name,
        lep_area,
        la_code as local_authority
    from schools
)

select
    area_level,
    area_code,
    area_name,
    lep_area::text as lep_area,
    local_authority::text as local_authority
from areas
