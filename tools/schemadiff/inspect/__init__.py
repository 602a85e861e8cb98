"""Two independent views of a database: migra's model and our catalog snapshot.

`views.Views` caches both per database; the diff stage and the proof read them from it.
"""
