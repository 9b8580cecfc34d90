"""The sample resource: schemas, repository, blueprint. Rename or delete it as the README says."""
