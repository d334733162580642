"""One blueprint per area; thin: check permission, call one service, commit, render."""
