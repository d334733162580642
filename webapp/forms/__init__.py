"""Flask-WTF forms, one module per area: what a request must carry, with Swedish field errors.

Fields only parse and bound the input; the rules that need the database are the services'.
"""
