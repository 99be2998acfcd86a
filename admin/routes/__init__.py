"""One module of thin routes per resource."""
