"""Pages that span the apps: each person's home, the navigation, and an organisation's overview.

The top layer (with api and demo): it may read from every app, and no app imports it.
"""
