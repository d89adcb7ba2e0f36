"""Hand-offs to the astronomer's other tools: SAMP (TOPCAT, Aladin), DS9/Aladin region files,
SED plots. Each reads the package's tables and writes nothing the pipeline needs back."""
