"""Made-up names and free text for synthetic students; none of it describes a real child."""

FORENAMES = {
    "F": ["Amelia", "Olivia", "Isla", "Ava", "Mia", "Grace", "Lily", "Freya", "Evie", "Ruby",
          "Sophie", "Chloe", "Aisha", "Zara", "Hannah", "Ellie", "Maya", "Niamh"],
    "M": ["Oliver", "Jack", "Harry", "George", "Noah", "Leo", "Charlie", "Jacob", "Alfie",
          "Thomas", "Mohammed", "Ethan", "Callum", "Kian", "Liam", "Dylan", "Reece", "Owen"],
    "U": ["Alex", "Sam", "Charlie", "Jordan", "Riley", "Robin", "Jamie", "Morgan"],
}  # fmt: skip
SURNAMES = [
    "Smith", "Robson", "Charlton", "Armstrong", "Milburn", "Wilson", "Thompson", "Bell",
    "Hall", "Young", "Scott", "Brown", "Walker", "O'Neill", "Patel", "Khan", "Stephenson",
    "Dodds", "Heslop", "Laidler", "Pattinson", "Forster", "Ridley", "Elliott",
]  # fmt: skip
JOB_TYPES = {
    "advanced_manufacturing": ["Maintenance technician", "CNC machinist", "Welder"],
    "agriculture_environment": ["Gamekeeper", "Environmental officer", "Farm worker"],
    "chemicals_process": ["Lab technician", "Process operator"],
    "clean_energy": ["Wind turbine technician", "Solar installer"],
    "construction": ["Electrician", "Joiner", "Plumber", "Bricklayer"],
    "creative_cultural_leisure": ["Games designer", "Hairdresser", "Musician", "Fitness coach"],
    "digital": ["Software developer", "Cyber security analyst", "IT support"],
    "education_childcare": ["Nursery nurse", "Primary teacher", "Teaching assistant"],
    "energy": ["Offshore engineer", "Nuclear technician"],
    "financial_professional": ["Accountant", "Solicitor", "Office administrator"],
    "health_social_care": ["Nurse", "Paramedic", "Care worker", "Midwife"],
    "hospitality_retail": ["Chef", "Hotel receptionist", "Retail supervisor"],
    "life_sciences": ["Biologics technician", "Pharmacist"],
    "logistics": ["HGV driver", "Warehouse supervisor"],
    "public_uniformed": ["Police officer", "Firefighter", "Soldier"],
}
ACTION_PLANS = [
    "Research {plan} options and attend the open evening",
    "Book a college taster day; talk to family about {plan}",
    "Update CV with Saturday job experience\nApply for work experience, ask tutor for a reference",
    "Look at apprenticeship vacancies, then revisit plan ({plan})",
    "Attend the employer encounter and write down three questions",
]
