"""Rule modules and recipes of freebsd-refactor, installed as `refactor_rules`.

Each subpackage is one recipe and exports RECIPE.
"""
