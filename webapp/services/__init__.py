"""What users do: plain arguments in, models out; never `request`, only flush (the view commits)."""
