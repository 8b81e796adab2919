"""Package data of pathways (pathways/resources.py finds it through the package, installed or
not); the __init__ makes the folder a package an editable install maps like the code."""
