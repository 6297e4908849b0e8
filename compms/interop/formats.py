IMPORTERS: list = []
EXPORTERS: list = []
