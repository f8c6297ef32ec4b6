"""Browser components and the data they draw (the coding workbench's span selector)."""
