"""The sample resource: schemas, repository and router. Rename or delete it as the README says."""
