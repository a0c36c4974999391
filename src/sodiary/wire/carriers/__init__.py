"""Request and response carriers (SuperOffice's names, PascalCase on the wire) and the views that fill them."""
