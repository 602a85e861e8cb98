"""The diff stage: migra's statements in the managed scope, repaired and supplemented.

`plan.make_plans` is the entry point: migra's DDL (`statements`), rewritten where migra
gets it wrong (`repair/`, one module per kind), what migra never emits (`supplement/`,
one module per kind), renames declared in schema.sql (`renames`) and the reference rows
(`..data`), as candidate plans for the proof.
"""
