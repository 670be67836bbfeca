"""All SQL lives here, one module per aggregate; every function takes a Session."""
